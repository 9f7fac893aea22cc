"""``iea chat IMAGE``: edit a photo in turns, with refine, undo and redo.

Each line typed is an instruction (the first one) or feedback on the current edit ("a bit less
warm", "undo the vignette"); the agent answers with the full new program, which is printed and
rendered to a preview after every turn (and, with ``--card-dir``, to an edit card
``turn-NN.png`` for each turn that changes the program). Commands: ``undo``, ``redo``, ``show``, ``save NAME``
(keep the current look as a style), ``help``, ``quit``. The conversation is stored in the session
database, so ``iea chat IMAGE --resume`` picks it up after a restart. Lines can be piped in::

    printf 'warmer\\nless\\nundo\\nquit\\n' | iea chat photo.jpg
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import IeaError, WriteError
from .checks import clean_text
from .cmd_edit import (CHAT_PREVIEW, PROFILES, agent_view, check_not_input, default_output,
                       display_path, echo_plan, echo_program, flatten_note, load_photo,
                       make_agent, planned_edit, resolve_profile, write_result)

HELP = """Type an instruction ("warmer, lift the shadows") or feedback ("a bit less").
Commands: undo, redo, show, save NAME (keep this look as a style), help, quit."""
QUIT = {"quit", "exit", "q", ":q", "bye"}


#: What marks a preview as iea's own (``iea:Preview`` in its XMP): a later chat may rewrite such
#: a file; any other file at the preview's path is the user's and is never replaced unless asked.
PREVIEW_PROPERTY = b'iea:Preview="True"'


def _preview_mark() -> bytes:
    from ..hosts import xmp

    root, desc = xmp.new_document({"iea": xmp.NS_IEA})
    desc.set(xmp.q("iea", "Preview"), "True")
    return xmp.serialize(root)


def is_iea_preview(path: Path) -> bool:
    """Whether ``path`` is a preview an earlier chat wrote (its XMP carries iea:Preview)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return False
    return PREVIEW_PROPERTY in head


