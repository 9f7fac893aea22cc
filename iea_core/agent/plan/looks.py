"""The vocabulary of moods and looks the planner knows: each one a short list of step kinds.

A look is matched by sentence embedding (:mod:`.match`): its ``phrases`` are the wordings the
request is compared with, so a new wording ("winter-ish dawn") lands on the look whose phrases
mean the closest thing. Steps name kinds of :data:`.steps.KINDS`, optionally with a strength
(``"cooler:0.6"`` = 60 % of the listed target). ``note`` says plainly what the 16 global tools
cannot do for that look (split toning, hue shifts, selective colour), so the answer tells the truth
about it. ``rails`` loosens a guard rail where the look means it (low-key crushes shadows).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .steps import KINDS

NO_SPLIT = ("the 16 tools have no split toning, so shadows and highlights cannot take different "
            "colours; I used global white balance instead")
NO_HUE = "the 16 tools cannot shift individual hues, only the overall white balance"


@dataclass(frozen=True)
class Look:
    name: str
    phrases: tuple[str, ...]
    steps: tuple[str, ...]
    note: str = ""
    rails: Mapping[str, float] = field(default_factory=dict)

    def step_kinds(self) -> list[tuple[str, float]]:
        out = []
        for spec in self.steps:
            kind, _, strength = spec.partition(":")
            out.append((kind, float(strength) if strength else 1.0))
        return out


def _l(name: str, phrases: str, steps: str, note: str = "", **rails: float) -> Look:
    names = {"low": "clip_low", "high": "clip_high"}
    return Look(name, tuple(p.strip() for p in phrases.split("|")), tuple(steps.split()), note,
                {names.get(k, k): v for k, v in rails.items()})


LOOKS: tuple[Look, ...] = (
    # --- seasons ---------------------------------------------------------------------------
    _l("winter", "winter | cold winter day | icy frozen winter | wintry snow season",
       "cooler less_colour brighter:0.6 less_contrast:0.7"),
    _l("cold winter morning", "cold winter morning | frosty winter dawn | chilly morning in winter "
       "| crisp frosty morning light", "cooler less_colour lifted_shadows:0.7 brighter:0.5"),
    _l("spring", "spring | fresh spring day | blossoms in springtime | light spring colours",
       "brighter:0.6 more_colour green:0.6 less_contrast:0.5"),
    _l("summer", "summer | hot summer day | bright sunny summer | summer holiday",
       "warmer_slight more_colour brighter:0.6 more_contrast:0.6"),
    _l("hazy summer afternoon", "hazy summer afternoon | lazy warm summer haze | sun-bleached "
       "summer", "warmer lifted_blacks less_contrast brighter:0.6"),
    _l("autumn", "autumn | fall | fall foliage | autumn leaves colours",
       "warmer more_colour deep_shadows:0.6 more_contrast:0.6", NO_HUE),
    _l("cozy autumn afternoon", "cozy autumn afternoon | warm cosy fall afternoon | snug autumn "
       "day by the fire", "warmer more_colour:0.7 darker:0.5 vignette soft_highlights:0.6"),
    # --- times of day ----------------------------------------------------------------------
    _l("dawn", "dawn | first light at daybreak | early morning twilight | sunrise glow",
       "cooler_slight magenta less_contrast lifted_shadows:0.6"),
    _l("morning light", "morning light | fresh bright morning | soft early morning sun",
       "brighter:0.7 warmer_slight less_contrast:0.6"),
    _l("midday sun", "midday sun | harsh noon light | bright high sun at noon",
       "brighter:0.6 more_contrast more_colour:0.7"),
    _l("golden hour", "golden hour | late afternoon golden light | warm low sun | magic hour",
       "much_warmer more_colour:0.7 lifted_shadows:0.6 soft_highlights:0.7"),
    _l("sunset", "sunset | evening sunset glow | fiery sunset sky | dusk orange sky",
       "much_warmer magenta:0.6 more_colour more_contrast:0.6"),
    _l("blue hour", "blue hour | twilight after sunset | deep blue dusk | evening twilight",
       "much_cooler darker:0.7 more_colour:0.6"),
    _l("night", "night | night time | nocturnal darkness | after dark",
       "much_cooler much_darker deep_blacks:0.7 less_colour:0.7", low=0.08),
    _l("moonlight", "moonlight | moonlit night | silver moonlight | night under the moon",
       "much_cooler darker less_colour more_contrast:0.6", low=0.06),
    _l("candlelight", "candlelight | candle lit room | warm indoor lamp light | fireside glow",
       "much_warmer darker vignette:0.8"),
    # --- weather ---------------------------------------------------------------------------
    _l("foggy", "foggy | misty | fog rolling in | mist and haze",
       "faded flat less_colour softer brighter:0.5"),
    _l("rainy day", "rainy day | rain | wet gloomy rain | drizzly weather",
       "cooler less_colour darker:0.6 less_contrast:0.6"),
    _l("overcast", "overcast | grey cloudy day | dull cloudy sky | flat grey weather",
       "cooler_slight less_colour less_contrast"),
    _l("stormy", "stormy | storm clouds | thunderstorm drama | brooding stormy sky",
       "darker strong_contrast less_colour cooler_slight vignette", low=0.06),
    _l("snowy", "snowy | fresh snow | snow covered landscape | bright snow scene",
       "cooler much_brighter:0.7 less_colour:0.7", high=0.03),
    _l("sunny", "sunny | bright sunshine | sunny cheerful day | blue sky and sun",
       "brighter warmer_slight more_colour more_contrast:0.6"),
    _l("tropical", "tropical | island paradise | tropical beach | lush tropics",
       "vivid warmer_slight brighter:0.6 more_contrast:0.6"),
    _l("desert heat", "desert heat | scorching desert | dusty arid sun | sahara",
       "much_warmer less_colour:0.6 brighter:0.6 lifted_blacks:0.6"),
    # --- film stocks -----------------------------------------------------------------------
    _l("portra film", "kodak portra | portra 400 film | soft warm portrait film",
       "warmer_slight less_contrast lifted_blacks:0.7 less_colour:0.6 grain:0.6"),
    _l("kodachrome", "kodachrome | classic kodachrome slide | rich saturated vintage slide film",
       "warmer more_colour more_contrast deep_blacks:0.7"),
    _l("ektachrome", "ektachrome | ektachrome slide film | cool clean slide film",
       "cooler_slight more_colour more_contrast"),
    _l("velvia", "fuji velvia | velvia slide film | hyper saturated landscape film",
       "vivid strong_contrast deep_blacks:0.7", low=0.06),
    _l("fuji superia", "fuji superia | fujifilm consumer film | green cast drugstore film",
       "green:0.8 more_colour:0.6 lifted_blacks:0.6 grain:0.6"),
    _l("cinestill tungsten", "cinestill 800t | tungsten balanced film at night | cinestill",
       "much_cooler more_contrast grain:0.7 lifted_blacks:0.6"),
    _l("black and white film", "black and white film | tri-x | ilford hp5 | grainy monochrome film",
       "monochrome more_contrast grain"),
    _l("noir", "film noir | noir | dark black and white detective film",
       "monochrome strong_contrast darker:0.7 vignette", low=0.08),
    _l("high contrast black and white", "high contrast black and white | punchy monochrome | "
       "graphic bw", "monochrome strong_contrast clarity:0.7", low=0.06),
    _l("polaroid", "polaroid | instant film | old polaroid snapshot | instax",
       "faded warmer_slight less_colour less_contrast vignette:0.6"),
    _l("expired film", "expired film | old expired film roll | degraded film stock",
       "faded magenta:0.8 less_colour grain"),
    _l("cross processed", "cross processed | lomo | lomography | cross-processing look",
       "vivid strong_contrast green:0.8 vignette", NO_HUE),
    _l("old film photo", "old film photo | like an old photograph | analog film look | shot on film",
       "faded warmer_slight less_colour grain vignette:0.6"),
    # --- genres and styles -------------------------------------------------------------------
    _l("moody", "moody | dark and moody | brooding atmosphere | gloomy mood",
       "darker less_colour deep_shadows vignette more_contrast:0.6", low=0.06),
    _l("airy", "airy | bright and airy | light and open | ethereal bright",
       "much_brighter:0.7 less_contrast less_colour:0.6", high=0.03),
    _l("matte", "matte | matte finish | flat matte look | matte blacks",
       "faded less_contrast less_colour:0.6"),
    _l("cinematic", "cinematic | like a movie still | filmic hollywood look | film grade",
       "more_contrast lifted_blacks:0.7 less_colour cooler_slight vignette"),
    _l("teal and orange", "teal and orange | orange and teal grade | blockbuster colour grade",
       "warmer_slight more_contrast more_colour deep_shadows:0.6", NO_SPLIT),
    _l("bleach bypass", "bleach bypass | skip bleach | silver retention look | desaturated high "
       "contrast", "muted strong_contrast clarity", low=0.06),
    _l("vintage", "vintage | retro | old fashioned | nostalgic vintage look",
       "faded warmer less_colour grain vignette:0.6"),
    _l("seventies retro", "1970s | seventies retro | 70s film | retro seventies colours",
       "much_warmer faded less_contrast grain:0.7"),
    _l("high-key", "high-key | high key | bright white high key portrait | overexposed bright look",
       "high_key less_contrast:0.6 less_colour:0.5", high=0.04),
    _l("low-key", "low-key | low key | dark dramatic low key | mostly shadow", "low_key deep_blacks "
       "vignette more_contrast:0.6", low=0.12),
    _l("dramatic", "dramatic | epic and dramatic | intense drama | striking",
       "strong_contrast clarity vignette", low=0.06, high=0.03),
    _l("dreamy", "dreamy | soft dreamy glow | romantic haze | fairy tale softness",
       "softer brighter:0.6 lifted_blacks:0.7 less_contrast:0.7"),
    _l("pastel", "pastel | soft pastel colours | candy pastel | wes anderson pastel",
       "brighter:0.7 less_colour lifted_blacks less_contrast"),
    _l("punchy", "punchy | pop | vibrant and punchy | make the colours pop",
       "more_colour more_contrast clarity:0.7"),
    _l("vivid landscape", "vivid landscape | postcard landscape | travel brochure colours",
       "vivid more_contrast clarity:0.7"),
    _l("fresh product", "fresh product shot | clean product photo | crisp commercial look | fresh "
       "and clean", "brighter:0.7 cooler_slight more_colour:0.6 sharper more_contrast:0.5",
       high=0.03),
    _l("clean white", "clean white background | white studio look | catalog clean",
       "high_key cooler_slight less_colour:0.5", high=0.05),
    _l("appetizing food", "appetizing food | delicious food photo | warm tasty dish",
       "warmer_slight more_colour clarity:0.6 brighter:0.5"),
    _l("gritty urban", "gritty urban | gritty street | grimy city | raw street photography",
       "clarity strong_contrast less_colour grain:0.6", low=0.06),
    _l("documentary", "documentary | natural and honest | photojournalism | true to life",
       "less_colour:0.5 more_contrast:0.5"),
    _l("nordic minimal", "nordic minimal | scandinavian clean | cool minimal", "cooler_slight "
       "less_colour brighter:0.6 less_contrast:0.6"),
    _l("romantic", "romantic | soft romantic | tender and warm | wedding glow",
       "warmer_slight softer brighter:0.6 lifted_blacks:0.6"),
    _l("melancholic", "melancholic | sad | wistful | lonely and blue",
       "cooler less_colour darker:0.6 less_contrast:0.6"),
    _l("eerie", "eerie | creepy | horror movie | unsettling sickly",
       "green darker less_colour vignette", low=0.06),
    _l("sci-fi", "sci-fi | futuristic cold | cyberpunk | clinical future",
       "much_cooler magenta:0.6 more_contrast more_colour:0.6", NO_SPLIT),
    _l("calm serene", "calm | serene | peaceful | tranquil quiet",
       "less_contrast less_colour:0.6 brighter:0.5 cooler_slight"),
    _l("energetic", "energetic | lively | vibrant energy | bold and loud",
       "vivid more_contrast warmer_slight"),
    _l("hdr", "hdr | high dynamic range | everything detailed | tone mapped",
       "lifted_shadows soft_highlights clarity more_colour:0.6"),
    _l("sepia", "sepia | brown toned old photograph | antique print",
       "less_colour:1.5 much_warmer faded",
       "true sepia toning needs colour after black and white; the 16 tools desaturate after the "
       "white balance, so I kept some colour and warmed it"),
)

#: looks by name
BY_NAME: Mapping[str, Look] = {look.name: look for look in LOOKS}

assert len(LOOKS) >= 60, len(LOOKS)
assert len(BY_NAME) == len(LOOKS), "look names must be unique"
for _look in LOOKS:
    for _kind, _ in _look.step_kinds():
        assert _kind in KINDS, (_look.name, _kind)
