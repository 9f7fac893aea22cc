"""The one interface every agent backend implements.

Images are numpy arrays following the editor's conventions: H x W x 3 (alpha, if any, is ignored),
``uint8``, ``uint16`` or floating point in 0..1, sRGB-encoded. Callers pass a preview (a long side
of about 512-1024 px is plenty); backends must not assume a size.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from ..program import Program


@dataclass(frozen=True)
class Turn:
    """One turn of a conversation: what the user said and the program that was current after it."""

    role: Literal["user", "agent"]
    text: str
    program: Program | None = None


@dataclass(frozen=True)
class EditResult:
    """An agent's answer to an edit or refine request.

    ``program`` is absolute (the full new program, as IEA's Image-Refine answers), ``reasoning``
    the short explanation shown to the user, ``explanations`` one sentence per tool that is set,
    ``raw`` the model's raw text where there is one (for logs and training data).

    ``understood`` is False when the agent could not read the request at all (gibberish, a
    language it does not read): the program is then empty and ``message`` says so. ``message``
    holds what the user must be told beyond the per-tool explanations: requests no tool can
    serve, contradictions, guard rails that changed the edit, fixes the agent added on its own
    (empty when there is nothing to add). ``auto_fixed`` names tools set for a fault the request
    did not mention ("only what I asked" takes them back).
    """

    program: Program
    reasoning: str = ""
    explanations: Mapping[str, str] = field(default_factory=dict)
    raw: str | None = None
    understood: bool = True
    message: str = ""
    auto_fixed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Style:
    """A reusable look: one sentence a photographer would write, and the program that makes it."""

    sentence: str
    program: Program
    name: str | None = None
    distance: float | None = None  # d(render(before, program), after) when recovered from a pair
    #: d(render(before, agent.edit(before, sentence).program), after): the sentence read back
    round_trip: float | None = None
    #: False when before/after do not look like one photo before and after a global edit
    aligned: bool = True
    warning: str = ""  # why not aligned


@runtime_checkable
class Agent(Protocol):
    """What the CLI, the bridge and the evaluation call. All methods are synchronous."""

    name: str

    def edit(self, image: np.ndarray, instruction: str,
             history: Sequence[Turn] = ()) -> EditResult:
        """Image-Edit: a program for ``instruction`` on ``image`` (unedited)."""
        ...

    def refine(self, image: np.ndarray, program: Program, feedback: str,
               history: Sequence[Turn] = ()) -> EditResult:
        """Image-Refine: the full new program after ``feedback`` on ``program`` (``image`` is
        the unedited photo; the backend renders ``program`` itself if it wants to look)."""
        ...

    def summarize(self, before: np.ndarray, after: np.ndarray) -> Style:
        """Image-Summary: the style that turns ``before`` into ``after``."""
        ...
