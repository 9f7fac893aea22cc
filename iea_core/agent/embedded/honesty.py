"""What the agent must not pretend: requests it cannot serve, words it did not understand,
requests that contradict themselves, complaints the heads misread.

The heads always answer *something*; these rules decide when that something must not become an
edit. Each check works on one clause (after clean-up) and returns a plain sentence for the user:

* :func:`unsupported` — noise reduction, removing things, local retouching, crops and geometry,
  sky replacement: no global tool serves them, so no tool value is emitted "in their spirit";
* :func:`understood_clause` — a clause must contain at least one word the agent has learnt a
  meaning for (gibberish, filler such as "blah blah" and languages it does not read fail);
* :func:`complaint_override` — fixed complaint phrasings whose wording misleads the heads
  ("I can barely see anything" is about darkness, not a wish for it);
* :func:`conflicts` — two clauses asking for opposite moves of the same main tool.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

# ----------------------------------------------------------------------------------------------
# Requests no global tool can serve. Each entry: (kind, pattern, the answer).
_OBJECTS = (r"person|people|man|woman|guy|girl|boy|kid|child|car|cars|wires?|poles?|objects?|"
            r"tourists?|photobomber|spots?|blemish\w*|pimples?|acne|dust|logo|text|watermark|"
            r"signs?|trees?|building|trash|litter|him|her|them|bird|dog|cat|shadow of|reflection|"
            r"lens flare|flare|power lines?|the thing|that thing|stuff in the")
# What may follow "only the" / "just the" and still be a global request: tonal ranges, colours,
# tool properties, the whole picture, and words of degree or manner ("just the right amount").
_TONAL = (r"(shadows?|highlights?|midtones?|mid-?tones|mids|middle|whites?|blacks?|darks?|darker|"
          r"darkest|lights?|lighter|brightest|bright|dark|tones?|tonal|tonality|skin|colou?rs?|"
          r"colou?ring|hues?|reds?|oranges?|yellows?|greens?|blues?|cyans?|purples?|magentas?|"
          r"pinks?|warm\w*|cool\w*|cold\w*|tint|cast|contrast|saturation|vibrance|exposure|"
          r"brightness|temperature|clarity|fade|grain|vignett\w*|edges?|corners?|borders?|"
          r"whole|entire|overall|full|general|global|rest|photo|image|picture|pic|shot|frame|"
          r"thing|things|one|same|way|right|very|slightest|tiniest|smallest|littlest|least|most|"
          r"best|basics?|first|last|previous|end|top|look|feel|mood|vibe|effect|style|filter|"
          r"edit|change|changes|adjustments?|settings?|amount|level|levels|bit|little|touch|"
          r"gamma|curve|curves|glow|haze|luminance|lum|sharpness|detail|noise|"
          r"[0-9]+)\b")
UNSUPPORTED: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("noise", re.compile(
        r"\b(de-?nois\w*|noise reduction|reduce noise|less noise|noiseless|noisy|grainy|"
        r"(reduce|remove|less|clean|get rid of|fix|kill|lower|cut|too much|lots of|so much|"
        r"full of)\b.{0,25}\b(noise|grain|graininess|speckles?|"
        r"artifacts?|artefacts?))\b"),
     "I can't reduce noise: none of the 16 global tools removes noise (grain only adds film "
     "grain), so I set nothing for it. Use your editor's noise reduction (Lightroom: Detail > "
     "Noise Reduction; darktable: denoise (profiled))."),
    ("removal", re.compile(
        rf"\b(remove|erase|delete|get rid of|take out|clone out|edit out|photoshop out|"
        rf"clean up|hide)\b.{{0,30}}\b({_OBJECTS})\b"),
     "I can't remove things from a photo: the tools change tone and colour of the whole picture, "
     "not its content. A healing or clone tool in your editor does that."),
    # "remove the flag", "erase the sign": any thing that is not a property of tone or colour
    ("removal", re.compile(
        r"\b(remove|erase|delete|clone out|edit out|photoshop out|cut out|paint out)\b "
        r"(?!(the |that |this |those |these |a |an |some |all (the )?|my |your |any )?(colou?r|cast|tint|yellow|orange|blue|"
        r"green|magenta|red|pink|purple|warmth|cool|vignett|grain|fade|haze|glow|contrast|"
        r"saturation|brightness|dark|shadow|highlight|nois|gr[ae]y|look|effect|filter|edit|change|"
        r"adjust|everything|it\b|that\b|this\b|black|white|tone|glare|clipping|blown|dull|flat|"
        r"mud|harsh|previous|last|undo|sepia|matte|film|moody|vintage|cinematic|dramatic|hdr|"
        r"clarity|sharp|blur|soft|exposure|temperature|vibrance|\w+ (cast|tint|look|effect)))"
        r"[a-z]+"),
     "I can't remove things from a photo: the tools change tone and colour of the whole picture, "
     "not its content. A healing or clone tool in your editor does that."),
    ("content", re.compile(
        r"\b(add|put|insert|draw|paint|write|place|stick|type)\b.{0,25}\b(text|words?|captions?|"
        r"titles?|watermarks?|logos?|signatures?|hats?|glasses|sunglasses|people|person|animals?|"
        r"objects?|stickers?|emojis?|borders?|frames?|rainbow|lens flare|balloons?|flowers?)\b|"
        r"\b(saying|that says|which says|with the words)\b|"
        r"\bmake (her|him|them|it|the (?!(highlights?|shadows?|contrast|colou?rs?|blacks?|whites?|"
        r"vignette|grain|glow|difference|effect|tones?|midtones)\b)\w+)\b.{0,12}\b(smile|smiling|"
        r"laugh|laughing|grin|wink|"
        r"bigger|smaller|larger|thinner|slimmer|fatter|taller|shorter|younger|older)\b|"
        r"\b(enlarge|shrink)\b"),
     "I can't add things to a photo or change what is in it (text, objects, faces, expressions, "
     "sizes): the tools change the tone and colour of the whole picture only."),
    ("geometry", re.compile(
        r"\b(crop|cropped|straighten|rotate|rotated|tilt(ed)?|level the horizon|horizon is|"
        r"flip|mirror|resize|upscale|zoom|reframe|aspect ratio|perspective|keystone|"
        r"make it square|lens correction|distortion)\b"),
     "I can't crop, rotate, straighten or resize: the tools change tone and colour only. Use "
     "your editor's crop & rotate tool."),
    ("sky", re.compile(
        r"\b(replace|swap|change|new|different|fake)\b.{0,12}\bsky\b|"
        r"\badd (some |a |more )?(clouds?|sun|sunset|stars?|rainbow|moon)\b|"
        r"\b(sky|skies)\b.{0,20}\b(bluer|darker|deeper|more blue|bluer|more dramatic|"
        r"sunset|stormy|cloudy)\b|\b(bluer|darker|deeper blue|dramatic) (sky|skies)\b"),
     "I can't replace the sky or add things to it: the tools act on the whole photo's tone and "
     "colour. I can make the whole photo warmer, cooler, or hold back its highlights."),
    ("local", re.compile(
        r"\b(face|faces|eyes?|teeth|lips|hair|skin smoothing|smooth(er)? (the )?skin|red ?eye|"
        r"background|foreground|subject|bokeh|tattoo|wrinkles?|the (left|right|top|bottom) "
        r"(side|half|part)|(only|just) the (face|sky|person|background|subject|people))\b"),
     "I can't edit one part of the photo alone (a face, the background, one side): every tool "
     "acts on the whole picture, so I left that part of the request out. Your editor's masks or "
     "brushes do local edits."),
    # "brighten only the cat", "make just the flag brighter", "darken the rocket only": any
    # part of the scene, as long as it is not a tonal range or property the global tools serve
    ("local", re.compile(
        rf"\b(only|just|solely|exclusively) (the|that|this|those|these|my|his|her|their) "
        rf"(?!{_TONAL})[a-z]+|"
        rf"\b(the|that|this|those|these|my|his|her|their) (?!{_TONAL})[a-z]+ (only|alone)( please| pls)?[.!]?$"),
     "I can't edit one part of the photo alone: every tool acts on the whole picture, so I "
     "left that part of the request out. Your editor's masks or brushes do local edits."),
)

# Clauses that keep protecting or fixing global things even though they name a region.
_SAFE_LOCAL = re.compile(r"\b(skin tones?|keep|protect|preserve|don't|do not|leave|without)\b")


def unsupported(text: str) -> tuple[str, str] | None:
    """(kind, answer) when ``text`` (one clause, cleaned) asks for something no tool can do."""
    for kind, pattern, answer in UNSUPPORTED:
        if pattern.search(text):
            if kind == "local" and _SAFE_LOCAL.search(text):
                continue
            return kind, answer
    return None


# ----------------------------------------------------------------------------------------------
# Understanding: a clause must hold a word the agent has a meaning for.
#: Words that carry no request on their own, even though training phrasings contain them.
GENERIC_WORDS = frozenset("""
a an the it its it's is are was be been this that these those i me my we you your please pls
make makes making made do does did can could would should will want need needs like just so very
more less much some any bit lot way too also and or but then now here there photo image picture
pic shot one thing things stuff look looks looking looked seem seems feel feels get got go
give put set to of in on at for with by from up down out off over about into as if not no
yes yeah ok okay oh um hmm uh well really quite kinda sorta maybe still again even
""".split())
#: Filler that never asks for anything; "blah" alone is filler, "it looks blah" a complaint.
FILLER_WORDS = frozenset("""
blah bla blabla yada yadda lorem ipsum asdf qwer qwerty test testing hello hi hey xyz foo bar
baz lol lmao haha hehe hmm idk whatever etc
""".split())


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z][a-z'-]*", text) if w not in GENERIC_WORDS]


def understood_clause(text: str, vocabulary: Iterable[str] | set[str] | frozenset[str]) -> bool:
    """At least one content word the agent has learnt, and not only filler."""
    words = content_words(text)
    if not words:
        return False
    vocab = vocabulary if isinstance(vocabulary, (set, frozenset)) else set(vocabulary)
    meaningful = [w for w in words if w not in FILLER_WORDS and w in vocab]
    if not meaningful:
        return False
    # "blah blah" / "lol lol": only filler and generic words.
    return any(w not in FILLER_WORDS for w in words)


#: Common short words of the languages users most often switch to; with accents, the sign
#: that a request is not in English (the speller would otherwise turn "kontrast" into
#: "contrast" but read "mehr ... bitte" as nothing, or "hazlo" as "halo").
FOREIGN_WORDS = frozenset("""
mehr bitte und das die der nicht heller dunkler wärmer kälter weniger bild foto etwas viel sehr
plus moins très et le la les des une un avec sans peu chaud froid clair sombre image
más menos muy por favor el los las hazlo hacer foto más cálido frío claro oscuro poco
più meno molto per favore il della caldo freddo chiaro scuro immagine
mais menos muito por favor quente frio claro escuro imagem
""".split()) - frozenset({"image", "plus", "per", "die", "the", "un", "et", "claro"})


def foreign(instruction: str, english: frozenset[str] | set[str]) -> bool:
    """Written in another language: accented letters or common foreign words, and mostly words
    English does not have."""
    words = re.findall(r"[^\W\d_]+", instruction.lower())
    if not words:
        return False
    if not any(not w.isascii() for w in words) and not any(w in FOREIGN_WORDS for w in words):
        return False
    known = sum(1 for w in words if w in english)
    return known < 0.5 * len(words)


def not_understood_message(instruction: str) -> str:
    said = " ".join(instruction.split())[:80]
    return (f"I didn't understand \u201c{said}\u201d, so I changed nothing. I read English "
            "requests about light and colour, such as \u201cbrighter\u201d, \u201cwarmer, less "
            "contrast\u201d or \u201cthe sky is blown out\u201d.")


# ----------------------------------------------------------------------------------------------
# Complaints whose words mislead the heads: (pattern, intent, polarity).
COMPLAINTS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"\b(can('t| ?not)|could(n't| not)|hard to|barely|hardly|difficult to)\b.{0,12}"
                r"\b(see|make out|tell)\b|\bunder-?exposed\b|\bpitch black\b|\btoo dim\b|"
                r"\bso dim\b|\bin the dark\b"), "dark", "OPPOSE"),
    (re.compile(r"\bover-?exposed\b|\bblinding\b|\btoo much light\b"), "bright", "OPPOSE"),
    (re.compile(r"\bover-?saturated\b|\b(fake|radioactive|neon|garish|cartoon\w*|unnatural)\b.{0,20}"
                r"\bcolou?rs?\b|\bcolou?rs?\b.{0,20}\b(fake|radioactive|neon|garish|cartoon\w*|"
                r"unnatural|too strong|too much|overdone|over the top)\b"), "saturated", "OPPOSE"),
    # The colour balance without a direction: "the colours look off", "make the whites white",
    # "neutral greys", "remove the colour cast" (a named colour, "the yellow cast", stays a
    # complaint about that colour, whose amount then comes from the photo).
    (re.compile(r"\bcolou?rs?\b.{0,15}\b(look|looks|are|is|seem|seems|feel|feels|a bit|kinda|"
                r"all)\b.{0,8}\b(off|wrong|weird|strange|funny|odd|not right|tinted)\b|"
                r"\bcolou?r[- ]?cast\b|\b(colou?r|white)[- ]?balance\b.{0,12}\b(off|wrong|bad|weird|broken)\b|"
                r"\bwhites?\b.{0,20}\b(aren'?t|are not|"
                r"isn'?t|is not|don'?t look|doesn'?t look|not)\b.{0,8}\b(white|neutral|clean)\b|"
                r"\bmake (the )?whites? (look )?(white|neutral|clean|pure)\b|\bneutral "
                r"(colou?rs?|gr[ae]ys?|tones?|whites?)\b|\b(gr[ae]ys?|whites?) (look|looks|are|is) "
                r"(tinted|coloured|colored|off)\b"), "auto_wb", "WANT"),
    (re.compile(r"\bunder-?saturated\b|\bcolou?rs?\b.{0,20}\b(dull|lifeless|faded|drab|dead|"
                r"washed)\b"), "muted", "OPPOSE"),
)


def complaint_override(text: str) -> tuple[str, str] | None:
    for pattern, intent, polarity in COMPLAINTS:
        if pattern.search(text):
            return intent, polarity
    return None


#: Requests to improve the photo in general: the photo decides what to correct.
GENERAL_FIX = re.compile(
    r"\b(make (it|this|the (photo|image|picture|pic|shot)) (look )?(good|better|nicer|great|"
    r"pretty|prettier|professional|pro)|improve|enhance|auto ?(fix|correct|enhance|adjust|tone)?|"
    r"fix (it|this|the (photo|image|picture|pic|shot))\b(?! (is|looks))|touch (it |this )?up|"
    r"make it pop less|optimi[sz]e|correct (it|this|the (photo|image|picture)))\b")


#: "not black and white", "without going black and white": a limit, not a request.
NEGATED = re.compile(r"\b(not|no|without|don't|never|avoid|isn't|but not)\b")


# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Conflict:
    tool: str
    first: str  # clause text
    second: str

    def message(self) -> str:
        label = self.tool.replace("_", " ")
        return (f"\u201c{self.first}\u201d and \u201c{self.second}\u201d ask for opposite "
                f"{label} changes, so I left {label} as it is. Tell me which one you want.")


def conflicts(moves: Sequence[tuple[str, str, str, str, int]]) -> list[Conflict]:
    """``moves``: (clause text, intent, polarity, main tool, sign) per clause, in order.

    Opposite signs on one main tool conflict, except a request followed by a limit on the same
    property ("warmer but not too warm")."""
    out: list[Conflict] = []
    seen: dict[str, tuple[str, str, str, int]] = {}
    for text, intent, polarity, tool, sign in moves:
        prev = seen.get(tool)
        if prev is not None and prev[3] != sign:
            p_text, p_intent, p_pol, _ = prev
            # "warmer but not too warm" limits; "more contrast, less contrast" contradicts.
            is_limit = (p_pol == "WANT" and polarity == "OPPOSE" and p_intent == intent
                        and re.search(r"\b(not|too|overdo|without|don't)\b", text) is not None)
            if not is_limit and not any(c.tool == tool for c in out):
                out.append(Conflict(tool, p_text, text))
        seen[tool] = (text, intent, polarity, sign)
    return out


#: "only what I asked", "nothing else": the user turns off fixes they did not ask for.
ONLY_ASKED = re.compile(r"\bonly (what|the things?|that|the changes?)\b.{0,12}\b(asked|said|wanted|"
                        r"requested)\b|\bnothing else\b|\bonly what i (asked|said)\b|"
                        r"\bdon'?t (fix|change|touch) anything else\b|\bjust what i asked\b")
