"""One embedded agent for the whole area (loading it takes a fraction of a second, but reading the
speller's vocabulary and the weights once keeps the suite fast)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def agent():
    from iea_core.agent.embedded import EmbeddedAgent

    return EmbeddedAgent().load()


@pytest.fixture(scope="session")
def editor():
    """The editor's ``render``; the pixel tests measure what the agent's programs do to photos."""
    module = pytest.importorskip("iea_core.editor", reason="iea_core.editor is not in this tree yet")
    if not hasattr(module, "render"):  # the editor package is being written beside this area
        pytest.skip("iea_core.editor.render is not in this tree yet")
    return module


@pytest.fixture(scope="session")
def views(photos):
    """192 px agent views of three photos and of variants a photographer meets: under- and
    overexposed, a blue and a yellow cast, a flat photo."""
    import numpy as np

    from iea_core.agent import verify as V

    cat = V.preview(photos["chelsea"], 192).astype(np.float32)
    astro = V.preview(photos["astronaut"], 192).astype(np.float32)
    coffee = V.preview(photos["coffee"], 192).astype(np.float32)
    return {
        "cat": cat, "astro": astro, "coffee": coffee,
        "dark": np.clip(astro * 0.35, 0, 1).astype(np.float32),
        "bright": np.clip(astro * 1.6 + 0.1, 0, 1).astype(np.float32),
        "blue": np.clip(cat * np.array([0.75, 0.95, 1.25], np.float32), 0, 1).astype(np.float32),
        "yellow": np.clip(coffee * np.array([1.2, 1.0, 0.7], np.float32), 0, 1).astype(np.float32),
        "flat": (0.5 + (cat - 0.5) * 0.4).astype(np.float32),
    }
