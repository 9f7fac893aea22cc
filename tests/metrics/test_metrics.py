"""The paper's distance and rewards on real renders, ROUGE-L, and CIEDE2000 against Sharma's data."""
from __future__ import annotations

import doctest

import numpy as np
import pytest

import iea_core.metrics as metrics
from iea_core.editor import render, render_batch
from iea_core.errors import ArrayConventionError
from iea_core.metrics import (ciede2000, delta_e, distance, distance_batch, edit_reward,
                              likeness_reward, rouge_l, srgb_to_lab, usefulness_reward)

# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
# supplementary test data, and mathematical observations", Table 1: (Lab1, Lab2, dE00).
SHARMA_PAIRS = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.1736, 0.5854), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


def test_ciede2000_matches_sharmas_test_data_vectorised_and_symmetric():
    lab1 = np.array([p[0] for p in SHARMA_PAIRS])
    lab2 = np.array([p[1] for p in SHARMA_PAIRS])
    expected = np.array([p[2] for p in SHARMA_PAIRS])
    np.testing.assert_allclose(ciede2000(lab1, lab2), expected, atol=1e-4)
    np.testing.assert_allclose(ciede2000(lab2, lab1), expected, atol=1e-4)
    assert ciede2000(lab1, lab2).shape == (len(SHARMA_PAIRS),)


def test_srgb_to_lab_known_colours():
    white = srgb_to_lab(np.array([[[255, 255, 255]]], dtype=np.uint8))[0, 0]
    np.testing.assert_allclose(white, [100, 0, 0], atol=0.01)
    red = srgb_to_lab(np.array([[[1.0, 0.0, 0.0]]]))[0, 0]
    np.testing.assert_allclose(red, [53.24, 80.09, 67.20], atol=0.05)  # standard D65 values
    grey16 = srgb_to_lab(np.full((1, 1, 3), 32768, dtype=np.uint16))[0, 0]
    assert abs(grey16[1]) < 1e-4 and 50 < grey16[0] < 55


def test_delta_e_on_photos(photos):
    img = photos["coffee"][::2, ::2].copy()
    assert delta_e(img, img) == 0.0
    slight = render(img, {"temperature": 5})
    strong = render(img, {"temperature": 60})
    assert 0 < delta_e(img, slight) < delta_e(img, strong)
    assert delta_e(img, strong) > 1.5  # visible side by side
    # sub-sampling a large image keeps the estimate close to the full mean
    assert delta_e(img, strong, max_pixels=10_000) == pytest.approx(delta_e(img, strong),
                                                                   rel=0.05)


def test_distance_matches_the_papers_formula():
    a = np.zeros((4, 4, 3), dtype=np.uint8)
    b = a.copy()
    b[0, 0] = 255  # one pixel fully different
    l1 = 3 / 48
    l2 = np.sqrt(3 / 48)
    assert distance(a, b) == pytest.approx((l1 + l2) / 2)
    assert distance(a, b.astype(np.uint16) * 257) == pytest.approx(distance(a, b))
    batch = distance_batch(np.stack([a, b]).astype(np.float32) / 255, a)
    np.testing.assert_allclose(batch, [0.0, distance(a, b)])
    with pytest.raises(ArrayConventionError, match="differ in size"):
        distance(a, np.zeros((5, 4, 3)))
    with pytest.raises(ArrayConventionError):
        distance_batch(a, a)


def paper_rewards(original, program, reference):
    """An independent, literal reading of the paper's section 3.3 (one render per variant)."""
    def d(x, y):
        x = x.astype(np.float64) / 255
        y = y.astype(np.float64) / 255
        return (np.abs(x - y).mean() + np.sqrt(((x - y) ** 2).mean())) / 2

    edited = render(original, program)
    d0, d1 = d(original, reference), d(edited, reference)
    r_l = max(-1.0, (d0 - d1) / d0)
    votes = []
    for tool in program:
        without = {t: v for t, v in program.items() if t != tool}
        votes.append(1.0 if d(render(original, without), reference) > d1 else -1.0)
    r_u = float(np.mean(votes))
    return r_l, r_u, 0.7 * r_l + 0.3 * r_u


def test_rewards_on_a_real_pair_agree_with_a_literal_reading_of_the_paper(photos):
    original = photos["coffee"][::2, ::2].copy()
    reference = render(original, {"exposure": 30, "saturation": -40, "vignette": -30})
    guess = {"exposure": 20, "saturation": 30, "contrast": 15}
    r_l, r_u, r = paper_rewards(original, guess, reference)
    edited = render(original, guess)
    assert likeness_reward(original, edited, reference) == pytest.approx(r_l, abs=1e-3)
    assert usefulness_reward(original, guess, reference) == pytest.approx(r_u)
    assert edit_reward(original, guess, reference) == pytest.approx(r, abs=1e-3)
    assert -1 < r_u < 1  # exposure helped, saturation the wrong way did not


def test_reward_extremes(photos):
    original = photos["chelsea"][::2, ::2].copy()
    target = {"exposure": 30, "saturation": -40}
    reference = render(original, target)
    assert likeness_reward(original, reference, reference) == pytest.approx(1.0)
    assert likeness_reward(original, original, reference) == 0.0
    far = render(original, {"exposure": -100, "contrast": 100})
    assert likeness_reward(original, far, reference) == -1.0  # floored
    assert usefulness_reward(original, target, reference) == pytest.approx(1.0)
    assert usefulness_reward(original, {**target, "vignette": -80}, reference) == pytest.approx(
        1 / 3)
    assert usefulness_reward(original, {}, reference) == 0.0
    assert edit_reward(original, target, reference) == pytest.approx(1.0, abs=1e-6)
    assert edit_reward(original, {"exposure": -30, "saturation": 40}, reference) < 0
    assert likeness_reward(original, original, original) == 1.0
    # iea-compat profile renders through the same API
    compat_ref = render(original, target, "iea-compat")
    assert edit_reward(original, target, compat_ref, "iea-compat") == pytest.approx(1.0,
                                                                                  abs=1e-6)


def test_usefulness_uses_one_batch_render(photos, monkeypatch):
    calls = []
    original = photos["rocket"][::4, ::4].copy()
    reference = render(original, {"shadows": 40})

    def counting(image, programs, profile="default", *, seed=0, dtype=None):
        calls.append(len(programs))
        return render_batch(image, programs, profile, seed=seed, dtype=dtype)

    monkeypatch.setattr("iea_core.editor.render_batch", counting)
    edit_reward(original, {"shadows": 40, "fade": 20, "tint": -10}, reference)
    assert calls == [4]  # the program and the program minus each of its three tools


def test_rouge_l():
    assert rouge_l("warm faded film look", "a warm, faded film look") > 0.8
    assert rouge_l("cooler and darker", "warm faded film look") == 0.0
    assert rouge_l("Warmer tones", "warmer tone") == pytest.approx(1.0)  # case and stemming


def test_rouge_l_reward_reads_chat_completions():
    from iea_core.metrics import rouge_l_reward

    chat = [[{"role": "assistant", "content": [{"type": "text", "text": "<think>x</think>"},
                                               {"type": "text",
                                                "text": "<answer>Cooler, brighter.</answer>"}]}],
            {"role": "assistant", "content": "<answer></answer>"}]
    scores = rouge_l_reward(chat, summary=["cooler and brighter", "anything"])
    assert scores[0] == pytest.approx(0.8) and scores[1] == 0.0
    assert rouge_l_reward(["a"]) == [None]


def test_docstring_examples_run():
    result = doctest.testmod(metrics, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 6 and result.failed == 0
