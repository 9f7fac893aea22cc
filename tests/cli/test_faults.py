"""Fault injection on the ``iea`` command line: every class of fault ends as one line.

For each injected fault (broken photos, hostile sidecars and presets, malformed program files,
read-only and full disks, unwritable iea folders, kill -9 during a write) the user must see exactly
one ``Error: ...`` line on stderr naming their file, a non-zero exit, no traceback, nothing of
theirs changed and no temporary or lock file left. The broad matrix runs in-process (click's
runner, same code path as the console script); the faults that depend on the process (exit codes,
warnings, mounts, signals) run ``python -m iea_core`` for real. benchmarks/fault_audit.py runs the
full audit (about 250 cases) the same way.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fault_files import (bad_images, bad_programs, good_jpeg, hostile_presets,  # noqa: E402
                         hostile_sidecars, leftovers, make_full_disk, make_read_only, snapshot,
                         unmount)

from iea_core.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _one_line_error(stderr: str, must_name: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr
    assert must_name in lines[0], (must_name, lines[0])
    return lines[0]


def _invoke(args: list[str], cwd: Path) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args, catch_exceptions=True)
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: uncaught {result.exception!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr


def _refused(args: list[str], cwd: Path, must_name: str) -> str:
    before = snapshot(cwd)
    code, _out, err = _invoke(args, cwd)
    assert code != 0, (args, err)
    line = _one_line_error(err, must_name)
    assert snapshot(cwd) == before, f"{args} changed the user's files"
    assert not leftovers(cwd)
    return line


@pytest.fixture
def user(tmp_path: Path) -> Path:
    """A folder of the user's: one good photo and a valid program."""
    good_jpeg(tmp_path / "photo.jpg")
    (tmp_path / "prog.json").write_text('{"exposure": 20}')
    (tmp_path / "out").mkdir()
    return tmp_path


IMAGE_FAULTS = ["zero.jpg", "truncated.jpg", "corrupt.jpg", "text.jpg", "zero.png",
                "truncated.png", "corrupt.png", "truncated.tif", "corrupt.tif", "zero.dng",
                "corrupt.dng", "text.dng", "folder.jpg", "missing.jpg"]


@pytest.mark.parametrize("fault", IMAGE_FAULTS)
def test_a_broken_photo_is_one_line_naming_it(user: Path, fault: str) -> None:
    bad_images(user / "bad")
    rel = f"bad/{fault}"
    _refused(["apply", rel, "prog.json", "-o", "out/x.jpg"], user, rel)
    _refused(["diff", "photo.jpg", rel], user, rel)


def test_a_decompression_bomb_is_refused_before_decoding(user: Path) -> None:
    from fault_files import bomb_png

    bomb_png(user / "bomb.png")
    line = _refused(["apply", "bomb.png", "prog.json", "-o", "out/x.jpg"], user, "bomb.png")
    assert "pixels" in line or "large" in line


SIDECARS_REFUSED = ["xxe", "billion-laughs", "50MB-attribute", "non-utf8", "binary-garbage",
                    "empty", "not-xml", "truncated-xml", "duplicate-attributes", "no-rdf",
                    "dt-garbage-params", "dt-bad-version", "dt-bad-history-end"]


@pytest.mark.parametrize("name", SIDECARS_REFUSED)
def test_a_hostile_sidecar_is_refused_and_left_byte_identical(user: Path, name: str) -> None:
    host, data = hostile_sidecars()[name]
    sidecar = user / ("photo.xmp" if host == "lightroom" else "photo.jpg.xmp")
    sidecar.write_bytes(data)
    line = _refused(["xmp", "write", "photo.jpg", "prog.json", "--host", host], user,
                    sidecar.name)
    assert "iea changed nothing" in line or "refus" in line
    if name != "no-rdf":   # an XMP without develop settings reads as "no settings"
        _refused(["xmp", "read", sidecar.name], user, sidecar.name)


@pytest.mark.parametrize("name", ["crs-non-numeric", "crs-out-of-range", "wrong-namespace",
                                  "dt-unknown-module", "dt-short-params"])
def test_a_damaged_but_readable_sidecar_keeps_the_users_values(user: Path, name: str) -> None:
    """Values iea cannot use are reported and kept as they are, never turned into an edit; the
    output is strict JSON (no NaN/Infinity a plug-in's parser would choke on)."""
    host, data = hostile_sidecars()[name]
    sidecar = user / ("photo.xmp" if host == "lightroom" else "photo.jpg.xmp")
    sidecar.write_bytes(data)
    code, out, err = _invoke(["xmp", "read", sidecar.name], user)
    assert code == 0 and not err.strip(), err
    json.loads(out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c} in {out}"))
    code, out, err = _invoke(["xmp", "write", "photo.jpg", "prog.json", "--host", host], user)
    assert code == 0, err
    assert (user / (sidecar.name + ".bak")).read_bytes() == data   # the user's version, kept
    if name == "crs-non-numeric":
        text = sidecar.read_text()
        assert 'crs:Contrast2012="NaN"' in text and 'crs:Vibrance="1e999"' in text
    assert not leftovers(user)


