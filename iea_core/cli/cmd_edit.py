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


def default_output(image: Path, suffix: str = "_iea", ext: str | None = None, *,
                   free: bool = False) -> Path:
    """``<stem><suffix>.<ext>`` in the current folder: JPEG unless the input is a PNG/TIFF (or
    has transparency, which a JPEG would lose: then PNG).

    With ``free``, a name no file has yet (``<stem><suffix>-2.<ext>``...): a default name never
    replaces a file the user did not name."""
    if ext is None:
        ext = default_ext(image)
    path = Path.cwd() / f"{image.stem}{suffix}{ext}"
    number = 2
    while free and path.exists():
        path = Path.cwd() / f"{image.stem}{suffix}-{number}{ext}"
        number += 1
    return path


def default_ext(image: Path) -> str:
    """The extension of a rendering iea names itself: the input's when it is PNG/TIFF, PNG for
    any other photo with transparency (JPEG cannot hold it), else JPEG."""
    if image.suffix.lower() in (".png", ".tif", ".tiff"):
        return image.suffix.lower()
    from ..imageio import has_alpha

    return ".png" if has_alpha(image) else ".jpg"


def flatten_note(photo: Any, output: Path, flatten: bool) -> str | None:
    """What ``--flatten`` did to ``photo`` written to ``output`` (a line to show), or None."""
    if not flatten or photo.alpha is None or output.suffix.lower() not in (".jpg", ".jpeg"):
        return None
    from ..imageio import FLATTEN_BACKGROUND

    return (f"{display_path(output)}: transparency flattened over {FLATTEN_BACKGROUND} "
            "(--flatten); the original keeps it")


def check_not_input(output: Path, *inputs: Path, option: str = "-o") -> None:
    """Refuse to write over a photo we were asked to read."""
    target = output.resolve()
    for source in inputs:
        if source.exists() and target == source.resolve():
            raise IeaError(f"refusing to overwrite the input photo {source}; choose another "
                           f"{option}")


def write_result(photo: Any, program: "Program", output: Path, profile: str, *,
                 flatten: bool = False, state: Any = None) -> Path:
    """Render ``program`` on the full photo and write it atomically, with everything of the
    photo kept: ICC profile, EXIF/XMP/IPTC (orientation reset to 1) and alpha (into a JPEG only
    with ``flatten``: composited over white). ``state``: the host state ``program`` includes
    (Lightroom settings it renders are marked as applied in the file's XMP)."""
    from ..editor import render
    from ..imageio import write_photo
    from .checks import make_folder

    if output.suffix.lower() not in (".jpg", ".jpeg", ".png", ".tif", ".tiff"):
        raise IeaError(f"cannot write {output}: use a .jpg, .png or .tif file name")
    make_folder(output.parent, output)
    edited = render(photo.pixels, program, profile)
    write_photo(output, edited, photo, flatten=flatten,
                settings_applied=bool(state is not None and state.lightroom_settings_rendered))
    return output


def write_sidecar(host: str, image: Path, change: "Program") -> Any:
    """Apply ``change`` on top of the host's sidecar next to ``image`` (current + change; only the
    settings of the tools it moves are written). Returns :class:`iea_core.state.Applied`."""
    if host not in HOSTS:  # click's Choice prevents this; keep the message for library callers
        raise IeaError(f"unknown host {host!r}; choose lightroom or darktable")
    from ..state import apply_to_sidecar

    return apply_to_sidecar(host, image, change)


def echo_applied(host: str, applied: Any) -> None:
    """``Wrote lightroom sidecar X`` and the ``before -> after`` of each setting it changed."""
    click.echo(f"Wrote {host} sidecar {display_path(applied.sidecar)}")
    for line in applied.lines():
        click.echo(line)


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


def planned_edit(agent: Any, view: Any, instruction: str, plan: bool | None = None,
                 history: Any = ()) -> tuple[Any, Any]:
    """(the agent's EditResult, the PlanResult or None): moods and looks ("a cold winter
    morning") are planned into checkable steps, executed and judged; other requests go to the
    agent as before. ``plan`` True plans any request, False never."""
    from ..agent.plan.route import edit_with_plan

    return edit_with_plan(agent, view, instruction, history, plan=plan)


