"""``iea keys generate DIR``: CURVE keys for an encrypted bridge (remote clients and workers)."""
from __future__ import annotations

from pathlib import Path

import click


@click.group("keys")
def cli() -> None:
    """Manage the bridge's CURVE keys."""


@cli.command("generate")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="client", show_default=True,
              help="name of the client/worker key pair to add (run again with another name "
                   "for each machine)")
def generate(folder: Path, name: str) -> None:
    """Create the daemon's key pair (once) and an authorized pair called NAME in FOLDER."""
    from bridge.keys import generate as make

    made = make(folder, name)
    click.echo(f"server public key: {made['server_public']}")
    click.echo(f"{name} key pair:    {made['public']} + {made['secret']} (keep the secret private)")
    click.echo(f"authorized:        {made['authorized']}")
