"""``iea batch``: previews, dry run and review write nothing; sidecars compose with the user's
settings; a batch killed with SIGKILL at random points resumes and finishes with every sidecar
valid, written once, and the user's backups untouched; the Ray executor end to end."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from iea_core.batch import Journal
from iea_core.catalogue import read_current_state
from iea_core.hosts import darktable, lightroom
from iea_core.program import Program
from iea_core.state import compose, read_state
from iea_core.styles import StyleLibrary

from .synthetic import make_shoot

STYLE = Program({"exposure": 24, "contrast": 18, "temperature": -12, "vignette": -25})
USER_CRS = {"Exposure2012": 0.5, "Clarity2012": 33, "LensProfileEnable": 1}


def iea(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "iea_core", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def user_sidecar(photo: Path) -> bytes:
    """A Lightroom sidecar the photographer made: exposure +0.5, clarity +33, a lens profile."""
    from iea_core.hosts import xmp

    root, desc = xmp.new_document({"crs": xmp.NS_CRS})
    lightroom.apply_settings(desc, USER_CRS)
    data = xmp.serialize(root)
    lightroom.sidecar_path(photo).write_bytes(data)
    return data


@pytest.fixture
def shoot(tmp_path) -> tuple[list[Path], dict[Path, bytes]]:
    """12 photos; every third carries the photographer's own sidecar (kept to compare)."""
    photos = [p for p, _ in make_shoot(tmp_path / "shoot", 12, seed=7, size=96)]
    originals = {p: user_sidecar(p) for p in photos[::3]}
    with StyleLibrary() as library:
        library.save("Shoot look", "warm contrast", STYLE)
    return photos, originals


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_dry_run_and_review_write_nothing(shoot, tmp_path):
    photos, originals = shoot
    folder = photos[0].parent
    before = listing(folder)
    dry = iea("batch", "Shoot look", folder, "--xmp", "lightroom", "--dry-run", "-j", "2")
    assert dry.returncode == 0, dry.stderr
    assert "Nothing written" in dry.stdout
    first = photos[0].name  # the user's sidecar: exposure +25 (0.5 EV), plus the style's +24
    line = next(l for l in dry.stdout.splitlines() if first in l)
    assert "exposure +25 -> +49" in line and "natural_contrast" not in line
    assert sum(p.name in dry.stdout for p in photos) == len(photos)
    sheet = tmp_path / "review.png"
    review = iea("batch", "Shoot look", folder, "--xmp", "darktable", "--review", sheet)
    assert review.returncode == 0, review.stderr
    from PIL import Image

    with Image.open(sheet) as image:
        assert image.width > 600 and image.height > 600
    assert listing(folder) == before


def test_batch_composes_with_user_settings_and_a_rerun_writes_nothing(shoot):
    photos, originals = shoot
    folder = photos[0].parent
    result = iea("batch", "Shoot look", folder, "--xmp", "lightroom", "-j", "2")
    assert result.returncode == 0, result.stderr
    assert f"to {len(photos)} photo(s)" in result.stdout
    for photo in photos:
        settings = lightroom.read_settings(lightroom.sidecar_path(photo))
        program = lightroom.crs_to_program(settings)[0]
        if photo in originals:  # a saved style is a change: added to the user's settings
            assert program["natural_contrast"] == 33  # the style does not use it: kept
            assert settings["LensProfileEnable"] == 1
            assert settings["Exposure2012"] == pytest.approx(0.5 + 0.48)
            backup = lightroom.sidecar_path(photo).with_name(photo.stem + ".xmp.bak")
            assert backup.read_bytes() == originals[photo]
        else:
            assert program["exposure"] == 24
        assert program["temperature"] == -12
    stamps = {p: lightroom.sidecar_path(p).stat().st_mtime_ns for p in photos}
    again = iea("batch", "Shoot look", folder, "--xmp", "lightroom", "-j", "2")
    assert again.returncode == 0, again.stderr
    assert f"{len(photos)} already done earlier" in again.stdout
    assert stamps == {p: lightroom.sidecar_path(p).stat().st_mtime_ns for p in photos}
    # a photo added to the folder later is the only one done; --restart applies the style again
    (extra, _), = make_shoot(folder, 1, seed=99, size=96)
    more = iea("batch", "Shoot look", folder, "--xmp", "lightroom", "-j", "1")
    assert f"to 1 photo(s), {len(photos)} already done earlier" in more.stdout, more.stderr
    restarted = iea("batch", "Shoot look", folder, "--xmp", "lightroom", "--restart")
    assert f"to {len(photos) + 1} photo(s)" in restarted.stdout, restarted.stderr