def echo_plan(planned: Any) -> None:
    """The plan as judged: each step with pass/fail and its measured value, rails, conflicts."""
    click.echo("")
    click.echo("  plan:")
    for line in planned.lines():
        click.echo(f"    {line}")


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
@click.option("--overwrite", is_flag=True,
              help="Replace the -o / --card files if they exist (otherwise refused).")
@click.option("--flatten", is_flag=True,
              help="Writing a photo with transparency to a JPEG: composite it over white "
                   "(otherwise refused; .png/.tif keep the transparency).")
@click.option("--plan/--no-plan", "plan", default=None,
              help="--plan: plan the request as checkable steps and print each step with its "
                   "measured result (moods and looks are planned anyway); --no-plan: never plan.")
def cli(args: tuple[str, ...], sample: bool, output: Path | None, host: str | None,
        backend: str | None, options: tuple[str, ...], profile: str | None, as_json: bool,
        card: Path | None, overwrite: bool, flatten: bool = False,
        plan: bool | None = None) -> None:
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
    from .checks import clean_text

    instruction = clean_text(instruction)
    if not instruction.strip():
        raise click.UsageError("the instruction is empty")
    if not image.exists():
        raise IeaError(f"no such file: {image}")
    profile = resolve_profile(profile)
    from .checks import check_alpha_output, check_output

    # every output is checked before the photo is decoded or the agent runs
    output = check_output(output or default_output(image, free=True), inputs=[image],
                          overwrite=overwrite)
    check_alpha_output(output, image, flatten)
    if card is not None:
        check_output(card, inputs=[image, output], overwrite=overwrite, extensions=(".png",),
                     option="--card")
    if host:   # the sidecar goes beside the photo
        from ..state import sidecar_for
        from .checks import check_writable_folder

        check_writable_folder(image.parent, sidecar_for(host, image))

    photo = load_photo(image)
    # With --xmp the photo "as it is now" is what its sidecar develops: the agent looks at that,
    # answers with a change, and the sidecar gets current + change.
    from ..state import PhotoState, compose, darktable_view, developed_view, read_state

    state = read_state(host, image) if host else PhotoState(None)
    agent = make_agent(backend, options)
    view = darktable_view(image, state, AGENT_PREVIEW) if host == "darktable" else None
    if view is None:
        view = developed_view(agent_view(photo), state, profile)
    result, planned = planned_edit(agent, view, instruction, plan)
    program = result.program
    reasoning = result.reasoning or program.reasoning
    developed = compose(state.program, program)

    write_result(photo, developed, output, profile, flatten=flatten, state=state)
    flattened = flatten_note(photo, output, flatten)
    applied = write_sidecar(host, image, program) if host else None
    sidecar = applied.sidecar if applied else None
    if card is not None:
        from ..editor import render
        from ..plot import edit_card

        view = developed_view(agent_view(photo, CHAT_PREVIEW), state, profile)
        edit_card(view, render(view, program, profile), program, reasoning, card)

    if as_json:
        click.echo(json.dumps({
            "image": str(image), "instruction": instruction, "program": program.to_dict(),
            "reasoning": reasoning, "explanations": dict(result.explanations),
            "understood": bool(getattr(result, "understood", True)),
            "message": str(getattr(result, "message", "") or ""),
            "output": str(output), "flattened": bool(flattened),
            "sidecar": str(sidecar) if sidecar else None,
            "card": str(card) if card else None, "backend": getattr(agent, "name", backend),
            "profile": profile, "developed": developed.to_dict(),
            "changes": [c.to_json() for c in applied.changes] if applied else [],
            "kept": applied.kept if applied else [],
            "plan": planned.to_dict() if planned else None}, ensure_ascii=False))
        return
    shown = f"{image.name} (bundled sample)" if sample else display_path(image)
    click.echo(f'{shown}: "{instruction}"')
    click.echo("")
    echo_program(program, reasoning, result.explanations)
    if planned is not None and plan:
        echo_plan(planned)
    click.echo("")
    click.echo(f"Wrote {display_path(output)}")
    if flattened:
        click.echo(flattened)
    if applied:
        echo_applied(host, applied)
    if card is not None:
        click.echo(f"Wrote card {display_path(card)}")
