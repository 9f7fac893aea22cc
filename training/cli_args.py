"""``python -m training.<stage> --config FILE --set key=value ...`` for every stage."""
from __future__ import annotations

import argparse
import json
from typing import Any

from .config import STAGES, config_help, dump_config, load_config


def run_stage(stage: str, argv: list[str]) -> int:
    cls = STAGES[stage]
    parser = argparse.ArgumentParser(prog=f"python -m training.{stage}",
                                     description=cls.__doc__)
    parser.add_argument("--config", help="YAML file with the settings")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one setting (YAML value syntax); repeatable")
    parser.add_argument("--help-config", action="store_true",
                        help="list every setting with its default and meaning")
    args = parser.parse_args(argv)
    if args.help_config:
        print(config_help(cls))
        return 0
    config = load_config(cls, args.config, args.set)
    result = run(stage, config)
    print(json.dumps(result, indent=2))
    return 0


def run(stage: str, config: Any) -> dict[str, Any]:
    from pathlib import Path

    Path(config.output_dir).mkdir(parents=True, exist_ok=True)
    dump_config(config, Path(config.output_dir) / f"iea_{stage}_config.yaml")
    if stage == "sft":
        from .sft import train_sft

        return train_sft(config)
    if stage == "grpo":
        from .grpo import train_grpo

        return train_grpo(config)
    from .rm import train_rm

    return train_rm(config)
