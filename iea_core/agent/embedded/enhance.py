"""Auto-enhance: what "fix it", "enhance", "make it look better" do to *this* photo.

A retoucher's general pass corrects clear faults and leaves a good photo nearly alone. Each tool
is decided from one measured fault, by an amount that grows with how far the photo is outside a
normal range (nothing inside it), and comes with the reason in words:

* **exposure**: a mean luminance below ~0.36 is brightened toward 0.42 (less when the photo has
  bright highlights: a low-key or night scene with its lights is meant to be dark); above ~0.56,
  or above 0.48 with a large share clipped to white, it is darkened toward 0.48;
* **highlights**: pulled back when the brightest tones sit at white and more than 1 % clips;
* **contrast**: raised on a flat photo (small tonal spread), by the shortfall;
* **blacks**: deepened when the darkest tones are lifted into grey (haze, a faded look);
* **white balance**: only a clear cast (the grey-edge estimate beyond 3 Lab units and the
  bright-pixel check agreeing), a share of it (:func:`adapt.wb_plan`);
* **vibrance**: modest, only on a dull photo (muted mid-tones); saturation down only on a photo
  whose colours are far beyond the usual range.
"""
from __future__ import annotations

import numpy as np

from .adapt import Photo, exposure_for, wb_plan

DARK_MEAN = 0.36  # below: underexposed, brightened
DARK_GOAL = 0.42
BRIGHT_MEAN = 0.56  # above: overexposed, darkened
BRIGHT_GOAL = 0.48
CLIPPED = 0.03  # share clipped to white that makes a bright-ish photo overexposed
FLAT_SPREAD = 0.16  # luminance std below which a photo is flat
LIFTED_BLACKS = 0.09  # mean of the darkest 5 % above which the blacks are lifted
DULL_CHROMA = 16.0  # mean chroma of the mid-tones below which a photo is dull
GARISH_CHROMA = 60.0


def enhance(photo: Photo) -> dict[str, tuple[int, str]]:
    """tool -> (value, why) for a general "make it better" request on ``photo``."""
    m = photo.measures
    out: dict[str, tuple[int, str]] = {}
    t, g, est, share = wb_plan(photo, asked=False)
    if t or g:
        why = (f"the greys had a {est.direction} cast of about {est.cast:.1f} Lab units, so "
               f"{round(100 * share)} % of it was corrected")
        if t:
            out["temperature"] = (t, why)
        if g:
            out["tint"] = (g, why)
    # Exposure: only outside the normal band, a share of the way back into it.
    goal = None
    if m.mean < DARK_MEAN:
        lights = m.top > 0.75 or m.clip_high > 0.002  # a night scene has its lights
        # A very dark photo most of the way; a dim one (dusk, an overcast interior) part of it.
        pull = 0.35 if lights else (0.7 if m.mean < 0.2 else 0.5)
        goal = m.mean + pull * (DARK_GOAL - m.mean)
        why = (f"the photo was dark (mean brightness {m.mean:.2f}"
               + (", with bright highlights, so only a little" if lights else "") + ")")
    elif m.mean > BRIGHT_MEAN or (m.mean > BRIGHT_GOAL and m.clip_high > CLIPPED):
        goal = m.mean - 0.7 * (m.mean - BRIGHT_GOAL) - (0.04 if m.clip_high > CLIPPED else 0.0)
        why = (f"the photo was bright (mean brightness {m.mean:.2f}, "
               f"{100 * m.clip_high:.0f} % clipped to white)")
    if goal is not None and abs(goal - m.mean) >= 0.015:
        value = exposure_for(photo, goal, temperature=t, tint=g)
        if value and np.sign(value) == np.sign(goal - m.mean):
            out["exposure"] = (int(value), why)
    if m.clip_high > 0.01 and m.top > 0.95:
        amount = int(min(60, round(20 + 400 * m.clip_high)))
        out["highlights"] = (-amount, f"{100 * m.clip_high:.0f} % of the picture was at white")
    # Contrast and black point: a flat or hazy photo.
    if m.spread < FLAT_SPREAD:
        amount = int(min(35, round((FLAT_SPREAD + 0.02 - m.spread) * 350)))
        if amount >= 5:
            out["contrast"] = (amount, f"the photo was flat (tonal spread {m.spread:.2f}; a "
                                       "well-spread photo has about 0.2)")
    if m.deepest > LIFTED_BLACKS and m.mean > 0.25:
        amount = int(min(40, round((m.deepest - LIFTED_BLACKS + 0.03) * 250)))
        if amount >= 5:
            out["blacks"] = (-amount, f"the darkest tones were lifted to grey (darkest 5 % at "
                                      f"{m.deepest:.2f})")
    # Colour: modest vibrance on a dull photo only.
    if m.mid_chroma < DULL_CHROMA:
        amount = int(min(25, round((DULL_CHROMA + 4 - m.mid_chroma) * 2.5)))
        out["vibrance"] = (amount, f"the colours were muted (mid-tone chroma {m.mid_chroma:.0f})")
    elif m.mid_chroma > GARISH_CHROMA:
        amount = int(min(30, round((m.mid_chroma - GARISH_CHROMA + 5) * 1.5)))
        out["saturation"] = (-amount, f"the colours were very strong (mid-tone chroma "
                                      f"{m.mid_chroma:.0f})")
    return out
