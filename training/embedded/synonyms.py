"""More training wording: extra phrasings and frames that are never held out.

:mod:`.intents` holds the original phrasings, every fourth of which is kept for the held-out
evaluation. The lists here only ever feed training (the generator, the prototypes and the speller's
vocabulary): they widen what the heads have seen — amateur speech, jargon, British spellings,
similes — without touching the held-out split, so the evaluation still measures wording the heads
never saw.

That only holds if nothing here *is* held-out wording. :func:`leaks` lists every extra phrasing
that equals a held-out phrasing or contains a word that only held-out wording uses (a word absent
from all training phrasings and frames); :data:`EXTRA` must have none, and the test suite checks
it. The held-out words were not shown to whoever wrote these lists; the check catches coincidences.

The lists themselves live in :mod:`.synonyms_data`: ``EXTRA`` (intent -> slot -> phrasings; the
bare feedback groups "neutral", "bare_more", "bare_less", "bare_undo" use the slot "full") and
``EXTRA_FRAMES`` (training-only sentence frames, keyed like :data:`.frames.FRAMES`).
"""
from __future__ import annotations

from functools import lru_cache

from .synonyms_data import EXTRA, EXTRA_FRAMES

SLOTS = ("cmp", "verb", "adj", "noun", "full", "complaint")
BARE_GROUPS = ("neutral", "bare_more", "bare_less", "bare_undo")


def extra(group: str, slot: str) -> tuple[str, ...]:
    """Training-only phrasings of ``group`` (an intent or a bare group) in ``slot``."""
    return EXTRA.get(group, {}).get(slot, ())


def extra_frames(polarity: str, slot: str) -> tuple[tuple[str, bool], ...]:
    """Training-only frames of (polarity, slot) as ``(template, takes_degree)`` like FRAMES."""
    return tuple((t, "{d" in t) for t in EXTRA_FRAMES.get((polarity, slot), ()))


def frame_slot_words(template: str) -> set[str]:
    """The words of a frame template, without its slots."""
    return _words(template.replace("{x}", " ").replace("{d}", " ").replace("{d2}", " "))


def all_extra() -> list[tuple[str, str, str]]:
    """(group, slot, phrase) for every extra phrasing."""
    return [(group, slot, phrase) for group, slots in EXTRA.items()
            for slot, items in slots.items() for phrase in items]


def _words(text: str) -> set[str]:
    return {w.strip(",.?!\"") for w in text.split()} - {""}


@lru_cache(maxsize=1)
def heldout_only_words() -> frozenset[str]:
    """Words that appear in held-out phrasings or frames and nowhere in the training ones."""
    from .frames import FRAMES
    from .intents import heldout

    lists = _phrasing_lists()
    lists += [tuple(" ".join(frame_slot_words(t)) for t, _ in templates)
              for templates in FRAMES.values()]
    train_words: set[str] = set()
    held_words: set[str] = set()
    for items in lists:
        for k, text in enumerate(items):
            (held_words if heldout(items, k) else train_words).update(_words(text))
    return frozenset(held_words - train_words)


def _phrasing_lists() -> list[tuple[str, ...]]:
    """Every phrasing list of :mod:`.intents` (each split into training and held-out parts)."""
    from .intents import BARE_LESS, BARE_MORE, BARE_UNDO, INTENTS, NEUTRAL

    return [getattr(i, s) for i in INTENTS for s in SLOTS] + [NEUTRAL, BARE_MORE, BARE_LESS,
                                                              BARE_UNDO]


@lru_cache(maxsize=1)
def heldout_phrasings() -> frozenset[str]:
    from .intents import heldout

    return frozenset(text for items in _phrasing_lists() for k, text in enumerate(items)
                     if heldout(items, k))


def leaks() -> list[tuple[str, str, str, str]]:
    """(group, slot, phrase, why) for extra phrasings that would reveal held-out wording."""
    held_words = heldout_only_words()
    held_phrases = heldout_phrasings()
    out = []
    for group, slot, phrase in all_extra():
        if phrase in held_phrases:
            out.append((group, slot, phrase, "is a held-out phrasing"))
            continue
        shared = sorted(_words(phrase) & held_words)
        if shared:
            out.append((group, slot, phrase, f"uses held-out word(s) {', '.join(shared)}"))
    from .frames import FRAMES
    from .intents import heldout

    held_frames = {t for templates in FRAMES.values() for k, (t, _) in enumerate(templates)
                   if heldout(templates, k)}
    for (polarity, slot), templates in EXTRA_FRAMES.items():
        for template in templates:
            if template in held_frames:
                out.append((polarity, slot, template, "is a held-out frame"))
                continue
            shared = sorted(frame_slot_words(template) & held_words)
            if shared:
                out.append((polarity, slot, template,
                            f"uses held-out word(s) {', '.join(shared)}"))
    return out
