"""Translation of iea programs into what host editors read: Lightroom Classic / Camera Raw develop
settings (:mod:`.lightroom`) and darktable history stacks and styles (:mod:`.darktable`).

Submodules are imported on use; ``import iea_core.hosts`` itself costs nothing.
"""
from __future__ import annotations

HOSTS = ("lightroom", "darktable")
