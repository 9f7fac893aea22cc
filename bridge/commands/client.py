"""``iea client METHOD --json PARAMS``: one request to the bridge daemon (what the plugins run).

The reply envelope goes to ``--out FILE`` (atomically; Lightroom cannot read a child's stdout) or
to stdout. Exit status: 0 ok reply, 1 error reply (including a timeout), 2 unusable arguments,
3 no daemon reachable or startable. Whenever ``--out`` is given the file holds an envelope, even
for exits 2 and 3, so a plugin always has something to parse.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_ERROR_REPLY, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


def _emit(envelope: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(envelope, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        from iea_core.fileio import atomic_write_text

        atomic_write_text(out, text)


@click.command("client")
@click.argument("method")
@click.option("--json", "params_json", default="{}", show_default=True,
              help="parameters as a JSON object, or @FILE to read them from a file")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="write the reply envelope here instead of stdout")
@click.option("--timeout", type=float, default=120.0, show_default=True,
              help="seconds to wait for the reply")
@click.option("--endpoint", help="daemon endpoint (default: the local ipc socket)")
@click.option("--curve-keys", type=click.Path(file_okay=False, path_type=Path),
              help="key folder for an encrypted daemon")
@click.option("--key-name", default="client", show_default=True)
@click.option("--id", "request_id", help="request id (default: random); resending an id "
                                         "returns the stored reply")
@click.option("--no-start", is_flag=True, help="fail (exit 3) instead of starting a daemon")
@click.option("--progress", "progress_path", type=click.Path(dir_okay=False, path_type=Path),
              help="keep the latest progress event (batch_apply) in this file")
def cli(method: str, params_json: str, out: Path | None, timeout: float, endpoint: str | None,
        curve_keys: Path | None, key_name: str, request_id: str | None, no_start: bool,
        progress_path: Path | None) -> None:
    """Send METHOD with PARAMS to the daemon and print or save its reply."""
    from bridge import protocol
    from bridge.client import BridgeClient, new_request_id, resolve_paths
    from iea_core.errors import BridgeTimeout, BridgeUnavailable, IeaError

    request_id = request_id or new_request_id()
    try:
        text = Path(params_json[1:]).read_text(encoding="utf-8") \
            if params_json.startswith("@") else params_json
        params = json.loads(text)
        if not isinstance(params, dict):
            raise ValueError("PARAMS must be a JSON object")
    except (OSError, ValueError) as exc:
        _emit(protocol.error_reply(request_id, protocol.BAD_REQUEST,
                                   f"--json is not usable: {exc}"), out)
        click.echo(f"Error: --json is not usable: {exc}", err=True)
        sys.exit(EXIT_USAGE)

    def on_progress(event: dict[str, Any]) -> None:
        if progress_path is not None:
            from iea_core.fileio import atomic_write_text

            atomic_write_text(progress_path, json.dumps(event) + "\n")

    try:
        with BridgeClient(endpoint, timeout=timeout, curve_keys=curve_keys, key_name=key_name,
                          autostart=not no_start) as client:
            reply = client.call(method, resolve_paths(params), request_id=request_id,
                                on_progress=on_progress)
    except BridgeUnavailable as exc:
        _emit(protocol.error_reply(request_id, protocol.UNAVAILABLE, str(exc)), out)
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_UNAVAILABLE)
    except BridgeTimeout as exc:
        _emit(protocol.error_reply(request_id, protocol.TIMEOUT, str(exc)), out)
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_ERROR_REPLY)
    except IeaError as exc:  # bad endpoint or keys
        _emit(protocol.error_reply(request_id, exc.code, str(exc)), out)
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    _emit(reply, out)
    if not reply.get("ok"):
        error = reply.get("error") or {}
        click.echo(f"Error: {error.get('message')} ({error.get('code')})", err=True)
        sys.exit(EXIT_ERROR_REPLY)
