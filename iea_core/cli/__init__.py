"""The ``iea`` command.

Each library sub-command lives in its own module ``iea_core/cli/cmd_<name>.py``
(``cmd_render_darktable`` gives ``iea render-darktable``) exposing a click command or group called
``cli``. Other packages contribute commands through the entry-point group ``iea.commands`` (the
bridge: ``serve``, ``client``, ``status``, ``keys``, ``worker``; training: ``train``, ``eval``), so
``iea_core`` never imports them. Modules are found by name and imported only when their command runs
(or ``--help`` lists them), so ``iea`` starts fast whatever the commands import.

User mistakes end as one line ``Error: ...`` on stderr and a non-zero exit code; tracebacks are kept
for real bugs (and for everything when ``IEA_DEBUG=1``). iea's warnings (part of a photo's metadata
a JPEG could not hold...) are one ``Warning: ...`` line each on stderr.
"""
from __future__ import annotations

import functools
import importlib
import os
import sys
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..errors import IeaError, IeaWarning

_HERE = Path(__file__).parent
#: entry-point group through which installed packages add ``iea`` sub-commands
ENTRY_POINT_GROUP = "iea.commands"
#: click >= 8.2 reports a group called without a command as this usage error (older: nothing)
_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _command_modules() -> dict[str, str]:
    names = {}
    for entry in sorted(_HERE.glob("cmd_*.py")):
        stem = entry.stem[len("cmd_"):]
        names[stem.replace("_", "-")] = f"{__name__}.{entry.stem}"
    return names


def _source_entry_points(root: Path) -> dict[str, metadata.EntryPoint]:
    """Entry points that the checkout holding this ``iea_core`` declares in its pyproject.toml.

    Running from a source tree (``PYTHONPATH=checkout``, or an editable install whose metadata
    predates a new command) the installed metadata may be missing or stale; the checkout's own
    declaration is the truth for the code actually imported.
    """
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    import tomllib

    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    if project.get("name") != "iea":
        return {}
    table = project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    return {name: metadata.EntryPoint(name, value, ENTRY_POINT_GROUP)
            for name, value in table.items() if isinstance(value, str)}


@functools.lru_cache(maxsize=1)
def contributed_commands() -> dict[str, metadata.EntryPoint]:
    """Sub-commands other packages register: installed entry points, then the checkout's own."""
    found = {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}
    found.update(_source_entry_points(_HERE.parents[1]))
    return found


def _load_contributed(name: str, entry: metadata.EntryPoint) -> click.Command:
    """The command behind ``entry``; one that cannot load becomes a command that says why."""
    try:
        command = entry.load()
    except ImportError as exc:
        extras = ",".join(entry.extras)
        hint = f"pip install 'iea[{extras}]'" if extras else "pip install iea"
        message = f"`iea {name}` cannot load ({exc}); install what it needs with {hint}"

        def unavailable(**_: Any) -> None:
            raise UserError(message)

        return click.Command(name, callback=unavailable, help=message,
                             short_help=f"(not installed: {hint})",
                             context_settings={"ignore_unknown_options": True,
                                               "allow_extra_args": True,
                                               "help_option_names": []})
    if not isinstance(command, click.Command):
        raise UserError(f"`iea {name}`: entry point {entry.value!r} is not a click command")
    return command


