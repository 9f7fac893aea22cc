"""An optional teacher model that writes Stage-1 reasoning (IEA used GPT-4.1 for this step).

Any OpenAI-compatible chat endpoint with vision works (``vllm serve`` of a large VLM, or a hosted
API): it sees the before|after pair side by side and the program the parameter search recovered,
and writes the retoucher's thoughts without numbers. When it fails or answers with nothing
usable, the template reasoning is kept, so a flaky teacher never loses a record.
"""
from __future__ import annotations

import re
from typing import Any

from iea_core.agent.vlm_common import side_by_side
from iea_core.program import Program

TEACHER_SYSTEM = (
    "You are a senior photo retoucher teaching a student. You see a photo before (left) and "
    "after (right) an edit, the request that motivated it, and the slider values that produce "
    "it. Explain, as if you were deciding the edit from the left photo alone, what the photo "
    "needs and why those sliders. Use words of degree (slightly, strongly), never numbers, and "
    "do not mention the right-hand photo or the slider values. Three to six sentences.")


class OpenAITeacher:
    """``teacher(before, after, program, instruction) -> str | None``."""

    def __init__(self, url: str, *, model: str | None = None, api_key: str | None = None,
                 timeout: float = 120.0, max_side: int = 768) -> None:
        from iea_core.agent.vllm_backend import VllmAgent

        self._client = VllmAgent(url=url, served_model_name=model, api_key=api_key,
                                 timeout=timeout, max_new_tokens=400, temperature=0.3,
                                 recover_summary_program=False)
        self.max_side = max_side
        self.failures = 0
        self.url, self.model = url, model

    def describe(self) -> str:
        return f"{self.model or 'first served model'} at {self.url}"

    def __call__(self, before: Any, after: Any, program: Program, instruction: str) -> str | None:
        from iea_core.errors import IeaError

        request = (f"Request: {instruction or '(none: the photographer wanted it to look its best)'}"
                   f"\nSliders: {program.to_dict()}\nWrite the reasoning.")
        messages = [{"role": "system", "content": TEACHER_SYSTEM},
                    {"role": "user", "content": [{"type": "image"},
                                                 {"type": "text", "text": request}]}]
        try:
            text = self._client._complete(messages, [side_by_side(before, after, self.max_side)])
        except IeaError:
            self.failures += 1
            return None
        return clean_reasoning(text)


def clean_reasoning(text: str) -> str | None:
    """Teacher text fit for a ``<think>`` block: tags removed, numbers refused.

    >>> clean_reasoning("<think>The sky is dull, so warm it slightly.</think>")
    'The sky is dull, so warm it slightly.'
    >>> clean_reasoning("Raise exposure by 30.") is None
    True
    """
    text = re.sub(r"</?(think|answer)>", "", text or "", flags=re.I).strip()
    if not text or re.search(r"\d", text):
        return None
    return text
