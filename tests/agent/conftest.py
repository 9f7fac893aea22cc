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
