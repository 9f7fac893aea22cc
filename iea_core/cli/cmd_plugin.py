"""``iea plugin install lightroom|darktable [--dest DIR]``: put a host plug-in where the host finds it."""
from __future__ import annotations

from pathlib import Path

import click


@click.group("plugin")
def cli() -> None:
    """Install the Lightroom Classic and darktable plug-ins."""


@cli.command("install")
@click.argument("host", type=click.Choice(["lightroom", "darktable"]))
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="darktable: its configuration folder (default ~/.config/darktable). "
                   "Lightroom: the folder to put iea.lrplugin in (default: Lightroom's Modules "
                   "folder on macOS/Windows).")
@click.option("--client", type=click.Path(dir_okay=False), default=None,
              help="The `iea` program the plug-in runs (default: this installation's).")
def install(host: str, dest: Path | None, client: str | None) -> None:
    """Copy the HOST plug-in into place and record which `iea` program it runs."""
    from ..plugins import install as do_install

    if client:
        client = str(Path(client).expanduser().absolute())
    result = do_install(host, dest.expanduser() if dest else None, client=client)
    click.echo(f"Installed the {host} plug-in in {result.folder}")
    click.echo(f"It runs: {result.client} client ...")
    if result.luarc is not None:
        state = "added the line" if result.luarc_changed else "already has the line"
        click.echo(f"{result.luarc}: {state} require \"iea/iea\"")
    if host == "lightroom":
        click.echo(f"Folder to add in Lightroom's Plug-in Manager: {result.folder}")
    click.echo(result.next_step)