@pytest.mark.parametrize("name", sorted(hostile_presets()))
def test_a_hostile_preset_or_style_is_refused_with_its_name(user: Path, name: str) -> None:
    (user / name).write_bytes(hostile_presets()[name])
    _refused(["xmp", "read", name], user, name)


PROGRAMS_REFUSED = [n for n in bad_programs() if n not in ("string-number", "fraction")]


@pytest.mark.parametrize("name", PROGRAMS_REFUSED)
def test_a_malformed_program_file_is_one_line_naming_it(user: Path, name: str) -> None:
    path = user / f"{name}.json"
    path.write_bytes(bad_programs()[name].encode("utf-8", "surrogateescape"))
    _refused(["apply", "photo.jpg", path.name, "-o", "out/x.jpg"], user, path.name)
    _refused(["xmp", "write", "photo.jpg", path.name, "--host", "darktable"], user, path.name)


def test_a_huge_program_file_is_refused_unread(user: Path) -> None:
    from fault_files import huge_json

    huge_json(user / "huge.json", megabytes=3)
    line = _refused(["apply", "photo.jpg", "huge.json", "-o", "out/x.jpg"], user, "huge.json")
    assert "larger than" in line


@pytest.mark.parametrize("args, named", [
    (["apply", "photo.jpg", "prog.json", "-o", "out"], "out"),             # output is a folder
    (["apply", "photo.jpg", "prog.json", "-o", "photo.jpg"], "photo.jpg"),  # the input itself
    (["apply", "photo.jpg", "prog.json", "-o", "no/such/x.jpg"], "no/such"),
    (["apply", "photo.jpg", "nope.json", "-o", "out/x.jpg"], "nope.json"),
    (["apply", "photo.jpg", "out", "-o", "out/x.jpg"], "out"),             # program is a folder
    (["apply"], "IMAGE"),                                                  # click usage error
    (["style", "show", "no such style"], "no such style"),
])
def test_path_and_usage_mistakes_are_one_line(user: Path, args: list[str], named: str) -> None:
    _refused(args, user, named)


