"""Does the agent look at the photo and tell the truth? A quality benchmark of the embedded agent.

    python benchmarks/agent_quality.py [--size 256] [--quick]

Photos: five packaged scikit-image pictures (astronaut, coffee, chelsea, rocket, motorcycle),
each spoiled with realistic faults made with the editor (under/over exposure, warm/cool/green
casts, flat and hazy, oversaturated). Requests are written in many voices (terse, chatty,
complaints, photographers' jargon, typos); none comes from the issue text or the training lists.
Every score is measured on renders at preview size:

* **corrections**: after the agent's edit, is the spoiled photo closer to the unspoiled one
  (the paper's d), and did the fault's measure move the right way?
* **adaptive**: the same brightening request on a dark and a bright version of one photo gives a
  clearly larger exposure change on the dark one.
* **directions**: amateur instructions on unspoiled photos, each with the tools it must move and
  their sign (all must be right, and the render must show the claimed change).
* **guard rails**: brightening requests on bright photos add no more than 1 % clipped highlights
  unless the agent says so; "keep the sky"-style requests add none (0.2 %).
* **honesty**: requests no tool serves -> empty program and a message; gibberish or another
  language -> ``understood`` False; contradictions -> a conflict message; and over every edit of
  the run, no tool whose claim the render does not show.
* **degrees**: "a very small amount", "just a touch" ... never larger than the default.
* **summary**: known programs on photos; the sentence read back by the agent lands near the
  after picture (round-trip d), its ROUGE-L against requests people would write, and unrelated
  pairs flagged.
"""
from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field

import numpy as np

# --- photos and faults --------------------------------------------------------------------------
FAULTS = {
    "under": {"exposure": -65},
    "over": {"exposure": 45},
    "warm_cast": {"temperature": 65, "tint": -15},
    "cool_cast": {"temperature": -70},
    "green_cast": {"tint": 55},
    "flat": {"contrast": -55, "fade": 25},
    "oversaturated": {"saturation": 60},
}

CORRECTIONS = {
    "under": ["way too dark", "cant see a thing in this, brighten it up", "underexposed, fix",
              "it's so dim and murky", "exposure is too low imo", "brigten pls",
              "could you lighten this one? it came out really dark"],
    "over": ["too bright", "everything's washed out and blown, tone it down", "overexposed",
             "pull the exposure down a stop or so", "its way too light"],
    "warm_cast": ["fix the white balance", "everything looks orange", "why is it so yellow",
                  "wb is off, too warm", "neutralise the colour cast", "remove the yellow tint"],
    "cool_cast": ["it's all blue", "way too cold, warm it up", "fix the wb please",
                  "get rid of the blue cast", "looks like it was shot under a fluorescent tube, "
                  "too cool"],
    "green_cast": ["looks sickly green", "there's a green cast on everything", "too green",
                   "correct the tint"],
    "flat": ["looks flat and lifeless", "needs more punch", "so grey and hazy, add contrast",
             "the image is dull, give it some pop", "muddy, boost the contrast a bit"],
    "oversaturated": ["colours are way too strong", "tone down the saturation",
                      "it looks radioactive lol", "less saturated but not black and white",
                      "the colors are garish, calm them down"],
}
GENERIC = ["enhance", "fix it", "make it look better", "auto fix", "improve this photo pls",
           "can you make this look good?"]