class _Chat:
    """The state of one chat: the photo, its preview, the agent and the stored session."""

    def __init__(self, image: Path, photo: Any, agent: Any, store: Any, session_id: int,
                 profile: str, preview_path: Path, card_dir: Path | None = None,
                 state: Any = None) -> None:
        from ..state import PhotoState, developed_view

        self.image, self.photo, self.agent, self.store = image, photo, agent, store
        self.session_id, self.profile, self.preview_path = session_id, profile, preview_path
        # the photo as its sidecar develops it (--xmp): the chat's edits are changes to that
        self.state = state if state is not None else PhotoState(None)
        self.view = developed_view(agent_view(photo, CHAT_PREVIEW), self.state, profile)
        self.planned: Any = None  # the PlanResult of a planned mood, while it is the current edit
        self.card_dir = card_dir
        if card_dir is not None:
            card_dir.mkdir(parents=True, exist_ok=True)
            # continue the numbering of cards already there (a resumed chat), never overwrite
            taken = [int(p.stem[5:]) for p in card_dir.glob("turn-*.png") if p.stem[5:].isdigit()]
            self.next_card = max(taken, default=0) + 1

    @property
    def program(self) -> Any:
        return self.store.current_program(self.session_id)

    def write_preview(self) -> None:
        from ..editor import render
        from ..imagemeta import ImageMetadata
        from ..imageio import flatten_alpha, write_image

        shown = render(self.view, self.program, self.profile)
        if getattr(self.photo, "alpha", None) is not None:   # a cut-out, as on a white page
            shown = flatten_alpha(shown, self.photo.alpha)
        write_image(self.preview_path, shown, metadata=ImageMetadata(xmp=_preview_mark()))
        click.echo(f"  preview: {display_path(self.preview_path)}")

    def write_card(self, before: Any, reasoning: str, title: str) -> None:
        """An edit card for this turn, only when the turn changed the program (``before`` is the
        program before the turn): the unedited preview, the current render, the reasoning."""
        if self.card_dir is None or self.program.to_dict() == before.to_dict():
            return
        from ..editor import render
        from ..plot import edit_card

        path = self.card_dir / f"turn-{self.next_card:02d}.png"
        edit_card(self.view, render(self.view, self.program, self.profile), self.program,
                  reasoning, path, title=title)
        self.next_card += 1
        click.echo(f"  card: {display_path(path)}")

    def show(self, header: str = "current edit") -> None:
        turn = self.store.current_turn(self.session_id)
        click.echo(f"[{header}]")
        echo_program(self.program, turn.reasoning if turn else "")

    def instruct(self, text: str) -> None:
        from ..sessions import agent_history

        history = agent_history(self.store.history(self.session_id))
        current = self.program
        if current.is_identity and not history:
            result, self.planned = planned_edit(self.agent, self.view, text, history=history)
        else:
            result = self.refine_planned(text) or self.agent.refine(self.view, current, text,
                                                                    history)
        if not getattr(result, "understood", True):
            # Nothing was read: no turn is recorded and the current edit stays as it is.
            click.echo(getattr(result, "message", "") or result.reasoning)
            return
        reasoning = result.reasoning or result.program.reasoning
        self.store.add_turn(self.session_id, text, result.program, reasoning,
                            backend=str(getattr(self.agent, "name", "")))
        click.echo("[edit]")
        echo_program(result.program, reasoning, result.explanations)
        if self.planned is not None:
            echo_plan(self.planned)
        self.write_preview()
        self.write_card(current, reasoning, f'"{text}"')

    def refine_planned(self, text: str) -> Any:
        """Feedback on a planned mood ("less blue") changes the matching step's target and the
        plan is carried out and judged again; None when there is no plan or it names no step."""
        if self.planned is None or self.program.to_dict() != self.planned.program.to_dict():
            self.planned = None
            return None
        from ..agent.plan import as_edit_result
        from ..agent.plan.route import refine_plan

        try:
            refined = refine_plan(self.agent, self.view, self.planned, text)
        except IeaError:
            raise
        except Exception:  # the plain refine still answers
            refined = None
        if refined is None:
            self.planned = None
            return None
        self.planned = refined
        return as_edit_result(refined)

    def undo(self) -> None:
        self.planned = None
        previous = self.program
        turn = self.store.undo(self.session_id)
        header = "undone" + (f': back to "{turn.user_text}"' if turn else ": back to the original")
        self.show(header)
        self.write_preview()
        self.write_card(previous, turn.reasoning if turn else "", header)

    def redo(self) -> None:
        self.planned = None
        previous = self.program
        turn = self.store.redo(self.session_id)
        self.show(f'redone: "{turn.user_text}"')
        self.write_preview()
        self.write_card(previous, turn.reasoning, f'redone: "{turn.user_text}"')

    def save_style(self, name: str) -> None:
        from ..describe import describe_program
        from ..editor import render
        from ..styles import StyleLibrary, median_luminance

        program = self.program
        if program.is_identity:
            raise IeaError("nothing to save yet: the photo is unedited")
        sentence = describe_program(program)
        median = median_luminance(render(self.view, program, self.profile))
        with StyleLibrary(store=self.store) as library:
            style = library.save(name, sentence, program, source=(str(self.image), ""),
                                 reference_median=median)
        click.echo(f'saved style "{style.name}": {sentence}')


@click.command("chat")
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--backend", help="Agent backend [default: config].")
@click.option("--profile", type=click.Choice(PROFILES), default=None,
              help="Editor profile for previews and output [default: config or 'default'].")
@click.option("--preview", type=click.Path(dir_okay=False, path_type=Path),
              help="Preview written after each turn [default: ./<name>_iea_preview.jpg].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the full-resolution result here when the chat ends.")
@click.option("--resume", is_flag=True, help="Continue the latest session of this photo.")
@click.option("--card-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write an edit card turn-NN.png here after each turn that changes the edit.")
@click.option("--xmp", "host", type=click.Choice(["lightroom", "darktable"]),
              help="Start from the photo as this host's sidecar develops it, and add the chat's "
                   "final edit to that sidecar when the chat ends.")
@click.option("--overwrite", is_flag=True,
              help="Replace -o, or a --preview file iea did not write, if it exists (otherwise "
                   "refused).")
@click.option("--flatten", is_flag=True,
              help="A photo with transparency written to a JPEG -o: composite it over white "
                   "(otherwise refused; .png/.tif keep the transparency).")
