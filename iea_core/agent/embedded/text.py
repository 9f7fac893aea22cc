"""Words before the model: clean-up, spelling, clauses, degree words, cues and explicit numbers.

The learned heads (:mod:`.heads`) answer two questions about one clause: *which property* does it
talk about ("warm", "dark", "make it pop") and *what does the user want done with it* (more of it,
less of it, not more of it, take it away, leave it alone). Everything that a fixed rule gets right
every time is done here instead, so the heads spend their capacity on meaning:

* typos are fixed against the vocabulary the heads were trained on (``brigther`` -> ``brighter``);
* an instruction is split into clauses on commas, "and", "but", ";" — except inside phrases that
  contain "and" themselves ("black and white", "bright and airy");
* degree words ("slightly", "a touch", "way more", "really") are read off and removed, and become
  a factor on the magnitude; the heads never see them, so "a bit warmer" and "warmer" get the same
  property and the same base amount;
* explicit numbers ("exposure +20", "set contrast to -10") bypass the heads.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ...tools import TOOL_NAMES, normalize_tool_name

# ----------------------------------------------------------------------------------------------
# degree words: name -> factor on the head's base magnitude (base ~30 for a one-tool request)
# light 15-30, medium 45-60, heavy 75-90, extreme 100 are IEA's strength bins.
DEGREE_FACTORS: dict[str, float] = {
    "tiny": 0.35,  # "a very small amount", "just a hint": never more than "slightly"
    "slight": 0.55,
    "default": 1.0,
    "strong": 1.65,
    "heavy": 2.6,
    "extreme": 4.0,  # clamps to 100 for any base >= 25
}

# Longest phrases first so "a little bit" wins over "a little"; all matched on word boundaries.
DEGREE_WORDS: dict[str, str] = {}
for _level, _words in {
    "tiny": ("a very small amount", "a very small bit", "a very little", "very slightly",
             "very little", "a tiny amount", "a tiny bit", "tiny bit", "the tiniest bit",
             "the slightest bit", "a teeny bit", "a teeny tiny bit", "ever so slightly",
             "just a hint", "a hint", "a smidge", "a smidgen", "a hair", "a very subtle",
             "very subtly", "very subtle", "a very light", "very lightly", "barely",
             "almost imperceptibly", "imperceptibly", "just a tiny bit", "a little tiny bit"),
    "slight": ("slightly", "a bit", "a little", "a little bit", "a touch", "a tad", "somewhat",
               "just a bit", "just a little", "just a touch", "subtly",
               "gently", "a notch", "marginally", "mildly", "lightly", "a wee bit", "kind of", "kinda", "sort of", "a little more",
               "a bit more", "a touch more", "a tad more", "a little less", "a bit less",
               "a touch less", "a tad less", "just slightly", "faintly",
               "little bit", "bit", "softly", "modestly", "a shade", "a pinch of", "a dash of",
               "a small amount", "small amount", "a small bit", "a little amount"),
    "strong": ("a lot", "much", "quite a bit", "significantly", "considerably", "noticeably",
               "really", "very", "strongly", "heavily", "far", "quite",
               "substantially", "a good bit", "plenty", "seriously", "so much",
               "a lot more", "much more", "a lot less", "much less", "lots", "lots more",
               "visibly", "boldly"),
    "heavy": ("way", "way more", "way less", "massively", "dramatically", "tons", "a ton",
              "really really", "super", "hugely", "drastically", "intensely", "crazy", "insanely",
              "very very", "so so", "hugely more", "enormously", "radically", "aggressively",
              "majorly", "loads", "loads more", "heaps", "a whole lot", "wildly", "like crazy",
              "big time", "really much", "incredibly"),
    "extreme": ("extremely", "maximum", "max", "maxed", "as much as possible", "all the way",
                "fully", "completely", "totally", "to the max", "100%", "entirely", "to the limit",
                "as far as it goes", "absolutely", "utterly", "the most"),
}.items():
    for _w in _words:
        DEGREE_WORDS[_w] = _level

# Words kept for the heads even though they also read as degrees in other places.
_KEEP_FOR_HEADS = {"more", "less", "too", "much"}

# Phrases that contain a splitting word but are one idea.
PROTECTED_PHRASES = (
    "black and white", "black & white", "black n white", "black-and-white", "bright and airy",
    "light and airy", "dark and moody", "moody and dark", "light and bright", "soft and dreamy",
    "warm and cozy", "warm and cosy", "clean and bright", "crisp and clean", "clean and crisp",
    "rich and warm", "bold and bright", "teal and orange", "orange and teal", "black and whites",
    "whites and blacks", "blacks and whites", "highlights and shadows", "shadows and highlights",
)

# Cue features: cheap lexical facts that tell the polarity head about the frame of the clause.
CUE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("too", r"\btoo\b|\boverly\b|\bover-?\w+ed\b"),
    ("less", r"\bless\b|\bfewer\b"),
    ("more", r"\bmore\b|\bextra\b"),
    ("not", r"\bnot\b|n't\b|\bnope\b"),
    ("enough", r"\benough\b"),
    ("so", r"\bso\b|\bsuch\b"),
    ("copula", r"\b(is|are|was|looks?|seems?|feels?|appears?|came out|comes out|it's|its|"
               r"they're|got)\b"),
    ("forbid", r"\b(don'?t|do not|never|avoid|without|no need|shouldn'?t|stop)\b"),
    ("remove", r"\b(remove|rid|undo|lose|kill|drop|reset|cancel|scrap|take (out|away|off)|"
               r"revert|ditch|strip|eliminate|no)\b"),
    ("keep", r"\b(keep|leave|touch|preserve|maintain|as is|alone|same)\b"),
    # "bring back" / "restore" ask for more of what they name, although "back" mostly comes in
    # "dial back", "pull back" (less of it).
    ("raise", r"\b(add|make|give|increase|boost|raise|push|bump|up|crank|turn up|more|want|"
              r"need|needs|bring back|restore|rescue|recover)\b"),
    ("lower", r"\b(reduce|lower|decrease|tone down|dial (it )?back|dial down|cut|turn down|"
              r"pull back|ease|back off|soften|less)\b"),
    ("question", r"\?|\b(can|could|would) you\b"),
    ("it", r"\b(it|this|photo|image|picture|pic|shot)\b"),
)
CUE_NAMES = tuple(name for name, _ in CUE_PATTERNS)
_CUE_RE = [re.compile(p) for _, p in CUE_PATTERNS]

# Tool names and the aliases a user may type next to a number ("exposure +20", "wb to -10").
TOOL_ALIASES: dict[str, str] = {name: name for name in TOOL_NAMES}
TOOL_ALIASES.update({
    "natural contrast": "natural_contrast", "clarity": "natural_contrast",
    "local contrast": "natural_contrast", "texture": "natural_contrast", "exp": "exposure",
    "ev": "exposure", "temp": "temperature", "white balance": "temperature", "wb": "temperature",
    "warmth": "temperature", "sat": "saturation", "sharpen": "sharpness",
    "sharpening": "sharpness", "shadow": "shadows", "highlight": "highlights",
    "white": "whites", "black": "blacks", "vibrancy": "vibrance", "noise": "grain",
    "vignetting": "vignette", "bright": "brightness",
})
_ALIAS_RE = "|".join(sorted((re.escape(a) for a in TOOL_ALIASES), key=len, reverse=True))
_NUMBER_RE = re.compile(
    rf"\b(?P<tool>{_ALIAS_RE})\b\s*(?P<op>to|=|:|at|by)?\s*(?P<value>[+-]?\s?\d{{1,3}})(?!\d)\s*%?"
    rf"|(?P<value2>[+-]\s?\d{{1,3}})\s*(?:on |to )?(?:the )?(?P<tool2>{_ALIAS_RE})\b")
_SPLIT_RE = re.compile(r"\s*(?:[,;.!]+|\?+(?=\s*[a-z])|\bbut\b|\band\b|\balso\b|\bthen\b|\bplus\b|&|\n)\s*")
_WORD_RE = re.compile(r"[a-z][a-z'&%-]*|\d+%?")


@dataclass(frozen=True)
class Clause:
    """One request inside an instruction, after clean-up."""

    text: str  # the clause as the user wrote it (after spelling fixes)
    core: str  # what the heads read: degree words removed
    degree: str  # key of DEGREE_FACTORS
    numbers: tuple[tuple[str, int, bool], ...] = ()  # (tool, value, relative) given explicitly


_BARE_NEGATION = re.compile(r"\b(does|do|did|is|are|was|were|should|could|would|must|need|has|"
                            r"have|had|ai)nt\b")

#: words that say "compared with now" but no direction ("cooler than it is now", "warmer
#: instead"): a comparative is always relative to the photo as it is, and the heads read these
#: words as the frame of a complaint ("than it is now" sounds like "it is too ...")
_RELATIVE_RE = re.compile(
    r"\bthan (it is|it's|it was|what it is|what it's|what it was|before|now|currently|that|this|"
    r"the original|the current( one| version)?|at the moment)"
    r"( now| currently| at the moment| right now)?\b|\b(instead|right now|at the moment|to me|for me|imo|in my opinion|honestly)\b")


def strip_relative(core: str) -> str:
    """``core`` without "than it is now" / "instead" (see :data:`_RELATIVE_RE`); unchanged when
    nothing else would be left."""
    out = re.sub(r"\s+", " ", _RELATIVE_RE.sub(" ", core)).strip()
    return out if re.search(r"[a-z]", out) else core


def normalize(text: str) -> str:
    """Lower case, straight quotes, single spaces, common shorthand spelled out."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"\bpls\b|\bplz\b|\bplease\b", " please ", text)
    text = re.sub(r"\bb&w\b|\bb/w\b|\bbw\b|\bb and w\b", "black and white", text)
    text = re.sub(r"\bw/o\b", "without", text)
    text = re.sub(r"\bw/\b", "with", text)
    text = re.sub(r"\bdont\b", "don't", text)
    text = re.sub(r"\bcant\b", "can't", text)
    # negations typed without the apostrophe: the speller would otherwise "fix" "shouldnt" into
    # "should" and "doesnt" into "does", turning the request around
    text = _BARE_NEGATION.sub(lambda m: m.group(1) + "n't", text)
    text = re.sub(r"\bwont\b", "won't", text)
    text = re.sub(r"\bits\b", "it's", text)
    text = re.sub(r"\bu\b", "you", text)
    text = re.sub(r"\bcolou?rs?\b", lambda m: m.group(0).replace("colour", "color"), text)
    text = re.sub(r"\bgr[ae]y\b", "grey", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip()


# ----------------------------------------------------------------------------------------------
# spelling
def _damerau(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, giving up (returning limit+1) beyond ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    """Fix words the heads never saw by the nearest word they did see.

    ``domain`` holds the words of the training phrasings (the ones worth correcting *to*);
    ``known`` holds every word that is fine as typed (the domain plus MiniLM's whole-word
    vocabulary), so ordinary English is never "corrected" into photo jargon.
    """

    def __init__(self, domain: Iterable[str], known: Iterable[str] = ()) -> None:
        self.domain = sorted({w for w in domain if w.isalpha() and len(w) >= 3})
        self.known = set(self.domain) | {w for w in known if w.isalpha()}
        self.known |= set(_SMALL_WORDS)
        self.cache: dict[str, str] = {}

    def fix_word(self, word: str) -> str:
        if word in self.known or not word.isalpha() or len(word) < 4:
            return word
        hit = self.cache.get(word)
        if hit is not None:
            return hit
        limit = 1 if len(word) <= 5 else 2
        best, best_d = word, limit + 1
        for cand in self.domain:
            if abs(len(cand) - len(word)) > limit or (cand[0] != word[0] and len(word) <= 5):
                continue
            d = _damerau(word, cand, limit)
            # Ties prefer the longer, more specific word ("shadows" over "shadow").
            if d < best_d or (d == best_d and d <= limit and len(cand) > len(best)):
                best, best_d = cand, d
        result = best if best_d <= limit else word
        self.cache[word] = result
        return result

    def fix(self, text: str) -> str:
        return re.sub(r"[a-z]+", lambda m: self.fix_word(m.group(0)), text)


_SMALL_WORDS = ("a", "an", "the", "it", "is", "be", "to", "of", "so", "too", "bit", "up", "do",
                "no", "not", "my", "me", "we", "us", "on", "in", "at", "by", "or", "as", "if")


# ----------------------------------------------------------------------------------------------
def split_clauses(text: str) -> list[str]:
    """Split an instruction into clauses, keeping phrases such as "black and white" whole."""
    protected: dict[str, str] = {}
    for k, phrase in enumerate(PROTECTED_PHRASES):
        if phrase in text:
            token = f"qzx{k}qzx"
            protected[token] = phrase
            text = text.replace(phrase, token)
    parts = [p.strip() for p in _SPLIT_RE.split(text)]
    out = []
    for part in parts:
        for token, phrase in protected.items():
            part = part.replace(token, phrase)
        if part and re.search(r"[a-z0-9]", part):
            out.append(part)
    return out


_DEGREE_RE = re.compile(
    r"(?<![a-z])(" + "|".join(sorted((re.escape(w) for w in DEGREE_WORDS), key=len, reverse=True))
    + r")(?![a-z])")


def extract_degree(text: str) -> tuple[str, str]:
    """(text without degree words, strongest degree level found or "default").

    "a bit less" keeps "less" for the heads and reports "slight"; several degree words keep the
    most extreme ("really really" -> heavy)."""
    order = ("default", "tiny", "slight", "strong", "heavy", "extreme")
    level = "default"

    def repl(m: re.Match[str]) -> str:
        nonlocal level
        phrase = m.group(1)
        found = DEGREE_WORDS[phrase]
        if order.index(found) > order.index(level):
            level = found
        kept = [w for w in phrase.split() if w in _KEEP_FOR_HEADS]
        return " " + " ".join(kept) + " "

    core = _DEGREE_RE.sub(repl, text)
    core = re.sub(r"\s+", " ", core).strip()
    return core, level


def extract_numbers(text: str) -> tuple[str, tuple[tuple[str, int, bool], ...]]:
    """Explicit "tool value" pairs; returns the text without them and (tool, value, relative)."""
    found: list[tuple[str, int, bool]] = []

    def repl(m: re.Match[str]) -> str:
        tool = TOOL_ALIASES[m.group("tool") or m.group("tool2")]
        raw = (m.group("value") or m.group("value2")).replace(" ", "")
        value = max(-100, min(100, int(raw)))
        relative = m.group("op") == "by"
        found.append((tool, value, relative))
        return " "

    rest = _NUMBER_RE.sub(repl, text)
    return re.sub(r"\s+", " ", rest).strip(), tuple(found)


def cue_vector(text: str) -> list[float]:
    """One 0/1 feature per :data:`CUE_PATTERNS` entry."""
    return [1.0 if rx.search(text) else 0.0 for rx in _CUE_RE]


def parse_clauses(instruction: str, speller: Speller | None = None) -> list[Clause]:
    """Instruction -> clauses with degree and explicit numbers read off."""
    text = normalize(instruction)
    if speller is not None:
        text = speller.fix(text)
    clauses = []
    for part in split_clauses(text):
        rest, numbers = extract_numbers(part)
        core, degree = extract_degree(rest)
        core = strip_relative(core)
        clauses.append(Clause(text=part, core=core, degree=degree, numbers=numbers))
    return clauses


def words_of(text: str) -> list[str]:
    return _WORD_RE.findall(normalize(text))


def tool_of_alias(word: str) -> str | None:
    name = TOOL_ALIASES.get(word) or normalize_tool_name(word)
    return name if name in TOOL_NAMES else None