# (request, {tool: sign}) on unspoiled photos: amateur instructions in many voices.
DIRECTIONS = [
    ("brighter", {"exposure": 1}), ("darker pls", {"exposure": -1}),
    ("can you make it a bit warmer?", {"temperature": 1}), ("cooler tones", {"temperature": -1}),
    ("more contrast", {"contrast": 1}), ("less contrasty, it's harsh", {"contrast": -1}),
    ("lift the shadows", {"shadows": 1}), ("bring down the highlights", {"highlights": -1}),
    ("more saturation", {"saturation": 1}), ("desaturate it a little", {"saturation": -1}),
    ("make the colours pop more", {("vibrance", "saturation"): 1}), ("b&w", {"saturation": -1}),
    ("sharpen it up", {"sharpness": 1}), ("add a vignette", {"vignette": -1}),
    ("add some film grain", {"grain": 1}), ("give it a faded matte look", {"fade": 1}),
    ("deeper blacks", {"blacks": -1}), ("make it more crisp and detailed",
                                        {"natural_contrast": 1}),
    ("warmer and brighter", {"temperature": 1, "exposure": 1}),
    ("cooler, with more contrast", {"temperature": -1, "contrast": 1}),
    ("lighten it up a tad", {"exposure": 1}), ("way too warm", {"temperature": -1}),
    ("the shadows are too dark", {"shadows": 1}), ("the sky is blown out", {"highlights": -1}),
    ("make it moodier and darker", {"exposure": -1}), ("boost the vibrance", {"vibrance": 1}),
    ("more teal, less orange", {"temperature": -1}), ("increse the contrast", {"contrast": 1}),
    ("add warmth", {"temperature": 1}), ("softer, less clarity", {"natural_contrast": -1}),
]

ADAPTIVE = ["brighter", "make it lighter", "a bit brighter please", "more light",
            "brighten it up"]

GUARDED = ["brighter", "much brighter", "lighten it", "more exposure"]
PROTECTED = ["brighter but keep the sky", "lighten it up, protect the highlights",
             "brighter without blowing the highlights", "brighten it but keep the clouds intact"]

UNSUPPORTED = ["reduce the noise", "this is too grainy and noisy", "remove the person on the left",
               "crop it to a square", "straighten the horizon", "replace the sky with a sunset",
               "blur the background", "get rid of the power lines", "denoise", "whiten her teeth"]
GIBBERISH = ["asdf qwer", "blah blah", "plus chaud", "mehr Kontrast bitte", "hazlo más cálido",
             "lorem ipsum dolor", "zzzz", "jfkdl; ghty"]
CONFLICTS = ["brighter but darker", "warmer and cooler", "more contrast, less contrast",
             "make it more saturated and less saturated"]
DEGREES = [  # (small wording, default wording, tool)
    ("a very small amount brighter", "brighter", "exposure"),
    ("just a touch warmer", "warmer", "temperature"),
    ("a smidge more contrast", "more contrast", "contrast"),
    ("very slightly more saturated", "more saturated", "saturation"),
    ("the tiniest bit cooler", "cooler", "temperature"),
    ("only a little bit of vignette", "add a vignette", "vignette"),
]

# Known programs and requests a person would write for them (for the summary).
SUMMARY_PAIRS = [
    ("astronaut", {"exposure": 20, "contrast": 25, "blacks": -20},
     ["make the image brighter and increase the contrast", "brighten it and deepen the blacks",
      "brighter with more contrast and darker blacks"]),
    ("coffee", {"temperature": -30, "saturation": -25},
     ["make it cooler and less saturated", "cool it down and reduce the saturation",
      "make the image cooler and desaturate it"]),
    ("chelsea", {"exposure": -20, "vignette": -40, "contrast": 20},
     ["make the image darker and add a vignette", "darken it, add contrast and a vignette",
      "darker with a vignette and more contrast"]),
    ("rocket", {"temperature": 35, "vibrance": 30, "shadows": 25},
     ["make it warmer and more vibrant", "warm it up, lift the shadows and boost the colors",
      "make the image warmer and brighten the shadows"]),
]


def load_photos(size: int) -> dict[str, np.ndarray]:
    import skimage.data

    from iea_core.agent import verify as V

    photos = {name: V.preview(getattr(skimage.data, name)(), size)
              for name in ("astronaut", "coffee", "chelsea", "rocket")}
    photos["motorcycle"] = V.preview(skimage.data.stereo_motorcycle()[0], size)
    return photos


@dataclass
class Score:
    passed: int = 0
    total: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, ok: bool, note: str = "") -> None:
        self.total += 1
        self.passed += int(bool(ok))
        if not ok and note and len(self.notes) < 6:
            self.notes.append(note)

    @property
    def rate(self) -> float:
        return 100.0 * self.passed / max(1, self.total)


