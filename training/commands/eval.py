"""``iea eval``: the paper's Table-2 columns for any agent backend on a JSONL test set.

    iea eval --backend transformers --option model_path=runs/stage3 --data test.jsonl --out eval/

Edit and Refine records give L (the paper's distance d to the reference edit), R_L, R_U and the
per-tool sign accuracy; Summary records give ROUGE-L and, with ``--rm``, the summary reward
model's score (-10..10). Records are ``training.data`` records (``iea.record`` v1). Results are
printed as a table and written to ``DIR/eval.json`` (summary and one row per record), with bar
charts ``eval.png`` and ``signs.png``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

COLUMNS = ("L", "R_L", "R_U", "ROUGE-L", "RM")


def _parse_options(items: tuple[str, ...]) -> dict[str, Any]:
    from iea_core.agent import parse_option_items

    return parse_option_items(items)


def build_agent(backend: str, options: dict[str, Any]):
    """A registered backend name, or ``module:Class`` for any class following the protocol."""
    if ":" in backend:
        import importlib

        from iea_core.errors import BackendUnavailable

        module_name, class_name = backend.split(":", 1)
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            raise BackendUnavailable(f"cannot load agent {backend!r}: {exc}") from None
        return cls(**options)
    from iea_core.agent import get_agent

    return get_agent(backend, **options)


def sign_matches(predicted: dict[str, int], target: dict[str, int]) -> dict[str, bool]:
    """Per tool touched by either program: does the prediction move it the same way (or leave it
    alone when the target does)?

    >>> sign_matches({"exposure": 10, "fade": 5}, {"exposure": 30, "contrast": -5})
    {'exposure': True, 'fade': False, 'contrast': False}
    """
    out = {}
    for tool in list(predicted) + [t for t in target if t not in predicted]:
        a, b = predicted.get(tool, 0), target.get(tool, 0)
        out[tool] = (a > 0) - (a < 0) == (b > 0) - (b < 0)
    return out


def evaluate(agent: Any, data: Path, *, profile: str = "default", rm_path: str | None = None,
             limit: int | None = None, max_side: int | None = 1024) -> dict[str, Any]:
    import numpy as np

    from iea_core.agent.base import Turn
    from iea_core.errors import AgentError
    from iea_core.metrics import distance, rouge_l
    from iea_core.program import Program
    from training.data.records import load_image, read_records

    base = data.parent
    rows: list[dict[str, Any]] = []
    sentences: list[tuple[int, str, str]] = []
    for k, record in enumerate(read_records(data)):
        if limit is not None and k >= limit:
            break
        original = np.asarray(load_image(base, record.image, max_side))
        reference = None
        if record.reference:
            ref_img = load_image(base, record.reference)
            reference = np.asarray(ref_img.resize((original.shape[1], original.shape[0])))
        row: dict[str, Any] = {"id": record.id, "task": record.task, "ok": True}
        try:
            if record.task == "summary":
                style = agent.summarize(original, reference)
                row["prediction"] = style.sentence
                row["ROUGE-L"] = float(rouge_l(style.sentence, record.summary))
                sentences.append((len(rows), record.summary, style.sentence))
            else:
                if record.task == "edit":
                    result = agent.edit(original, record.instruction)
                else:
                    history = [Turn("user", record.instruction,
                                    Program(record.previous_program or {}))]
                    result = agent.refine(original, Program(record.previous_program or {}),
                                          record.feedback, history)
                program = result.program
                row["program"] = program.to_dict()
        except AgentError as exc:  # a failed answer counts: the photographer got nothing
            row.update(ok=False, error=str(exc))
            if record.task == "summary":
                row["ROUGE-L"] = 0.0
                row["RM"] = -10.0  # the rubric's score for no usable sentence
                rows.append(row)
                continue
            # the floor of both rewards (what GRPO's reward can at worst give): a model that
            # fails must never score better than one that tries and misses
            row["program"] = {}
            if reference is not None:
                row.update(L=float(distance(original, reference)), R_L=-1.0, R_U=-1.0)
            rows.append(row)
            continue
        if record.task != "summary" and reference is not None:
            from training.rewards import edit_scores

            # the same function computes GRPO's reward: eval and training agree
            _reward, r_l, r_u, d_edit = edit_scores(original, reference, [program],
                                                    profile=profile)[0]
            row.update(L=d_edit, R_L=r_l, R_U=r_u)
            row["signs"] = sign_matches(program.to_dict(), record.program)
        rows.append(row)
    if rm_path and sentences:
        from training.rewards import SummaryScorer

        scores = SummaryScorer(rm_path).score([s[1] for s in sentences],
                                              [s[2] for s in sentences])
        for (index, _ref, _pred), score in zip(sentences, scores):
            rows[index]["RM"] = float(score)
    return {"summary": summarise(rows), "rows": rows}


def _means(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> dict[str, Any]:
    import numpy as np

    out: dict[str, Any] = {}
    for column in columns:
        values = [r[column] for r in rows if column in r]
        out[column] = float(np.mean(values)) if values else None
        out[f"{column}_n"] = len(values)
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Table 2's columns: L, R_L, R_U over the Image-Edit rows and ROUGE-L, RM over the
    Image-Summary rows, failures included at the floor (L of the unedited photo, R_L = R_U = -1,
    ROUGE-L 0, RM -10); Image-Refine, which Table 2 does not report, in its own ``refine`` entry.
    ``answered`` holds the same columns over the rows that produced an answer.
    """
    import numpy as np

    by_task = {task: [r for r in rows if r["task"] == task]
               for task in ("edit", "refine", "summary")}
    edit, refine, summary = by_task["edit"], by_task["refine"], by_task["summary"]
    out: dict[str, Any] = {"records": len(rows),
                           "failed": sum(1 for r in rows if not r.get("ok", True)),
                           "failed_by_task": {task: sum(1 for r in task_rows if not r["ok"])
                                              for task, task_rows in by_task.items()},
                           "records_by_task": {t: len(v) for t, v in by_task.items()}}
    out.update(_means(edit, ("L", "R_L", "R_U")))
    out.update(_means(summary, ("ROUGE-L", "RM")))
    out["refine"] = {**_means(refine, ("L", "R_L", "R_U")), "records": len(refine),
                     "failed": out["failed_by_task"]["refine"]}
    answered = [r for r in rows if r.get("ok", True)]
    out["answered"] = {**_means([r for r in answered if r["task"] == "edit"], ("L", "R_L", "R_U")),
                       **_means([r for r in answered if r["task"] == "summary"],
                                ("ROUGE-L", "RM"))}
    tallies: dict[str, list[bool]] = {}
    for row in edit + refine:
        for tool, match in row.get("signs", {}).items():
            tallies.setdefault(tool, []).append(match)
    out["sign_accuracy"] = {tool: float(np.mean(v)) for tool, v in sorted(tallies.items())}
    all_signs = [m for v in tallies.values() for m in v]
    out["sign_accuracy_all"] = float(np.mean(all_signs)) if all_signs else None
    return out


