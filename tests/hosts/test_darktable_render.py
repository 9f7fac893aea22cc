"""Real darktable-cli renders of the sidecars iea writes: identity, and each tool moving the photo
in the direction it names."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iea_core.hosts import darktable as D
from iea_core.program import Program

from .conftest import read_rgb

pytestmark = pytest.mark.darktable


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ np.array([0.2126, 0.7152, 0.0722])


def chroma(rgb: np.ndarray) -> float:
    return float((rgb.max(axis=2) - rgb.min(axis=2)).mean())


def detail(rgb: np.ndarray) -> float:
    y = luma(rgb)
    lap = 4 * y[1:-1, 1:-1] - y[:-2, 1:-1] - y[2:, 1:-1] - y[1:-1, :-2] - y[1:-1, 2:]
    return float(np.abs(lap).mean())


def corners_vs_centre(rgb: np.ndarray) -> float:
    y = luma(rgb)
    h, w = y.shape
    c = max(h, w) // 6
    corners = np.concatenate([y[:c, :c].ravel(), y[:c, -c:].ravel(), y[-c:, :c].ravel(),
                              y[-c:, -c:].ravel()])
    centre = y[h // 2 - c:h // 2 + c, w // 2 - c:w // 2 + c]
    return float(corners.mean() - centre.mean())


def quantile(q: float):
    return lambda rgb: float(np.quantile(luma(rgb), q))


#: tool -> measure that must rise with + and fall with - (relative to the unedited render)
MEASURES = {
    "exposure": lambda rgb: float(luma(rgb).mean()),
    "brightness": quantile(0.5),
    "contrast": lambda rgb: float(luma(rgb).std()),
    "natural_contrast": detail,
    "highlights": quantile(0.85),
    "shadows": quantile(0.15),
    "whites": quantile(0.98),
    "blacks": "dark",
    "saturation": chroma,
    "vibrance": chroma,
    "temperature": lambda rgb: float((rgb[..., 0] - rgb[..., 2]).mean()),
    "tint": lambda rgb: float((rgb[..., 1] - (rgb[..., 0] + rgb[..., 2]) / 2).mean()),
    "sharpness": detail,
    "vignette": corners_vs_centre,
    "fade": "dark",
}


def dark_tones(base: np.ndarray):
    """Mean of the pixels that are dark but not clipped in the unedited render (the astronaut
    photo is more than 10 % pure black, which a per-channel curve cannot push any lower)."""
    y = luma(base)
    mask = (y > 0.02) & (y < np.quantile(y[y > 0.02], 0.2))
    return lambda rgb: float(luma(rgb)[mask].mean())


def render(renderer, image: Path, program: dict, out: Path) -> np.ndarray:
    renderer.render(image, Program(program), out)
    return read_rgb(out)


def test_empty_program_renders_the_photo_unchanged(renderer, astronaut_png: Path,
                                                   tmp_path: Path) -> None:
    out = render(renderer, astronaut_png, {}, tmp_path / "identity.png")
    assert np.abs(out - read_rgb(astronaut_png)).max() <= 1 / 255


def test_exposure_is_a_linear_gain(renderer, astronaut_png: Path, tmp_path: Path) -> None:
    out = render(renderer, astronaut_png, {"exposure": 50}, tmp_path / "ev.png")
    lin = D.M.srgb_to_linear
    src = lin(read_rgb(astronaut_png))
    mask = (src > 0.02) & (src < 0.35)
    assert np.median(lin(out)[mask] / src[mask]) == pytest.approx(2.0, rel=0.03)  # +1 EV


def test_each_tool_moves_the_render_its_way(renderer, astronaut_png: Path,
                                            tmp_path: Path) -> None:
    base = render(renderer, astronaut_png, {}, tmp_path / "base.png")
    failures = []
    for tool, measure in MEASURES.items():
        if measure == "dark":
            measure = dark_tones(base)
        m0 = measure(base)
        up = measure(render(renderer, astronaut_png, {tool: 60}, tmp_path / f"{tool}+.png"))
        down = measure(render(renderer, astronaut_png, {tool: -60}, tmp_path / f"{tool}-.png"))
        if not (up > m0 and down < m0):
            failures.append(f"{tool}: -60 -> {down:.4f}, 0 -> {m0:.4f}, +60 -> {up:.4f}")
    assert not failures, failures
    grain = render(renderer, astronaut_png, {"grain": 80}, tmp_path / "grain.png")
    assert detail(grain) > detail(base)


def test_merged_user_history_still_renders(renderer, astronaut_png: Path, tmp_path: Path) -> None:
    """A user's own exposure (+1 EV, instance 0) keeps working beside iea's instances."""
    from iea_core.hosts import darktable_params as P

    image = tmp_path / "photo.png"
    image.write_bytes(astronaut_png.read_bytes())
    from .test_darktable_xmp import user_sidecar_text

    text = user_sidecar_text().replace(P.EXPOSURE.encode({"exposure": 0.5}).hex(),
                                       P.EXPOSURE.encode({"exposure": 1.0}).hex())
    sidecar = D.sidecar_path(image)
    sidecar.write_text(text)
    user_only = tmp_path / "user.png"
    renderer.render_sidecar(image, sidecar, user_only)
    D.write_sidecar(image, {"exposure": 50, "saturation": -100})
    both = tmp_path / "both.png"
    renderer.render_sidecar(image, sidecar, both)
    a, b = read_rgb(user_only), read_rgb(both)
    src = read_rgb(image)
    assert luma(a).mean() > luma(src).mean() + 0.05  # the user's +1 EV
    assert luma(b).mean() > luma(a).mean() + 0.03  # plus iea's +1 EV
    assert chroma(b) < 0.02 < chroma(a)  # and iea's black and white


def test_style_renders_like_the_sidecar(renderer, astronaut_png: Path, tmp_path: Path) -> None:
    program = Program({"exposure": 30, "fade": 25, "saturation": -40, "temperature": 30,
                       "brightness": 30, "contrast": 60, "shadows": -40})
    style = D.write_dtstyle(program, "iea style test", tmp_path / "s.dtstyle")
    via_sidecar = render(renderer, astronaut_png, program.to_dict(), tmp_path / "side.png")
    # darktable-cli applies a style on top of a sidecar's history; give it a no-op history
    noop = tmp_path / "noop.xmp"
    D.write_sidecar(astronaut_png, {"exposure": 1}, sidecar=noop)
    D.write_sidecar(astronaut_png, {}, sidecar=noop)
    out = tmp_path / "style.png"
    renderer.render_sidecar(astronaut_png, noop, out, extra_args=["--style", "iea style test"],
                            core_args=["--luacmd",
                                       f'require("darktable").styles.import("{style}")'])
    assert np.abs(read_rgb(out) - via_sidecar).mean() < 1 / 255