def test_journal_ignores_a_torn_last_line(tmp_path):
    path = tmp_path / "job.jsonl"
    path.write_bytes(b'{"kind": "start", "photo": "/a", "before": null}\n'
                     b'{"kind": "done", "photo": "/a", "after": "x"}\n'
                     b'{"kind": "start", "photo": "/b", "before": "h"}\n{"kind": "do')
    states = Journal(path).load()
    assert states["/a"].done and states["/b"].started and not states["/b"].done
    assert states["/b"].before == "h"
    journal = Journal(path)
    journal.open({"job": "j"})
    journal.append([{"kind": "done", "photo": "/b", "after": "y"}], sync=True)
    journal.close()
    assert Journal(path).load()["/b"].done


def test_journal_skips_records_it_cannot_use(tmp_path):
    path = tmp_path / "job.jsonl"
    path.write_bytes(b'{"kind": "job", "version": 1}\n{"kind": "done", "photo": [1]}\n'
                     b'{"kind": "start", "photo": {"a": 1}}\n[[[[[[[[\n'
                     b'{"kind": "done", "photo": "/a", "after": "x"}\n')
    assert list(Journal(path).load()) == ["/a"]


def test_a_raw_jpeg_pair_gets_a_style_once_in_the_sidecar_they_share(tmp_path):
    """IMG_0001.NEF and IMG_0001.JPG both map to Lightroom's IMG_0001.xmp, which is the raw's:
    the batch writes it once (for the raw) and leaves the JPEG to it; a single edit of the JPEG
    alone is refused with one line naming the raw."""
    folder = tmp_path / "pair"
    folder.mkdir()
    photos = [p for p, _ in make_shoot(folder, 1, seed=3, size=96)]
    jpeg = photos[0]
    from PIL import Image

    from tests.io.test_imageio import write_dng

    raw = jpeg.with_suffix(".dng")
    write_dng(raw, (np.asarray(Image.open(jpeg), np.float32) / 255) ** 2.2)
    user_sidecar(raw)
    with StyleLibrary() as library:
        library.save("Pair look", "brighter", Program({"exposure": 20}))
    done = iea("batch", "Pair look", jpeg, raw, "--xmp", "lightroom", "-v")
    assert done.returncode == 0, done.stderr
    assert "left to their raw" in done.stdout
    settings = lightroom.read_settings(lightroom.sidecar_path(raw))
    assert settings["Exposure2012"] == pytest.approx(0.9)  # +0.50 +0.40, once
    assert "IncrementalTemperature" not in settings
    alone = iea("xmp", "write", jpeg, _program_file(tmp_path), "--host", "lightroom")
    assert alone.returncode == 1 and alone.stderr.count("\n") == 1, alone.stderr
    assert raw.name in alone.stderr and "--embed" in alone.stderr
    assert lightroom.read_settings(lightroom.sidecar_path(raw))["Exposure2012"] == \
        pytest.approx(0.9)


def _program_file(folder: Path) -> Path:
    path = folder / "brighter.json"
    path.write_text('{"exposure": 10}')
    return path


def written_since(folder: Path, since_ns: int) -> int:
    """Sidecars (re)written after ``since_ns``."""
    count = 0
    for entry in os.scandir(folder):
        if entry.name.endswith(".xmp"):
            try:
                count += entry.stat().st_mtime_ns > since_ns
            except FileNotFoundError:
                pass
    return count


