"""`iea plugin install`: files land where the hosts look, the client path is recorded, luarc once."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from iea_core.cli import main

REPO = Path(__file__).resolve().parents[2]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["plugin", "install", *args])
    return result.exit_code, result.output


def test_darktable_install_copies_script_and_adds_luarc_line_once(tmp_path: Path) -> None:
    config = tmp_path / "darktable"
    config.mkdir()
    (config / "luarc").write_text('require "tools/script_manager"')  # a user's own line, no newline
    client = tmp_path / "bin" / "iea"
    code, output = invoke("darktable", "--dest", str(config), "--client", str(client))
    assert code == 0, output
    folder = config / "lua" / "iea"
    assert (folder / "iea.lua").read_text() == (REPO / "plugin/darktable/iea.lua").read_text()
    assert (folder / "IeaJson.lua").read_text() == (
        REPO / "plugin/lightroom/iea.lrplugin/IeaJson.lua").read_text()
    assert json.loads((folder / "config.json").read_text())["client"] == str(client)
    assert (config / "luarc").read_text() == 'require "tools/script_manager"\nrequire "iea/iea"\n'
    assert (config / "luarc.bak").read_text() == 'require "tools/script_manager"'
    assert "added the line" in output

    code, output = invoke("darktable", "--dest", str(config), "--client", str(client))
    assert code == 0 and "already has the line" in output
    assert (config / "luarc").read_text().count("iea/iea") == 1


def test_lightroom_install_replaces_an_older_copy(tmp_path: Path) -> None:
    dest = tmp_path / "Modules"
    old = dest / "iea.lrplugin"
    old.mkdir(parents=True)
    (old / "Stale.lua").write_text("-- from an older version")
    code, output = invoke("lightroom", "--dest", str(dest), "--client", "/opt/iea/bin/iea")
    assert code == 0, output
    assert not (old / "Stale.lua").exists()
    assert (old / "Info.lua").exists() and (old / "EditPhotos.lua").exists()
    assert json.loads((old / "iea_config.json").read_text())["client"] == "/opt/iea/bin/iea"
    assert f"Plug-in Manager: {old}" in output
    assert [p.name for p in dest.iterdir()] == ["iea.lrplugin"]  # no staging folders left


def test_default_client_is_this_installation(tmp_path: Path) -> None:
    code, output = invoke("lightroom", "--dest", str(tmp_path))
    assert code == 0, output
    client = json.loads((tmp_path / "iea.lrplugin" / "iea_config.json").read_text())["client"]
    assert Path(client).is_absolute() and Path(client).name.startswith("iea")


def test_unwritable_destination_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, output = invoke("darktable", "--dest", str(blocker / "sub"), "--client", "/x/iea")
    assert code != 0 and output.startswith("Error: cannot create")
    assert "Traceback" not in output
