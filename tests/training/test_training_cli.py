"""`iea eval` and `iea train` through click's runner (in-process)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from iea_core.cli import main


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_eval_with_an_oracle_reproduces_the_table_columns(tiny_dataset, tmp_path):
    out = tmp_path / "truth"
    result = run("eval", "--backend", "vlm_oracle_agent:OracleAgent", "--option",
                 f"data={tiny_dataset}", "--data", str(tiny_dataset), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "| backend | L | R_L | R_U | ROUGE-L | RM |" in result.output
    report = json.loads((out / "eval.json").read_text())
    summary = report["summary"]
    # scored on the batch editor's renders rounded to 8 bits (GRPO's reward function): a pixel
    # here and there one level off the reference render, hence ~1e-6 rather than 0
    assert summary["L"] == pytest.approx(0.0, abs=1e-5)
    for row in report["rows"]:
        if "R_L" in row:  # 1 unless the reference equals the photo (then d = 0 and R_L = 0)
            assert row["R_L"] == pytest.approx(1.0, abs=1e-3) or row["R_L"] == 0.0
    assert summary["R_U"] > 0  # removing a tool of the exact program mostly moves away
    assert summary["ROUGE-L"] == pytest.approx(1.0)
    assert summary["sign_accuracy_all"] == 1.0 and summary["failed"] == 0
    assert summary["RM"] is None  # no reward model given
    from PIL import Image

    for chart in ("eval.png", "signs.png"):
        assert Image.open(out / chart).size[0] > 100


def test_eval_identity_and_opposite_and_failures(tiny_dataset, tiny_models, tmp_path):
    outputs = {}
    for mode in ("identity", "opposite"):
        out = tmp_path / mode
        result = run("eval", "-b", "vlm_oracle_agent:OracleAgent", "-o", f"data={tiny_dataset}",
                     "-o", f"mode={mode}", "-o", "fail_summaries=true", "--data",
                     str(tiny_dataset), "--out", str(out), "--rm", str(tiny_models["rm"]))
        assert result.exit_code == 0, result.output
        outputs[mode] = json.loads((out / "eval.json").read_text())["summary"]
    identity, opposite = outputs["identity"], outputs["opposite"]
    assert identity["R_L"] == pytest.approx(0.0, abs=1e-9)
    assert opposite["R_L"] < 0 and opposite["L"] > identity["L"] > 0
    assert opposite["sign_accuracy_all"] == 0.0
    assert identity["failed"] == identity["ROUGE-L_n"] > 0  # every summary refused
    assert identity["RM"] == -10.0
    assert "Per-tool sign accuracy" in run(
        "eval", "-b", "vlm_oracle_agent:OracleAgent", "-o", f"data={tiny_dataset}",
        "--data", str(tiny_dataset), "--limit", "3").output


def test_eval_with_the_rm_scores_summaries(tiny_dataset, tiny_models, tmp_path):
    result = run("eval", "-b", "vlm_oracle_agent:OracleAgent", "-o", f"data={tiny_dataset}",
                 "--data", str(tiny_dataset), "--rm", str(tiny_models["rm"]), "--out",
                 str(tmp_path))
    summary = json.loads((tmp_path / "eval.json").read_text())["summary"]
    assert result.exit_code == 0 and -10 <= summary["RM"] <= 10


def test_eval_unknown_backend_is_one_line_error(tiny_dataset):
    result = CliRunner().invoke(main, ["eval", "-b", "nosuch", "--data", str(tiny_dataset)])
    assert result.exit_code == 1
    assert "Error: unknown agent backend 'nosuch'" in result.output


def test_train_data_synthetic_and_help_config(photo_files, tmp_path):
    result = run("train", "data", "synthetic", "--photos", str(photo_files[0].parent), "--out",
                 str(tmp_path / "d"), "--programs", "3", "--rm-references", "2", "--max-side",
                 "64")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["records"] >= 3
    assert (tmp_path / "d" / "stage3.card.md").is_file()
    help_text = run("train", "grpo", "--help-config").output
    assert "num_generations (default 8)" in help_text
    bad = CliRunner().invoke(main, ["train", "sft", "--set", "model_path=/nowhere",
                                    "--set", "train_file=/nowhere.jsonl"])
    assert bad.exit_code == 1 and "Error: model_path '/nowhere'" in bad.output
