"""Run :mod:`iea_core.batch` tasks on a Ray cluster (the optional ``[cluster]`` extra).

A studio spreads a 100k-photo job over several machines that share the photo store (same paths
on every node, e.g. an NFS mount): each chunk of photos becomes one Ray task that decodes,
predicts and writes the sidecars on whichever node runs it; the driver (the ``iea batch``
process) keeps the journal, exactly as with the local pool. Every node needs iea installed.

``address`` is given to ``ray.init``: ``"auto"`` (or the ``RAY_ADDRESS`` variable) joins a
running cluster, ``"ray://host:10001"`` connects through Ray Client, and ``None`` / ``"local"``
starts a private Ray instance on this machine for the duration of the batch (what the test does).
"""
from __future__ import annotations

import os
from typing import Any, Iterator

from .errors import IeaError


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, with the address in the message, when nothing listens there (ray.init
    itself keeps retrying an unreachable head for minutes)."""
    import socket

    target = address.split("://", 1)[-1]
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        return  # not host:port; let Ray interpret it
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise IeaError(f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); "
                       "start it (ray start --head) or check --ray-address") from None


class RayExecutor:
    """At most ``window`` chunks in flight on the cluster."""

    def __init__(self, address: str | None, jobs: int) -> None:
        try:
            import ray
        except ImportError:
            raise IeaError("the ray executor needs Ray: pip install 'iea[cluster]' (or "
                           "pip install ray)") from None
        self.ray = ray
        self._own = False
        if not ray.is_initialized():
            if address in (None, "", "local"):
                address = os.environ.get("RAY_ADDRESS") or None
            kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False,
                                      "include_dashboard": False}
            if address is None:
                kwargs["num_cpus"] = jobs
                # ship this process's import path so local workers run the same iea
                kwargs["runtime_env"] = {"env_vars": {
                    "PYTHONPATH": os.environ.get("PYTHONPATH", "")}}
            if address not in (None, "auto"):
                _check_reachable(address)
            try:
                ray.init(address=address, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise IeaError(f"cannot start or reach Ray at {address or 'a local instance'} "
                               f"({exc})") from None
            self._own = True
        from .batch import process_chunk

        self._remote = ray.remote(process_chunk)

    def run(self, chunks: Iterator[list[Any]], spec: Any, window: int
            ) -> Iterator[tuple[list[Any], list[dict[str, Any]]]]:
        from .batch import in_flight

        ray = self.ray
        spec_ref = ray.put(spec)

        def finished(refs: list[Any]) -> list[tuple[Any, Any]]:
            done, _ = ray.wait(refs, num_returns=1)
            return [(ref, ray.get(ref)) for ref in done]

        return in_flight(chunks, lambda chunk: self._remote.remote(chunk, spec_ref), finished,
                         window)

    def close(self, wait: bool = True) -> None:
        if self._own:
            self.ray.shutdown()
