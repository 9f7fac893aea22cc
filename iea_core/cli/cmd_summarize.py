"""``iea summarize BEFORE AFTER``: say in one sentence what was done to a photo, as a style.

The agent recovers the program behind the pair (parameter search with the editor) and describes
it ("warm, faded film look with lifted shadows"). ``--save-style NAME`` keeps it in the style
library for ``iea style apply``.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from .cmd_edit import (PROFILES, agent_view, display_path, echo_program, load_photo, make_agent)

#: The summary works on previews: the search itself downsizes to 256 px.
SUMMARY_PREVIEW = 512


@click.command("summarize")
@click.argument("before", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("after", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--save-style", "style_name", metavar="NAME",
              help="Save the result in the style library under NAME.")
@click.option("--overwrite", is_flag=True, help="Replace a saved style of the same name.")
@click.option("--backend", help="Agent backend [default: config].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--force", is_flag=True,
              help="Summarize (and save) even a pair that does not look like one photo before "
                   "and after an edit.")
def cli(before: Path, after: Path, style_name: str | None, overwrite: bool, backend: str | None,
        as_json: bool, force: bool = False) -> None:
    """Describe the edit that turns BEFORE into AFTER, and optionally save it as a style."""
    from ..styles import StyleLibrary, check_style_name, median_luminance

    if style_name is not None:
        style_name = check_style_name(style_name)  # fail before the search, not after
        if not overwrite:
            from ..styles import StyleExists, StyleNotFound

            with StyleLibrary() as library:
                try:
                    library.get(style_name)
                except StyleNotFound:
                    pass
                else:
                    raise StyleExists(f"a style called {style_name!r} exists already (add "
                                      "--overwrite to replace it, or choose another name)")
    before_view = agent_view(load_photo(before), SUMMARY_PREVIEW)
    after_view = agent_view(load_photo(after), SUMMARY_PREVIEW)
    agent = make_agent(backend)
    style = agent.summarize(before_view, after_view)
    aligned = bool(getattr(style, "aligned", True))
    if not aligned and not force:
        from ..errors import IeaError

        raise IeaError(f"{display_path(before)} and {display_path(after)} do not look like one "
                       f"photo before and after an edit: {getattr(style, 'warning', '')}; pass "
                       "--force to summarize them anyway")

    saved = None
    if style_name is not None:
        with StyleLibrary() as library:
            saved = library.save(style_name, style.sentence, style.program,
                                 source=(str(before.resolve()), str(after.resolve())),
                                 distance=style.distance,
                                 reference_median=median_luminance(after_view),
                                 overwrite=overwrite)
    if as_json:
        click.echo(json.dumps({
            "before": str(before), "after": str(after), "sentence": style.sentence,
            "program": style.program.to_dict(), "distance": style.distance,
            "round_trip": getattr(style, "round_trip", None), "aligned": aligned,
            "warning": getattr(style, "warning", "") or None,
            "style": saved.name if saved else None}, ensure_ascii=False))
        return
    if not aligned:
        click.echo(f"Warning: {getattr(style, 'warning', '')} (kept because of --force).")
    click.echo(style.sentence)
    click.echo("")
    echo_program(style.program)
    if style.distance is not None:
        click.echo("")
        click.echo(f"  distance to {display_path(after)}: d = {style.distance:.4f}")
    if getattr(style, "round_trip", None) is not None:
        click.echo(f"  the sentence read back by the agent lands at d = {style.round_trip:.4f}")
    if saved is not None:
        click.echo(f'Saved style "{saved.name}"; apply it with: iea style apply "{saved.name}" '
                   "PHOTOS...")
