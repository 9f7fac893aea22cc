"""iea: a conversational photo-editing agent that writes explainable programs over 16 global tools.

The package keeps its import light (the CLI must start fast), so heavy submodules load on first
use: ``from iea_core import render`` imports the editor only then.
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .errors import IeaError, InvalidProgram  # noqa: E402
from .program import Program, parse_model_output  # noqa: E402
from .tools import APPLICATION_ORDER, TOOL_NAMES, TOOLS  # noqa: E402

_LAZY = {
    "render": ("iea_core.editor", "render"),
    "render_batch": ("iea_core.editor", "render_batch"),
    "read_image": ("iea_core.imageio", "read_image"),
    "write_image": ("iea_core.imageio", "write_image"),
    "get_agent": ("iea_core.agent", "get_agent"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'iea_core' has no attribute {name!r}")


__all__ = ["__version__", "IeaError", "InvalidProgram", "Program", "parse_model_output",
           "TOOLS", "TOOL_NAMES", "APPLICATION_ORDER", *_LAZY]
