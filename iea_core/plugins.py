"""Install iea's host plug-ins where Lightroom Classic and darktable look for them.

Both plug-ins reach iea only through the ``iea client`` command, so installing means copying the
Lua files and writing down, in the plug-in's own ``config.json``/``iea_config.json``, the absolute
path of the ``iea`` program that was used to install them. A host started from a desktop icon
does not see the shell's ``PATH`` (a virtualenv's ``bin`` in particular), so the plug-in must not
rely on finding ``iea`` there.

* darktable: ``<configdir>/lua/iea/`` gets ``iea.lua`` and ``IeaJson.lua``; ``<configdir>/luarc``
  gets one ``require "iea/iea"`` line (added once, the old luarc kept as ``luarc.bak``).
* Lightroom Classic: ``<dest>/iea.lrplugin/``; on macOS and Windows the default ``dest`` is the
  ``Modules`` folder Lightroom loads plug-ins from by itself, elsewhere a folder to add with
  File > Plug-in Manager > Add.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .config import user_data_dir
from .errors import ConfigError
from .fileio import atomic_write_text

HOSTS = ("lightroom", "darktable")
CONFIG_FORMAT = "iea.plugin-config"
LUARC_LINE = 'require "iea/iea"'
_LUARC_PATTERN = re.compile(r"""^\s*require\s*\(?\s*["']iea/iea["']\s*\)?\s*$""", re.MULTILINE)


class PluginInstallError(ConfigError):
    """The plug-in files are missing, or the destination cannot be written."""

    code = "plugin_install_error"


@dataclass(frozen=True)
class InstallResult:
    """What an install wrote, and what the photographer does next."""

    host: str
    folder: Path  # the installed plug-in folder
    client: str  # the `iea` program the plug-in will run
    luarc: Path | None = None  # darktable only
    luarc_changed: bool = False
    next_step: str = ""


def plugin_source() -> Path:
    """The ``plugin/`` folder shipped with iea (``$IEA_PLUGIN_DIR`` overrides it)."""
    candidates = []
    if os.environ.get("IEA_PLUGIN_DIR"):
        candidates.append(Path(os.environ["IEA_PLUGIN_DIR"]))
    here = Path(__file__).resolve().parent
    candidates += [here.parent / "plugin", here / "assets" / "plugin"]
    for folder in candidates:
        if (folder / "darktable" / "iea.lua").is_file():
            return folder
    raise PluginInstallError(
        "cannot find iea's plug-in files (looked in "
        + ", ".join(str(c) for c in candidates) + "); reinstall iea or set IEA_PLUGIN_DIR")


def find_client() -> str:
    """Absolute path of the ``iea`` program of this installation."""
    beside_python = Path(sys.executable).parent / ("iea.exe" if os.name == "nt" else "iea")
    if beside_python.is_file():
        return str(beside_python.absolute())
    found = shutil.which("iea")
    if found:
        return str(Path(found).absolute())
    raise PluginInstallError("cannot find the `iea` program; install iea with pip first, "
                             "or pass --client PATH")


def default_darktable_dir() -> Path:
    """darktable's configuration folder (what ``--configdir`` defaults to)."""
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "darktable"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "darktable"


def default_lightroom_dir() -> Path:
    """Where Lightroom Classic picks up plug-ins by itself, or an iea folder elsewhere."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Adobe" / "Lightroom" / "Modules"
    if os.name == "nt":
        appdata = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
        return appdata / "Adobe" / "Lightroom" / "Modules"
    return user_data_dir() / "lightroom"


def _config_json(client: str) -> str:
    return json.dumps({"format": CONFIG_FORMAT, "version": 1, "client": client}, indent=2) + "\n"


def _check_client(client: str | None) -> str:
    client = client or find_client()
    if not Path(client).is_absolute():
        raise PluginInstallError(f"the client path must be absolute, got {client!r}")
    return client


def _make_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from .errors import describe_os_error

        # "cannot create X: the file system is read-only; choose ... --dest" (what to do too)
        line = describe_os_error(exc, folder, action="create").split("; ")[0]
        raise PluginInstallError(f"{line}; choose a writable folder with --dest") from None


def install_darktable(config_dir: Path | None = None, *, client: str | None = None) -> InstallResult:
    """Copy the darktable script into ``config_dir``/lua/iea and load it from luarc."""
    source = plugin_source()
    client = _check_client(client)
    config_dir = Path(config_dir) if config_dir else default_darktable_dir()
    folder = config_dir / "lua" / "iea"
    _make_dir(folder)
    files = {
        "iea.lua": source / "darktable" / "iea.lua",
        # one JSON reader for both hosts: the Lightroom folder holds it
        "IeaJson.lua": source / "lightroom" / "iea.lrplugin" / "IeaJson.lua",
    }
    for name, path in files.items():
        atomic_write_text(folder / name, path.read_text(encoding="utf-8"))
    atomic_write_text(folder / "config.json", _config_json(client))

    luarc = config_dir / "luarc"
    text = luarc.read_text(encoding="utf-8") if luarc.exists() else ""
    changed = not _LUARC_PATTERN.search(text)
    if changed:
        if text and not text.endswith("\n"):
            text += "\n"
        atomic_write_text(luarc, text + LUARC_LINE + "\n", backup=luarc.exists())
    return InstallResult(
        "darktable", folder, client, luarc, changed,
        "Restart darktable; the iea module is in the lighttable's right panel.")


def install_lightroom(dest: Path | None = None, *, client: str | None = None) -> InstallResult:
    """Copy iea.lrplugin into ``dest`` with the client path in its iea_config.json."""
    source = plugin_source() / "lightroom" / "iea.lrplugin"
    if not (source / "Info.lua").is_file():
        raise PluginInstallError(f"the Lightroom plug-in is missing from {source}")
    client = _check_client(client)
    dest = Path(dest) if dest else default_lightroom_dir()
    _make_dir(dest)
    target = dest / "iea.lrplugin"
    staging = dest / f".iea.lrplugin.{os.getpid()}.tmp"
    old = dest / f".iea.lrplugin.{os.getpid()}.old"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(source, staging,
                        ignore=shutil.ignore_patterns("iea_config.json", "*.bak", ".*"))
        atomic_write_text(staging / "iea_config.json", _config_json(client))
        # swap in the new folder only once it is complete
        if target.exists():
            target.rename(old)
        staging.rename(target)
    except OSError as exc:
        raise PluginInstallError(f"cannot install into {dest}: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    auto = dest == default_lightroom_dir() and (sys.platform == "darwin" or os.name == "nt")
    step = ("Restart Lightroom Classic; the items are under Library > Plug-in Extras."
            if auto else
            f"In Lightroom Classic choose File > Plug-in Manager > Add and pick {target}.")
    return InstallResult("lightroom", target, client, next_step=step)


def install(host: str, dest: Path | None = None, *, client: str | None = None) -> InstallResult:
    if host == "darktable":
        return install_darktable(dest, client=client)
    if host == "lightroom":
        return install_lightroom(dest, client=client)
    raise PluginInstallError(f"unknown host {host!r}; choose one of {', '.join(HOSTS)}")
