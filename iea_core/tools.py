"""The 16 global editing tools, declared once.

Everything that needs to know about a tool (program validation, the CLI table, agent prompts and
reasoning, host-format mappings, tests) reads :data:`TOOLS`. The names, the -100..100 integer range
and the meaning of the sign are those of the IEA paper (Appendix C), so the released IEA model's
output is valid here unchanged.

Two orders matter:

* the *listing order* (:data:`TOOL_NAMES`) is the paper's; programs are written and printed in it;
* the *application order* (:attr:`ToolSpec.stage`, :data:`APPLICATION_ORDER`) is where the
  ``default`` editor profile runs each tool: white balance and exposure in linear light first, then
  tone, local contrast, colour, detail and finally the effects that imitate the lens and the film.
  The ``iea-compat`` profile keeps IEA's original order instead (see ``iea_core.editor``).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

MIN_VALUE = -100
MAX_VALUE = 100


class Stage(enum.IntEnum):
    """Where a tool runs in the default pipeline; lower stages run first."""

    WHITE_BALANCE = 0  # linear light, before anything bends the tone curve
    LIGHT = 1  # exposure: a gain in linear light
    TONE = 2  # per-pixel tone curve on luminance
    LOCAL = 3  # neighbourhood contrast (clarity)
    COLOR = 4  # chroma
    DETAIL = 5  # sharpening / softening
    EFFECT = 6  # vignette, fade, grain: the look, applied last


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its name, what it does, and how to say each direction in words."""

    name: str
    meaning: str
    stage: Stage
    increase: str  # what a positive value does, as a photographer says it
    decrease: str  # what a negative value does
    minimum: int = MIN_VALUE
    maximum: int = MAX_VALUE

    def describe(self, value: int) -> str:
        """The direction of ``value`` in words, e.g. ``describe(-20) == 'cooler'`` for temperature."""
        if value > 0:
            return self.increase
        if value < 0:
            return self.decrease
        return "unchanged"


_SPECS = (
    ToolSpec("exposure", "overall exposure, a gain in linear light (+100 = +2 EV)", Stage.LIGHT,
             "brighter", "darker"),
    ToolSpec("brightness", "mid-tone brightness, keeping black and white points", Stage.TONE,
             "brighter mid-tones", "darker mid-tones"),
    ToolSpec("contrast", "difference between light and dark areas (S-curve around mid-grey)",
             Stage.TONE, "more contrast", "less contrast"),
    ToolSpec("natural_contrast", "local contrast / clarity: edges and texture, not global tone",
             Stage.LOCAL, "more clarity", "softer, less clarity"),
    ToolSpec("highlights", "the brightest areas", Stage.TONE,
             "brighter highlights", "recovered, darker highlights"),
    ToolSpec("shadows", "the darkest areas", Stage.TONE, "lifted shadows", "deeper shadows"),
    ToolSpec("whites", "the white point", Stage.TONE, "brighter whites", "duller whites"),
    ToolSpec("blacks", "the black point", Stage.TONE, "lighter blacks", "deeper blacks"),
    ToolSpec("saturation", "colour intensity of all colours (-100 = black and white)", Stage.COLOR,
             "more saturated", "less saturated"),
    ToolSpec("vibrance", "intensity of muted colours, protecting saturated colours and skin",
             Stage.COLOR, "more vibrant", "more muted"),
    ToolSpec("temperature", "white balance along blue-yellow", Stage.WHITE_BALANCE,
             "warmer", "cooler"),
    ToolSpec("tint", "white balance along magenta-green (+ is green, as in IEA)",
             Stage.WHITE_BALANCE, "greener", "more magenta"),
    ToolSpec("sharpness", "edge sharpness; negative values soften", Stage.DETAIL,
             "sharper", "softer"),
    ToolSpec("vignette", "corner brightness (negative = darker corners, as in Lightroom)",
             Stage.EFFECT, "lighter corners", "darker corners"),
    ToolSpec("fade", "washed-out film look: raised blacks, lowered contrast", Stage.EFFECT,
             "more faded", "less faded, denser"),
    ToolSpec("grain", "film grain", Stage.EFFECT, "more grain", "less grain"),
)

#: Tool specs by name, in the paper's listing order.
TOOLS: Mapping[str, ToolSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})

#: Tool names in the paper's listing order (the order programs are written in).
TOOL_NAMES: tuple[str, ...] = tuple(TOOLS)

#: Tool names in the default profile's order of application (stable within a stage).
APPLICATION_ORDER: tuple[str, ...] = tuple(
    spec.name for spec in sorted(_SPECS, key=lambda spec: spec.stage)
)

#: Index of each tool in :data:`TOOL_NAMES`, for packing programs into vectors.
TOOL_INDEX: Mapping[str, int] = MappingProxyType({name: i for i, name in enumerate(TOOL_NAMES)})

assert len(TOOLS) == 16, "the IEA tool set has exactly 16 tools"


def normalize_tool_name(raw: str) -> str:
    """Map spellings a model or a person may use ('Natural Contrast', 'natural-contrast') to a tool
    name. Returns the cleaned string whether or not it names a tool; callers check membership."""
    return "_".join(raw.strip().lower().replace("-", " ").replace("_", " ").split())
