"""Agents: what turns a photo and words into a program.

Every backend implements :class:`~iea_core.agent.base.Agent` (``edit``, ``refine``, ``summarize``)
and is chosen by name (config ``[agent] backend = ...`` or ``IEA_AGENT``). Backends register
themselves in :data:`BACKENDS` as ``"module:Class"`` strings, so importing this package never
imports torch or a model.
"""
from __future__ import annotations

import importlib
from typing import Any

from ..errors import BackendUnavailable
from .base import Agent, EditResult, Style, Turn

#: backend name -> "module:ClassName"; each class takes keyword options from the config.
BACKENDS: dict[str, str] = {
    "embedded": "iea_core.agent.embedded:EmbeddedAgent",
    "transformers": "iea_core.agent.transformers_backend:TransformersAgent",
    "vllm": "iea_core.agent.vllm_backend:VllmAgent",
}


def get_agent(name: str | None = None, **options: Any) -> Agent:
    """Build the backend called ``name`` (default: the configured one) with ``options``."""
    if name is None:
        from ..config import load_config

        config = load_config()
        name = config.agent.backend
        options = {**config.agent.options, **options}
    target = BACKENDS.get(name)
    if target is None:
        raise BackendUnavailable(
            f"unknown agent backend {name!r}; choose one of {', '.join(sorted(BACKENDS))}")
    module_name, class_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailable(f"agent backend {name!r} cannot load: {exc}") from None
    return getattr(module, class_name)(**options)


__all__ = ["Agent", "EditResult", "Style", "Turn", "BACKENDS", "get_agent"]
