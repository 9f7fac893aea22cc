"""``iea batch``: apply a style to a whole shoot, writing each photo's sidecar.

    iea batch "My look" shoot/ --xmp lightroom --dry-run      # what would change, per photo
    iea batch "My look" shoot/ --xmp lightroom --review sheet.png
    iea batch "My look" shoot/ --xmp lightroom                # apply; re-run to resume

Photos are read at reduced size, all cores work, a progress bar shows the rate and the time
left. A journal records each photo as it is done: re-running the command skips the photos this
style already finished (``--restart`` applies it again), and an interrupted run (Ctrl-C, a
crash, kill -9) loses nothing and writes no sidecar twice (see :mod:`iea_core.batch`).
``--executor ray`` runs the photos on a Ray cluster.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import IeaError
from .cmd_edit import HOSTS, display_path

#: Most photos shown on a review sheet (a sheet of thousands is unreadable).
REVIEW_LIMIT = 120


def _shown(path: str) -> str:
    return display_path(Path(path))


@click.command("batch")
@click.argument("style")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--xmp", "host", type=click.Choice(HOSTS), required=True,
              help="Write each photo's sidecar for this host.")
@click.option("--dry-run", is_flag=True,
              help="Show what would change on each photo (before -> after); write nothing.")
@click.option("--review", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a before/after sheet with the values (PNG) to check; write nothing.")
@click.option("--adapt", is_flag=True,
              help="Fixed styles: adapt the exposure to each photo (learned styles always "
                   "adapt).")
@click.option("-j", "--jobs", type=click.IntRange(1, 512), default=None,
              help="Worker processes [default: all cores].")
@click.option("--executor", type=click.Choice(("local", "ray")), default="local",
              help="Where photos are processed: local processes, or a Ray cluster "
                   "(pip install 'iea[cluster]').")
@click.option("--ray-address", default=None,
              help="Ray cluster to join ('auto', 'ray://HOST:10001') [default: RAY_ADDRESS, "
                   "else a private local instance].")
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path),
              help="Job journal file [default: in iea's data folder, one per job].")
@click.option("--restart", is_flag=True,
              help="Apply the style again even to photos an earlier run of it finished.")
@click.option("-v", "--verbose", is_flag=True, help="Print every photo's changes.")
def cli(style: str, paths: tuple[Path, ...], host: str, dry_run: bool, review: Path | None,
        adapt: bool, jobs: int | None, executor: str, ray_address: str | None,
        journal: Path | None, restart: bool, verbose: bool) -> None:
    """Apply STYLE to every photo in PATHS (photos or folders) as HOST sidecars.

    \b
    Each photo's sidecar is read first: a saved style (summarize, an edit, a preset) is added
    to its settings; a learned style or a copied look sets the tools it uses to its values for
    that photo, and every other setting keeps the photographer's value.
    """
    from tqdm import tqdm

    from ..batch import change_lines, run_batch, style_spec
    from ..catalogue import expand_photos

    spec = style_spec(style, adapt=adapt)
    photos = expand_photos(paths)
    if not photos:
        raise IeaError("no photos found in " + ", ".join(display_path(p) for p in paths))
    preview_only = dry_run or review is not None
    reviews: list[tuple[Any, Any, str, dict[str, int]]] = []

    def progress(total: int, done: int) -> Any:
        return tqdm(total=total, initial=done, unit="photo", desc=f"batch {spec.name}",
                    dynamic_ncols=True, disable=None, smoothing=0.1)

    def on_result(item: dict[str, Any]) -> None:
        if "error" in item:
            tqdm.write(f"  ! {_shown(item['photo'])}: {item['error']}", file=sys.stderr)
            return
        if review is not None and "thumbs" in item and len(reviews) < REVIEW_LIMIT:
            reviews.append((item["thumbs"][0], item["thumbs"][1], Path(item["photo"]).name,
                            item["after"]))
        if dry_run or verbose:
            changes = change_lines(item["before"], item["after"])
            tqdm.write(f"  {_shown(item['photo'])}: " + ("; ".join(changes) or "no change"))

    result = run_batch(spec, photos, host, dry_run=preview_only, thumbs=review is not None,
                       jobs=jobs, executor=executor, ray_address=ray_address,
                       journal_path=journal, restart=restart, on_result=on_result,
                       progress=progress)
    if review is not None and reviews:
        from ..plot import contact_sheet

        reviews.sort(key=lambda r: r[2])
        contact_sheet(reviews, review, columns=3, thumb=THUMB_SHEET)
        more = len(result.done) - len(reviews)
        click.echo(f"Wrote review sheet {display_path(review)} ({len(reviews)} photos"
                   + (f"; {more} more not shown" if more > 0 else "") + ").")
    failed = len(result.failed)
    if preview_only:
        click.echo(f'Nothing written. "{spec.name}" would change {len(result.done)} photo(s) '
                   f"as {host} sidecars; run again without --dry-run/--review to apply.")
    else:
        parts = [f'Applied "{spec.name}" to {len(result.done)} photo(s)']
        if result.skipped:
            parts.append(f"{result.skipped} already done earlier")
        if result.recovered:
            parts.append(f"{result.recovered} finished by an interrupted run")
        if result.paired:
            parts.append(f"{len(result.paired)} JPEG(s) of RAW+JPEG pairs left to their raw "
                         "(one sidecar holds the pair's settings)")
        click.echo(", ".join(parts) + f" ({host} sidecars).")
    if result.interrupted:
        raise IeaError("interrupted: nothing is lost; run the same command again to finish "
                       f"(journal {display_path(result.journal)})" if result.journal else
                       "interrupted")
    if failed:
        names = ", ".join(_shown(item["photo"]) for item in result.failed[:5])
        raise IeaError(f"{failed} photo(s) failed: {names}" + (" ..." if failed > 5 else "")
                       + "; fix them and run the same command again to finish")


THUMB_SHEET = 192
