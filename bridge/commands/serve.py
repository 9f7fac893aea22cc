"""``iea serve``: run the bridge daemon in the foreground (clients start one on demand too)."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("serve")
@click.option("--endpoint", help="ipc:///path/to.sock or tcp://127.0.0.1:PORT "
              "(default: an ipc socket in the user's runtime dir; $IEA_BRIDGE_ENDPOINT)")
@click.option("--workers", type=int, default=2, show_default=True,
              help="local worker processes")
@click.option("--backend", help="agent backend (embedded, transformers, vllm); default: config "
              "[agent] backend")
@click.option("--option", "-o", "options", multiple=True, metavar="KEY=VALUE",
              help="backend option over config [agent.options], e.g. model_path=runs/stage3 "
                   "or url=http://127.0.0.1:8000/v1 (repeatable); every worker gets them")
@click.option("--curve-keys", type=click.Path(file_okay=False, path_type=Path),
              help="folder from `iea keys generate`: encrypt and authenticate every connection "
                   "(required for a non-loopback endpoint)")
@click.option("--worker-endpoint", help="also accept remote workers (`iea worker`) here, "
                                        "e.g. tcp://0.0.0.0:5557 with --curve-keys")
@click.option("--queue-size", type=int, default=64, show_default=True,
              help="waiting requests before new ones are answered `busy`")
@click.option("--max-message-bytes", type=int, default=1 << 20, show_default=True,
              help="requests larger than this are refused with `too_large`")
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite request journal (default: <data dir>/bridge/journal.sqlite3)")
@click.option("--no-rerun", is_flag=True, help="after a restart, answer interrupted requests as "
                                               "failed instead of running them again")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]),
              default="info", show_default=True)
@click.option("--enable-test-methods", is_flag=True, hidden=True,
              help="serve debug_sleep/debug_echo/debug_crash (tests and benchmarks only)")
@click.option("--warm", type=click.Choice(["none", "editor", "all"]), default="editor",
              show_default=True, help="what each worker loads before its first request: the "
              "editor's kernels, or the editor and the agent (slower start, fast first edit)")
@click.option("--stop", is_flag=True, help="stop the daemon serving --endpoint and exit")
@click.option("--heartbeat", type=float, default=1.0, hidden=True)
@click.option("--worker-timeout", type=float, default=10.0, show_default=True,
              help="seconds of silence before a remote worker counts as lost")
@click.option("--cancel-grace", type=float, default=10.0, show_default=True,
              help="seconds a local worker may ignore a cancel before it is killed")
def cli(endpoint: str | None, workers: int, backend: str | None, options: tuple[str, ...],
        curve_keys: Path | None,
        worker_endpoint: str | None, queue_size: int, max_message_bytes: int,
        journal_path: Path | None, no_rerun: bool, log_level: str,
        enable_test_methods: bool, warm: str, stop: bool, heartbeat: float,
        worker_timeout: float, cancel_grace: float) -> None:
    """Serve agents and previews to the host plugins over ZeroMQ until SIGTERM/Ctrl-C."""
    from bridge.daemon import DaemonConfig, serve
    from iea_core.agent import parse_option_items

    if stop:
        from bridge.daemon import stop_daemon
        from bridge.endpoints import default_endpoint

        target = endpoint or default_endpoint()
        pid = stop_daemon(target)
        click.echo(f"stopped the daemon at {target} (pid {pid})" if pid
                   else f"no daemon was running at {target}")
        return

    serve(DaemonConfig(endpoint=endpoint, workers=workers, backend=backend,
                       agent_options=parse_option_items(options),
                       curve_keys=curve_keys, worker_endpoint=worker_endpoint,
                       queue_size=queue_size, max_message_bytes=max_message_bytes,
                       journal_path=journal_path, rerun=not no_rerun, log_level=log_level,
                       enable_test_methods=enable_test_methods, heartbeat_s=heartbeat,
                       worker_timeout_s=worker_timeout, cancel_grace_s=cancel_grace,
                       warm={"none": (), "editor": ("editor",),
                             "all": ("editor", "agent")}[warm]))
