"""Stage configs: help metadata, checks that say what to change, YAML round trips."""
from __future__ import annotations

from pathlib import Path

import pytest

from iea_core.errors import ConfigError
from training.config import (GrpoConfig, RmConfig, SftConfig, config_help, dump_config,
                             load_config)

CONFIGS = Path(__file__).resolve().parents[2] / "training" / "configs"


def test_every_field_has_help():
    for cls in (SftConfig, GrpoConfig, RmConfig):
        text = config_help(cls)
        assert all(line.split(": ", 1)[1].strip() for line in text.splitlines())


def test_bad_combinations_are_refused_with_a_fix():
    with pytest.raises(ConfigError, match="multiple of num_generations"):
        GrpoConfig(per_device_batch_size=2, gradient_accumulation_steps=1, num_generations=8)
    with pytest.raises(ConfigError, match="num_generations must be >= 2"):
        GrpoConfig(num_generations=1)
    with pytest.raises(ConfigError, match="one ratio per entry"):
        SftConfig(mix_files=["a.jsonl"], mix_ratios=[1.0, 2.0])
    with pytest.raises(ConfigError, match="max_steps"):
        RmConfig(max_steps=0)
    with pytest.raises(ConfigError, match="vllm_server_base_url"):
        GrpoConfig(num_generations=2, per_device_batch_size=2, use_vllm=True, vllm_mode="server")


def test_paths_are_checked_before_training(tmp_path):
    with pytest.raises(ConfigError, match="training.tiny"):
        SftConfig(model_path=str(tmp_path)).check_paths()


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml")
                                         if not p.name.startswith("accelerate")))
def test_shipped_yaml_configs_load(name):
    stage = {"sft": SftConfig, "grp": GrpoConfig, "rm.": RmConfig}[name[:3]]
    config = load_config(stage, CONFIGS / name)
    assert config.output_dir


def test_yaml_and_overrides_round_trip(tmp_path):
    path = tmp_path / "c.yaml"
    dump_config(GrpoConfig(num_generations=4, per_device_batch_size=4), path)
    config = load_config(GrpoConfig, path, ["likeness_weight=0.5", "use_lora=true"])
    assert (config.num_generations, config.likeness_weight, config.use_lora) == (4, 0.5, True)
    with pytest.raises(ConfigError, match="no setting 'nope'"):
        load_config(GrpoConfig, path, ["nope=1"])
    path.write_text("- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(GrpoConfig, path)


def test_trl_configs_carry_the_settings():
    trl = GrpoConfig(num_generations=4, per_device_batch_size=4, max_steps=3).to_trl(2, [1.0, 1.0])
    assert trl.num_generations == 4 and trl.reward_weights == [1.0, 1.0]
    sft = SftConfig(max_steps=2, max_length=1024).to_trl()
    assert sft.completion_only_loss is True and sft.max_length == 1024


def test_accelerate_configs_point_at_shipped_deepspeed_files():
    import json

    import yaml

    root = CONFIGS.parents[1]
    kinds = set()
    for path in CONFIGS.glob("accelerate_*.yaml"):
        data = yaml.safe_load(path.read_text())
        kinds.add(data["distributed_type"])
        assert data["num_processes"] == 8
        if data["distributed_type"] == "DEEPSPEED":
            ds = json.loads((root / data["deepspeed_config"]["deepspeed_config_file"]).read_text())
            assert ds["zero_optimization"]["stage"] in (2, 3)
    assert kinds == {"DEEPSPEED", "FSDP"}


def test_module_entry_points_list_settings(capsys):
    from training import grpo, rm, sft

    for module in (sft, grpo, rm):
        assert module.main(["--help-config"]) == 0
    out = capsys.readouterr().out
    assert "likeness_weight (default 0.7)" in out and "min_margin (default 1.0)" in out
    with pytest.raises(ConfigError, match="not key=value"):
        sft.main(["--set", "oops"])
