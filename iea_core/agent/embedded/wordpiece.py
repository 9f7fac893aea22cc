"""MiniLM's tokenizer (uncased BERT WordPiece) in plain Python.

The base install carries no Hugging Face stack, so the encoder splits words itself. This follows
the published BERT recipe that ``tokenizer.json`` of all-MiniLM-L6-v2 declares: clean the text,
put spaces around CJK characters, lower-case and drop accents, split on white space and on every
punctuation character, then cut each word into the longest vocabulary pieces from the left
(``##`` marks a piece inside a word; a word that cannot be cut is ``[UNK]``).
``tests/agent/test_packed_encoder.py`` checks the ids against the ``tokenizers`` library.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

MAX_WORD_CHARS = 100  # longer "words" are [UNK], as in BERT
#: written literally in a text, these are the special tokens themselves (as in ``tokenizers``)
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
_SPECIAL = re.compile("(" + "|".join(re.escape(t) for t in SPECIAL_TOKENS) + ")")


@dataclass(frozen=True)
class Encoding:
    """Token ids of one text, [CLS] ... [SEP] (the ``.ids`` of a ``tokenizers`` encoding)."""

    ids: list[int]


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    # BERT counts every non-alphanumeric ASCII symbol as punctuation ("$", "^", "`" included)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F
            or 0x2B820 <= code <= 0x2CEAF or 0xF900 <= code <= 0xFAFF
            or 0x2F800 <= code <= 0x2FA1F)


def _normalise(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD:
            continue
        category = unicodedata.category(char)
        if char in " \t\n\r" or category == "Zs":
            out.append(" ")
        elif category in ("Cc", "Cf"):
            continue
        elif _is_cjk(code):
            out.append(f" {char} ")
        else:
            out.append(char)
    # character by character, as the Rust tokenizer does (str.lower() would turn a final sigma
    # into the word-final form, a different token)
    lowered = "".join(char.lower() for char in out)
    return "".join(c for c in unicodedata.normalize("NFD", lowered)
                   if unicodedata.category(c) != "Mn")


def _words(text: str) -> list[str]:
    words: list[str] = []
    for chunk in text.split():
        current = ""
        for char in chunk:
            if _is_punctuation(char):
                if current:
                    words.append(current)
                    current = ""
                words.append(char)
            else:
                current += char
        if current:
            words.append(current)
    return words


class WordPieceTokenizer:
    """Uncased BERT WordPiece over ``vocab`` (one token per line of ``vocab.txt``)."""

    def __init__(self, vocab: Sequence[str], max_tokens: int = 128) -> None:
        self.ids = {token: index for index, token in enumerate(vocab)}
        self.unk, self.cls, self.sep = self.ids["[UNK]"], self.ids["[CLS]"], self.ids["[SEP]"]
        self.max_tokens = max_tokens
        self._pieces = lru_cache(maxsize=65536)(self._pieces_uncached)

    def _pieces_uncached(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_WORD_CHARS:
            return (self.unk,)
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.ids.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            pieces.append(found)
            start = end
        return tuple(pieces)

    def encode(self, text: str) -> Encoding:
        ids: list[int] = []
        for index, part in enumerate(_SPECIAL.split(text)):
            if index % 2:  # a special token written in the text
                ids.append(self.ids[part])
                continue
            for word in _words(_normalise(part)):
                ids.extend(self._pieces(word))
        ids = ids[:max(0, self.max_tokens - 2)]  # truncated, leaving room for [CLS] and [SEP]
        return Encoding([self.cls, *ids, self.sep])

    def encode_batch(self, texts: Sequence[str]) -> list[Encoding]:
        return [self.encode(text) for text in texts]
