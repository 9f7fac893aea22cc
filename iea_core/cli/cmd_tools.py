"""``iea tools``: the 16 tools, what each does, and (with ``--strip``) what each looks like.

    iea tools
    iea tools --json
    iea tools --strip photo.jpg -o strip.png [--profile iea-compat] [--thumb 200]
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..tools import APPLICATION_ORDER, MAX_VALUE, MIN_VALUE, TOOLS


@click.command("tools")
@click.option("--json", "as_json", is_flag=True, help="Print the schema as JSON.")
@click.option("--strip", "strip_photo", type=click.Path(exists=True, dir_okay=False,
                                                         path_type=Path),
              help="Render every tool at -100, -50, +50, +100 on this photo into one PNG.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("tool-strip.png"), show_default=True,
              help="Where --strip writes its PNG.")
@click.option("--profile", type=click.Choice(["default", "iea-compat"]), default="default",
              show_default=True, help="Editor profile for --strip.")
@click.option("--thumb", type=click.IntRange(32, 600), default=200, show_default=True,
              help="Long side of each --strip thumbnail in pixels.")
@click.option("--overwrite", is_flag=True, help="Replace the --strip PNG if it exists.")
def cli(as_json: bool, strip_photo: Path | None, output: Path, profile: str, thumb: int,
        overwrite: bool) -> None:
    """List the 16 global tools (values are integers from -100 to 100; 0 leaves a tool off)."""
    if strip_photo is not None:
        from ..errors import IeaError

        if output.suffix.lower() != ".png":
            raise IeaError(f"the tool strip is a PNG; name it .png, not {output.name}")
        if output.exists() and output.resolve() == strip_photo.resolve():
            raise IeaError(f"refusing to overwrite the photo {strip_photo}; choose another -o")
        from .checks import check_output

        # a name the user gave is never replaced unless asked; the default name is iea's own
        explicit = click.get_current_context().get_parameter_source("output") \
            != click.core.ParameterSource.DEFAULT
        check_output(output, inputs=[strip_photo], overwrite=overwrite or not explicit,
                     extensions=(".png",))
        from ..imageio import read_image
        from ..plot import tool_strip

        photo = read_image(strip_photo, max_size=max(400, 2 * thumb))
        tool_strip(photo.pixels, output, profile, max_size=thumb)
        click.echo(f"Wrote {output}")
        return
    if as_json:
        click.echo(json.dumps({
            "range": [MIN_VALUE, MAX_VALUE],
            "application_order": list(APPLICATION_ORDER),
            "tools": [{"name": s.name, "meaning": s.meaning, "stage": s.stage.name.lower(),
                       "increase": s.increase, "decrease": s.decrease}
                      for s in TOOLS.values()]}, indent=2))
        return
    click.echo(f"{'tool':<17} {'+ means':<22} {'- means':<26} what it adjusts")
    for spec in TOOLS.values():
        click.echo(f"{spec.name:<17} {spec.increase:<22} {spec.decrease:<26} {spec.meaning}")
    click.echo(f"\nValues are integers from {MIN_VALUE} to {MAX_VALUE}; 0 leaves a tool off.")
