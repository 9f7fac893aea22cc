"""``iea style``: the style library (list, show, apply to many photos, delete).

    iea style list
    iea style show "Warm film"
    iea style apply "Warm film" shoot/*.jpg --adapt -o styled/ --sheet sheet.png
    iea style apply "Warm film" shoot/*.CR3 --xmp lightroom
    iea style learn "My look" edited-shoot/          # learn from photos you edited
    iea style from-photo "Like this" IMG_0042.CR3    # copy one photo's settings

``apply`` renders each photo into ``-o DIR`` (default: the current folder) and/or writes the
host's XMP sidecar next to it (``--xmp``; then images are rendered only when ``-o`` is given).
``--adapt`` changes only the exposure per photo, so that each result has the median brightness of
the style's reference (see :mod:`iea_core.styles`). A photo that cannot be read is reported and
skipped; the others are still done, and the command exits non-zero at the end.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import IeaError
from .cmd_edit import (HOSTS, PROFILES, agent_view, default_ext, display_path, echo_program,
                       load_photo, resolve_profile, write_result)

SHEET_THUMB = 384


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "style"


@click.group("style")
def cli() -> None:
    """Saved styles: list, show, apply to photos, delete."""


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_styles(as_json: bool) -> None:
    """List saved styles."""
    from ..styles import StyleLibrary

    with StyleLibrary() as library:
        styles = library.list()
    if as_json:
        click.echo(json.dumps([{"name": s.name, "sentence": s.sentence,
                                "program": s.program.to_dict()} for s in styles],
                              ensure_ascii=False))
        return
    if not styles:
        click.echo("No styles saved yet. Make one with: iea summarize BEFORE AFTER "
                   "--save-style NAME")
        return
    width = max(len(s.name) for s in styles)
    for style in styles:
        click.echo(f"{style.name:<{width}}  {style.sentence}  ({len(style.program)} tools)")


@cli.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def show_style(name: str, as_json: bool) -> None:
    """Show a style's sentence, program and origin."""
    from ..styles import StyleLibrary

    with StyleLibrary() as library:
        info = library.info(name)
        style = library.get(name)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    click.echo(f"{info['name']}: {info['sentence']}")
    click.echo("")
    echo_program(style.program)
    before, after = info["source"]
    if before or after:
        click.echo("")
        click.echo(f"  learned from {before or '?'} -> {after or '?'}")
    if info["distance"] is not None:
        click.echo(f"  recovered within d = {info['distance']:.4f}")
    click.echo("  applied as: " + (
        "the values of the tools it uses (each photo's other settings kept)"
        if info["kind"] == "target" else "a change added to each photo's settings"))


@cli.command("delete")
@click.argument("name")
def delete_style(name: str) -> None:
    """Delete a saved style."""
    from ..styles import StyleLibrary, StyleNotFound

    with StyleLibrary() as library:
        style = library.get(name)
        if not library.delete(style.name):  # pragma: no cover - raced with another delete
            raise StyleNotFound(f"no style called {name!r}")
    click.echo(f'Deleted style "{style.name}"')


@cli.command("apply")
@click.argument("name")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--xmp", "host", type=click.Choice(HOSTS),
              help="Write the style into each photo's XMP sidecar for this host.")
@click.option("--adapt", is_flag=True,
              help="Adapt the exposure to each photo (match the style's median brightness).")
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the rendered photos [default: current folder; with --xmp, "
                   "photos are rendered only when this is given].")
