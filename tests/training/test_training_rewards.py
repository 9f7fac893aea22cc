"""GRPO rewards computed from real editor renders."""
from __future__ import annotations

import doctest

import numpy as np
import pytest
from PIL import Image

from iea_core.program import Program


def test_doctests_of_rewards_and_helpers():
    import training.commands.eval
    import training.data.prepare
    import training.data.teacher
    import training.rewards
    import training.rm

    for module in (training.rewards, training.rm, training.data.prepare, training.data.teacher,
                   training.commands.eval):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


@pytest.fixture(scope="module")
def edit_case(tmp_path_factory, photos):
    """A photo, the expert program and its render saved as files, as GRPO rows reference them."""
    from iea_core.editor import render

    root = tmp_path_factory.mktemp("reward")
    photo = np.asarray(Image.fromarray(photos["coffee"]).resize((128, 96)))
    target = Program({"exposure": 40, "temperature": 35, "saturation": -30})
    Image.fromarray(photo).save(root / "original.png")
    Image.fromarray(render(photo, target)).save(root / "reference.png")
    return root / "original.png", root / "reference.png", target


def answer(program: Program) -> list[dict]:
    return [{"role": "assistant", "content": program.to_model_output()}]


def test_known_good_completion_scores_higher_than_bad_ones(edit_case):
    from training.rewards import format_reward, make_edit_reward

    original, reference, target = edit_case
    good = answer(target.replace(reasoning="warm and bright"))
    close = answer(Program({"exposure": 30, "temperature": 30}))
    wrong = answer(Program({"exposure": -40, "temperature": -35, "grain": 60}))
    garbage = [{"role": "assistant", "content": "I like this photo"}]
    completions = [good, close, wrong, garbage]
    n = len(completions)
    kwargs = dict(task=["edit"] * n, original_path=[str(original)] * n,
                  reference_path=[str(reference)] * n)
    rewards = make_edit_reward(image_side=128)(completions, **kwargs)
    assert rewards[0] > rewards[1] > rewards[2]
    assert rewards[0] > 0.9  # exact program: R_L ~ 1, every tool useful
    assert rewards[2] < 0
    assert rewards[3] is None  # unreadable: the format reward's business
    assert format_reward(completions, **kwargs) == [0.0, 0.0, 0.0, -1.0]


def test_batched_reward_matches_the_metrics_module(edit_case):
    from iea_core.editor import render
    from iea_core.metrics import likeness_reward, usefulness_reward
    from training.rewards import edit_rewards_for_photo

    original, reference, _ = edit_case
    orig = np.asarray(Image.open(original), dtype=np.float32) / 255
    ref = np.asarray(Image.open(reference), dtype=np.float32) / 255
    programs = [Program({"exposure": 20, "contrast": 15}), Program({"temperature": 50})]
    batched = edit_rewards_for_photo(orig, ref, programs)
    for program, (reward, r_l, r_u) in zip(programs, batched):
        edited = render(orig, program)
        assert r_l == pytest.approx(likeness_reward(orig, edited, ref), abs=1e-4)
        assert r_u == pytest.approx(usefulness_reward(orig, program, ref), abs=1e-6)
        assert reward == pytest.approx(0.7 * r_l + 0.3 * r_u, abs=1e-6)


def test_summary_tasks_are_left_to_the_summary_reward(edit_case):
    from training.rewards import make_edit_reward

    original, reference, target = edit_case
    rewards = make_edit_reward()([answer(target)], task=["summary"],
                                 original_path=[str(original)], reference_path=[str(reference)])
    assert rewards == [None]
