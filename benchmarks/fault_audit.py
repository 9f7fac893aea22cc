"""Fault-injection audit of every user-facing ``iea`` command.

Runs ``python -m iea_core ...`` in real subprocesses against broken photos, hostile sidecars,
malformed JSON and unwritable folders, and checks the project's promises for each run:

* non-zero exit, exactly one line on stderr, no Python traceback;
* the line names the user's path (when the fault is about a path);
* nothing the user owns changed, and no temp/lock files are left.

Usage: ``PYTHONPATH=. python benchmarks/fault_audit.py [-k SUBSTRING] [-j JOBS]``; prints one
table row per case and exits 1 when any case breaks a promise.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
#: the checkout whose ``iea_core`` is audited (--code: e.g. an older commit, for before/after)
CODE = ROOT

import io  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from tests.fault_files import (bad_images, bad_programs, bomb_png, good_jpeg,  # noqa: E402
                               hostile_presets, hostile_sidecars, huge_json, leftovers, make_full_disk,
                               make_read_only, snapshot, unmount)


@dataclass
class Case:
    name: str
    argv: list[str]
    must_name: str = ""          # text the error line must contain (the user's path)
    expect_ok: bool = False      # the command should succeed (e.g. a hostile sidecar ignored)
    stdin: str = ""
    env: dict[str, str] = field(default_factory=dict)
    allowed_changes: tuple[str, ...] = ()   # relative paths the command may create/change
    watch: tuple[str, ...] = ()             # folders outside the work copy to check for leftovers
    per_item_lines: bool = False            # batch: one "! photo: why" line per photo, then Error


@dataclass
class Result:
    case: Case
    rc: int
    stderr: str
    problems: list[str]


def _env(home: Path, extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("IEA_DEBUG", None)
    for var, sub in (("IEA_DATA_DIR", "data"), ("IEA_CACHE_DIR", "cache"),
                     ("IEA_RUNTIME_DIR", "run")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    env["IEA_CONFIG"] = str(home / "config.toml")
    env["PYTHONPATH"] = str(CODE)
    env["MPLBACKEND"] = "Agg"
    env["HF_HUB_OFFLINE"] = "1"
    env.update(extra)
    return env


_HASHES: dict[tuple[int, int, int, int], bytes] = {}


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return snapshot(folder, _HASHES)


def run_case(case: Case, template: Path, scratch: Path, timeout: float = 120.0) -> Result:
    """Run ``case`` in its own hard-linked copy of ``template`` (photos are never rewritten in
    place by iea, so a change shows up as a new inode or new content)."""
    work, home = scratch / "work", scratch / "home"
    scratch.mkdir(parents=True)
    subprocess.run(["cp", "-al", str(template), str(work)], check=True)
    subprocess.run(["cp", "-a", str(template.parent / "home"), str(home)], check=True)
    before = _snapshot(work)
    try:
        proc = subprocess.run([sys.executable, "-m", "iea_core",
                               *(os.fsencode(a) for a in case.argv)], cwd=work,
                              env=_env(home, case.env),
                              input=case.stdin.encode("utf-8", "surrogateescape"),
                              capture_output=True, timeout=timeout)
        rc, err = proc.returncode, proc.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as exc:
        rc, err = -999, f"TIMEOUT after {timeout}s {exc.stderr!r}"
    after = _snapshot(work)
    problems = []
    lines = [line for line in err.splitlines() if line.strip()]
    if case.expect_ok:
        if rc != 0:
            problems.append(f"exit {rc}")
    else:
        if rc == 0:
            problems.append("exit 0")
        if len(lines) != 1 and not (case.per_item_lines and lines
                                    and lines[-1].startswith("Error: ")):
            problems.append(f"{len(lines)} stderr lines")
        if case.must_name and case.must_name not in err:
            problems.append("path not named")
    if "Traceback" in err:
        problems.append("traceback")
    changed = sorted(k for k in set(before) | set(after)
                     if before.get(k) != after.get(k) and not k.startswith(case.allowed_changes or ("\0",)))
    if changed:
        problems.append("changed: " + ", ".join(changed[:4]))
    left = leftovers(work) + leftovers(home) + [
        p for extra in case.watch for p in leftovers(Path(extra))]
    if left:
        problems.append("leftovers: " + ", ".join(Path(p).name for p in left[:3]))
    shutil.rmtree(scratch, ignore_errors=True)
    return Result(case, rc, err, problems)


#: program values iea reads on purpose (documented in iea_core.program): "10" and 3.5 round
TOLERATED = ("string-number", "fraction")


def build_cases(work: Path) -> list[Case]:
    photo = good_jpeg(work / "photo.jpg")
    for folder in ("out", "o"):
        (work / folder).mkdir()
    (work / "prog.json").write_text('{"exposure": 20}')
    cases: list[Case] = []
    images = bad_images(work / "bad")
    bomb_png(work / "bad" / "bomb.png")
    images["bomb.png"] = work / "bad" / "bomb.png"
    for name, path in images.items():
        rel = str(path.relative_to(work))
        cases += [
            Case(f"apply {name}", ["apply", rel, "prog.json", "-o", "out/x.jpg"], rel),
            Case(f"edit {name}", ["edit", rel, "brighter", "-o", "out/y.jpg"], rel),
            Case(f"xmp write lr {name}", ["xmp", "write", rel, "prog.json", "--host", "lightroom"],
                 rel, expect_ok=name not in ("folder.jpg", "missing.jpg"),   # pixels are not read
                 allowed_changes=(rel[:-4] + ".xmp",)),
            Case(f"summarize {name}", ["summarize", rel, "photo.jpg"], rel),
            Case(f"diff {name}", ["diff", "photo.jpg", rel], rel),
        ]
    cases.append(Case("chat text.jpg", ["chat", "bad/text.jpg"], "bad/text.jpg", stdin="brighter\n"))
    cases.append(Case("style from-photo corrupt", ["style", "from-photo", "s1", "bad/corrupt.jpg"],
                      "bad/corrupt.jpg"))
    cases.append(Case("batch folder of bad files", ["batch", "nostyle", "bad", "--xmp", "lightroom"],
                      "nostyle"))
    cases.append(Case("tools --strip text.jpg", ["tools", "--strip", "bad/text.jpg", "-o", "s.png"],
                      "bad/text.jpg"))

    # odd file names: these are valid photos, so the command must work
    for odd in ("with space ü.jpg", "new\nline.jpg", "-dash.jpg"):
        shutil.copy(photo, work / odd)
        arg = odd if not odd.startswith("-") else "./" + odd
        cases.append(Case(f"apply odd name {odd!r}", ["apply", arg, "prog.json", "-o", f"o/{odd}"],
                          expect_ok=True, allowed_changes=("o",)))

    # a file name that is not UTF-8, in a strict UTF-8 locale (stdout/stdin errors="strict")
    latin = os.fsdecode(b"caf\xe9 \xff.jpg")
    shutil.copy(photo, work / latin)
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    cases += [
        Case("xmp write non-UTF-8 name", ["xmp", "write", latin, "prog.json", "--host",
                                          "lightroom"], expect_ok=True, env=strict,
             allowed_changes=(latin[:-4] + ".xmp",)),
        Case("style from-photo non-UTF-8 name", ["style", "from-photo", "latin", latin],
             "caf\\udce9 \\udcff.jpg", env=strict),   # no settings: refused, name escaped
        Case("chat non-UTF-8 typed bytes", ["chat", "photo.jpg", "--preview", "out/pv.jpg"],
             expect_ok=True, env=strict, stdin="\udcff\udcfe warmer\n",
             allowed_changes=("out",)),
        Case("batch --journal names a photo", ["batch", "warm", "photo.jpg", "--xmp",
                                               "lightroom", "--journal", "photo.jpg"],
             "photo.jpg"),
    ]

    # hostile sidecars, next to a copy of the photo
    for name, (host, data) in hostile_sidecars().items():
        folder = work / "xmp" / name
        folder.mkdir(parents=True)
        shutil.copy(photo, folder / "p.jpg")
        sidecar = folder / ("p.xmp" if host == "lightroom" else "p.jpg.xmp")
        sidecar.write_bytes(data)
        rel_side = str(sidecar.relative_to(work))
        rel_img = str((folder / "p.jpg").relative_to(work))
        readable = name.startswith(("dt-short", "dt-unknown")) or name in (
            "crs-out-of-range", "crs-non-numeric", "wrong-namespace", "no-rdf")
        writable = readable and name != "no-rdf"
        cases += [
            Case(f"xmp read {name}", ["xmp", "read", rel_side], rel_side, expect_ok=readable),
            Case(f"xmp write {name}", ["xmp", "write", rel_img, "prog.json", "--host", host],
                 rel_side, expect_ok=writable, allowed_changes=(rel_side, rel_side + ".bak")),
            Case(f"edit --xmp {name}", ["edit", rel_img, "brighter", "--xmp", host, "-o",
                                        f"out/{name}.jpg"], rel_side, expect_ok=writable,
                 allowed_changes=(rel_side, "out")),
            # a sidecar without usable settings is "no settings to copy": the photo is named
            Case(f"style from-photo {name}", ["style", "from-photo", f"fp-{name}", rel_img,
                                              "--from", host], str(folder.relative_to(work)),
                 expect_ok=name == "crs-out-of-range"),
        ]

    # presets and styles a user imports or reads
    for name, data in hostile_presets().items():
        path = work / "presets" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        rel = str(path.relative_to(work))
        cases.append(Case(f"xmp read preset {name}", ["xmp", "read", rel], rel))

    # malformed programs
    for name, text in bad_programs().items():
        path = work / "progs" / f"{name}.json"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        rel = str(path.relative_to(work))
        cases += [
            Case(f"apply program {name}", ["apply", "photo.jpg", rel, "-o", "out/p.jpg"], rel,
                 expect_ok=name in TOLERATED, allowed_changes=("out",)),
            Case(f"xmp write program {name}", ["xmp", "write", "photo.jpg", rel, "--host",
                                               "darktable"], rel, expect_ok=name in TOLERATED,
                 allowed_changes=("photo.jpg.xmp",)),
            Case(f"preset export {name}", ["preset", "export", rel, "--name", "n", "-o", "pre"], rel,
                 expect_ok=name in TOLERATED, allowed_changes=("pre",)),
        ]
    huge_json(work / "progs" / "huge.json")
    cases.append(Case("apply program huge", ["apply", "photo.jpg", "progs/huge.json", "-o", "o.jpg"],
                      "progs/huge.json"))
    cases.append(Case("apply program is folder", ["apply", "photo.jpg", "progs", "-o", "o.jpg"],
                      "progs"))

    # unwritable and full outputs: real mounts outside the work copy (root), else chmod
    outside = work.parent
    side = hostile_sidecars()["crs-out-of-range"][1]
    big = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (400, 400, 3), np.uint8)).save(
        big, format="JPEG", quality=95)
    ro = outside / "ro"
    if make_read_only(ro, {"p.jpg": photo.read_bytes(), "p.xmp": side,
                           "p.jpg.xmp": side}):
        cases += [
            Case("apply into read-only folder", ["apply", "photo.jpg", "prog.json", "-o",
                                                 f"{ro}/o.jpg"], f"{ro}/o.jpg", watch=(str(ro),)),
            Case("xmp write dt read-only folder", ["xmp", "write", f"{ro}/p.jpg", "prog.json",
                                                   "--host", "darktable"], f"{ro}/p.jpg",
                 watch=(str(ro),)),
            Case("xmp write lr read-only folder", ["xmp", "write", f"{ro}/p.jpg", "prog.json",
                                                   "--host", "lightroom"], f"{ro}/p.xmp",
                 watch=(str(ro),)),
            Case("edit --xmp read-only folder", ["edit", f"{ro}/p.jpg", "brighter", "--xmp",
                                                 "lightroom", "-o", "out/e.jpg"], f"{ro}/p",
                 watch=(str(ro),), allowed_changes=("out",)),
            Case("preset export read-only", ["preset", "export", "prog.json", "--name", "n", "-o",
                                             str(ro)], str(ro), watch=(str(ro),)),
            Case("batch read-only folder", ["batch", "warm", str(ro), "--xmp", "darktable"],
                 str(ro), watch=(str(ro),), per_item_lines=True),
            Case("style apply -o read-only", ["style", "apply", "warm", "photo.jpg", "-o",
                                              str(ro)], str(ro), watch=(str(ro),),
                 ),
            Case("chat --preview read-only", ["chat", "photo.jpg", "--preview", f"{ro}/pv.jpg"],
                 f"{ro}/pv.jpg", stdin="brighter\n", watch=(str(ro),)),
        ]
    full = outside / "full"
    if make_full_disk(full, {"p.jpg": big.getvalue()}):
        cases += [
            Case("apply onto full disk", ["apply", f"{full}/p.jpg", "prog.json", "-o",
                                          f"{full}/o.jpg"], f"{full}/o.jpg", watch=(str(full),)),
            Case("xmp write onto full disk", ["xmp", "write", f"{full}/p.jpg", "prog.json",
                                              "--host", "darktable"], f"{full}/p.jpg",
                 watch=(str(full),)),
            Case("edit -o onto full disk", ["edit", "photo.jpg", "brighter", "-o",
                                            f"{full}/e.jpg"], f"{full}/e.jpg",
                 watch=(str(full),)),
        ]
    cases += [
        Case("output is a folder", ["apply", "photo.jpg", "prog.json", "-o", "progs"], "progs"),
        Case("output exists", ["apply", "photo.jpg", "prog.json", "-o", "photo.jpg"], "photo.jpg"),
        Case("output folder missing", ["apply", "photo.jpg", "prog.json", "-o", "no/such/o.jpg"],
             "no/such"),
    ]

    # malformed config / style library
    cfg = work / "cfg"
    cfg.mkdir()
    for name, text in {"toml-garbage": "[agent\nbackend = = 3",
                       "toml-wrong-type": "[agent]\nbackend = 7\n",
                       "toml-bad-profile": "profile = 'nope'\n"}.items():
        (cfg / f"{name}.toml").write_text(text)
        cases.append(Case(f"config {name}", ["edit", "photo.jpg", "brighter", "-o", "out/c.jpg"],
                          f"{name}.toml", env={"IEA_CONFIG": str(cfg / f"{name}.toml")},
                          allowed_changes=("out",)))
    if (ro / "p.jpg").exists():
        cases.append(Case("unwritable data dir: summarize --save-style",
                          ["summarize", "photo.jpg", "photo.jpg", "--save-style", "x", "--force"],
                          f"{ro}/data", env={"IEA_DATA_DIR": f"{ro}/data"}))
        cases.append(Case("unwritable runtime dir: xmp write",
                          ["xmp", "write", "photo.jpg", "prog.json", "--host", "lightroom"],
                          "", expect_ok=True, env={"IEA_RUNTIME_DIR": f"{ro}/run"},
                          allowed_changes=("photo.xmp",)))
        cases.append(Case("unwritable XDG dirs: style list",
                          ["style", "list"], f"{ro}/xd",
                          env={"IEA_DATA_DIR": "", "IEA_CACHE_DIR": "", "IEA_RUNTIME_DIR": "",
                               "IEA_CONFIG": "", "XDG_DATA_HOME": f"{ro}/xd",
                               "XDG_CACHE_HOME": f"{ro}/xc", "XDG_RUNTIME_DIR": f"{ro}/xr",
                               "XDG_CONFIG_HOME": f"{ro}/xcfg", "HOME": str(ro)}))

    # argument validation
    cases += [
        Case("batch --jobs 0", ["batch", "s", "photo.jpg", "--xmp", "lightroom", "-j", "0"]),
        Case("eval missing data", ["eval", "-b", "embedded", "--data", "nope.jsonl"], "nope.jsonl"),
        Case("eval bad jsonl", ["eval", "-b", "embedded", "--data", "progs/trailing-comma.json"],
             "trailing-comma.json"),
        Case("train sft bad config", ["train", "sft", "--config", "progs/trailing-comma.json"],
             "trailing-comma.json"),
        Case("train sft bad --set", ["train", "sft", "--set", "learning_rate=abc"], "learning_rate"),
        Case("style show missing", ["style", "show", "nope"], "nope"),
        Case("style apply missing", ["style", "apply", "nope", "photo.jpg"], "nope"),
        Case("client bad json", ["client", "ping", "--json", "{bad", "--no-start"], ""),
        Case("client json file missing", ["client", "ping", "--json", "@nope.json", "--no-start"],
             "nope.json"),
        Case("serve bad endpoint", ["serve", "--endpoint", "bogus://x"], "bogus"),
    ]
    return cases


def _seed_home(home: Path) -> None:
    """An iea home holding one saved style, ``warm``, copied for every case."""
    env = _env(home, {})
    code = ("from iea_core.styles import StyleLibrary; from iea_core.program import Program; "
            "StyleLibrary().save('warm', 'warmer', Program.from_json_dict({'temperature': 20}))")
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="run only cases whose name contains this")
    parser.add_argument("-j", type=int, default=2, help="cases run at once")
    parser.add_argument("--show", action="store_true", help="print every stderr line")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="checkout to audit (default: this one), e.g. an extracted older "
                             "commit: git archive COMMIT | tar -x -C DIR")
    parser.add_argument("--json", type=Path, help="also write every case's result here")
    args = parser.parse_args()
    global CODE
    CODE = args.code.resolve()
    with tempfile.TemporaryDirectory(prefix="iea-faults-") as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        _seed_home(Path(tmp) / "home")
        try:
            cases = [c for c in build_cases(template) if args.k in c.name]
            with ThreadPoolExecutor(args.j) as pool:
                results = list(pool.map(
                    lambda ic: run_case(ic[1], template, Path(tmp) / "cases" / str(ic[0])),
                    enumerate(cases)))
        finally:
            for folder in (Path(tmp) / "ro", Path(tmp) / "full"):
                unmount(folder)
                if folder.exists():
                    os.chmod(folder, 0o755)
    if args.json:
        args.json.write_text(json.dumps([
            {"case": r.case.name, "rc": r.rc, "problems": r.problems,
             "stderr": [l for l in r.stderr.splitlines() if l.strip()][-1:]}
            for r in results], indent=1))
    bad = 0
    print("| case | exit | verdict | stderr (last line) |\n| --- | --- | --- | --- |")
    for res in results:
        last = ([l for l in res.stderr.splitlines() if l.strip()] or [""])[-1][:150]
        verdict = "ok" if not res.problems else "; ".join(res.problems)
        bad += bool(res.problems)
        if res.problems or args.show:
            print(f"| {res.case.name!r} | {res.rc} | {verdict} | {last.replace('|', '/')} |")
    print(f"\n{len(results) - bad}/{len(results)} cases keep every promise", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
