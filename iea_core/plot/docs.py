"""Regenerate the two figures the README shows: ``docs/edit-card.png`` and ``docs/tool-strip.png``.

    python -m iea_core.plot.docs [--out docs]

The edit card is a real run of the embedded agent on the bundled sample photo (the instruction is
in the card's title), so it shows what a user gets, not a hand-picked program. Both files are
stored as dithered 256-colour PNGs to stay small in the repository.
"""
from __future__ import annotations

import argparse
from pathlib import Path

INSTRUCTION = "cooler and brighter, lift the shadows, a soft matte look"


def make_docs_figures(out_dir: Path, instruction: str = INSTRUCTION) -> list[Path]:
    from ..agent import get_agent
    from ..editor import render
    from ..imageio import read_image, resize_max, to_float
    from . import edit_card, tool_strip
    from .figures import program_label

    sample = Path(__file__).resolve().parents[1] / "assets" / "sample.jpg"
    photo = read_image(sample)
    result = get_agent("embedded").edit(to_float(resize_max(photo.pixels, 512)), instruction)
    program = result.program
    view = resize_max(photo.pixels, 900)
    out_dir.mkdir(parents=True, exist_ok=True)
    card = edit_card(view, render(view, program), program, result.reasoning or program.reasoning,
                     out_dir / "edit-card.png",
                     title=f"\u201c{instruction}\u201d  \u2192  {program_label(program, 6)}",
                     palette=True)
    strip = tool_strip(photo.pixels, out_dir / "tool-strip.png", max_size=108, palette=True)
    return [card, strip]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--instruction", default=INSTRUCTION)
    args = parser.parse_args(argv)
    for path in make_docs_figures(args.out, args.instruction):
        print(f"Wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
