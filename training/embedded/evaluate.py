"""Held-out evaluation of the embedded agent's understanding of instructions.

    python -m training.embedded.evaluate [--weights DIR] [--n 1500] [--photos]

Draws compound instructions (1-3 clauses, typos included) from the *held-out* wording only:
phrasings and frames that training never saw (see :mod:`.intents`). For each instruction the agent's
reading (:func:`iea_core.agent.embedded.interpret.edit_effect`) is compared with the known edit:

* per tool, **sign accuracy** where the tool should move (+, - or "auto" must match), and how often
  it correctly stays at 0 where it should not move;
* **magnitude error**: mean |predicted - target| on the tools whose sign is right;
* overall figures, the same on fresh draws of the *training* wording for comparison, accuracy per
  polarity (requests, complaints, bans, removals, keeps) and the commonest failures.

``--photos`` also checks the photo-driven corrections ("fix the exposure" on a photo darkened by
a known amount must brighten it) with the real editor.
"""
from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict
from pathlib import Path

from iea_core.tools import TOOL_NAMES

from .generate import compound, edit_target


def _sign(v: int | str | None) -> int | str:
    if v is None:
        return 0
    if v == "auto":
        return "auto"
    return (int(v) > 0) - (int(v) < 0)


def evaluate_text(interpreter, n: int, held: bool, seed: int) -> dict:
    from iea_core.agent.embedded.interpret import edit_effect

    rng = random.Random(seed)
    moved_ok = Counter()
    moved_n = Counter()
    still_ok = Counter()
    still_n = Counter()
    mag_err = defaultdict(list)
    by_pol = defaultdict(lambda: [0, 0])
    exact = 0
    failures = []
    for _ in range(n):
        text, parts = compound(rng, held)
        target = edit_target(parts)
        effect = edit_effect(interpreter.read(text))
        pred = effect.values
        all_ok = True
        for tool in TOOL_NAMES:
            t, p = target.get(tool), pred.get(tool)
            ts, ps = _sign(t), _sign(p)
            if ts != 0:
                moved_n[tool] += 1
                if ts == ps:
                    moved_ok[tool] += 1
                    if t != "auto" and p != "auto":
                        mag_err[tool].append(abs(int(t) - int(p)))
                else:
                    all_ok = False
            else:
                still_n[tool] += 1
                if ps == 0:
                    still_ok[tool] += 1
                else:
                    all_ok = False
        exact += all_ok
        for part in parts:
            by_pol[part.polarity][1] += 1
            by_pol[part.polarity][0] += all_ok
        if not all_ok and len(failures) < 400:
            failures.append((text, target, dict(pred), [(p.polarity, p.intent) for p in parts]))
    return {"moved_ok": moved_ok, "moved_n": moved_n, "still_ok": still_ok, "still_n": still_n,
            "mag_err": mag_err, "exact": exact, "n": n, "by_pol": by_pol, "failures": failures}


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f}%" if b else "   - "


def report(res: dict, title: str, show_failures: int = 0) -> dict[str, float]:
    print(f"\n## {title} ({res['n']} instructions)")
    print(f"{'tool':17s} {'n moved':>7s} {'sign acc':>8s} {'kept 0':>7s} {'|err|':>6s}")
    for tool in TOOL_NAMES:
        errs = res["mag_err"][tool]
        mean = sum(errs) / len(errs) if errs else float("nan")
        print(f"{tool:17s} {res['moved_n'][tool]:7d} "
              f"{_pct(res['moved_ok'][tool], res['moved_n'][tool]):>8s} "
              f"{_pct(res['still_ok'][tool], res['still_n'][tool]):>7s} {mean:6.1f}")
    mo, mn = sum(res["moved_ok"].values()), sum(res["moved_n"].values())
    so, sn = sum(res["still_ok"].values()), sum(res["still_n"].values())
    all_err = [e for errs in res["mag_err"].values() for e in errs]
    summary = {
        "sign_accuracy_moved": mo / mn if mn else 0.0,
        "kept_zero": so / sn if sn else 0.0,
        "sign_accuracy_all": (mo + so) / (mn + sn),
        "instructions_exact": res["exact"] / res["n"],
        "magnitude_error": sum(all_err) / len(all_err) if all_err else 0.0,
    }
    print(f"sign accuracy where a tool should move: {100 * summary['sign_accuracy_moved']:.1f}%")
    print(f"untouched tools kept at 0:              {100 * summary['kept_zero']:.1f}%")
    print(f"sign accuracy over all 16 tools:        {100 * summary['sign_accuracy_all']:.1f}%")
    print(f"instructions entirely right:            {100 * summary['instructions_exact']:.1f}%")
    print(f"mean |magnitude error| (right sign):    {summary['magnitude_error']:.1f}")
    print("instructions entirely right, by polarity of their clauses:")
    for pol, (ok, n) in sorted(res["by_pol"].items()):
        print(f"  {pol:7s} {_pct(ok, n)} of {n}")
    if show_failures:
        print(f"\nfirst {show_failures} failures (text | target | predicted | clauses):")
        for text, target, pred, parts in res["failures"][:show_failures]:
            print(f"  {text!r}\n      want {target}\n      got  {pred}\n      {parts}")
    return summary


def evaluate_photos(agent) -> None:
    from .generate import degraded_photos

    print("\n## photo-driven corrections (degraded photos, direction must come from the photo)")
    ok = n = 0
    for name, image, spoil, request, tool, sign in degraded_photos():
        from iea_core.editor import render

        spoiled = render(image, spoil)
        result = agent.edit(spoiled, request)
        value = result.program[tool]
        good = (value > 0) - (value < 0) == sign
        ok += good
        n += 1
        if not good:
            print(f"  MISS {name}: spoiled with {spoil.to_dict()}, '{request}' -> "
                  f"{result.program.to_dict()}")
    print(f"right direction: {ok}/{n}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--failures", type=int, default=25)
    parser.add_argument("--photos", action="store_true")
    parser.add_argument("--split-novelty", action="store_true",
                        help="also score new phrasings and new frames separately")
    parser.add_argument("--plot", type=Path, default=None,
                        help="write the held-out per-tool sign accuracy as a bar chart (PNG)")
    args = parser.parse_args(argv)
    from iea_core.agent.embedded.agent import EmbeddedAgent

    agent = EmbeddedAgent(weights=args.weights)
    interpreter = agent.interpreter
    held_res = evaluate_text(interpreter, args.n, True, args.seed)
    held = report(held_res, "HELD-OUT wording (unseen phrasings in unseen frames)", args.failures)
    seen = report(evaluate_text(interpreter, max(300, args.n // 3), False, args.seed + 1),
                  "training wording, fresh draws (for comparison)")
    del seen
    if args.split_novelty:
        for novelty, title in (((True, False), "held-out phrasings in training frames"),
                            ((False, True), "training phrasings in held-out frames")):
            report(evaluate_text(interpreter, max(300, args.n // 3), novelty, args.seed + 2), title)
    if args.photos:
        evaluate_photos(agent)
    print(f"\nHELD-OUT sign accuracy (tools that should move): "
          f"{100 * held['sign_accuracy_moved']:.1f}%  |  over all tools: "
          f"{100 * held['sign_accuracy_all']:.1f}%")
    if args.plot is not None:
        from iea_core.plot import sign_accuracy_bars

        accuracy = {tool: held_res["moved_ok"][tool] / held_res["moved_n"][tool]
                    for tool in TOOL_NAMES if held_res["moved_n"][tool]}
        sign_accuracy_bars(accuracy, args.plot,
                           title=f"held-out sign accuracy per tool ({args.n} instructions)")
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
