"""The embedded agent: iea's default backend, offline on a laptop CPU.

A packaged sentence encoder (MiniLM, run in numpy) reads each clause of an instruction, two small
trained heads say which property it talks about and what the user wants done with it, image
statistics and a short search with the editor settle "fix the exposure"-style requests, and rules
compose the clauses into a program with one sentence of explanation per tool. See ``docs/agent.md``.
"""
from __future__ import annotations

from typing import Any

__all__ = ["EmbeddedAgent"]


def __getattr__(name: str) -> Any:
    # Lazy: `import iea_core.agent.embedded.text` (training, tests) must not load the agent.
    if name == "EmbeddedAgent":
        from .agent import EmbeddedAgent

        return EmbeddedAgent
    raise AttributeError(name)