@pytest.mark.slow
@pytest.mark.parametrize("host", ["lightroom", "darktable"])
def test_sigkill_at_random_points_resumes_with_every_sidecar_written_once(tmp_path, host):
    photos = [p for p, _ in make_shoot(tmp_path / "shoot", 60, seed=8, size=64)]
    originals = {p: user_sidecar(p) for p in photos[::4]} if host == "lightroom" else {}
    if host == "darktable":  # the photographer's own darktable edit on some photos
        for photo in photos[::4]:
            darktable.write_sidecar(photo, Program({"shadows": 30}))
            backup = darktable.sidecar_path(photo).with_name(photo.name + ".xmp.bak")
            backup.unlink(missing_ok=True)
            originals[photo] = darktable.sidecar_path(photo).read_bytes()
    expected = {}
    for photo in photos:
        # a saved style is a change: current + style, written once (twice would add it twice)
        expected[photo] = compose(read_state(host, photo).program, STYLE)
    with StyleLibrary() as library:
        library.save("Kill look", "warm contrast", STYLE)
    folder = photos[0].parent
    journal = tmp_path / "job.jsonl"
    command = [sys.executable, "-m", "iea_core", "batch", "Kill look", str(folder), "--xmp",
               host, "-j", "2", "--journal", str(journal)]
    rng = random.Random(17)
    kills = 0
    for attempt in range(8):
        started = time.time_ns()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        # kill at a random point of the work: once a random number of sidecars has been
        # written by this run, plus a random few milliseconds (mid-chunk, mid-write, between
        # the write and its journal record, ...)
        goal = rng.randint(1, 10)
        deadline = time.monotonic() + 120
        while proc.poll() is None and written_since(folder, started) < goal and \
                time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.03))
        if proc.poll() is not None:
            break
        if attempt % 2:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole job: driver and workers
        else:
            os.kill(proc.pid, signal.SIGKILL)  # the driver only: workers must not outlive it
        proc.wait(timeout=30)
        kills += 1
    final = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert kills >= 2
    sidecar = lightroom.sidecar_path if host == "lightroom" else darktable.sidecar_path
    for photo in photos:
        got = read_current_state(photo, host)
        assert got is not None and got.program.same_values(expected[photo]), photo
        bak = sidecar(photo).with_name(sidecar(photo).name + ".bak")
        if photo in originals:
            assert bak.read_bytes() == originals[photo], f"backup of {photo.name} changed"
        else:  # a second write would have made a backup of iea's own first write
            assert not bak.exists(), f"{photo.name} was written twice"
        if host == "darktable":  # written twice = a second set of iea items in the history
            items = darktable.read_history(sidecar(photo)).items
            assert sum(i.multi_name == "iea exposure" for i in items) == 1, photo
    done = [json.loads(line) for line in journal.read_text().splitlines()
            if line.startswith("{") and '"done"' in line]
    assert sorted(r["photo"] for r in done) == sorted(str(p.resolve()) for p in photos)
    assert not list(folder.glob(".*.tmp"))


@pytest.mark.slow
def test_ray_executor_end_to_end(shoot, tmp_path):
    """A private Ray instance started for the batch (no address), in a loopback-only network
    namespace."""
    pytest.importorskip("ray")
    photos, originals = shoot
    folder = photos[0].parent
    command = [sys.executable, "-m", "iea_core", "batch", "Shoot look", str(folder), "--xmp",
               "darktable", "--executor", "ray", "-j", "2"]
    result = subprocess.run(loopback_only(command), capture_output=True, text=True, timeout=600,
                            env=ray_env(tmp_path))
    assert result.returncode == 0, result.stderr
    for photo in photos:
        program = darktable.read_sidecar(darktable.sidecar_path(photo))
        assert program.same_values(STYLE)
    # the journal is the executor's and the command's: the local executor finds the job done
    again = iea("batch", "Shoot look", folder, "--xmp", "darktable", "-j", "1")
    assert f"{len(photos)} already done earlier" in again.stdout, again.stderr


def test_a_bad_photo_or_sidecar_is_reported_the_rest_done_and_a_rerun_retries_only_it(shoot):
    photos, originals = shoot
    folder = photos[0].parent
    broken = folder / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    hostile = photos[1]
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' \
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>'
    lightroom.sidecar_path(hostile).write_bytes(evil)
    result = iea("batch", "Shoot look", folder, "--xmp", "lightroom", "-j", "2")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "broken.jpg" in result.stderr and "IMG_" in result.stderr
    assert "2 photo(s) failed" in result.stderr.splitlines()[-1]
    assert lightroom.sidecar_path(hostile).read_bytes() == evil  # refused, untouched
    assert f"to {len(photos) - 1} photo(s)" in result.stdout
    broken.unlink()
    lightroom.sidecar_path(hostile).unlink()
    again = iea("batch", "Shoot look", folder, "--xmp", "lightroom", "-j", "2")
    assert again.returncode == 0, again.stderr
    assert f"to 1 photo(s), {len(photos) - 1} already done earlier" in again.stdout