def test_a_bad_config_is_one_line_naming_it(user: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for text in ("[agent\nbackend = = 3", "profile = 'nope'\n", "[agent]\nbackend = 7\n"):
        config = user / "config.toml"
        config.write_text(text)
        monkeypatch.setenv("IEA_CONFIG", str(config))
        _refused(["chat", "photo.jpg"], user, "config.toml")


# --- real processes --------------------------------------------------------------------------
def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    full.pop("IEA_DEBUG", None) if "IEA_DEBUG" not in (env or {}) else None
    return subprocess.run([sys.executable, "-m", "iea_core", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=timeout)


def test_a_real_process_prints_one_line_and_no_library_warnings(user: Path) -> None:
    """PIL warns "Corrupt EXIF data" on a damaged TIFF: the user gets iea's line alone (exit 1),
    a usage mistake is one line too (exit 2); IEA_DEBUG=1 brings the details back."""
    bad_images(user / "bad")
    done = _run(["apply", "bad/corrupt.tif", "prog.json", "-o", "out/x.jpg"], user)
    assert done.returncode == 1
    _one_line_error(done.stderr, "bad/corrupt.tif")
    done = _run(["apply", "bad/folder.jpg", "prog.json", "-o", "out/x.jpg"], user)
    assert done.returncode == 2
    _one_line_error(done.stderr, "bad/folder.jpg")
    (user / "deep.json").write_text('{"exposure": ' + "[" * 10000 + "]" * 10000 + "}")
    done = _run(["apply", "photo.jpg", "deep.json", "-o", "out/x.jpg"], user)
    assert done.returncode == 1
    _one_line_error(done.stderr, "deep.json")
    done = _run(["train", "sft", "--set", "learning_rate=abc"], user)
    assert done.returncode == 1
    _one_line_error(done.stderr, "learning_rate")


def test_read_only_folder_and_full_disk_are_one_line(user: Path, tmp_path_factory) -> None:
    mounts = tmp_path_factory.mktemp("mounts")
    ro, full = mounts / "ro", mounts / "full"
    photo = (user / "photo.jpg").read_bytes()
    if not make_read_only(ro, {"p.jpg": photo}):
        pytest.skip("needs root with mount rights (or a non-root user) for a read-only folder")
    try:
        done = _run(["xmp", "write", str(ro / "p.jpg"), "prog.json", "--host", "darktable"], user)
        assert done.returncode == 1
        line = _one_line_error(done.stderr, str(ro / "p.jpg.xmp"))
        assert "read-only" in line or "permission" in line
        done = _run(["style", "list"], user, env={"IEA_DATA_DIR": str(ro / "data")})
        line = _one_line_error(done.stderr, str(ro / "data"))
        assert "IEA_DATA_DIR" in line
        # the sidecar lock is iea's business: a read-only runtime dir must not stop an edit
        done = _run(["xmp", "write", "photo.jpg", "prog.json", "--host", "lightroom"], user,
                    env={"IEA_RUNTIME_DIR": str(ro / "run")})
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in ro.iterdir()) == ["p.jpg"]
        if not make_full_disk(full, {"p.jpg": photo}):
            return
        done = _run(["apply", str(full / "p.jpg"), "prog.json", "-o", str(full / "big.png")],
                    user)
        assert done.returncode == 1
        line = _one_line_error(done.stderr, str(full / "big.png"))
        assert "space" in line
        assert (full / "p.jpg").read_bytes() == photo and not leftovers(full)
    finally:
        unmount(ro)
        unmount(full)


def test_kill_9_during_sidecar_writes_loses_nothing(user: Path) -> None:
    """Writers killed with SIGKILL at staggered moments: the sidecar is always the user's
    version or a complete newer one (never torn), its first backup is the user's version, and
    the next writer removes any temporary file a killed one left."""
    from iea_core.state import read_state

    users_version = hostile_sidecars()["crs-out-of-range"][1]
    sidecar = user / "photo.xmp"
    sidecar.write_bytes(users_version)
    delays = [0.35, 0.5, 0.65, 0.8, 0.95, 1.1]
    for delay in delays:
        proc = subprocess.Popen([sys.executable, "-m", "iea_core", "xmp", "write", "photo.jpg",
                                 "prog.json", "--host", "lightroom"], cwd=user,
                                env={**os.environ, "PYTHONPATH": str(ROOT)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        read_state("lightroom", user / "photo.jpg")   # parses: never half-written
    done = _run(["xmp", "write", "photo.jpg", "prog.json", "--host", "lightroom"], user)
    assert done.returncode == 0, done.stderr
    assert (user / "photo.xmp.bak").read_bytes() == users_version
    assert not leftovers(user)


def test_batch_never_appends_its_journal_to_a_users_file(user: Path) -> None:
    """``--journal photo.jpg`` (a slip of the keyboard) must not grow the photo by JSON lines."""
    from iea_core.program import Program
    from iea_core.styles import StyleLibrary

    with StyleLibrary() as library:
        library.save("warm", "warmer", Program({"temperature": 20}))
    line = _refused(["batch", "warm", "photo.jpg", "--xmp", "lightroom", "--journal",
                     "photo.jpg", "-j", "1"], user, "photo.jpg")
    assert "not an iea batch journal" in line


def test_a_group_alone_still_shows_its_help(user: Path) -> None:
    code, out, err = _invoke(["xmp"], user)
    assert "xmp [OPTIONS] COMMAND" in out + err and "read" in out + err and "Error" not in out + err


def test_a_file_name_and_typed_text_that_are_not_utf8_work(user: Path) -> None:
    """A photo named with Latin-1 bytes (an old archive, a camera card) and a terminal sending
    non-UTF-8 bytes: sidecars, sessions and styles work (they crashed with UnicodeEncodeError in
    the lock name and the session database)."""
    name = os.fsdecode(b"caf\xe9 \xff.jpg")
    (user / name).write_bytes((user / "photo.jpg").read_bytes())
    for host in ("lightroom", "darktable"):
        code, out, err = _invoke(["xmp", "write", name, "prog.json", "--host", host], user)
        assert code == 0, err
    code, out, err = _invoke(["style", "from-photo", "latin", name, "--from", "darktable"], user)
    assert code == 0, err
    code, out, err = _invoke(["style", "show", "latin", "--json"], user)
    assert code == 0 and json.loads(out)
    done = subprocess.run([sys.executable, "-m", "iea_core", "chat", os.fsencode(name),
                           "--preview", "out/p.jpg"], cwd=user,
                          input=b"\xff\xfe warmer\n\x00undo\n", capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT),
                               "PYTHONIOENCODING": "utf-8:strict"}, timeout=120)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    from iea_core.sessions import SessionStore

    with SessionStore() as store:   # `iea chat NAME --resume` finds the session again
        assert store.latest_session(user / name) is not None


def test_kill_9_in_the_middle_of_a_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    """The writer is stopped *while* the new content is being made durable (its fsync) and
    killed with -9 there: the user's file is intact and no temporary file is in their folder
    (the content was written into an unnamed file; before, ``.NAME.iea-PID-x.tmp`` stayed)."""
    photo = tmp_path / "photo.tif"
    photo.write_bytes(b"the user's photo")
    script = (
        "import os, sys, time\n"
        "from iea_core import fileio\n"
        "real, calls = os.fsync, []\n"
        "def stall(fd):\n"   # the backup's fsync passes; the new content's stalls
        "    calls.append(fd)\n"
        "    if len(calls) == 1: return real(fd)\n"
        "    print('writing', flush=True); time.sleep(60)\n"
        "os.fsync = stall\n"
        f"fileio.atomic_write_bytes({str(photo)!r}, b'x' * 5_000_000, backup=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert proc.stdout.readline().strip() == b"writing"
        listing = sorted(p.name for p in tmp_path.iterdir())
    finally:
        proc.kill()
        proc.wait()
    assert photo.read_bytes() == b"the user's photo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.tif", "photo.tif.bak"]
    assert listing == ["photo.tif", "photo.tif.bak"], listing   # nothing visible mid-write
