"""A full disk while saving a style is reported as a full disk, never as a damaged database."""
from __future__ import annotations

import contextlib
import os
import subprocess

import pytest

from iea_core.errors import SessionError
from iea_core.program import Program
from iea_core.styles import StyleLibrary


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for chunk in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * chunk):
                    pass
    finally:
        os.close(fd)


def test_saving_a_style_on_a_full_disk(small_disk):
    db = small_disk / "iea.sqlite3"
    with StyleLibrary(db) as library:
        library.save("Kept", "kept", Program({"exposure": 10}))
    fill(small_disk)
    with pytest.raises(SessionError) as info:
        with StyleLibrary(db) as library:
            for index in range(200):   # enough rows to need a new page on any page size
                library.save(f"Style {index}", "x" * 2000, Program({"fade": 10}))
    message = str(info.value)
    assert "no space" in message and str(db) in message
    assert "not a usable" not in message and "database itself is fine" in message
    (small_disk / "filler").unlink()
    with StyleLibrary(db) as library:   # the database was healthy all along
        assert library.get("Kept").program == Program({"exposure": 10})
