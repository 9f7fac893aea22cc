"""The clipping guard holds for strong and protected brightening on a photo with a white area.

A regression test: when no variant kept a quarter of the brightening, the guard once fell back
to the unguarded program and "much brighter" clipped 46 % of the astronaut to white."""
from __future__ import annotations

import pytest
import skimage.data

from iea_core.agent import get_agent
from iea_core.agent import verify as V
from iea_core.editor import render


@pytest.mark.parametrize("request_text", ["much brighter", "brighter but keep the sky",
                                          "lighten it up, protect the highlights"])
def test_brightening_clips_at_most_a_few_percent(request_text: str) -> None:
    photo = V.preview(skimage.data.astronaut(), 256)
    program = get_agent("embedded").edit(photo, request_text).program
    assert program["exposure"] > 0 or program["brightness"] > 0 or program["shadows"] > 0
    regions = V.regions(photo)
    before = V.clipping(photo, regions)[0]
    after = V.clipping(render(photo, program), regions)[0]
    assert after - before <= 0.03, (program.to_dict(), before, after)
