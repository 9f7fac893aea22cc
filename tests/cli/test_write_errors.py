"""Every writer on a read-only folder, a full disk and under ``ulimit -v``: one line on stderr
naming the user's path and what to do, a non-zero exit, no traceback, nothing partial left.

The commands run as real processes (real stderr, real exit codes, real mounts and limits). The
read-only folder is a read-only tmpfs mount when running as root, a ``chmod 555`` folder
otherwise; the full disk is a small tmpfs filled to the last byte (root only).
"""
from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
from tests.conftest import load_photo

pytestmark = pytest.mark.slow

RUNNER = textwrap.dedent("""
    import atexit, os, sys, types
    from iea_core import agent

    def _report_vm_peak():
        target = os.environ.get("IEA_TEST_VMPEAK")
        if target:
            status = open("/proc/self/status").read()
            peak = [line for line in status.splitlines() if line.startswith("VmPeak")]
            open(target, "w").write(peak[0].split()[1] if peak else "0")

    atexit.register(_report_vm_peak)
    from iea_core.agent.base import EditResult
    from iea_core.program import Program

    class WarmAgent:
        name = "warm"
        def __init__(self, **options):
            pass
        def edit(self, image, instruction, history=()):
            return EditResult(Program({"temperature": 20, "exposure": 10}), "warmer")

    module = types.ModuleType("iea_test_warm")
    module.WarmAgent = WarmAgent
    sys.modules["iea_test_warm"] = module
    agent.BACKENDS["warm"] = "iea_test_warm:WarmAgent"
    from iea_core.cli import main
    main(args=sys.argv[1:], prog_name="iea")
""")


@pytest.fixture
def setup(tmp_path):
    """A photo, a program, a saved style and the runner script."""
    photo = tmp_path / "in" / "photo.jpg"
    photo.parent.mkdir()
    Image.fromarray(load_photo("coffee")[::2, ::2]).save(photo, quality=90)
    program = tmp_path / "in" / "p.json"
    program.write_text('{"contrast": 20}')
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "IEA_AGENT": "warm",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    env.pop("IEA_DEBUG", None)
    from iea_core.program import Program
    from iea_core.styles import StyleLibrary

    with StyleLibrary() as library:
        library.save("Warm", "warm", Program({"temperature": 25}))
    return photo, program, runner, env


def writers(photo: Path, program: Path, target: Path, spare: Path) -> dict[str, tuple]:
    """The 7 writing commands, each with its output in ``target`` (``spare``: a writable folder
    for the outputs a command needs besides the one under test)."""
    return {
        "edit": ("edit", photo, "warmer", "-o", target / "out.jpg"),
        "card": ("edit", photo, "warmer", "-o", spare / "card-out.jpg",
                 "--card", target / "card.png"),
        "apply": ("apply", photo, program, "-o", target / "applied.jpg"),
        "strip": ("tools", "--strip", photo, "-o", target / "strip.png", "--thumb", 48),
        "preset": ("preset", "export", program, "--name", "Warm", "-o", target / "presets"),
        "sheet": ("style", "apply", "Warm", photo, "-o", spare / "styled",
                  "--sheet", target / "sheet.png"),
        "chat": ("chat", photo, "--preview", target / "preview.jpg"),
    }


def run_cli(runner: Path, env: dict, args: tuple, *, limit_bytes: int | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, str(runner), *map(str, args)], input="warmer\n",
                          capture_output=True, text=True, timeout=300, env=env,
                          preexec_fn=limit, cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    lower = result.stderr.lower()
    assert any(word in lower for word in words), result.stderr


def leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    path.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs",
                           str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@contextlib.contextmanager
def read_only_folder(path: Path):
    """A folder nothing can be written to: a read-only mount (root) or chmod 555 (others)."""
    if os.geteuid() == 0:
        with tmpfs(path, "1m"):
            remount = subprocess.run(["mount", "-o", "remount,ro", str(path)],
                                     capture_output=True, text=True)
            if remount.returncode != 0:
                pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")
            yield path, ("read-only",)
        return
    path.mkdir()
    os.chmod(path, 0o555)
    try:
        yield path, ("permission denied", "read-only")
    finally:
        os.chmod(path, 0o755)


def test_every_writer_on_a_read_only_folder(setup, tmp_path):
    photo, program, runner, env = setup
    spare = tmp_path / "spare"
    spare.mkdir()
    with read_only_folder(tmp_path / "ro") as (folder, words):
        for name, args in writers(photo, program, folder, spare).items():
            result = run_cli(runner, env, args, cwd=spare)
            assert_one_line_error(result, *words)
            assert str(folder) in result.stderr, (name, result.stderr)   # the user's path
            assert ".tmp" not in result.stderr, (name, result.stderr)
            assert leftovers(folder) == [], name
        assert leftovers(spare) == []   # refused before anything else was written


def test_every_writer_on_a_full_disk(setup, tmp_path):
    photo, program, runner, env = setup
    spare = tmp_path / "spare"
    spare.mkdir()
    with tmpfs(tmp_path / "full", "256k") as folder:
        (folder / "presets").mkdir()
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
        try:   # fill it to the last byte
            for chunk in (65536, 4096, 512, 1):
                with contextlib.suppress(OSError):
                    while os.write(fd, b"\0" * chunk):
                        pass
        finally:
            os.close(fd)
        before = leftovers(folder)
        for name, args in writers(photo, program, folder, spare).items():
            result = run_cli(runner, env, args, cwd=spare)
            assert_one_line_error(result, "no space")
            assert str(folder) in result.stderr and ".tmp" not in result.stderr, result.stderr
            assert leftovers(folder) == before, name   # no temp file, no half-written output
    assert not any(p.name.endswith(".tmp") for p in spare.rglob("*"))


def test_apply_under_a_memory_limit(setup, tmp_path):
    """The limit is set just above what ``apply`` needs for a tiny photo (every library loaded
    and initialised), so that a 4000 x 4000 photo runs out of memory in the render itself."""
    photo, program, runner, env = setup
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to measure the baseline")
    small, big = tmp_path / "in" / "small.png", tmp_path / "in" / "big.png"
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((32, 32, 3)) * 255).astype(np.uint8)).save(small)
    ramp = np.linspace(0, 255, 4000).astype(np.uint8)
    Image.fromarray(np.dstack([np.tile(ramp, (4000, 1))] * 3)).save(big, compress_level=1)
    out = tmp_path / "out"
    out.mkdir()
    peak_file = tmp_path / "vmpeak"
    for _ in range(2):   # the second run loads the compiled kernels from the cache, as users do
        warm = run_cli(runner, {**env, "IEA_TEST_VMPEAK": str(peak_file)},
                       ("apply", small, program, "-o", out / "small.jpg"), cwd=out)
        assert warm.returncode == 0, warm.stderr
        (out / "small.jpg").unlink()
    baseline = int(peak_file.read_text()) * 1024
    result = run_cli(runner, env, ("apply", big, program, "-o", out / "o.jpg"),
                     limit_bytes=baseline + 100 * 2**20, cwd=out)
    assert_one_line_error(result, "memory")
    assert leftovers(out) == []
    roomy = run_cli(runner, env, ("apply", big, program, "-o", out / "o.jpg"),
                    limit_bytes=baseline + 3 * 2**30, cwd=out)
    assert roomy.returncode == 0, roomy.stderr   # the failure above was the limit's doing
    assert leftovers(out) == ["o.jpg"]
