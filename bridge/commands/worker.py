"""``iea worker``: a remote worker (e.g. a GPU box with the vLLM backend) for a daemon."""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("worker")
@click.option("--connect", required=True,
              help="the daemon's --worker-endpoint, e.g. tcp://photo-mac.lan:5557")
@click.option("--curve-keys", type=click.Path(file_okay=False, path_type=Path),
              help="folder with server.key and this worker's key pair (required unless the "
                   "daemon is on this machine)")
@click.option("--key-name", default="client", show_default=True,
              help="which key pair in --curve-keys is this worker's")
@click.option("--backend", help="agent backend to serve (e.g. vllm); default: config")
@click.option("--option", "-o", "options", multiple=True, metavar="KEY=VALUE",
              help="backend option over config [agent.options], e.g. model=/models/stage3 "
                   "(repeatable)")
@click.option("--methods", default="edit,refine,summarize", show_default=True,
              help="comma-separated methods this worker takes")
@click.option("--identity", help="name shown in `iea status` (default: random)")
@click.option("--shared-paths", is_flag=True,
              help="the daemon's photo paths are mounted here at the same place: read them "
                   "directly instead of having the daemon send each photo")
def cli(connect: str, curve_keys: Path | None, key_name: str, backend: str | None,
        options: tuple[str, ...], methods: str,
        identity: str | None, shared_paths: bool) -> None:
    """Serve agent requests from a daemon over an encrypted connection; reconnects on its own."""
    from bridge.endpoints import is_loopback
    from bridge.worker import Worker
    from iea_core.agent import agent_settings, parse_option_items
    from iea_core.errors import ConfigError

    curve = None
    if curve_keys is not None:
        from bridge.keys import client_pair

        curve = client_pair(curve_keys, key_name)
    elif not is_loopback(connect):
        raise ConfigError(f"connecting to {connect} needs --curve-keys: remote workers only "
                          "talk to a daemon over CURVE")
    backend, agent_options = agent_settings(backend, parse_option_items(options))
    try:
        worker = Worker(connect, identity=identity, backend=backend, agent_options=agent_options,
                        methods=[m for m in methods.split(",") if m], curve=curve, remote=True,
                        shared_paths=shared_paths, warm=("agent",))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    sys.exit(worker.run())
