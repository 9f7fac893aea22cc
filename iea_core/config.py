"""Where iea keeps its files, and the user's settings.

Settings come from ``$IEA_CONFIG`` or ``<user config dir>/iea/config.toml``; environment variables
``IEA_DATA_DIR``, ``IEA_RUNTIME_DIR`` and ``IEA_AGENT`` override single values (tests use them to
stay inside a temporary folder).

Example ``config.toml``::

    [agent]
    backend = "embedded"          # or "transformers", "vllm"
    [agent.options]               # passed to the backend's constructor
    model_path = "/models/Qwen2.5-VL-7B-IEA"
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

APP_NAME = "iea"


def _platform_dir(kind: str) -> Path:
    import platformdirs

    getter = {
        "data": platformdirs.user_data_dir,
        "config": platformdirs.user_config_dir,
        "cache": platformdirs.user_cache_dir,
        "runtime": platformdirs.user_runtime_dir,
    }[kind]
    return Path(getter(APP_NAME, appauthor=False))


def user_data_dir() -> Path:
    """Sessions database, style library, logs. Created on first use."""
    path = Path(os.environ.get("IEA_DATA_DIR") or _platform_dir("data"))
    _make_user_dir(path, "data", "IEA_DATA_DIR", "XDG_DATA_HOME")
    return path


def user_cache_dir() -> Path:
    """JIT caches and other files that can be rebuilt."""
    path = Path(os.environ.get("IEA_CACHE_DIR") or _platform_dir("cache"))
    _make_user_dir(path, "cache", "IEA_CACHE_DIR", "XDG_CACHE_HOME")
    return path


def user_runtime_dir() -> Path:
    """The bridge's ipc socket and pid file. Private to the user (mode 0700)."""
    env = os.environ.get("IEA_RUNTIME_DIR")
    path = Path(env) if env else _platform_dir("runtime")
    _make_user_dir(path, "runtime", "IEA_RUNTIME_DIR", "XDG_RUNTIME_DIR", mode=0o700)
    return path


def _make_user_dir(path: Path, kind: str, variable: str, xdg: str, mode: int = 0o777) -> None:
    """``mkdir -p`` of one of iea's own folders; a failure says which variable moves it."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=mode)
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied", str(path))
    except OSError as exc:
        from .errors import ConfigError, describe_os_error

        why = describe_os_error(exc, path, action=f"use iea's {kind} folder").split("; ")[0]
        raise ConfigError(f"{why}; set {variable} (or {xdg}) to a folder you can write to") \
            from None


def user_config_path() -> Path:
    env = os.environ.get("IEA_CONFIG")
    return Path(env) if env else _platform_dir("config") / "config.toml"


#: the editor profiles a config may name (``profile = "..."``)
EDITOR_PROFILES = ("default", "iea-compat")
#: a config file is a few lines; anything larger is refused unread
MAX_CONFIG_BYTES = 1_000_000


@dataclass
class AgentConfig:
    backend: str = "embedded"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Config:
    agent: AgentConfig = field(default_factory=AgentConfig)
    profile: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)  # sections owned by other modules


def load_config(path: Path | None = None) -> Config:
    """Read the config file if there is one; a missing file means all defaults."""
    path = path or user_config_path()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            if path.stat().st_size > MAX_CONFIG_BYTES:
                raise ConfigError(f"config {path} is larger than 1 MB; fix it or set IEA_CONFIG "
                                  "to another file")
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise ConfigError(f"cannot read config {path}: {exc or 'nested too deeply'}; fix "
                              "it or set IEA_CONFIG to another file") from None
        except OSError as exc:
            from .errors import read_error

            raise read_error(exc, path, what="config file") from None
    agent = data.pop("agent", {}) or {}
    if not isinstance(agent, dict):
        raise ConfigError(f"config {path}: [agent] must be a table")
    backend = os.environ.get("IEA_AGENT") or agent.get("backend", "embedded")
    options = agent.get("options", {}) or {}
    if not isinstance(backend, str) or not isinstance(options, dict):
        raise ConfigError(f"config {path}: agent.backend must be a string, agent.options a table")
    profile = data.pop("profile", "default")
    if profile not in EDITOR_PROFILES:
        raise ConfigError(f"config {path}: profile {profile!r} is not one of "
                          f"{', '.join(EDITOR_PROFILES)}")
    return Config(agent=AgentConfig(backend, dict(options)), profile=str(profile), extra=data)
