"""Fixtures: a real daemon in a subprocess over real ipc/tcp sockets, always killed in teardown."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from bridge_helpers import DaemonProcess, RawPeer


@pytest.fixture
def daemon_factory(tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    started: list[DaemonProcess] = []

    def make(*args: str, endpoint: str | None = None, workers: int = 2,
             test_methods: bool = True, wait_workers: bool = True,
             start: bool = True) -> DaemonProcess:
        endpoint = endpoint or f"ipc://{os.environ['IEA_RUNTIME_DIR']}/t{len(started)}.sock"
        argv = ["--workers", str(workers), *args]
        if "--warm" not in args:
            argv += ["--warm", "none"]  # the transport tests need no editor kernels
        if test_methods:
            argv.append("--enable-test-methods")
        daemon = DaemonProcess(endpoint, tmp_path / f"daemon{len(started)}.log", argv)
        started.append(daemon)
        if start:
            daemon.start(workers if wait_workers else None)
        return daemon

    yield make
    for daemon in started:
        daemon.stop()


@pytest.fixture
def daemon(daemon_factory: Callable[..., DaemonProcess]) -> DaemonProcess:
    return daemon_factory()


@pytest.fixture
def raw_peer() -> Iterator[Callable[..., RawPeer]]:
    peers: list[RawPeer] = []

    def make(endpoint: str, curve: Any = None) -> RawPeer:
        peer = RawPeer(endpoint, curve)
        peers.append(peer)
        return peer

    yield make
    for peer in peers:
        peer.close()
