"""The bridge's ``edit`` returns the plan of a mood request (for the plug-ins to show)."""
from __future__ import annotations

import json
from pathlib import Path



def test_edit_returns_the_plan_over_the_daemon(daemon_factory, tmp_path: Path, sample_jpeg):
    from bridge_helpers import schema_validator

    daemon = daemon_factory("--backend", "embedded", workers=1)
    with daemon.client(timeout=170) as client:
        mood = client.request("edit", {"image": str(sample_jpeg), "host": "lightroom",
                                       "instruction": "cozy autumn afternoon"})
        plain = client.request("edit", {"image": str(sample_jpeg),
                                        "instruction": "warmer"})
        forced = client.request("edit", {"image": str(sample_jpeg), "instruction": "warmer",
                                         "plan": True})
    schema_validator("edit_result").validate(mood)
    plan = mood["plan"]
    assert plan["looks"][0]["name"] == "cozy autumn afternoon"
    assert plan["verdicts"] and {"passed", "measured", "target"} <= set(plan["verdicts"][0])
    assert mood["program"] == plan["program"]
    assert mood["program"]["temperature"] > 0
    assert "plan" not in plain
    assert forced["plan"]["verdicts"][0]["step"] == "warmer"
    json.dumps(mood)
