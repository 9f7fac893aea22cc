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


def test_released_checkpoint_layout_loads(tiny_models, tmp_path):
    """Released Qwen2.5-VL folders carry preprocessor_config.json and chat_template.json
    (no processor_config.json): the processor is assembled from those."""
    import json
    import shutil

    from training.tiny import CHAT_TEMPLATE

    folder = tmp_path / "released"
    shutil.copytree(tiny_models["vl"], folder)
    (folder / "processor_config.json").unlink()
    (folder / "chat_template.jinja").unlink()
    (folder / "preprocessor_config.json").write_text(json.dumps({
        "min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2,
        "merge_size": 2, "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_std": [0.26862954, 0.26130258, 0.27577711],
        "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2_5_VLProcessor"}))
    (folder / "chat_template.json").write_text(json.dumps({"chat_template": CHAT_TEMPLATE}))
    processor = load_processor(folder, max_pixels=56 * 56 * 4)
    assert processor.chat_template == CHAT_TEMPLATE
    from PIL import Image

    out = processor(text=["<|vision_start|><|image_pad|><|vision_end|>hi"],
                    images=[Image.new("RGB", (400, 300))], return_tensors="pt")
    t, h, w = out["image_grid_thw"][0].tolist()
    assert h * w * 14 * 14 <= 56 * 56 * 4 * 1.01  # the pixel budget we asked for is honoured
    agent = TransformersAgent(folder, max_new_tokens=2, max_pixels=None)
    assert agent.processor.image_processor.size["longest_edge"] == 12845056
