"""``iea edit``: one instruction, one photo, one explainable program.

    iea edit --sample "warmer, lift the shadows, less harsh" -o edited.jpg
    iea edit IMG_0042.CR3 "brighter and a bit more vivid" --xmp lightroom

Prints the program (one line per tool with what it does) and the agent's reasoning, writes the
edited image (default ``<name>_iea.jpg`` in the current folder; the input is never overwritten)
and, with ``--xmp``, the host's sidecar so Lightroom Classic or darktable shows the same edit
non-destructively.

This module also holds the small helpers the other agent commands share (``chat``, ``summarize``,
``style``): loading a photo and its agent preview, writing results, sidecars, printing programs.
Heavy imports (numpy, the editor, the agent) happen inside functions so ``iea`` starts fast.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import click

from ..errors import IeaError

if TYPE_CHECKING:  # pragma: no cover
    from ..program import Program

PROFILES = ("default", "iea-compat")
HOSTS = ("lightroom", "darktable")
#: Long side of the picture the agent looks at: plenty for statistics and a VLM, fast to make.
AGENT_PREVIEW = 768
#: Long side of the previews ``iea chat`` writes after each turn.
CHAT_PREVIEW = 1024


# --- shared helpers -----------------------------------------------------------------------------
def sample_path() -> Path:
    """The photo bundled with iea (``iea edit --sample``)."""
    import importlib.resources

    return Path(str(importlib.resources.files("iea_core") / "assets" / "sample.jpg"))


def load_photo(path: Path) -> Any:
    """Read a photo at full resolution (raw files via rawpy); errors name the file."""
    from ..imageio import read_image

    return read_image(path)


def agent_view(photo: Any, max_size: int = AGENT_PREVIEW) -> Any:
    """The float 0..1 preview an agent looks at."""
    from ..imageio import resize_max, to_float

    return to_float(resize_max(photo.pixels, max_size))


def resolve_profile(profile: str | None) -> str:
    if profile:
        return profile
    from ..config import load_config

    return load_config().profile or "default"


def make_agent(backend: str | None, options: tuple[str, ...] = ()) -> Any:
    """The backend named (default: config) with config [agent.options] and ``--option`` values."""
    from ..agent import agent_settings, get_agent, parse_option_items

    name, settings = agent_settings(backend, parse_option_items(options))
    return get_agent(name, **settings)


def default_output(image: Path, suffix: str = "_iea", ext: str | None = None) -> Path:
    """``<stem><suffix>.<ext>`` in the current folder: JPEG unless the input is a PNG/TIFF."""
    if ext is None:
        ext = image.suffix.lower() if image.suffix.lower() in (".png", ".tif", ".tiff") else ".jpg"
    return Path.cwd() / f"{image.stem}{suffix}{ext}"


def check_not_input(output: Path, *inputs: Path) -> None:
    """Refuse to write over a photo we were asked to read."""
    target = output.resolve()
    for source in inputs:
        if source.exists() and target == source.resolve():
            raise IeaError(f"refusing to overwrite the input photo {source}; choose another -o")


def write_result(photo: Any, program: "Program", output: Path, profile: str) -> Path:
    """Render ``program`` on the full photo and write it atomically (ICC profile kept)."""
    from ..editor import render
    from ..imageio import write_image

    if output.suffix.lower() not in (".jpg", ".jpeg", ".png", ".tif", ".tiff"):
        raise IeaError(f"cannot write {output}: use a .jpg, .png or .tif file name")
    output.parent.mkdir(parents=True, exist_ok=True)
    edited = render(photo.pixels, program, profile)
    write_image(output, edited, icc_profile=getattr(photo, "icc_profile", None))
    return output


def write_sidecar(host: str, image: Path, program: "Program") -> Path:
    """The host's XMP sidecar next to ``image`` (existing settings merged, a backup kept)."""
    if host == "lightroom":
        from ..hosts.lightroom import write_sidecar as write
    elif host == "darktable":
        from ..hosts.darktable import write_sidecar as write
    else:  # click's Choice prevents this; keep the message for library callers
        raise IeaError(f"unknown host {host!r}; choose lightroom or darktable")
    return Path(write(image, program))


