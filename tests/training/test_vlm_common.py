"""Prompts, images and the one-retry rule shared by the VLM backends (no model needed)."""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.agent.vlm_common import (PromptSet, PromptedVlmAgent, edit_messages,
                                       parse_summary_answer, refine_messages, side_by_side,
                                       summary_messages, to_pil, with_one_retry,
                                       parse_edit_answer, AnswerUnusable)
from iea_core.errors import ConfigError, ModelOutputError
from iea_core.program import Program, parse_model_output
from iea_core.tools import TOOL_NAMES

GOOD = '<think>\nIt is dim.\n</think>\n<answer>\n```json\n{"exposure": 30, "shadows": 20}\n```\n</answer>'


def test_prompts_name_every_tool_and_show_the_answer_layout():
    prompts = PromptSet.load()
    system, user = prompts.render("edit", instruction_block="The photographer asks: warmer\n",
                                  history="")
    for tool in TOOL_NAMES:
        assert f"- {tool}:" in system
    assert "<think>" in system and "<answer>" in system
    # the example answer inside the prompt is itself in the format our parser reads
    example = system[system.index("for example"):]
    assert parse_model_output(example).to_dict() == {"exposure": 25, "temperature": 15}
    assert "warmer" in user and "$" not in user


def test_conversations_follow_the_released_layout():
    prompts = PromptSet.load()
    for messages in (edit_messages(prompts, "make it pop"),
                     refine_messages(prompts, Program({"temperature": 40}), "less warm",
                                     "make it warm"),
                     summary_messages(prompts)):
        assert [m["role"] for m in messages] == ["system", "user"]
        assert messages[1]["content"][0] == {"type": "image"}
    refine_text = refine_messages(prompts, Program({"temperature": 40}), "less warm",
                                  "make it warm")[1]["content"][1]["text"]
    assert '{"temperature": 40}' in refine_text and "less warm" in refine_text
    assert "make it warm" in refine_text
    no_request = edit_messages(prompts, "")[1]["content"][1]["text"]
    assert "no request" in no_request


def test_user_prompt_folder_overrides_one_template(tmp_path):
    (tmp_path / "summary.txt").write_text("[system]\nSAY IT SHORT\n[user]\nGo.\n")
    prompts = PromptSet.load(tmp_path)
    assert prompts.render("summary") == ("SAY IT SHORT", "Go.")
    assert "Sliders:" in prompts.render("edit")[0]  # the others stay packaged
    (tmp_path / "edit.txt").write_text("no sections here")
    with pytest.raises(ConfigError, match="no \\[user\\] section"):
        PromptSet.load(tmp_path)
    with pytest.raises(ConfigError, match="not a folder"):
        PromptSet.load(tmp_path / "missing")


def test_default_override_folder_is_in_the_iea_data_dir(isolated_iea_home):
    folder = isolated_iea_home / "data" / "prompts"
    folder.mkdir()
    (folder / "retry.txt").write_text("Try again: $error")
    assert PromptSet.load().retry == "Try again: $error"


def test_images_of_any_dtype_become_rgb_and_pairs_sit_side_by_side():
    u8 = np.zeros((40, 60, 3), np.uint8)
    u16 = np.full((40, 60, 4), 65535, np.uint16)
    f32 = np.full((40, 60, 3), 0.5, np.float32)
    assert to_pil(u16).getpixel((0, 0)) == (255, 255, 255)
    assert to_pil(f32).getpixel((0, 0)) == (128, 128, 128)
    assert max(to_pil(u8, max_side=30).size) == 30
    pair = side_by_side(u8, u16)
    assert pair.size == (128, 40)
    assert pair.getpixel((10, 10)) == (0, 0, 0) and pair.getpixel((100, 10)) == (255, 255, 255)
    with pytest.raises(ValueError, match="H x W x 3"):
        to_pil(np.zeros((4, 4, 5), np.uint8))


def test_one_retry_carries_the_parse_error_then_succeeds():
    seen = []

    def generate(messages):
        seen.append(messages)
        return "I would brighten it" if len(seen) == 1 else GOOD

    program, raw = with_one_retry(generate, [{"role": "user", "content": "x"}],
                                  parse_edit_answer, PromptSet.load(), "a JSON object")
    assert program.to_dict() == {"exposure": 30, "shadows": 20}
    assert raw == GOOD
    retry = seen[1]
    assert retry[-2] == {"role": "assistant", "content": "I would brighten it"}
    assert "no JSON object" in retry[-1]["content"][0]["text"]


def test_two_bad_answers_raise_model_output_error_naming_both():
    answers = iter(["<answer>{\"exposure\": \"lots\"}</answer>", "<answer>{\"warpdrive\": 3}"])
    with pytest.raises(ModelOutputError) as info:
        with_one_retry(lambda m: next(answers), [], parse_edit_answer, PromptSet.load(), "JSON")
    message = str(info.value)
    assert "warpdrive" in message and "lots" in message


def test_out_of_range_values_are_clamped_not_rejected():
    assert parse_edit_answer('<answer>{"exposure": 140}</answer>')["exposure"] == 100


def test_summary_answers_must_be_one_plain_sentence():
    assert parse_summary_answer("<think>a</think><answer>\nMake it warmer.\n</answer>") == \
        ("a", "Make it warmer.")
    for bad in ("<think>only thoughts</think><answer></answer>", '<answer>{"x": 1}</answer>',
                "<answer>" + "very " * 200 + "</answer>"):
        with pytest.raises(AnswerUnusable):
            parse_summary_answer(bad)


class ScriptedAgent(PromptedVlmAgent):
    """The shared agent logic on top of a scripted ``_complete``."""

    def __init__(self, answers, **kw):
        super().__init__(**kw)
        self.answers = list(answers)
        self.calls = []

    def _complete(self, messages, images):
        self.calls.append((messages, images))
        return self.answers.pop(0)


def test_agent_edit_explains_each_tool_and_keeps_the_raw_answer():
    agent = ScriptedAgent([GOOD])
    result = agent.edit(np.zeros((30, 40, 3), np.uint8), "brighter")
    assert result.program.to_dict() == {"exposure": 30, "shadows": 20}
    assert result.reasoning == "It is dim."
    assert set(result.explanations) == {"exposure", "shadows"}
    assert "brighter" in result.explanations["exposure"]
    assert result.raw == GOOD
    _messages, images = agent.calls[0]
    assert images[0].size == (40, 30)


def test_agent_summary_without_search_returns_the_sentence():
    agent = ScriptedAgent(["<think>warmer</think><answer>Make it warmer.</answer>"],
                          recover_summary_program=False)
    style = agent.summarize(np.zeros((30, 40, 3), np.uint8), np.ones((30, 40, 3), np.uint8))
    assert style.sentence == "Make it warmer."
    assert agent.calls[0][1][0].size[0] > 80  # the side-by-side composite