class LazyGroup(click.Group):
    """A group whose sub-commands are modules imported on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_command_modules())
                      | set(contributed_commands()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        module_name = _command_modules().get(name)
        if module_name is not None:
            module = importlib.import_module(module_name)
            return getattr(module, "cli")
        entry = contributed_commands().get(name)
        if entry is not None:
            return _load_contributed(name, entry)
        return None

    def resolve_command(self, ctx: click.Context,
                        args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            exc.message += (f" Commands such as serve, client and train come from packages that "
                            f"register '{ENTRY_POINT_GROUP}' entry points; if one is missing, "
                            "reinstall iea (pip install -e .).")
            raise

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line; every error a user can act on ends as one line on stderr.

        click prints a usage error as three lines (usage, a hint, the error); here it is one:
        ``Error: <what is wrong> (see 'iea <command> --help')``, exit code 2."""
        if kwargs.get("standalone_mode", True) is False:
            return super().main(*args, **kwargs)
        kwargs["standalone_mode"] = False
        _tolerant_output()
        if not os.environ.get("IEA_DEBUG") and not sys.warnoptions:
            # library warnings (PIL's "Corrupt EXIF data", numpy's...) are for developers; a user
            # gets iea's own one-line error instead (IEA_DEBUG=1 shows them again)
            warnings.simplefilter("ignore")
        try:
            result = super().main(*args, **kwargs)
        except _NO_ARGS_IS_HELP as exc:   # `iea`, `iea xmp` alone: the help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            path = exc.ctx.command_path if exc.ctx is not None else "iea"
            click.echo(f"Error: {_one_line(exc.format_message())} (see '{path} --help')",
                       err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except (EOFError, KeyboardInterrupt):
            click.echo("Error: interrupted", err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings.catch_warnings():
                # iea's own warnings (metadata a JPEG could not hold...) are one line each
                warnings.simplefilter("always", IeaWarning)
                warnings.showwarning = _show_warning
                return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise UserError("interrupted", 130) from None
        except SystemExit:
            raise
        except BaseException as exc:  # noqa: BLE001 - mapped to one line or re-raised
            if os.environ.get("IEA_DEBUG"):
                raise
            error = user_error(exc) or internal_error(exc, ctx)
            raise error from None


_python_showwarning = warnings.showwarning


def _show_warning(message: Any, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """``Warning: ...`` on stderr for iea's warnings; Python's format for anything else."""
    if issubclass(category, IeaWarning):
        click.echo(f"Warning: {' '.join(str(message).split())}", err=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


def _tolerant_output() -> None:
    """Print a file name that is not UTF-8 (Python holds its bytes as surrogates) as ``\\udcff``
    escapes instead of dying with UnicodeEncodeError: a UTF-8 locale other than C gives stdout
    and stderr strict error handling. The escapes keep ``--json`` output valid JSON. Typed
    input that is not UTF-8 is read too (``iea chat``) instead of UnicodeDecodeError."""
    for stream, errors in ((sys.stdout, "backslashreplace"), (sys.stderr, "backslashreplace"),
                           (sys.stdin, "surrogateescape")):   # typed bytes: see clean_text
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors=errors)
            except (ValueError, OSError, AttributeError):  # a stream that cannot change
                pass


def user_error(exc: BaseException) -> "UserError | None":
    """The one-line message for an error a user can act on, or None for a real bug.

    This is the single place that turns OS errors (read-only folder, full disk, permission,
    file too large) and running out of memory into a sentence naming the user's path and what to
    do; every command goes through it.
    """
    from ..errors import OutOfMemory, describe_os_error, memory_message, user_message

    if isinstance(exc, IeaError):
        return UserError(user_message(exc), exc.exit_code)
    if isinstance(exc, MemoryError):
        return UserError(memory_message("this photo"), OutOfMemory.exit_code)
    if isinstance(exc, OSError):
        if exc.errno is None and not exc.filename:
            # e.g. a shared library that cannot be mapped when memory is limited (ulimit -v)
            return UserError(f"{exc}; if memory is limited (ulimit -v), raise the limit", 1)
        action = "write" if exc.errno in _WRITE_ERRNOS else "open"
        return UserError(describe_os_error(exc, action=action), 1)
    return None


#: exit status of an error in iea itself (sysexits' EX_SOFTWARE)
INTERNAL_ERROR_EXIT = 70


def internal_error(exc: BaseException, ctx: click.Context) -> "UserError":
    """One line for an error in iea itself, not in what the user gave it: what failed and how
    to get the details for a report (the traceback stays behind IEA_DEBUG=1)."""
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    command = " ".join(filter(None, [ctx.command_path, ctx.invoked_subcommand]))
    return UserError(f"'{command}' failed inside iea ({what}); this is a bug in iea, "
                     "not in your files: rerun with IEA_DEBUG=1 to see the details and report "
                     "them", INTERNAL_ERROR_EXIT)


def _write_errnos() -> frozenset[int]:
    import errno

    return frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


_WRITE_ERRNOS = _write_errnos()


def _one_line(message: str) -> str:
    """``message`` on one line: newlines (also inside a user's file name) become spaces."""
    return " ".join(str(message).splitlines()) if message else message


class UserError(click.ClickException):
    """Printed as ``Error: message`` with the given exit code, never a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(_one_line(message))   # one line, always
        self.exit_code = exit_code


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iea")
def main() -> None:
    """iea: conversational photo editing with explainable programs over 16 global tools."""


def run() -> None:  # pragma: no cover - console-script shim
    main(prog_name="iea")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
