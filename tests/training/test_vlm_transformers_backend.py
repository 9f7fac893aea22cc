"""The transformers backend on a tiny random Qwen2.5-VL built locally (real load/generate path)."""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.agent import get_agent
from iea_core.agent.transformers_backend import TransformersAgent, load_processor
from iea_core.errors import BackendUnavailable, ModelOutputError
from iea_core.program import Program
from vlm_helpers import random_image, steering_bias


@pytest.fixture(scope="module")
def tokenizer(tiny_models):
    return load_processor(tiny_models["vl"]).tokenizer


def test_missing_or_wrong_model_folder_is_a_clear_error(tmp_path, tiny_models):
    with pytest.raises(BackendUnavailable, match="needs model_path"):
        TransformersAgent()
    with pytest.raises(BackendUnavailable, match="config.json is missing"):
        TransformersAgent(tmp_path)
    with pytest.raises(BackendUnavailable, match="qwen3"):
        TransformersAgent(tiny_models["rm"])


def test_random_weights_give_garbage_then_one_retry_then_model_output_error(tiny_models):
    agent = get_agent("transformers", model_path=str(tiny_models["vl"]), max_new_tokens=12)
    calls = []
    original = agent._complete
    agent._complete = lambda m, i: calls.append(m) or original(m, i)
    with pytest.raises(ModelOutputError, match="after one retry"):
        agent.edit(random_image(), "make it warmer")
    assert len(calls) == 2
    assert "could not be used" in calls[1][-1]["content"][0]["text"]


def test_generation_steered_to_a_known_answer_parses_into_a_program(tiny_models, tokenizer):
    answer = Program({"exposure": 35, "temperature": -20}, "Too bright and warm? No: too dark "
                     "and too warm.").to_model_output()
    agent = TransformersAgent(tiny_models["vl"], max_new_tokens=120,
                              generation_kwargs={"sequence_bias": steering_bias(tokenizer,
                                                                                [answer])})
    result = agent.edit(random_image(1, (90, 120, 3)), "darker? no, brighter and cooler")
    assert result.program.to_dict() == {"exposure": 35, "temperature": -20}
    assert result.reasoning.startswith("Too bright")
    assert result.raw.endswith("</answer>")
    assert set(result.explanations) == {"exposure", "temperature"}


def test_summary_steered_to_a_sentence(tiny_models, tokenizer):
    answer = "<think>\nThe right side is warmer.\n</think>\n<answer>\nMake it warmer.\n</answer>"
    agent = TransformersAgent(tiny_models["vl"], max_new_tokens=60, recover_summary_program=False,
                              generation_kwargs={"sequence_bias": steering_bias(tokenizer,
                                                                                [answer])})
    style = agent.summarize(random_image(2), random_image(3))
    assert style.sentence == "Make it warmer."
