"""Atomic writes, backups, locks and configuration."""
from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from iea_core.config import load_config, user_data_dir, user_runtime_dir
from iea_core.errors import ConfigError, SidecarError, WriteError
from iea_core.fileio import (atomic_write_bytes, clean_stale_temp_files, commit_hook,
                              file_lock)


def test_atomic_write_keeps_backup_and_mode(tmp_path):
    target = tmp_path / "photo.xmp"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    backup = atomic_write_bytes(target, b"new", backup=True)
    assert target.read_bytes() == b"new"
    assert backup is not None and backup.read_bytes() == b"old"
    assert (target.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.xmp", "photo.xmp.bak"]


def test_failed_write_leaves_original_untouched(tmp_path, monkeypatch):
    target = tmp_path / "photo.xmp"
    target.write_bytes(b"precious")

    def boom(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"half")
    assert target.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["photo.xmp"]


def _hold_lock(path, seconds, ready):
    with file_lock(path):
        open(ready, "w").close()
        time.sleep(seconds)


def test_lock_excludes_other_processes_and_leaves_no_file(tmp_path):
    target = tmp_path / "s.xmp"
    ready = tmp_path.parent / f"{tmp_path.name}-ready"
    ctx = multiprocessing.get_context("spawn")
    holder = ctx.Process(target=_hold_lock, args=(str(target), 3.0, str(ready)))
    holder.start()
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists()
        with pytest.raises(SidecarError, match="another process"):
            with file_lock(target, timeout=0.3):
                pass
    finally:
        holder.join(10)
    with file_lock(target, timeout=1):  # free again once the holder is gone
        pass
    assert list(tmp_path.iterdir()) == []   # no s.xmp.lock beside the photo
    assert list((user_runtime_dir() / "locks").iterdir()) == []   # nor in the runtime dir


def test_lock_is_reentrant_in_one_thread(tmp_path):
    target = tmp_path / "s.xmp"
    with file_lock(target, timeout=0.5):
        with file_lock(target, timeout=0.5):
            pass
        with file_lock(tmp_path / "other.xmp", timeout=0.5):
            pass
    assert list((user_runtime_dir() / "locks").iterdir()) == []


def test_backup_is_made_once_from_the_users_version(tmp_path):
    target = tmp_path / "photo.xmp"
    target.write_bytes(b"user's own settings")
    atomic_write_bytes(target, b"iea pass 1", backup=True)
    atomic_write_bytes(target, b"iea pass 2", backup=True)   # e.g. a re-run after a crash
    assert (tmp_path / "photo.xmp.bak").read_bytes() == b"user's own settings"
    assert target.read_bytes() == b"iea pass 2"


def test_no_backup_without_a_previous_file(tmp_path):
    target = tmp_path / "photo.xmp"
    assert atomic_write_bytes(target, b"new", backup=True) is None
    assert [p.name for p in tmp_path.iterdir()] == ["photo.xmp"]


def test_temp_files_of_dead_processes_are_removed(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    stale = tmp_path / f".IMG_1.xmp.iea-{pid}-abcd1234.tmp"
    stale.write_bytes(b"half")
    live = tmp_path / f".IMG_2.xmp.iea-{os.getppid()}-abcd1234.tmp"   # a live writer's file
    live.write_bytes(b"in progress")
    legacy = tmp_path / ".IMG_3.xmp.k2j4h5g6.tmp"
    legacy.write_bytes(b"old style")
    os.utime(legacy, (time.time() - 7200, time.time() - 7200))
    user_file = tmp_path / ".hidden.tmp"   # not ours: never touched
    user_file.write_bytes(b"mine")
    removed = clean_stale_temp_files(tmp_path)
    assert sorted(p.name for p in removed) == sorted([stale.name, legacy.name])
    assert live.exists() and user_file.exists()


def test_write_errors_name_the_users_file(tmp_path, monkeypatch):
    import errno as errno_mod

    target = tmp_path / "out.jpg"

    def full(*_args, **_kwargs):
        raise OSError(errno_mod.ENOSPC, "No space left on device", str(tmp_path / ".out.tmp"))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(WriteError) as info:
        atomic_write_bytes(target, b"x" * 100)
    message = str(info.value)
    assert str(target) in message and ".tmp" not in message and "no space" in message
    assert info.value.errno == errno_mod.ENOSPC and info.value.code == "no_space"
    assert isinstance(info.value, OSError)
    assert list(tmp_path.iterdir()) == []


def test_commit_hook_sees_the_hash_before_the_rename(tmp_path):
    import hashlib

    target = tmp_path / "a.xmp"
    seen = []

    def hook(path, digest):
        seen.append((path, digest, target.exists()))

    with commit_hook(hook):
        atomic_write_bytes(target, b"content")
    assert seen == [(target, hashlib.sha256(b"content").hexdigest(), False)]


def test_config_defaults_and_env(monkeypatch, tmp_path):
    assert load_config().agent.backend == "embedded"
    cfg = tmp_path / "config.toml"
    cfg.write_text('[agent]\nbackend = "vllm"\n[agent.options]\nurl = "http://127.0.0.1:8000"\n')
    monkeypatch.setenv("IEA_CONFIG", str(cfg))
    config = load_config()
    assert config.agent.backend == "vllm" and config.agent.options["url"].endswith("8000")
    monkeypatch.setenv("IEA_AGENT", "transformers")
    assert load_config().agent.backend == "transformers"
    cfg.write_text("[agent\n")
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config()


def test_user_dirs_follow_environment(isolated_iea_home):
    assert user_data_dir().is_relative_to(isolated_iea_home)
    assert user_runtime_dir().is_relative_to(isolated_iea_home)


def test_unknown_backend_is_a_clear_error():
    from iea_core.agent import get_agent
    from iea_core.errors import BackendUnavailable

    with pytest.raises(BackendUnavailable, match="unknown agent backend 'nope'"):
        get_agent("nope")
