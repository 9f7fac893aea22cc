"""``iea status``: is the daemon up, how full is its queue, how fast does it answer."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command("status")
@click.option("--endpoint", help="daemon endpoint (default: the local ipc socket)")
@click.option("--curve-keys", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print the raw status object")
@click.option("--timeout", type=float, default=3.0, show_default=True)
def cli(endpoint: str | None, curve_keys: Path | None, as_json: bool, timeout: float) -> None:
    """Show the bridge daemon's queue, workers and per-method latency (never starts one)."""
    from bridge.client import BridgeClient
    from iea_core.errors import BridgeTimeout, BridgeUnavailable

    try:
        with BridgeClient(endpoint, timeout=timeout, curve_keys=curve_keys,
                          autostart=False) as client:
            status = client.request("status", {})
    except (BridgeUnavailable, BridgeTimeout) as exc:
        click.echo(f"no daemon answering: {exc}", err=True)
        sys.exit(3)
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    workers = status["workers"]
    click.echo(f"daemon    pid {status['pid']} at {status['endpoint']}, "
               f"up {status['uptime_s']:.0f} s, backend {status['backend']}")
    agent = status.get("agent") or {}
    if agent:
        click.echo(f"agent     {agent.get('backend')}: model {agent.get('model') or '-'}, "
                   f"device {agent.get('device') or '-'}")
    click.echo(f"queue     {status['queue']}/{status['queue_size']} waiting, "
               f"{status['running']} running, {status['journal_unanswered']} unanswered in "
               "journal")
    click.echo(f"workers   {workers['alive']} alive ({workers['busy']} busy, "
               f"{workers['remote']} remote), {status['worker_restarts']} restarts")
    click.echo(f"requests  {status['requests']} answered; errors: "
               + (", ".join(f"{k} {v}" for k, v in sorted(status['errors'].items())) or "none"))
    if status["latency"]:
        click.echo(f"{'method':<16}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
        for method, row in status["latency"].items():
            click.echo(f"{method:<16}{row['count']:>8}{row['p50_ms']:>10.2f}"
                       f"{row['p95_ms']:>10.2f}{row['p99_ms']:>10.2f}")
