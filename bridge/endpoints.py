"""Where the daemon listens, and whether that address is safe without encryption.

The default endpoint is an ipc socket in the user's private runtime directory. Unix socket paths
are limited to about 107 bytes; when the runtime directory is too deep (long home directories,
pytest temp folders) the socket goes to a short private folder ``/tmp/iea-<uid>-<hash>`` instead,
created with mode 0700 and refused if someone else owns it or can read it.
"""
from __future__ import annotations

import hashlib
import ipaddress
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from iea_core.config import user_runtime_dir
from iea_core.errors import ConfigError

#: sun_path holds 108 bytes including the terminating NUL.
IPC_PATH_LIMIT = 107
#: room left for the longest socket name the daemon creates in the same folder.
_LONGEST_NAME = "workers-4194304.sock"
ENV_ENDPOINT = "IEA_BRIDGE_ENDPOINT"


@dataclass(frozen=True)
class Endpoint:
    transport: str          # "ipc" | "tcp" | "inproc"
    address: str            # path for ipc, host for tcp
    port: str | None = None

    @property
    def url(self) -> str:
        if self.transport == "tcp":
            host = f"[{self.address}]" if ":" in self.address else self.address
            return f"tcp://{host}:{self.port}"
        return f"{self.transport}://{self.address}"


def parse_endpoint(url: str) -> Endpoint:
    """Split a ZeroMQ endpoint; only ipc, tcp and inproc are accepted."""
    transport, sep, rest = url.partition("://")
    if not sep or not rest:
        raise ConfigError(f"endpoint {url!r} must look like ipc:///path/to.sock or "
                          "tcp://127.0.0.1:PORT")
    if transport in ("ipc", "inproc"):
        if transport == "ipc" and len(rest.encode()) > IPC_PATH_LIMIT:
            raise ConfigError(f"ipc path {rest!r} is longer than {IPC_PATH_LIMIT} bytes; "
                              "use a shorter path")
        return Endpoint(transport, rest)
    if transport == "tcp":
        host, colon, port = rest.rpartition(":")
        if not colon or not host or not port:
            raise ConfigError(f"tcp endpoint {url!r} needs a host and a port")
        if port != "*" and not (port.isdigit() and 0 < int(port) < 65536):
            raise ConfigError(f"tcp endpoint {url!r}: port must be 1..65535 or *")
        return Endpoint("tcp", host.strip("[]"), port)
    raise ConfigError(f"endpoint transport {transport!r} is not supported (use ipc or tcp)")


def is_loopback(url: str) -> bool:
    """True for ipc/inproc and for tcp bound to 127.0.0.0/8, ::1 or 'localhost'."""
    endpoint = parse_endpoint(url)
    if endpoint.transport != "tcp":
        return True
    host = endpoint.address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # '*', '0.0.0.0' is caught above; interface names and DNS names land here


def _private_dir(path: Path) -> Path:
    """Create (mode 0700) or check a folder that only this user may enter."""
    try:
        path.mkdir(mode=0o700, exist_ok=False)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or stat.S_ISLNK(info.st_mode):
        raise ConfigError(f"{path} exists and is not a directory; remove it")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise ConfigError(f"{path} belongs to another user; set IEA_RUNTIME_DIR to a private "
                          "folder")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def socket_dir() -> Path:
    """A private folder whose path is short enough for ipc sockets."""
    runtime = user_runtime_dir()
    if len(str(runtime / _LONGEST_NAME).encode()) <= IPC_PATH_LIMIT - 8:
        return _private_dir(runtime)
    digest = hashlib.sha1(str(runtime.resolve()).encode()).hexdigest()[:10]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return _private_dir(Path("/tmp") / f"iea-{uid}-{digest}")


#: Where the daemon listens on systems without ipc sockets (Windows builds of libzmq).
FALLBACK_TCP_ENDPOINT = "tcp://127.0.0.1:48151"


def default_endpoint() -> str:
    """``$IEA_BRIDGE_ENDPOINT``, else the ipc socket in the runtime directory (loopback tcp
    where ZeroMQ has no ipc transport)."""
    env = os.environ.get(ENV_ENDPOINT)
    if env:
        return env
    import zmq

    if not zmq.has("ipc"):
        return FALLBACK_TCP_ENDPOINT
    return f"ipc://{socket_dir() / 'bridge.sock'}"


def state_file(endpoint: str, suffix: str) -> Path:
    """Per-endpoint pid/lock/endpoint files in the runtime directory."""
    digest = hashlib.sha1(endpoint.encode()).hexdigest()[:12]
    return user_runtime_dir() / f"bridge-{digest}.{suffix}"
