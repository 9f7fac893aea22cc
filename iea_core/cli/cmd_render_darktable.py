"""``iea render-darktable IMAGE PROGRAM.json -o OUT``: render a program with the real darktable.

Runs darktable-cli with a private temporary config directory and an in-memory library, so the
user's darktable setup is neither read nor changed; the photo's own sidecar is not touched.
"""
from __future__ import annotations

from pathlib import Path

import click


@click.command("render-darktable")
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("program_file", metavar="PROGRAM.json",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", "out_path", required=True, type=click.Path(path_type=Path),
              help="Output image (.jpg, .png or .tif); an existing file needs --overwrite.")
@click.option("--width", type=click.IntRange(1), help="Maximum output width.")
@click.option("--height", type=click.IntRange(1), help="Maximum output height.")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
def cli(image: Path, program_file: Path, out_path: Path, width: int | None,
        height: int | None, overwrite: bool) -> None:
    """Render IMAGE with PROGRAM.json through darktable-cli into OUT."""
    from ..hosts import darktable
    from ..program import Program
    from .checks import check_output

    check_output(out_path, inputs=[image], overwrite=overwrite)   # before darktable starts
    from ..errors import AlphaNotKept
    from ..imageio import has_alpha

    if has_alpha(image):   # darktable has no alpha channel: it would show what lies under it
        raise AlphaNotKept(f"cannot render {image} with darktable: it has transparency (alpha), "
                           f"which darktable-cli drops; use iea apply {image} "
                           f"{program_file} -o {out_path.with_suffix('.png')} to keep it")
    program = Program.load(program_file)
    click.echo(str(darktable.render(image, program, out_path, width=width, height=height)))
