"""Atomic writes, backups, locks and configuration."""
from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from iea_core.config import load_config, user_data_dir, user_runtime_dir
from iea_core.errors import ConfigError, SidecarError
from iea_core.fileio import atomic_write_bytes, file_lock


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


def _hold_lock(path, seconds):
    with file_lock(path):
        time.sleep(seconds)


def test_lock_excludes_other_processes(tmp_path):
    target = tmp_path / "s.xmp"
    ctx = multiprocessing.get_context("spawn")
    holder = ctx.Process(target=_hold_lock, args=(str(target), 3.0))
    holder.start()
    try:
        deadline = time.monotonic() + 10
        while not (tmp_path / "s.xmp.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        with pytest.raises(SidecarError, match="another process"):
            with file_lock(target, timeout=0.3):
                pass
    finally:
        holder.join(10)
    with file_lock(target, timeout=1):  # free again once the holder is gone
        pass


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