def format_table(summary: dict[str, Any], backend: str) -> str:
    def cell(value: Any) -> str:
        return "-" if value is None else f"{value:.3f}"

    failed = summary["failed_by_task"]
    counts = summary["records_by_task"]
    head = "| backend | " + " | ".join(COLUMNS) + " | sign acc. | failed |"
    rule = "|" + " --- |" * (len(COLUMNS) + 3)
    body = (f"| {backend} | " + " | ".join(cell(summary[c]) for c in COLUMNS)
            + f" | {cell(summary['sign_accuracy_all'])} | edit {failed['edit']}/{counts['edit']}"
              f", summary {failed['summary']}/{counts['summary']} |")
    lines = [head, rule, body]
    refine = summary["refine"]
    if refine["records"]:
        lines.append(f"| {backend} (refine) | " + " | ".join(
            cell(refine.get(c)) for c in ("L", "R_L", "R_U")) + " | - | - | - | "
            f"refine {refine['failed']}/{refine['records']} |")
    if summary["failed"]:
        answered = summary["answered"]
        lines += ["", "Failed answers are scored at the floor (L of the unedited photo, R_L = "
                  "R_U = -1, ROUGE-L 0, RM -10). Over answered items only: " + ", ".join(
                      f"{c} {cell(answered.get(c))}" for c in COLUMNS)]
    if summary["sign_accuracy"]:
        lines += ["", "Per-tool sign accuracy: " + ", ".join(
            f"{tool} {acc:.2f}" for tool, acc in summary["sign_accuracy"].items())]
    return "\n".join(lines)


def _plot(summary: dict[str, Any], out: Path, backend: str) -> list[Path]:
    """eval.png (Table-2 columns) and signs.png (per-tool sign accuracy) when plotting works."""
    try:
        from iea_core.plot import metrics_bars, sign_accuracy_bars
    except ImportError:
        return []
    charts = []
    values = {c: summary[c] for c in COLUMNS if summary[c] is not None}
    try:  # a chart is a bonus; never lose the numbers over it
        if values:
            charts.append(metrics_bars({backend: values}, out / "eval.png",
                                       title=f"iea eval: {backend}"))
        if summary["sign_accuracy"]:
            charts.append(sign_accuracy_bars(summary["sign_accuracy"], out / "signs.png"))
    except Exception as exc:  # noqa: BLE001 - matplotlib raises many kinds
        click.echo(f"(no chart: {exc})", err=True)
    return [Path(c) for c in charts]


@click.command()
@click.option("--backend", "-b", required=True,
              help="Agent backend (embedded, transformers, vllm) or module:Class.")
@click.option("--data", "data", required=True, type=click.Path(exists=True, dir_okay=False),
              help="JSONL test set of iea records.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Folder for eval.json (and eval.png).")
@click.option("--option", "-o", "options", multiple=True, metavar="KEY=VALUE",
              help="Backend option, e.g. model_path=runs/stage3 (repeatable).")
@click.option("--rm", "rm_path", type=click.Path(exists=True, file_okay=False),
              help="Summary reward model folder (from `iea train rm`) for the RM column.")
@click.option("--profile", default="default", show_default=True,
              help="Editor profile used to render predictions.")
@click.option("--limit", type=int, help="Evaluate only the first N records.")
def cli(backend: str, data: str, out_dir: str | None, options: tuple[str, ...],
        rm_path: str | None, profile: str, limit: int | None) -> None:
    """Evaluate an agent on a test set: L, R_L, R_U, ROUGE-L, RM score, per-tool sign accuracy."""
    from iea_core.fileio import atomic_write_text

    agent = build_agent(backend, _parse_options(options))
    result = evaluate(agent, Path(data), profile=profile, rm_path=rm_path, limit=limit)
    result["backend"] = backend
    result["data"] = str(data)
    click.echo(format_table(result["summary"], backend))
    if out_dir:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "eval.json", json.dumps(result, indent=2) + "\n")
        charts = _plot(result["summary"], out, backend)
        click.echo(f"wrote {', '.join(str(p) for p in [out / 'eval.json', *charts])}")
