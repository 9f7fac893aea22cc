"""CURVE key pairs for the daemon, its clients and remote workers (``iea keys generate DIR``).

Layout of a key folder (mode 0700)::

    server.key / server.key_secret     the daemon's pair (the secret never leaves the daemon host)
    client.key / client.key_secret     a pair for a client or remote worker (``--name`` adds more)
    authorized/<name>.key              public keys the daemon accepts; remove a file to revoke
                                       (the daemon re-reads the folder when it changes: a removed
                                       key is refused within a second, also on open connections)

A client or remote worker needs ``server.key`` plus its own pair. The daemon accepts a connection
only from a key in ``authorized/`` (ZAP authentication), so a leaked server public key alone lets
nobody in.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iea_core.errors import ConfigError

SERVER = "server"
ZAP_DOMAIN = "iea"   # pyzmq's authenticator matches the domain exactly ('*' is not a wildcard)


@dataclass(frozen=True)
class CurvePair:
    public: bytes
    secret: bytes


def _load(path: Path, *, secret: bool) -> CurvePair:
    import zmq.auth

    try:
        public, secret_key = zmq.auth.load_certificate(str(path))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read CURVE key {path}: {exc}") from None
    if secret and not secret_key:
        raise ConfigError(f"{path} holds no secret key")
    return CurvePair(public, secret_key or b"")


def generate(folder: Path, name: str = "client") -> dict[str, Path]:
    """Create the server pair (once) and a pair called ``name``; authorize ``name``."""
    import zmq.auth

    if not name.replace("-", "").replace("_", "").isalnum() or name == SERVER:
        raise ConfigError(f"key name {name!r} must be letters, digits, - or _ (and not 'server')")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    authorized = folder / "authorized"
    authorized.mkdir(exist_ok=True, mode=0o700)
    created = {}
    old_umask = os.umask(0o077)  # secret files are born private, never briefly world-readable
    try:
        if not (folder / f"{SERVER}.key_secret").exists():
            zmq.auth.create_certificates(str(folder), SERVER)
        if (folder / f"{name}.key_secret").exists():
            raise ConfigError(f"{folder / (name + '.key_secret')} already exists; pick another "
                              "--name or delete it first")
        zmq.auth.create_certificates(str(folder), name)
        shutil.copyfile(folder / f"{name}.key", authorized / f"{name}.key")
    finally:
        os.umask(old_umask)
    for path in folder.glob("*.key_secret"):
        os.chmod(path, 0o600)
    created["server_public"] = folder / f"{SERVER}.key"
    created["public"] = folder / f"{name}.key"
    created["secret"] = folder / f"{name}.key_secret"
    created["authorized"] = authorized / f"{name}.key"
    return created


def server_pair(folder: Path) -> tuple[CurvePair, Path]:
    """The daemon's pair and the folder of authorized client keys."""
    folder = Path(folder)
    pair = _load(folder / f"{SERVER}.key_secret", secret=True)
    authorized = folder / "authorized"
    if not authorized.is_dir() or not any(authorized.glob("*.key")):
        raise ConfigError(f"{authorized} holds no client keys; run `iea keys generate {folder}`")
    return pair, authorized


def client_pair(folder: Path, name: str = "client") -> tuple[bytes, CurvePair]:
    """(server public key, this client's pair)."""
    folder = Path(folder)
    server_public = _load(folder / f"{SERVER}.key", secret=False).public
    return server_public, _load(folder / f"{name}.key_secret", secret=True)


def make_server(socket: Any, pair: CurvePair) -> None:
    import zmq

    socket.setsockopt(zmq.CURVE_SERVER, 1)
    socket.setsockopt(zmq.CURVE_PUBLICKEY, pair.public)
    socket.setsockopt(zmq.CURVE_SECRETKEY, pair.secret)
    socket.setsockopt(zmq.ZAP_DOMAIN, ZAP_DOMAIN.encode())


def make_client(socket: Any, server_public: bytes, pair: CurvePair) -> None:
    import zmq

    socket.setsockopt(zmq.CURVE_SERVERKEY, server_public)
    socket.setsockopt(zmq.CURVE_PUBLICKEY, pair.public)
    socket.setsockopt(zmq.CURVE_SECRETKEY, pair.secret)


class AuthorizedKeys:
    """The public keys in ``authorized/``, re-read whenever the folder changes.

    Used by the ZAP handler for every new connection and by the daemon for every message (the
    peer's key is the message's ``User-Id``), so that deleting ``authorized/<name>.key`` revokes
    that client within :attr:`RECHECK_S` without a restart, open connections included."""

    RECHECK_S = 0.25

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._keys: frozenset[bytes] = frozenset()
        self._checked = 0.0

    def _folder_signature(self) -> tuple:
        try:
            entries = sorted((entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
                             for entry in os.scandir(self.folder)
                             if entry.name.endswith(".key"))
        except OSError:
            entries = []
        return tuple(entries)

    def keys(self) -> frozenset[bytes]:
        """The z85 public keys authorized now."""
        with self._lock:
            now = time.monotonic()
            if self._signature is not None and now - self._checked < self.RECHECK_S:
                return self._keys
            self._checked = now
            signature = self._folder_signature()
            if signature != self._signature:
                self._signature = signature
                self._keys = self._load()
            return self._keys

    def _load(self) -> frozenset[bytes]:
        from zmq.auth import load_certificates

        try:
            return frozenset(load_certificates(str(self.folder)))
        except (OSError, ValueError):
            return frozenset()

    def allows(self, z85_key: bytes | str | None) -> bool:
        if not z85_key:
            return False
        key = z85_key.encode("ascii") if isinstance(z85_key, str) else bytes(z85_key)
        return key in self.keys()

    def callback(self, domain: str, z85_key: bytes) -> bool:
        """pyzmq's credentials-provider hook (called by the ZAP thread per handshake)."""
        return self.allows(z85_key)


def start_authenticator(context: Any, authorized: Path) -> tuple[Any, AuthorizedKeys]:
    """A ZAP handler thread that admits only the public keys in ``authorized`` (re-read when
    the folder changes), and the key set the daemon checks each message against."""
    from zmq.auth.thread import ThreadAuthenticator

    keys = AuthorizedKeys(authorized)
    auth = ThreadAuthenticator(context)
    auth.start()
    auth.configure_curve_callback(domain=ZAP_DOMAIN, credentials_provider=keys)
    return auth, keys