def program_lines(program: "Program", explanations: Mapping[str, str] | None = None) -> list[str]:
    """One aligned line per tool: name, signed value, a bar, and what it does."""
    from ..describe import tool_phrase

    if program.is_identity:
        return ["  (no change)"]
    lines = []
    for tool, value in program.to_dict().items():
        bar_len = max(1, round(abs(value) / 10))
        bar = ("+" if value > 0 else "-") * bar_len
        words = (explanations or {}).get(tool) or tool_phrase(tool, value, form="comparative")
        # the line already shows "tool value": drop an explanation's own "Tool +30: " prefix
        prefix = f"{tool.replace('_', ' ')} {value:+d}: ".lower()
        if words.lower().startswith(prefix):
            words = words[len(prefix):]
        lines.append(f"  {tool:<17}{value:+5d}  {bar:<10}  {words}")
    return lines


def echo_program(program: "Program", reasoning: str = "",
                 explanations: Mapping[str, str] | None = None) -> None:
    for line in program_lines(program, explanations):
        click.echo(line)
    if reasoning:
        click.echo("")
        click.echo(click.wrap_text(reasoning, width=92, initial_indent="  ",
                                   subsequent_indent="  "))


def display_path(path: Path) -> str:
    """A path as short as possible for messages: relative to the current folder when inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --- the command --------------------------------------------------------------------------------
@click.command("edit")
@click.argument("args", nargs=-1, metavar="IMAGE INSTRUCTION")
@click.option("--sample", is_flag=True,
              help="Edit the photo bundled with iea (then give only the INSTRUCTION).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the edited image [default: ./<name>_iea.jpg].")
@click.option("--xmp", "host", type=click.Choice(HOSTS),
              help="Also write the edit into the photo's XMP sidecar for this host.")
@click.option("--backend", help="Agent backend (embedded, transformers, vllm) [default: config].")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
              help="Backend option over config [agent.options], e.g. model_path=runs/stage3 "
                   "(repeatable).")
@click.option("--profile", type=click.Choice(PROFILES), default=None,
              help="Editor profile for the rendered image [default: config or 'default'].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--card", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a before/after card (PNG) with the program and reasoning.")
def cli(args: tuple[str, ...], sample: bool, output: Path | None, host: str | None,
        backend: str | None, options: tuple[str, ...], profile: str | None, as_json: bool,
        card: Path | None) -> None:
    """Edit IMAGE as the INSTRUCTION says; print the program and write the result.

    \b
    Examples:
      iea edit --sample "warmer, lift the shadows, less harsh" -o edited.jpg
      iea edit photo.jpg "a bit brighter, less saturated" --xmp darktable
    """
    if sample:
        if len(args) != 1:
            raise click.UsageError('with --sample give only the instruction: '
                                   'iea edit --sample "warmer"')
        image, instruction = sample_path(), args[0]
    else:
        if len(args) != 2:
            raise click.UsageError('give an image and an instruction: '
                                   'iea edit photo.jpg "warmer"')
        image, instruction = Path(args[0]), args[1]
    if not instruction.strip():
        raise click.UsageError("the instruction is empty")
    if not image.exists():
        raise IeaError(f"no such file: {image}")
    profile = resolve_profile(profile)
    output = output or default_output(image)
    check_not_input(output, image)

    photo = load_photo(image)
    agent = make_agent(backend, options)
    result = agent.edit(agent_view(photo), instruction)
    program = result.program
    reasoning = result.reasoning or program.reasoning

    write_result(photo, program, output, profile)
    sidecar = write_sidecar(host, image, program) if host else None
    if card is not None:
        from ..editor import render
        from ..plot import edit_card

        view = agent_view(photo, CHAT_PREVIEW)
        edit_card(view, render(view, program, profile), program, reasoning, card)

    if as_json:
        click.echo(json.dumps({
            "image": str(image), "instruction": instruction, "program": program.to_dict(),
            "reasoning": reasoning, "explanations": dict(result.explanations),
            "output": str(output), "sidecar": str(sidecar) if sidecar else None,
            "card": str(card) if card else None, "backend": getattr(agent, "name", backend),
            "profile": profile}, ensure_ascii=False))
        return
    shown = f"{image.name} (bundled sample)" if sample else display_path(image)
    click.echo(f'{shown}: "{instruction}"')
    click.echo("")
    echo_program(program, reasoning, result.explanations)
    click.echo("")
    click.echo(f"Wrote {display_path(output)}")
    if sidecar:
        click.echo(f"Wrote {host} sidecar {display_path(sidecar)}")
    if card is not None:
        click.echo(f"Wrote card {display_path(card)}")