def cli(image: Path, backend: str | None, profile: str | None, preview: Path | None,
        output: Path | None, resume: bool, card_dir: Path | None, host: str | None,
        overwrite: bool, flatten: bool = False) -> None:
    """Edit IMAGE in a conversation: instructions, feedback, undo/redo."""
    from ..sessions import SessionStore
    from ..program import Program
    from ..state import PhotoState, compose, difference, read_state

    profile = resolve_profile(profile)
    preview = preview or default_output(image, "_iea_preview", ".jpg")
    from .checks import check_alpha_output, check_output, check_writable_folder

    # the preview is iea's own file, rewritten each turn; -o is the user's and never replaced
    # unless asked. Both folders are checked before the photo is decoded.
    check_not_input(preview, image, option="--preview")
    if preview.suffix.lower() not in (".jpg", ".jpeg", ".png", ".tif", ".tiff"):
        raise IeaError(f"cannot write {preview}: use a .jpg, .png or .tif file name for "
                       "--preview")
    check_writable_folder(preview.parent, preview)
    if preview.exists() and not overwrite and not is_iea_preview(preview):
        raise IeaError(f"refusing to replace {display_path(preview)} with the chat's preview: it "
                       "is not a preview iea wrote; choose another --preview or add --overwrite")
    if output is not None:
        check_output(output, inputs=[image, preview], overwrite=overwrite)
        check_alpha_output(output, image, flatten)
    if card_dir is not None:
        check_writable_folder(card_dir, card_dir)
    photo = load_photo(image)
    agent = make_agent(backend)
    stdin = sys.stdin
    interactive = stdin.isatty()

    with SessionStore() as store:
        session_id = store.latest_session(image) if resume else None
        if session_id is None:
            session_id = store.create_session(image)
        state = read_state(host, image) if host else PhotoState(None)
        # a resumed chat's earlier runs may have written the session into the sidecar already:
        # the chat goes on from the photo as it was before the session, and writes only what
        # changed since
        written = store.written_program(session_id, host) if host else Program()
        if not written.is_identity:
            state = dataclasses.replace(state, program=difference(state.program, written))
        chat = _Chat(image, photo, agent, store, session_id, profile, preview, card_dir, state)
        click.echo(f"iea chat on {display_path(image)} (session {session_id}). "
                   "Type 'help' for commands.")
        if resume and not store.current_program(session_id).is_identity:
            chat.show("resumed")
        while True:
            if interactive:
                try:
                    line = input("> ")  # input() gives line editing and history on a terminal
                except EOFError:
                    break
            else:
                line = stdin.readline()
                if not line:  # end of piped input
                    break
            text = clean_text(line).strip()
            if not text or text.startswith("#"):
                continue
            if not interactive:
                click.echo(f"> {text}")
            word, _, rest = text.partition(" ")
            command = word.lower()
            try:
                if command in QUIT and not rest:
                    break
                if command == "help" and not rest:
                    click.echo(HELP)
                elif command == "undo" and not rest:
                    chat.undo()
                elif command == "redo" and not rest:
                    chat.redo()
                elif command == "show" and not rest:
                    chat.show()
                elif command == "save" and rest.strip():
                    chat.save_style(rest.strip())
                else:
                    chat.instruct(text)
            except WriteError:
                raise   # the preview or a card cannot be written: every turn would fail too
            except IeaError as exc:
                # one bad turn (nothing to undo, a model hiccup) must not end the conversation
                click.echo(f"  ! {exc}", err=True)

        final = store.current_program(session_id)
        if output is not None:
            write_result(photo, compose(state.program, final), output, profile,
                         flatten=flatten, state=state)
            click.echo(f"Wrote {display_path(output)}")
            note = flatten_note(photo, output, flatten)
            if note:
                click.echo(note)
        unwritten = difference(final, written)
        if host and not unwritten.is_identity:
            from .cmd_edit import echo_applied, write_sidecar

            echo_applied(host, write_sidecar(host, image, unwritten))
            store.set_written_program(session_id, host, final)
        click.echo(f"Session {session_id} saved; continue with: iea chat {image} --resume")