class Run:
    def __init__(self, size: int, quick: bool) -> None:
        from iea_core.agent.embedded import EmbeddedAgent

        self.agent = EmbeddedAgent().load()
        self.photos = load_photos(size)
        self.quick = quick
        self.scores: dict[str, Score] = {}
        self.placebo = Score()
        self.latency: list[float] = []

    def score(self, name: str) -> Score:
        return self.scores.setdefault(name, Score())

    def edit(self, image: np.ndarray, text: str):
        from iea_core.agent import verify as V
        from iea_core.editor import render

        t = time.perf_counter()
        result = self.agent.edit(image, text)
        self.latency.append(time.perf_counter() - t)
        after = render(image, result.program)
        # Truth: every tool set must show its claim, at least on its own.
        before_m = V.measure(image)
        after_m = V.measure(after, image)
        for tool, value in result.program.to_dict().items():
            if tool in V.CLAIMS and not V.claim_holds(tool, value, before_m, after_m):
                alone = V.measure(render(image, {tool: value}), image)
                self.placebo.add(V.claim_holds(tool, value, before_m, alone),
                                 f"{text!r}: {tool} {value:+d} not visible")
            else:
                self.placebo.add(True)
        return result, after

    # --- families ------------------------------------------------------------------------------
    def corrections(self) -> None:
        from iea_core.editor import render
        from iea_core.metrics import distance

        names = list(self.photos)[: 3 if self.quick else None]
        for fault, spoil in FAULTS.items():
            for k, name in enumerate(names):
                original = self.photos[name]
                spoiled = render(original, spoil)
                texts = CORRECTIONS[fault] + [GENERIC[(k + len(fault)) % len(GENERIC)]]
                for text in texts[k % 2::2] if self.quick else texts:
                    result, fixed = self.edit(spoiled, text)
                    better = distance(fixed, original) < distance(spoiled, original) - 0.002
                    family = "corrections (generic)" if text in GENERIC else "corrections"
                    self.score(family).add(better, f"{name}/{fault} {text!r} -> "
                                                   f"{result.program.to_dict()}")

    def adaptive(self) -> None:
        from iea_core.editor import render

        for name in list(self.photos)[:4]:
            dark = render(self.photos[name], {"exposure": -45})
            bright = render(self.photos[name], {"exposure": 40})
            for text in ADAPTIVE:
                from iea_core.agent import verify as V

                rd, after_d = self.edit(dark, text)
                rb, after_b = self.edit(bright, text)
                gain_d = V.luminance(after_d).mean() - V.luminance(dark).mean()
                gain_b = V.luminance(after_b).mean() - V.luminance(bright).mean()
                self.score("adaptive amounts").add(gain_d > 1.5 * max(gain_b, 0.005) and gain_d > 0.03,
                                                   f"{name} {text!r}: dark {rd.program.to_dict()} "
                                                   f"bright {rb.program.to_dict()}")

    def directions(self) -> None:
        names = list(self.photos)
        for k, (text, expected) in enumerate(DIRECTIONS):
            for name in (names[k % len(names)], names[(k + 2) % len(names)]):
                result, _ = self.edit(self.photos[name], text)
                # A key may name alternatives: either tool moving the right way is right.
                ok = all(any(np.sign(result.program[t]) == s
                             for t in (tools if isinstance(tools, tuple) else (tools,)))
                         for tools, s in expected.items())
                self.score("directions").add(ok, f"{name} {text!r} -> {result.program.to_dict()}")

    def guard_rails(self) -> None:
        from iea_core.agent import verify as V
        from iea_core.editor import render

        for name in ("astronaut", "coffee", "motorcycle"):
            bright = render(self.photos[name], {"exposure": 20})
            base = V.measure(bright)
            for text in GUARDED:
                result, after = self.edit(bright, text)
                new = V.new_clipping(base, V.measure(after, bright))[0]
                said = "clip" in result.message
                self.score("guard rails").add(new <= 0.01 or (said and new <= 0.03),
                                              f"{name} {text!r}: +{new:.3f} clipped")
            for text in PROTECTED:
                result, after = self.edit(bright, text)
                new = V.new_clipping(base, V.measure(after, bright))[0]
                lum = V.luminance(after).mean() - V.luminance(bright).mean()
                self.score("protect highlights").add(new <= 0.002 and lum >= -0.005,
                                                     f"{name} {text!r}: +{new:.3f} clipped")

    def honesty(self) -> None:
        photo = self.photos["chelsea"]
        for text in UNSUPPORTED:
            result, _ = self.edit(photo, text)
            self.score("honesty: can't do").add(result.program.is_identity and bool(result.message),
                                                f"{text!r} -> {result.program.to_dict()}")
        for text in GIBBERISH:
            result, _ = self.edit(photo, text)
            self.score("honesty: not understood").add(
                not result.understood and result.program.is_identity,
                f"{text!r} -> {result.program.to_dict()} understood={result.understood}")
        for text in CONFLICTS:
            result, _ = self.edit(photo, text)
            self.score("honesty: conflicts").add("opposite" in result.message,
                                                 f"{text!r} -> {result.message!r}")
        for small, default, tool in DEGREES:
            for name in ("astronaut", "rocket"):
                rs, _ = self.edit(self.photos[name], small)
                rd, _ = self.edit(self.photos[name], default)
                a, b = rs.program[tool], rd.program[tool]
                self.score("degree words").add(abs(a) <= abs(b) and (a == 0 or np.sign(a) == np.sign(b)),
                                               f"{name} {small!r} {a} vs {default!r} {b}")

    def summary(self) -> None:
        from iea_core.editor import render
        from iea_core.metrics import rouge_l

        trips, rouges, ds = [], [], []
        for name, program, refs in SUMMARY_PAIRS[: 2 if self.quick else None]:
            before = self.photos[name]
            after = render(before, program)
            style = self.agent.summarize(before, after)
            trips.append(style.round_trip if style.round_trip is not None else 1.0)
            ds.append(style.distance or 0.0)
            rouges.append(max(rouge_l(style.sentence, r) for r in refs))
            self.score("summary round trip d <= 0.03").add(trips[-1] <= 0.03,
                                                           f"{name}: {style.sentence!r} "
                                                           f"d={trips[-1]:.3f}")
            self.score("summary aligned pairs kept").add(style.aligned, style.warning)
            print(f"  summary {name}: {style.sentence!r}  d={style.distance:.4f} "
                  f"round trip={trips[-1]:.4f} ROUGE-L={rouges[-1]:.2f}")
        a, b = self.photos["astronaut"], self.photos["coffee"]
        h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
        style = self.agent.summarize(a[:h, :w], b[:h, :w])
        self.score("summary unrelated pair flagged").add(not style.aligned, style.sentence)
        self.summary_figures = (statistics.mean(rouges), statistics.mean(trips),
                                statistics.mean(ds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=256, help="preview long side (px)")
    parser.add_argument("--quick", action="store_true", help="fewer photos and pairs")
    args = parser.parse_args()
    started = time.perf_counter()
    run = Run(args.size, args.quick)
    for family in (run.corrections, run.adaptive, run.directions, run.guard_rails, run.honesty,
                   run.summary):
        family()
    run.scores["honesty: no invisible claims"] = run.placebo
    print()
    print("| family | passed | rate |")
    print("| --- | --- | --- |")
    for name, s in run.scores.items():
        print(f"| {name} | {s.passed}/{s.total} | {s.rate:.0f} % |")
    rouge, trip, d = run.summary_figures
    print(f"\nsummary: mean ROUGE-L {rouge:.2f}, mean round-trip d {trip:.4f}, recovered d {d:.4f}")
    lat = sorted(run.latency)
    print(f"edit latency at {args.size} px: p50 {1000 * lat[len(lat) // 2]:.0f} ms over "
          f"{len(lat)} edits; whole run {time.perf_counter() - started:.0f} s")
    for name, s in run.scores.items():
        for note in s.notes[:3]:
            print(f"  miss [{name}] {note}")


if __name__ == "__main__":
    main()