@click.option("--sheet", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a before/after contact sheet (PNG).")
@click.option("--profile", type=click.Choice(PROFILES), default=None,
              help="Editor profile for rendered photos [default: config or 'default'].")
@click.option("--overwrite", is_flag=True,
              help="Replace rendered photos / the sheet that exist already (otherwise refused).")
def apply_style(name: str, images: tuple[Path, ...], host: str | None, adapt: bool,
                output_dir: Path | None, sheet: Path | None, profile: str | None,
                overwrite: bool) -> None:
    """Apply style NAME to IMAGES (rendered copies and/or XMP sidecars).

    \b
    With --xmp the style applies to each photo as its sidecar develops it now: a saved style
    (summarize, an edit, a preset) is added to those settings; a learned style (style learn) or a
    copied look (style from-photo) sets the tools it uses to its values and leaves the others.
    """
    from tqdm import tqdm

    from ..catalogue import apply_style as write_style
    from ..catalogue import styled_change
    from ..state import PhotoState, compose, developed_view, read_state
    from ..styles import CHANGE, StyleLibrary
    from .checks import check_output, check_writable_folder, make_folder

    profile = resolve_profile(profile)
    render_images = host is None or output_dir is not None
    folder = output_dir or Path.cwd()
    failures: list[tuple[Path, str]] = []
    done = 0
    pairs: list[tuple[Any, Any]] = []

    with StyleLibrary() as library:
        style = library.get(name)
        kind, tools = library.kind(style.name), library.tools(style.name)
        suffix = "_" + _slug(style.name)
        # every output is checked before the first photo is decoded
        outputs: dict[Path, Path] = {}
        if render_images:
            check_writable_folder(folder)
            for image in images:
                ext = default_ext(image)   # PNG/TIFF stay; transparency never goes to JPEG
                output = check_output(folder / f"{image.stem}{suffix}{ext}", inputs=images,
                                      overwrite=overwrite, option="-o", photos=len(images))
                clash = next((other for other, taken in outputs.items() if taken == output),
                             None)
                if clash is not None:
                    raise IeaError(f"{clash} and {image} would both be written to {output}; "
                                   "apply the style to them in separate runs or folders")
                outputs[image] = output
        if sheet is not None:
            check_output(sheet, inputs=images, overwrite=overwrite, extensions=(".png",),
                         option="--sheet", photos=len(images))
        if render_images:
            make_folder(folder)
        bar = tqdm(images, unit="photo", desc=f"style {style.name}", dynamic_ncols=True,
                   disable=None)
        for image in bar:
            try:
                photo = load_photo(image)
                # with --xmp the style applies to what the sidecar already develops: a change
                # style is added to it, a learned/copied look sets its tools to the target
                # (predicted from the unedited photo), see iea_core.styles.style_change
                state = read_state(host, image) if host is not None else PhotoState(None)
                view = agent_view(photo, 512)
                program = library.program_for(
                    style.name, developed_view(view, state, profile) if kind == CHANGE else view,
                    adapt=adapt, profile=profile)
                developed = compose(state.program, styled_change(state, program, kind, tools))
                messages = []
                if render_images:
                    output = outputs[image]
                    write_result(photo, developed, output, profile, state=state)
                    messages.append(display_path(output))
                if host is not None:
                    applied = write_style(host, image, program, kind, tools)
                    messages.append(display_path(applied.sidecar) + " (" + (", ".join(
                        c.line() for c in applied.changes) or "no setting changed") + ")")
                if sheet is not None:
                    from ..editor import render

                    view = agent_view(photo, SHEET_THUMB)
                    pairs.append((developed_view(view, state, profile),
                                  render(view, developed, profile), image.name))
                done += 1
                if adapt:
                    messages.append(f"exposure {program['exposure']:+d}")
                tqdm.write(f"  {display_path(image)} -> {', '.join(messages)}")
            except (IeaError, OSError) as exc:
                reason = str(exc) if isinstance(exc, IeaError) else (
                    f"{exc.strerror or exc}: {exc.filename or image}")
                failures.append((image, reason))
                tqdm.write(f"  ! {display_path(image)}: {reason}", file=sys.stderr)
        bar.close()

    if sheet is not None and pairs:
        from ..plot import contact_sheet

        contact_sheet(pairs, sheet)
        click.echo(f"Wrote contact sheet {display_path(sheet)}")
    click.echo(f'Applied "{style.name}" to {done} of {len(images)} photo(s).')
    if failures:
        names = ", ".join(display_path(p) for p, _ in failures)
        raise IeaError(f"{len(failures)} photo(s) failed: {names}")


@cli.command("learn")
@click.argument("name")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--from", "host", type=click.Choice(HOSTS),
              help="Read only this host's settings [default: darktable sidecar, then Lightroom "
                   "sidecar, then XMP embedded in the file].")
@click.option("--replace", is_flag=True, help="Replace an existing style of the same name.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def learn_cmd(name: str, paths: tuple[Path, ...], host: str | None, replace: bool,
              as_json: bool) -> None:
    """Learn style NAME from photos you already edited (a FOLDER or PHOTOS...).

    \b
    Reads each photo's develop settings (Lightroom or darktable), looks at the unedited
    original, and learns how your settings depend on the photo. Needs at least 5 edited photos.
    Applied later (iea style apply / iea batch), it adapts to each photo.
    """
    from tqdm import tqdm

    from ..learn import learn_style, save_learned_style
    from ..styles import check_style_name

    name = check_style_name(name)
    skipped: list[tuple[Path, str]] = []
    style = learn_style(
        name, paths, host, on_skip=lambda p, why: skipped.append((p, why)),
        progress=lambda items: tqdm(items, unit="photo", desc="reading previews", disable=None,
                                    dynamic_ncols=True))
    saved = save_learned_style(style, overwrite=replace)
    if as_json:
        click.echo(json.dumps({"name": saved.name, "examples": style.sources,
                               "skipped": [[str(p), why] for p, why in skipped],
                               "report": [vars(r) for r in style.report],
                               "program": style.fixed_program.to_dict()}, ensure_ascii=False))
        return
    click.echo(f'Learned style "{saved.name}" from {style.n_examples} edited photo(s)'
               + (f" ({len(skipped)} skipped: no settings iea can read, or unreadable)"
                  if skipped else "") + ".")
    click.echo("")
    for report in style.report:
        if report.verdict != "not used":
            click.echo("  " + report.sentence())
    unused = [r.tool.replace("_", " ") for r in style.report if r.verdict == "not used"]
    if unused:
        click.echo(f"  not used: {', '.join(unused)}")
    click.echo("")
    click.echo(f'Apply it with: iea batch "{saved.name}" PHOTOS... --xmp lightroom|darktable')


@cli.command("from-photo")
@click.argument("name")
@click.argument("photo", type=click.Path(path_type=Path))
@click.option("--from", "host", type=click.Choice(HOSTS),
              help="Read only this host's settings [default: whichever the photo has].")
@click.option("--replace", is_flag=True, help="Replace an existing style of the same name.")
def from_photo_cmd(name: str, photo: Path, host: str | None, replace: bool) -> None:
    """Save the develop settings of one edited PHOTO as style NAME ("make these look like that
    one"). Apply it with --adapt to match that photo's brightness on each photo."""
    from ..learn import style_from_photo

    saved, program = style_from_photo(name, photo, host, overwrite=replace)
    click.echo(f'Saved style "{saved.name}" from {display_path(photo)}: {saved.sentence}')
    click.echo("")
    echo_program(program)
