"""Structured logs: one JSON object per line on stderr, with the request id when there is one.

The daemon started on demand sends stderr to ``<user data dir>/logs/bridge.log``, so
``grep '"id":"<request id>"'`` follows one request through the daemon and its workers.
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
_threshold = LEVELS.get(os.environ.get("IEA_BRIDGE_LOG", "info"), 20)
_component = "bridge"


def configure(level: str = "info", component: str = "bridge") -> None:
    global _threshold, _component
    _threshold = LEVELS.get(level, 20)
    _component = component


def enabled(level: str) -> bool:
    return LEVELS[level] >= _threshold


def log(level: str, event: str, **fields: Any) -> None:
    if LEVELS[level] < _threshold:
        return
    record = {"ts": round(time.time(), 6), "level": level, "component": _component,
              "pid": os.getpid(), "event": event, **fields}
    try:
        sys.stderr.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # a closed or full log must never take the daemon down