def test_ctrl_c_stops_cleanly_and_the_rerun_finishes(tmp_path):
    photos = [p for p, _ in make_shoot(tmp_path / "shoot", 80, seed=9, size=64)]
    with StyleLibrary() as library:
        library.save("Int look", "warm contrast", STYLE)
    command = [sys.executable, "-m", "iea_core", "batch", "Int look", str(photos[0].parent),
               "--xmp", "darktable", "-j", "2"]
    started = time.time_ns()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while written_since(photos[0].parent, started) < 3 and time.monotonic() < deadline and \
            proc.poll() is None:
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    out, err = proc.communicate(timeout=60)
    if proc.returncode != 0:  # interrupted (not finished before the signal)
        assert "interrupted" in err and "run the same command again" in err, err
        assert "Traceback" not in err
    final = iea("batch", "Int look", photos[0].parent, "--xmp", "darktable", "-j", "2")
    assert final.returncode == 0, final.stderr
    for photo in photos:
        items = darktable.read_history(darktable.sidecar_path(photo)).items
        assert sum(i.multi_name == "iea exposure" for i in items) == 1, photo


def test_an_unreachable_ray_cluster_is_one_line_in_seconds(shoot):
    pytest.importorskip("ray")
    photos, _ = shoot
    started = time.monotonic()
    result = iea("batch", "Shoot look", photos[0].parent, "--xmp", "darktable", "--executor",
                 "ray", "--ray-address", "127.0.0.1:1", timeout=120)
    assert result.returncode == 1 and time.monotonic() - started < 60
    assert result.stderr.strip() == ("Error: cannot reach the Ray cluster at 127.0.0.1:1 "
                                     "(Connection refused); start it (ray start --head) or "
                                     "check --ray-address")
    assert not list(photos[0].parent.glob("*.xmp.bak"))


def ray_env(tmp_path: Path) -> dict[str, str]:
    """Token authentication with a token of the test's own (Ray would otherwise create and use
    ~/.ray/auth_token), no usage reporting, and this checkout on the workers' import path."""
    import secrets

    token = tmp_path / "ray_token"
    token.write_text(secrets.token_hex(32))
    return dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="token",
                RAY_AUTH_TOKEN_PATH=str(token),
                PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).parents[2]),
                                                        os.environ.get("PYTHONPATH")])))


def loopback_only(command: list[str]) -> list[str]:
    """``command`` run in a new network namespace whose only interface is loopback: Ray's servers
    listen on every interface, and there every interface is 127.0.0.1."""
    import shutil

    if not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("unshare/ip are not installed (util-linux, iproute2)")
    probe = subprocess.run(["unshare", "-rn", "ip", "link", "set", "lo", "up"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace here ({probe.stderr.strip()})")
    return ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]


@pytest.mark.slow
def test_ray_cluster_started_by_the_test_is_joined_by_address(shoot, tmp_path):
    """A studio's case: a Ray head already runs (started by the test, in a loopback-only network
    namespace) and `iea batch --ray-address` joins it; workers write the sidecars."""
    pytest.importorskip("ray")
    photos, originals = shoot
    helper = Path(__file__).with_name("ray_cluster.py")
    env = ray_env(tmp_path)
    result = subprocess.run(loopback_only([sys.executable, str(helper), "6390", "Shoot look",
                                           str(photos[0].parent), "--xmp", "lightroom"]),
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"to {len(photos)} photo(s)" in result.stdout
    for photo in photos:
        program = lightroom.crs_to_program(
            lightroom.read_settings(lightroom.sidecar_path(photo)))[0]
        # a saved style is a change: added to the user's exposure +25 where there is one
        assert program["exposure"] == 24 + (25 if photo in originals else 0)
        assert program["vignette"] == -25


def test_the_same_batch_twice_at_once_is_refused(shoot, tmp_path):
    from iea_core.batch import Journal

    photos, _ = shoot
    journal = tmp_path / "job.jsonl"
    holder = Journal(journal)
    holder.open({"job": "x"})  # another run of this job is going on
    try:
        result = iea("batch", "Shoot look", photos[0].parent, "--xmp", "lightroom", "--journal",
                     journal)
    finally:
        holder.close()
    assert result.returncode == 1
    assert "this batch is already running in another process" in result.stderr
    assert not list(photos[0].parent.glob("*.xmp.bak"))
    assert not lightroom.sidecar_path(photos[1]).exists()
