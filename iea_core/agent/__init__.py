"""Agents: what turns a photo and words into a program.

Every backend implements :class:`~iea_core.agent.base.Agent` (``edit``, ``refine``, ``summarize``)
and is chosen by name (config ``[agent] backend = ...`` or ``IEA_AGENT``). Backends register
themselves in :data:`BACKENDS` as ``"module:Class"`` strings, so importing this package never
imports torch or a model.
"""
from __future__ import annotations

import importlib
from typing import Any, Iterable, Mapping

from ..errors import BackendUnavailable
from .base import Agent, EditResult, Style, Turn

#: backend name -> "module:ClassName"; each class takes keyword options from the config.
BACKENDS: dict[str, str] = {
    "embedded": "iea_core.agent.embedded:EmbeddedAgent",
    "transformers": "iea_core.agent.transformers_backend:TransformersAgent",
    "vllm": "iea_core.agent.vllm_backend:VllmAgent",
}


def parse_option_items(items: Iterable[str]) -> dict[str, Any]:
    """``--option key=value`` strings as backend options; values are YAML scalars.

    >>> parse_option_items(["model_path=runs/stage3", "max_new_tokens=64", "sample=false"])
    {'model_path': 'runs/stage3', 'max_new_tokens': 64, 'sample': False}
    """
    import yaml

    from ..errors import ConfigError

    options: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--option {item!r} is not key=value")
        try:
            options[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            options[key.strip()] = raw
    return options


def agent_settings(name: str | None = None,
                   overrides: Mapping[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """The backend to serve and its options: ``name`` (default: config ``[agent] backend``), the
    config's ``[agent.options]`` when they belong to that backend, then ``overrides`` on top.

    This is what a daemon resolves once and hands to every worker, so that a plug-in request
    reaches the same model ``iea serve --backend ... --option ...`` names.
    """
    from ..config import load_config

    config = load_config()
    backend = name or config.agent.backend
    options = dict(config.agent.options) if backend == config.agent.backend else {}
    options.update(overrides or {})
    return backend, options


def describe_settings(backend: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """What ``iea status`` shows of an agent: backend, model (folder or URL) and device; never
    the options themselves (they may hold an API key)."""
    model = options.get("model_path") or options.get("model") or options.get("url")
    if backend == "vllm":
        device = "remote server" if options.get("url") else "cuda (in-process vLLM)"
    elif backend == "embedded":
        device, model = "cpu", model or "built-in weights"
    else:
        device = options.get("device", "cpu")
    return {"backend": backend, "model": str(model) if model else None, "device": str(device)}


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


__all__ = ["Agent", "EditResult", "Style", "Turn", "BACKENDS", "agent_settings", "describe_settings",
           "get_agent",
           "parse_option_items"]
