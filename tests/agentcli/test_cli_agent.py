"""The agent commands end to end through click: edit, chat, summarize, style.

Most tests use a small deterministic keyword agent registered for the test (so they check the
commands, not the model); ``test_edit_with_the_real_default_agent`` runs the shipped embedded
agent. Everything is checked on real files: rendered pixels, sidecars parsed back, the session
database reopened.
"""
from __future__ import annotations

import json
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from iea_core.agent.base import EditResult
from iea_core.cli import main
from iea_core.program import Program


class KeywordAgent:
    """Deterministic stand-in: a few keywords -> tools; 'less' halves the current program."""

    name = "keywords"
    WORDS = {"warm": {"temperature": 30}, "cool": {"temperature": -30},
             "bright": {"exposure": 25}, "shadows": {"shadows": 30},
             "harsh": {"contrast": -20}, "vivid": {"saturation": 30}}

    def __init__(self, **options):
        self.options = options

    def _program(self, text, base=None):
        values = dict(base.to_dict()) if base is not None else {}
        for word, tools in self.WORDS.items():
            if word in text.lower():
                values.update(tools)
        return Program(values)

    def edit(self, image, instruction, history=()):
        assert image.dtype == np.float32 and max(image.shape[:2]) <= 1024
        program = self._program(instruction)
        return EditResult(program, f"keywords in {instruction!r}",
                          {t: f"{t} from a keyword" for t in program})

    def refine(self, image, program, feedback, history=()):
        assert history and history[-1].program is not None
        if "less" in feedback.lower():
            new = Program({t: v // 2 for t, v in program.to_dict().items()})
        else:
            new = self._program(feedback, program)
        return EditResult(new, f"refined with {feedback!r}")

    def summarize(self, before, after):
        from iea_core.search import summarize_pair

        return summarize_pair(before, after)


@pytest.fixture
def keyword_backend(monkeypatch):
    module = types.ModuleType("iea_test_keyword_agent")
    module.KeywordAgent = KeywordAgent
    monkeypatch.setitem(sys.modules, "iea_test_keyword_agent", module)
    from iea_core import agent

    monkeypatch.setitem(agent.BACKENDS, "keywords", "iea_test_keyword_agent:KeywordAgent")
    monkeypatch.setenv("IEA_AGENT", "keywords")
    return "keywords"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _rgb(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)


def _warmth(pixels):
    return float(pixels[..., 0].mean() - pixels[..., 2].mean())


def _invoke(args, input=None):
    result = CliRunner().invoke(main, args, input=input, catch_exceptions=False)
    return result


def test_edit_sample_writes_output_in_cwd_and_json(keyword_backend, workdir, sample_jpeg):
    original = sample_jpeg.read_bytes()
    result = _invoke(["edit", "--sample", "warmer, lift the shadows, less harsh", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["program"] == {"contrast": -20, "shadows": 30, "temperature": 30}
    out = Path(data["output"])
    assert out == workdir / "sample_iea.jpg" and out.exists()
    assert sample_jpeg.read_bytes() == original
    from iea_core.editor import render

    before, after = _rgb(sample_jpeg), _rgb(out)
    assert before.shape == after.shape
    # what was written is the program rendered at full size (up to JPEG error)...
    expected = render(np.asarray(Image.open(sample_jpeg).convert("RGB")), Program(data["program"]))
    assert np.abs(after - expected).mean() < 4
    # ...and the edit is visible: shadows lifted
    dark = before.mean(axis=-1) < 60
    assert after[dark].mean() > before[dark].mean() + 2


def test_edit_with_output_and_lightroom_sidecar(keyword_backend, workdir, sample_jpeg):
    photo = workdir / "photo.jpg"
    shutil.copy(sample_jpeg, photo)
    result = _invoke(["edit", str(photo), "brighter and warmer", "-o", "out/edited.jpg",
                      "--xmp", "lightroom", "--card", "card.png"])
    assert result.exit_code == 0, result.output
    with Image.open(workdir / "card.png") as card:
        assert card.format == "PNG" and card.width > 600
    assert "temperature" in result.output and "exposure" in result.output
    assert "keywords in" in result.output  # the reasoning is printed
    assert _rgb(workdir / "out" / "edited.jpg").mean() > _rgb(photo).mean() + 5
    from iea_core.hosts.lightroom import crs_to_program, read_settings, sidecar_path

    program, _ = crs_to_program(read_settings(sidecar_path(photo)))
    assert program["exposure"] > 0 and program["temperature"] > 0


def test_edit_refuses_to_overwrite_its_input(keyword_backend, workdir, sample_jpeg):
    photo = workdir / "photo.jpg"
    shutil.copy(sample_jpeg, photo)
    before = photo.read_bytes()
    result = CliRunner().invoke(main, ["edit", str(photo), "warmer", "-o", "photo.jpg"])
    assert result.exit_code != 0
    assert "refusing to overwrite" in result.output
    assert photo.read_bytes() == before
    result = CliRunner().invoke(main, ["edit", "missing.jpg", "warmer"])
    assert result.exit_code != 0 and "missing.jpg" in result.output
    assert "Traceback" not in result.output


def test_chat_with_piped_turns_undo_redo_and_save(keyword_backend, workdir, sample_jpeg):
    photo = workdir / "photo.jpg"
    shutil.copy(sample_jpeg, photo)
    script = "warmer\nless\nundo\nredo\nundo\nundo\nundo\nbrighter\nshow\nsave Soft warm\nquit\n"
    result = _invoke(["chat", str(photo), "-o", "final.jpg"], input=script)
    assert result.exit_code == 0, result.output
    assert "nothing to undo" in result.output          # a bad turn does not end the chat
    assert (workdir / "photo_iea_preview.jpg").exists()
    from iea_core.sessions import SessionStore

    with SessionStore() as store:
        sid = store.latest_session(photo)
        assert [t.user_text for t in store.all_turns(sid)] == ["warmer", "less", "brighter"]
        assert [t.user_text for t in store.history(sid)] == ["brighter"]
        assert store.current_program(sid).to_dict() == {"exposure": 25}
    assert _rgb(workdir / "final.jpg").mean() > _rgb(photo).mean() + 5
    listed = _invoke(["style", "list"])
    assert "Soft warm" in listed.output and "brighter" in listed.output

    # resumed in a new run: the state comes back from the database
    again = _invoke(["chat", str(photo), "--resume"], input="less\nquit\n")
    assert again.exit_code == 0, again.output
    with SessionStore() as store:
        assert store.current_program(store.latest_session(photo)).to_dict() == {"exposure": 12}


def test_summarize_save_style_then_apply_with_a_corrupt_file(keyword_backend, workdir, photos):
    from iea_core.editor import render

    before = photos["coffee"][::2, ::2]
    program = Program({"temperature": 40, "fade": 20, "vibrance": 15})
    Image.fromarray(before).save(workdir / "before.png")
    Image.fromarray(render(before, program)).save(workdir / "after.png")
    result = _invoke(["summarize", "before.png", "after.png", "--save-style", "Warm fade",
                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["style"] == "Warm fade" and data["distance"] <= 0.01
    assert "warm" in data["sentence"] and "fade" in data["sentence"]

    show = _invoke(["style", "show", "warm fade", "--json"])
    info = json.loads(show.output)
    assert info["program"]["temperature"] > 0 and info["reference_median"] > 0

    Image.fromarray(photos["astronaut"][::4, ::4]).save(workdir / "a.jpg")
    (workdir / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    Image.fromarray(photos["chelsea"][::2, ::2]).save(workdir / "c.jpg")
    result = CliRunner().invoke(main, ["style", "apply", "Warm fade", "a.jpg", "broken.jpg",
                                       "c.jpg", "-o", "styled", "--adapt", "--xmp", "darktable",
                                       "--sheet", "sheet.png"])
    assert result.exit_code != 0
    assert "broken.jpg" in result.output and "2 of 3" in result.output
    assert "Traceback" not in result.output
    from iea_core.hosts.darktable import read_sidecar

    for stem in ("a", "c"):
        styled, original = _rgb(workdir / "styled" / f"{stem}_warm-fade.jpg"), _rgb(
            workdir / f"{stem}.jpg")
        # warmer: red gains on blue (a ratio, so the adapted exposure does not hide it)
        ratio = lambda a: a[..., 0].mean() / max(a[..., 2].mean(), 1.0)
        assert ratio(styled) > ratio(original) * 1.03
        sidecar_program = read_sidecar(workdir / f"{stem}.jpg.xmp")
        assert sidecar_program["temperature"] > 0 and sidecar_program["fade"] > 0
    assert not (workdir / "styled" / "broken_warm-fade.jpg").exists()
    with Image.open(workdir / "sheet.png") as sheet:
        assert sheet.format == "PNG"

    deleted = _invoke(["style", "delete", "Warm fade"])
    assert deleted.exit_code == 0
    missing = CliRunner().invoke(main, ["style", "show", "Warm fade"])
    assert missing.exit_code != 0 and "no style called" in missing.output


def test_edit_with_the_real_default_agent(workdir, sample_jpeg):
    """The shipped embedded agent, as the README's first command runs it."""
    result = _invoke(["edit", "--sample", "warmer, lift the shadows, less harsh", "-o",
                      "edited.jpg", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["program"].get("temperature", 0) > 0
    assert data["program"].get("shadows", 0) > 0
    before, after = _rgb(sample_jpeg), _rgb(workdir / "edited.jpg")
    assert _warmth(after) > _warmth(before)


def test_edit_json_says_when_the_request_was_not_understood(workdir, sample_jpeg):
    """Gibberish: no edit, a message, and a machine-readable understood=false."""
    result = _invoke(["edit", "--sample", "asdf qwer", "-o", "edited.jpg", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["understood"] is False and data["program"] == {} and data["message"]
    understood = json.loads(_invoke(["edit", "--sample", "warmer", "-o", "w.jpg",
                                     "--json"]).output)
    assert understood["understood"] is True and understood["program"]["temperature"] > 0


def test_chat_card_dir_writes_one_card_per_changing_turn(keyword_backend, workdir, sample_jpeg):
    photo = workdir / "photo.jpg"
    shutil.copy(sample_jpeg, photo)
    # 'show', 'help', a turn that changes nothing ('hello') and undoing it write no card
    script = "warmer\nshow\nless\nhello\nundo\nundo\nhelp\nquit\n"
    result = _invoke(["chat", str(photo), "--card-dir", "cards"], input=script)
    assert result.exit_code == 0, result.output
    cards = sorted((workdir / "cards").glob("*.png"))
    assert [c.name for c in cards] == ["turn-01.png", "turn-02.png", "turn-03.png"]
    sizes = set()
    for card in cards:
        with Image.open(card) as image:
            assert image.format == "PNG" and image.width > 600 and image.height > 400
            sizes.add(image.size)
            pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
        assert pixels.std() > 10  # a drawn figure, not a blank canvas
    assert len(sizes) == 1  # same photo, same layout
    # 'warmer' then 'less' (halved) differ; 'undo' goes back to the 'warmer' state
    first, second, third = (np.asarray(Image.open(c).convert("RGB"), dtype=np.float64)
                            for c in cards)
    assert np.abs(first - second).mean() > 0.1
    assert np.abs(first - third).mean() < np.abs(first - second).mean()

    # a resumed chat continues the numbering instead of overwriting
    again = _invoke(["chat", str(photo), "--resume", "--card-dir", "cards"], input="cool\nquit\n")
    assert again.exit_code == 0, again.output
    assert (workdir / "cards" / "turn-04.png").exists()
