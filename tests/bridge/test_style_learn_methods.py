"""The plug-ins' "learn style from selected photos" and "apply style to selected photos" through
the daemon: style_learn (Lightroom sends the catalog's settings; darktable's are read from the
sidecars) and style_programs (per-photo programs and host settings, nothing written)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalogue.synthetic import make_shoot  # noqa: E402


def test_learn_from_lightroom_settings_then_programs_per_photo(daemon, tmp_path):
    from iea_core.hosts import lightroom

    shoot = make_shoot(tmp_path / "edited", 8, seed=11)
    images = [str(p) for p, _ in shoot]
    # what photo:getDevelopSettings() gives the plug-in: the catalog's crs values
    settings = [lightroom.program_to_crs(program) for _, program in shoot]
    new = make_shoot(tmp_path / "new", 6, seed=12)
    with daemon.client(timeout=120) as client:
        learned = client.request("style_learn", {"name": "LR look", "images": images,
                                                 "settings": settings, "host": "lightroom"})
        few = client.call("style_learn", {"name": "few", "images": images[:3],
                                          "settings": settings[:3]})
        programs = client.request("style_programs", {"style": "LR look", "host": "lightroom",
                                                     "images": [str(p) for p, _ in new]})
    assert learned["examples"] == 8 and learned["name"] == "LR look"
    verdicts = {r["tool"]: r["verdict"] for r in learned["report"]}
    assert verdicts["exposure"] == "per photo" and verdicts["contrast"] == "consistent"
    assert "at least 5 edited photos; found 3" in few["error"]["message"]
    assert set(programs["tools"]) == {"exposure", "temperature", "contrast", "vignette"}
    results = programs["results"]
    assert all(r["ok"] for r in results)
    targets = [t["exposure"] for _, t in new]
    got = [r["program"].get("exposure", 0) for r in results]
    darkest, brightest = targets.index(max(targets)), targets.index(min(targets))
    assert got[darkest] > got[brightest] + 20  # adapted to each photo
    assert results[darkest]["host_settings"]["Exposure2012"] == \
        lightroom.program_to_crs(results[darkest]["program"])["Exposure2012"]
    assert not list((tmp_path / "new").glob("*.xmp"))  # nothing written before review


def test_learn_from_darktable_sidecars(daemon, tmp_path):
    from iea_core.hosts import darktable

    shoot = make_shoot(tmp_path / "edited", 6, seed=13)
    for photo, program in shoot:
        darktable.write_sidecar(photo, program)
    with daemon.client(timeout=120) as client:
        learned = client.request("style_learn", {"name": "dt look", "host": "darktable",
                                                 "images": [str(p) for p, _ in shoot]})
        programs = client.request("style_programs", {"style": "dt look", "host": "darktable",
                                                     "images": [str(shoot[0][0])]})
    assert learned["examples"] == 6
    entry = programs["results"][0]
    assert entry["ok"] and entry["host_settings"]["dtstyle"].endswith(".dtstyle")
    assert entry["program"]["contrast"] == 18
