"""The ``iea`` command.

Each sub-command lives in its own module ``iea_core/cli/cmd_<name>.py`` (``cmd_render_darktable``
gives ``iea render-darktable``) exposing a click command or group called ``cli``. Modules are found
by file name and imported only when their command runs (or ``--help`` lists them), so ``iea`` starts
fast whatever the commands import.

User mistakes end as one line ``Error: ...`` on stderr and a non-zero exit code; tracebacks are kept
for real bugs (and for everything when ``IEA_DEBUG=1``).
"""
from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..errors import IeaError

_HERE = Path(__file__).parent


def _command_modules() -> dict[str, str]:
    names = {}
    for entry in sorted(_HERE.glob("cmd_*.py")):
        stem = entry.stem[len("cmd_"):]
        names[stem.replace("_", "-")] = f"{__name__}.{entry.stem}"
    return names


class LazyGroup(click.Group):
    """A group whose sub-commands are modules imported on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_command_modules()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        module_name = _command_modules().get(name)
        if module_name is None:
            return None
        module = importlib.import_module(module_name)
        return getattr(module, "cli")

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IeaError as exc:
            if os.environ.get("IEA_DEBUG"):
                raise
            raise UserError(str(exc), exc.exit_code) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            if os.environ.get("IEA_DEBUG"):
                raise
            target = exc.filename or ""
            raise UserError(f"{exc.strerror}: {target}".rstrip(": "), 1) from None
        except KeyboardInterrupt:
            raise UserError("interrupted", 130) from None


class UserError(click.ClickException):
    """Printed as ``Error: message`` with the given exit code, never a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iea")
def main() -> None:
    """iea: conversational photo editing with explainable programs over 16 global tools."""


def run() -> None:  # pragma: no cover - console-script shim
    main(prog_name="iea")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
