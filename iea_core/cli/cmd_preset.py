"""``iea preset export PROGRAM.json --name N --host lightroom|darktable|both -o DIR``.

Lightroom gets a Camera Raw preset (``.xmp``: Develop > Presets > Import), darktable a style
(``.dtstyle``: lighttable > styles > import).
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import IeaError


@click.group("preset")
def cli() -> None:
    """Export programs as presets the host editors import."""


@cli.command("export")
@click.argument("program_file", metavar="PROGRAM.json",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="Preset / style name shown in the editor.")
@click.option("--host", type=click.Choice(["lightroom", "darktable", "both"]), default="both",
              show_default=True)
@click.option("--group", default="iea", show_default=True, help="Lightroom preset group.")
@click.option("--for", "kind", type=click.Choice(["raw", "rendered", "both"]), default="both",
              show_default=True,
              help="Lightroom: the file kind the preset is for (white balance is Temperature for "
                   "raws, IncrementalTemperature for JPEG/TIFF; both writes both).")
@click.option("-o", "--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write into.")
@click.option("--overwrite", is_flag=True,
              help="Replace a preset of that name already in DIR (otherwise refused).")
def export(program_file: Path, name: str, host: str, group: str, kind: str,
           out_dir: Path, overwrite: bool) -> None:
    """Write PROGRAM.json as a preset named NAME into DIR and print the files as JSON.

    The JSON lists each file, the settings the Lightroom preset carries (only those of the tools
    the program uses) and notes, e.g. that a raw preset's white balance is absolute."""
    from ..program import Program

    from .checks import check_output, check_writable_folder, make_folder

    program = Program.load(program_file)
    check_writable_folder(out_dir, out_dir)
    if not name.strip():
        raise IeaError("a preset needs a name: give one with --name")
    from ..hosts import darktable, lightroom

    targets = ([lightroom.preset_path(name, out_dir)] if host in ("lightroom", "both") else []) \
        + ([darktable.dtstyle_path(name, out_dir)] if host in ("darktable", "both") else [])
    for target in targets:
        check_output(target, overwrite=overwrite, extensions=None, option="--name")
    make_folder(out_dir)
    files = []
    report: dict[str, object] = {}
    if host in ("lightroom", "both"):
        files.append(str(lightroom.write_preset(program, name, out_dir, group=group, kind=kind)))
        settings, notes = lightroom.preset_settings(program, kind)
        report["lightroom"] = {"for": kind, "notes": notes, "settings": {
            k: v for k, v in settings.items() if k not in ("ProcessVersion", "HasSettings")}}
    if host in ("darktable", "both"):
        files.append(str(darktable.write_dtstyle(program, name, out_dir)))
    click.echo(json.dumps({"files": files, **report}))
