"""Which look a wording means: cosine similarity of MiniLM sentence embeddings.

Each look's phrases are embedded once and shipped (``looks_emb.npz``, float16, ~0.2 MB): embedding
them on a laptop CPU takes seconds, the request only a few milliseconds. The file records a hash of
the phrases; when the vocabulary changes and the file was not rebuilt, the table is embedded again
at first use (slow, but right). Rebuild with ``python -m iea_core.agent.plan.match``.

A request is compared in two forms: as written and with its frame words taken off ("make it feel
like a cold winter morning" -> "cold winter morning"); the look's score is its best phrase.
"""
from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .looks import LOOKS

TABLE_FILE = Path(__file__).with_name("looks_emb.npz")

#: words around a mood that say "make it look like" rather than what it should look like
_FRAME = re.compile(
    r"\b(please|pls|can you|could you|i want|i'd like|i would like|make (it|this|the (photo|image|"
    r"picture|shot))|give (it|this)( a| an)?|turn (it|this) into|it should|should|feel(s)?|"
    r"look(s)?|like|as if|as though|in the style of|style|vibe(s)?|mood|feeling|aesthetic|"
    r"kind of|sort of|a bit|somewhat|more|very|really|photo|image|picture|shot|edit|version|"
    r"effect|the|an|a|of|it|this|ish|y)\b")


def strip_frame(text: str) -> str:
    """The words of a request that carry its meaning ("winter-ish dawn" -> "winter dawn")."""
    text = text.lower().replace("-ish", " ").replace("ish ", " ")
    text = re.sub(r"[-_/]", " ", text)
    core = " ".join(_FRAME.sub(" ", text).split())
    return core or " ".join(text.split())


def phrase_table() -> tuple[list[str], np.ndarray]:
    """(phrase, look index) pairs of the whole vocabulary, in a fixed order."""
    phrases, owners = [], []
    for k, look in enumerate(LOOKS):
        for phrase in dict.fromkeys((look.name,) + look.phrases):
            phrases.append(phrase)
            owners.append(k)
    return phrases, np.array(owners, np.int64)


def phrases_hash(phrases: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(phrases).encode()).hexdigest()[:16]


class LookMatcher:
    """Scores of every look for a wording; the encoder is the embedded agent's MiniLM."""

    def __init__(self, encoder: Any) -> None:
        self.encoder = encoder
        self.phrases, self.owners = phrase_table()
        self._table: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def table(self) -> np.ndarray:
        if self._table is None:
            with self._lock:
                if self._table is None:
                    self._table = self._load_or_embed()
        return self._table

    def _load_or_embed(self) -> np.ndarray:
        digest = phrases_hash(self.phrases)
        if TABLE_FILE.is_file():
            with np.load(TABLE_FILE) as data:
                if str(data["hash"]) == digest:
                    return data["emb"].astype(np.float32)
        return self.encoder.encode(self.phrases)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), n_looks) best cosine of each text against each look's phrases; each text
        is scored as written and without its frame words, whichever is higher."""
        if not texts:
            return np.zeros((0, len(LOOKS)), np.float32)
        forms = list(texts) + [strip_frame(t) for t in texts]
        emb = self.encoder.encode(forms)
        sims = emb @ self.table.T  # unit vectors: cosine
        per_look = np.full((len(forms), len(LOOKS)), -1.0, np.float32)
        np.maximum.at(per_look.T, self.owners, sims.T)
        n = len(texts)
        return np.maximum(per_look[:n], per_look[n:])


def build(path: Path = TABLE_FILE) -> Path:
    """Embed the vocabulary and write the shipped table."""
    from ..embedded.encoder import MiniLMEncoder

    phrases, _ = phrase_table()
    emb = MiniLMEncoder().encode(phrases)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, emb=emb.astype(np.float16), hash=np.array(phrases_hash(phrases)))
    tmp.replace(path)
    return path


if __name__ == "__main__":  # pragma: no cover - maintenance command
    print(build())
