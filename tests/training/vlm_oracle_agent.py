"""A deterministic test-only agent for ``iea eval``: it answers each record with a known program.

``OracleAgent(data=..., mode="truth"|"identity"|"opposite")`` looks the record up by its
instruction/feedback text, so the evaluation's numbers are predictable: the truth gives L ~ 0 and
R_L ~ 1, the identity R_L = 0, the opposite negative values.
"""
from __future__ import annotations

from iea_core.agent.base import EditResult, Style
from iea_core.errors import ModelOutputError
from iea_core.program import Program
from training.data.records import read_records


class OracleAgent:
    name = "oracle"

    def __init__(self, data: str, mode: str = "truth", fail_summaries: bool = False,
                 fail_edits: bool = False) -> None:
        self.records = list(read_records(data))
        self.mode = mode
        self.fail_summaries = fail_summaries
        self.fail_edits = fail_edits
        # iea eval walks the file in order, so summaries are answered in file order
        self._summaries = iter([r for r in self.records if r.task == "summary"])

    def _answer(self, values: dict[str, int]) -> EditResult:
        if self.fail_edits:
            raise ModelOutputError("oracle writes no program")
        if self.mode == "identity":
            values = {}
        elif self.mode == "opposite":
            values = {k: -v for k, v in values.items()}
        program = Program(values, "oracle")
        return EditResult(program, "oracle", {}, None)

    def edit(self, image, instruction, history=()):
        record = next(r for r in self.records if r.task == "edit" and r.instruction == instruction)
        return self._answer(record.program)

    def refine(self, image, program, feedback, history=()):
        record = next(r for r in self.records if r.task == "refine" and r.feedback == feedback)
        return self._answer(record.program)

    def summarize(self, before, after):
        if self.fail_summaries:
            raise ModelOutputError("oracle refuses")
        record = next(self._summaries)
        return Style(record.summary if self.mode == "truth" else "Bananas are yellow.", Program({}))
