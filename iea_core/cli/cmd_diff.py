"""``iea diff A B``: how different two renders are, in the paper's distance d and in ΔE.

d is the paper's pixel distance (mean of L1 and RMS on RGB in 0..1); ΔE is the mean CIEDE2000
colour difference (about 1 is barely visible, above 10 clearly different photos).
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import ImageError


@click.command("diff")
@click.argument("a", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("b", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--resize", is_flag=True, help="Resize B to A's size when they differ.")
def cli(a: Path, b: Path, as_json: bool, resize: bool) -> None:
    """Print the distance d and the mean CIEDE2000 between images A and B."""
    from ..imageio import read_image
    from ..metrics import delta_e, distance

    pa, pb = read_image(a).pixels, read_image(b).pixels
    if pa.shape[:2] != pb.shape[:2]:
        if not resize:
            raise ImageError(f"{a.name} is {pa.shape[1]}x{pa.shape[0]} but {b.name} is "
                             f"{pb.shape[1]}x{pb.shape[0]}; pass --resize to compare anyway")
        from PIL import Image

        from ..imageio import to_float

        import numpy as np

        chans = [np.asarray(Image.fromarray(to_float(pb)[..., c]).resize(
            (pa.shape[1], pa.shape[0]), Image.LANCZOS)) for c in range(3)]
        pb = np.clip(np.stack(chans, axis=-1), 0, 1).astype(np.float32)
    d, de = distance(pa, pb), delta_e(pa, pb)
    if as_json:
        click.echo(json.dumps({"a": str(a), "b": str(b), "d": round(d, 6),
                               "delta_e": round(de, 4)}))
        return
    click.echo(f"d  = {d:.4f}   (paper's distance, 0 = identical)")
    click.echo(f"ΔE = {de:.2f}    (mean CIEDE2000; ~1 barely visible, >10 clearly different)")
