"""``iea xmp write IMAGE PROGRAM.json --host ...`` and ``iea xmp read SIDECAR``.

``write`` adds a program (a change) to the photo's sidecar as it is now (Lightroom:
``IMG_0001.xmp``; darktable: ``IMG_0001.CR2.xmp``): each setting the program moves goes from its
current value to current + change, everything else is kept, and a ``.bak`` of the previous file
is left; ``--replace`` writes the program as iea's complete settings instead.
``read`` turns a sidecar, preset, style or a JPEG's embedded XMP back into a program and lists
what it holds beyond iea's tools.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import HostFormatError

HOST_CHOICE = click.Choice(["lightroom", "darktable"])


@click.group("xmp")
def cli() -> None:
    """Write programs into XMP sidecars and read them back."""


@cli.command("write")
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("program_file", metavar="PROGRAM.json",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--host", type=HOST_CHOICE, required=True, help="Which editor's sidecar to write.")
@click.option("--raw/--rendered", default=None,
              help="Treat IMAGE as a raw file (Kelvin white balance) or not [default: by "
                   "extension].")
@click.option("--embed", is_flag=True,
              help="Lightroom, JPEG/TIFF/DNG: add the change to the settings inside the file "
                   "itself (exiftool; the original is kept as NAME.bak) instead of a sidecar.")
@click.option("--replace", is_flag=True,
              help="Write PROGRAM.json as iea's complete settings (every tool, zeros included) "
                   "instead of adding it to what the sidecar holds now.")
def write(image: Path, program_file: Path, host: str, raw: bool | None, embed: bool,
          replace: bool) -> None:
    """Add PROGRAM.json to IMAGE's sidecar (current + change) and print what changed as JSON.

    The program is a change to the photo as its sidecar develops it now: each tool it uses moves
    the sidecar's value by that amount (clamped to the host's range); every other setting, the
    photographer's included, is kept. The JSON lists each changed setting's before and after."""
    from ..program import Program

    program = Program.load(program_file)
    if not embed and not replace:
        from ..state import apply_to_sidecar

        applied = apply_to_sidecar(host, image, program, raw=raw)
        backup = applied.sidecar.with_name(applied.sidecar.name + ".bak")
        click.echo(json.dumps({**applied.to_json(),
                               "backup": str(backup) if backup.exists() else None},
                              default=str))
        return
    if embed:
        if host != "lightroom":
            raise click.UsageError("--embed is for Lightroom; darktable reads sidecars")
        from ..hosts import lightroom

        backup = image.with_name(image.name + ".bak")
        # the first backup is never replaced: say when this write found one already there (an
        # earlier write's copy of the photo, or a file of the user's) and so made none
        earlier = backup.exists()
        if replace:
            lightroom.embed_in_file(image, program)
            out: dict[str, object] = {"file": str(image)}
        else:
            from ..state import apply_to_file

            out = apply_to_file(image, program, raw=raw).to_json()
            out["file"] = out.pop("sidecar")
        out["backup"] = str(backup) if backup.exists() else None
        if earlier:
            out["backup_note"] = (f"{backup.name} was there before this write and is kept as "
                                  "it was; this write made no new copy")
        click.echo(json.dumps(out, default=str))
        return
    if host == "lightroom":
        from ..hosts import lightroom as module
    else:
        from ..hosts import darktable as module  # type: ignore[no-redef]
    sidecar = module.write_sidecar(image, program, raw=raw)
    backup = sidecar.with_name(sidecar.name + ".bak")
    click.echo(json.dumps({"sidecar": str(sidecar),
                           "backup": str(backup) if backup.exists() else None}))


def detect_host(path: Path) -> str:
    """'darktable' for darktable sidecars/styles, 'lightroom' for crs settings."""
    from ..hosts import xmp

    if path.suffix.lower() == ".dtstyle":
        return "darktable-style"
    if path.suffix.lower() == ".lrtemplate":
        raise HostFormatError(f"{path} is a Lua .lrtemplate preset (Lightroom before 7.3), which "
                              "iea does not read; export the preset from Lightroom Classic as "
                              ".xmp and read that")
    data = path.read_bytes()
    if path.suffix.lower() != ".xmp":
        data = xmp.extract_packet(data, str(path)) or b""
    xmp.check_safe(data, str(path))
    if xmp.NS_DARKTABLE.encode() in data and b"history" in data:
        return "darktable"
    return "lightroom"


@cli.command("read")
@click.argument("sidecar", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--host", type=HOST_CHOICE, default=None, help="Force the format [default: auto].")
def read(sidecar: Path, host: str | None) -> None:
    """Print the program (and everything else) held by SIDECAR as JSON."""
    kind = host or detect_host(sidecar)
    out: dict[str, object] = {"path": str(sidecar), "host": kind}
    if kind == "darktable-style":
        from ..hosts import darktable

        name, program = darktable.read_dtstyle(sidecar)
        out.update(host="darktable", style=name, program=program.to_dict())
    elif kind == "darktable":
        from ..hosts import darktable

        program, report = darktable.read_sidecar_report(sidecar)
        out.update(program=program.to_dict(), **report)
    else:
        from ..hosts import lightroom

        from ..state import recorded_as_shot

        settings = lightroom.read_settings(sidecar)
        # a raw's sidecar where iea recorded the As Shot white balance: read relative to it
        as_shot = recorded_as_shot(sidecar) if sidecar.suffix.lower() == ".xmp" else None
        if as_shot is not None:
            program, unmapped, notes = lightroom.crs_to_program_report(
                settings, raw=True, base_temperature=as_shot[0], base_tint=as_shot[1])
        else:
            program, unmapped, notes = lightroom.crs_to_program_report(settings)
        out.update(program=program.to_dict(), unmapped=unmapped, notes=notes)
    click.echo(json.dumps(out, indent=2, default=str))
