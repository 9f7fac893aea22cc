"""A synthetic shoot and a photographer whose edits depend on each photo in a known way.

Photos are crops of scikit-image's real photos under a known exposure error (a gain in linear
light) and a known blue/yellow colour cast. The photographer:

* brightens a dark frame and darkens a bright one (towards 18 % grey, in EV),
* warms a blue photo and cools a yellow one, in proportion to the cast,
* always adds the same contrast (+18) and a vignette (-25): the consistent part of the style.

Those are the programs the tests write as real Lightroom and darktable sidecars.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from iea_core.program import Program

NAMES = ("astronaut", "coffee", "chelsea", "rocket", "camera", "cat", "immunohistochemistry")
CAST_TO_TEMPERATURE = 40.0


def base_crops(size: int = 160) -> list[np.ndarray]:
    import skimage.data

    crops = []
    for name in NAMES:
        image = np.asarray(getattr(skimage.data, name)())
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        image = image[..., :3]
        h, w = image.shape[:2]
        for top, left in ((0, 0), (h // 3, w // 3)):
            crop = image[top:top + min(h, w) * 2 // 3, left:left + min(h, w) * 2 // 3]
            step = max(1, crop.shape[0] // size)
            crops.append(np.ascontiguousarray(crop[::step, ::step][:size, :size]))
    return crops


def degrade(image: np.ndarray, gain: float, cast: float) -> np.ndarray:
    """The photo as the camera got it: exposure off by ``gain``, a cast along blue/yellow."""
    lin = (image.astype(np.float64) / 255.0) ** 2.2
    lin = lin * gain * np.array([1.0 - cast, 1.0, 1.0 + cast])
    return np.clip(np.rint(np.clip(lin, 0, 1) ** (1 / 2.2) * 255), 0, 255).astype(np.uint8)


def photographer(pixels: np.ndarray) -> Program:
    """The program this photographer gives a photo, from what the photo looks like: exposure
    brings the mean linear luminance to 18 % grey; the white balance undoes the blue/yellow
    balance of the mid-tones; contrast and vignette are the same on every photo."""
    lin = (pixels.astype(np.float64) / 255.0) ** 2.2
    luma = lin @ np.array([0.2126, 0.7152, 0.0722])
    exposure = 50 * math.log2(0.18 / max(float(luma.mean()), 1e-4))
    mid = (luma > 0.01) & (luma < 0.8)
    r, g, b = lin[mid].mean(0) if mid.sum() > 32 else lin.reshape(-1, 3).mean(0)
    cast = math.log((b + 1e-3) / (r + 1e-3))
    return Program({"exposure": 0.8 * exposure, "temperature": CAST_TO_TEMPERATURE * cast,
                    "contrast": 18, "vignette": -25}, clamp=True)


def make_shoot(folder: Path, count: int, seed: int, *, size: int = 160
               ) -> list[tuple[Path, Program]]:
    """``count`` JPEGs in ``folder`` with the program the photographer gives each."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    crops = base_crops(size)
    folder.mkdir(parents=True, exist_ok=True)
    shoot = []
    for index in range(count):
        gain = float(2 ** rng.uniform(-1.2, 1.0))
        cast = float(rng.uniform(-0.25, 0.25))
        pixels = degrade(crops[int(rng.integers(len(crops)))], gain, cast)
        path = folder / f"IMG_{seed:02d}{index:03d}.jpg"
        Image.fromarray(pixels).save(path, quality=95)
        shoot.append((path, photographer(pixels)))
    return shoot
