"""``iea apply``: render a program file on a photo.

    iea apply photo.jpg program.json -o edited.jpg [--profile iea-compat] [--max-size 2048]
    iea apply photo.tif program.json -o edited.tif --compare    # also edited_compare.jpg

The program file is canonical iea JSON, a flat ``{"tool": value}`` object, or IEA model output.
The input photo is never overwritten; 16-bit TIFF/PNG stay 16-bit; the ICC profile, metadata and
alpha are kept (a JPEG of a photo with transparency is refused unless ``--flatten``).
"""
from __future__ import annotations

from pathlib import Path

import click

from .checks import check_alpha_output, check_output


@click.command("apply")
@click.argument("image", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("program_file", metavar="PROGRAM.json",
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Edited image to write (.jpg, .png or .tif).")
@click.option("--profile", type=click.Choice(["default", "iea-compat"]), default="default",
              show_default=True, help="Editor profile.")
@click.option("--max-size", type=click.IntRange(16, 100_000),
              help="Downscale so the long side is at most this many pixels first.")
@click.option("--compare", is_flag=True,
              help="Also write OUT_compare.jpg: before and after side by side.")
@click.option("--clamp", is_flag=True, help="Clamp out-of-range values instead of failing.")
@click.option("--card", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an edit card (PNG) explaining the edit.")
@click.option("--seed", default=0, show_default=True, help="Grain seed.")
@click.option("--overwrite", is_flag=True,
              help="Replace -o (and the --compare / --card files) if they exist.")
@click.option("--flatten", is_flag=True,
              help="Writing a photo with transparency to a JPEG: composite it over white "
                   "(otherwise refused; .png/.tif keep the transparency).")
def cli(image: Path, program_file: Path, output: Path, profile: str, max_size: int | None,
        compare: bool, clamp: bool, card: Path | None, seed: int, overwrite: bool,
        flatten: bool) -> None:
    """Apply PROGRAM.json to IMAGE and write the result to -o."""
    import numpy as np

    from ..editor import render
    from ..imageio import flatten_alpha, read_image, resize_max, write_image, write_photo
    from ..program import Program
    from .cmd_edit import flatten_note

    # outputs first: a refused -o costs milliseconds, not a decode and a render
    check_output(output, inputs=[image], overwrite=overwrite)
    check_alpha_output(output, image, flatten)
    compare_path = output.with_name(f"{output.stem}_compare.jpg")
    if compare:
        check_output(compare_path, inputs=[image, output], overwrite=overwrite,
                     option="--compare")
    if card is not None:
        check_output(card, inputs=[image, output], overwrite=overwrite, extensions=(".png",),
                     option="--card")
    program = Program.load(program_file, clamp=clamp)
    photo = read_image(image, max_size=max_size)
    edited = render(photo.pixels, program, profile, seed=seed)
    write_photo(output, edited, photo, flatten=flatten)
    click.echo(f"{image.name}: {program!r}")
    click.echo(f"Wrote {output}")
    note = flatten_note(photo, output, flatten)
    if note:
        click.echo(note)
    if compare:
        before = resize_max(photo.pixels, 1200)
        after = resize_max(edited[..., :3], 1200)
        if photo.alpha is not None:   # a viewing aid: shown as on a white page
            before, after = flatten_alpha(before, photo.alpha), flatten_alpha(after, photo.alpha)
        gap = np.full((before.shape[0], 8, 3), 255 if before.dtype == np.uint8 else 65535,
                      dtype=before.dtype)
        side = np.concatenate([before[..., :3], gap, after[..., :3]], axis=1)
        write_image(compare_path, side, icc_profile=photo.icc_profile)
        click.echo(f"Wrote {compare_path}")
    if card is not None:
        from ..plot import edit_card

        before = resize_max(photo.pixels, 1024)
        edit_card(before, render(before, program, profile, seed=seed), program,
                  program.reasoning, card)
        click.echo(f"Wrote {card}")
