"""The training-only wording (training.embedded.synonyms) widens training without touching the
held-out split, and the shipped tables survive int8 storage."""
from __future__ import annotations

import random

import numpy as np

from iea_core.agent.embedded.heads import dequantize_rows, quantize_rows, unpack
from training.embedded import intents, synonyms
from training.embedded.frames import FRAMES
from training.embedded.generate import sample_clause


def test_extra_wording_reveals_no_heldout_word_or_phrasing():
    assert synonyms.all_extra(), "the extra wording is empty"
    assert synonyms.EXTRA_FRAMES, "the extra frames are empty"
    assert synonyms.leaks() == []


def test_leak_check_catches_a_heldout_phrasing_and_word(monkeypatch):
    held_phrase = next(iter(sorted(synonyms.heldout_phrasings())))
    held_word = next(iter(sorted(synonyms.heldout_only_words())))
    monkeypatch.setitem(synonyms.EXTRA, "warm",
                        {"adj": (held_phrase, f"{held_word} toned", "toasty")})
    monkeypatch.setitem(synonyms.EXTRA_FRAMES, ("WANT", "cmp"), (f"{held_word} {{x}}",))
    found = {(phrase, why.split()[0]) for _g, _s, phrase, why in synonyms.leaks()}
    assert (held_phrase, "is") in found
    assert (f"{held_word} toned", "uses") in found
    assert (f"{held_word} {{x}}", "uses") in found
    assert not any(phrase == "toasty" for phrase, _ in found)


def test_training_draws_extra_wording_and_the_heldout_split_never_does():
    extra_phrases = {p for _g, _s, p in synonyms.all_extra()}
    rng = random.Random(3)
    train = [sample_clause(rng, False, 0.0) for _ in range(1500)]
    assert sum(c.phrase in extra_phrases for c in train) > 300
    extra_frames = {t for ts in synonyms.EXTRA_FRAMES.values() for t in ts}
    assert sum(c.frame in extra_frames for c in train) > 100
    rng = random.Random(4)
    held = [sample_clause(rng, True, 0.0) for _ in range(1500)]
    assert not any(c.phrase in extra_phrases or c.frame in extra_frames for c in held)
    all_frames = {t for ts in FRAMES.values() for t, _ in ts}
    assert all(c.frame in all_frames for c in held)


def test_extra_wording_keeps_polarity_words_in_the_frame():
    # Colloquial extra phrasings contain frame words ("it needs more", "reduce the effect"); they
    # must not turn those into property words, or "don't"/"reduce" vanish from the frame view.
    phrases = intents.phrase_words()
    for word in ("don't", "reduce", "without", "needs", "cut"):
        assert word not in phrases, word
    # ... and a chatty extra frame must not eat a property word.
    assert "warmer" not in intents.frame_words()
    assert "vignette" not in intents.frame_words()


def test_int8_tables_keep_cosines():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(200, 384)).astype(np.float32)
    table /= np.linalg.norm(table, axis=1, keepdims=True)
    q, scale = quantize_rows(table)
    assert q.dtype == np.int8 and scale.shape == (200,)
    back = dequantize_rows(q, scale)
    cos = (table @ table.T)
    assert np.abs(back @ back.T - cos).max() < 5e-3
    params = unpack({"proto_emb.q8": q, "proto_emb.scale": scale,
                     "b1": np.ones(3, np.float16)})
    assert set(params) == {"proto_emb", "b1"}
    assert params["proto_emb"].dtype == np.float32
    np.testing.assert_allclose(params["proto_emb"], back)


def test_whole_clause_phrasings_are_read_as_trained_and_hold_no_heldout_wording(agent):
    from iea_core.agent.embedded.interpret import edit_effect

    table = intents.exact_readings()
    assert table["pull back the highlights"] == ("recover_highlights", "WANT")
    held = synonyms.heldout_phrasings()
    assert not set(table) & held
    # "pull back the {x}" is a "less of it" frame; the known phrasing must still lower highlights,
    # with its degree word read as usual.
    effect = edit_effect(agent.interpreter.read("pull back the highlights a little"))
    assert 0 > effect.values["highlights"] > -35
    assert set(effect.values) == {"highlights"}
    # The shipped manifest carries the same table.
    assert agent.interpreter.exact["pull back the highlights"] == ("recover_highlights", "WANT")


def test_lowering_verbs_are_labelled_as_less_of_the_opposite_property():
    from training.embedded.generate import INTENT_BY_NAME, OPPOSITES, canonical_label

    assert canonical_label("muted", "WANT", "verb", "lower the saturation") == ("saturated", "OPPOSE")
    assert canonical_label("flat", "WANT", "verb", "tone down the contrast") == ("contrasty", "OPPOSE")
    assert canonical_label("muted", "WANT", "verb", "drain the colour") == ("muted", "WANT")
    assert canonical_label("muted", "FORBID", "verb", "lower the saturation") == ("muted", "FORBID")
    # Relabelling must never change the edit: opposite properties have opposite values.
    for a, b in OPPOSITES.items():
        va, vb = INTENT_BY_NAME[a].values, INTENT_BY_NAME[b].values
        assert set(va) == set(vb) and all(va[t] == -vb[t] for t in va), (a, b)


def test_tone_down_requests_lower_the_named_tool(agent):
    from iea_core.agent.embedded.interpret import edit_effect

    for text, tool in (("tone down the saturation", "saturation"),
                       ("tone down the contrast", "contrast"), ("reduce the warmth", "temperature"),
                       ("bring back detail in the shadows", None)):
        values = edit_effect(agent.interpreter.read(text)).values
        if tool is None:
            assert values == {"shadows": 35}
        else:
            assert set(values) == {tool} and values[tool] < 0, (text, values)


def test_int8_table_without_its_scales_is_a_clear_error():
    import pytest

    from iea_core.errors import BackendUnavailable

    q, _scale = quantize_rows(np.ones((2, 4), np.float32))
    with pytest.raises(BackendUnavailable, match="proto_emb.scale"):
        unpack({"proto_emb.q8": q})
