"""StyleLibrary: save/get/list/delete, names, persistence (rendering tests live in tests/agentcli)."""
from __future__ import annotations

import pytest

from iea_core.errors import SessionError
from iea_core.program import Program
from iea_core.styles import StyleExists, StyleLibrary, StyleNotFound, check_style_name


def test_save_get_list_delete(tmp_path):
    path = tmp_path / "lib.db"
    with StyleLibrary(path) as lib:
        lib.save("Warm film", "warm, faded film look", Program({"fade": 30, "temperature": 20}),
                 source=("a.jpg", "b.jpg"), distance=0.004, reference_median=0.41)
        lib.save("Cold", "much cooler", Program({"temperature": -70}))
        with pytest.raises(StyleExists):
            lib.save("warm FILM", "x", Program({"fade": 1}))
    with StyleLibrary(path) as lib:  # reopened: persisted
        style = lib.get("warm film")  # names are case-insensitive
        assert style.name == "Warm film" and style.distance == pytest.approx(0.004)
        assert style.program.to_dict() == {"temperature": 20, "fade": 30}
        assert [s.name for s in lib.list()] == ["Cold", "Warm film"]
        info = lib.info("Warm film")
        assert info["source"] == ["a.jpg", "b.jpg"] and info["reference_median"] == 0.41
        lib.save("Cold", "cooler", Program({"temperature": -30}), overwrite=True)
        assert lib.get("Cold").program["temperature"] == -30
        assert lib.delete("Cold") and not lib.delete("Cold")
        with pytest.raises(StyleNotFound, match="saved styles: Warm film"):
            lib.get("Cold")


@pytest.mark.parametrize("bad", ["", "../etc/passwd", "a/b", "x" * 65, "\x00evil"])
def test_bad_names_are_refused(bad):
    with pytest.raises(SessionError, match="invalid style name"):
        check_style_name(bad)


def test_name_whitespace_is_normalised():
    assert check_style_name("  Golden   hour ") == "Golden hour"
