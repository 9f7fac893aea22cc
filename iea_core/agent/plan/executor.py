"""Steps -> tool values: steer each step's metric into its target range on a small render.

Every step drives its own tool (:func:`.planner.assign_tools`). The tools move together: one
``render_batch`` call renders the current values and one nudge of each tool at ~128 px, which
gives how every metric answers every tool (a Jacobian: fade lifts the blacks *and* flattens the
contrast the contrast step watches); a damped least-squares step then moves all tools at once, and
a few cheap re-renders refine it. The photo decides the values: a dark and a bright photo asked
for the same look get different programs.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

import numpy as np

from ...program import Program
from .measure import RAIL_LIMITS, measure, neutral_mask
from .steps import Step, aim, far_slack, tolerance

SEARCH_SIZE = 128
NUDGE = 15
MAX_MOVE = 45  # per iteration, so one bad linearisation cannot throw a tool to its end stop


def downscale(image: np.ndarray, max_size: int) -> np.ndarray:
    """Box-averaged float32 copy whose long side is at most ``max_size``."""
    from ..embedded.photo import to_float

    f = to_float(image)
    step = max(1, int(math.ceil(max(f.shape[:2]) / max_size)))
    if step == 1:
        return np.ascontiguousarray(f, dtype=np.float32)
    h, w = (f.shape[0] // step) * step, (f.shape[1] // step) * step
    return np.ascontiguousarray(
        f[:h, :w].reshape(h // step, step, w // step, step, 3).mean(axis=(1, 3)), np.float32)


#: rail -> tools (and the direction that causes it; 0 = either) to back off when it breaks
RAIL_CAUSES: Mapping[str, tuple[tuple[str, int], ...]] = {
    "clip_high": (("exposure", 1), ("whites", 1), ("highlights", 1), ("brightness", 1),
                  ("contrast", 1), ("saturation", 1)),
    "clip_low": (("blacks", -1), ("contrast", 1), ("exposure", -1), ("shadows", -1),
                 ("vignette", -1), ("saturation", 1)),
    "skin_hue": (("temperature", 0), ("tint", 0)),
    "banding": (("contrast", 1), ("fade", 1), ("blacks", 1), ("exposure", 0)),
}


#: rail -> (tool, step) a photographer adds to protect it while keeping the look: lower the
#: white point against clipped highlights (a warmer white balance clips the reds of a white cup),
#: lift the black point against crushed shadows
PROTECT: Mapping[str, tuple[str, int]] = {"clip_high": ("whites", -20), "clip_low": ("blacks", 15)}
PROTECT_LIMIT = 60
#: (tool, lowest, highest) the solve may add to keep the clipping rails, when no step drives it
GUARDS: tuple[tuple[str, int, int], ...] = (("whites", -PROTECT_LIMIT, 0), ("blacks", 0, 40))
#: how much more a guard tool's move costs than a step tool's (used only when a rail needs it)
GUARD_DAMPING = 3.0
#: the clipping rails the solve watches, and where it steers a broken one (share of the limit)
RAILS = ("clip_high", "clip_low")
RAIL_AIM = 0.6


def back_off(values: Mapping[str, int], failed_rails: Sequence[str],
             factor: float = 0.7, step_tools: Sequence[str] = ()) -> dict[str, int]:
    """``values`` adjusted for each broken rail: a protecting tool no step drives moves first
    (:data:`PROTECT`); once it is spent (or a step drives it), the causing tools move toward 0."""
    out = dict(values)
    for rail in failed_rails:
        guard = PROTECT.get(rail)
        if guard is not None and guard[0] not in step_tools:
            tool, step = guard
            now = out.get(tool, 0)
            if abs(now + step) <= PROTECT_LIMIT:
                out[tool] = now + step
                continue
        for tool, way in RAIL_CAUSES.get(rail, ()):
            v = out.get(tool, 0)
            if v and (way == 0 or (v > 0) == (way > 0)):
                out[tool] = int(round(v * factor))
    return out


def _clipping(rgb: np.ndarray) -> tuple[float, float]:
    peak = rgb.max(-1)
    return float((peak >= 0.995).mean()), float((peak <= 0.01).mean())


@dataclass
class Solution:
    """What the executor settled on, and how each metric answers each tool (per unit).

    ``steps`` are the plan's steps as executed: a step whose target this photo cannot reach with
    its tool at the end stop is scaled down to what it can (``scaled`` names them)."""

    values: dict[str, int]
    tools: list[str]
    jacobian: np.ndarray  # (steps, tools): d metric / d tool value
    renders: int
    steps: list[Step]
    scaled: list[str]

    def program(self) -> Program:
        return Program({t: v for t, v in self.values.items() if v}, clamp=True)


def residuals(steps: Sequence[Step], before: Mapping[str, float], now: Mapping[str, float],
              values: Mapping[str, int] | None = None) -> np.ndarray:
    """aim - measured for each step, 0 where the judge would pass it anyway: a one-sided target
    that holds, or a metric carried past its range in the step's own direction by other steps
    (up to the judge's slack, or without limit while the step's own tool is at 0). Those are NaN:
    an inequality that holds does not constrain the solve (0 would hold the metric where it is)."""
    out = np.zeros(len(steps))
    for j, step in enumerate(steps):
        lo, hi = step.bounds(before)
        value = now[step.metric]
        two_sided = math.isfinite(lo) and math.isfinite(hi)
        if not two_sided and lo <= value <= hi:
            out[j] = np.nan
            continue
        far = hi if step.direction > 0 else lo
        past = (value - far) * step.direction
        if two_sided and past > 0:
            idle = values is not None and step.tool and values.get(step.tool, 0) == 0
            allowed = 0.5 * far_slack(lo, hi)
            if idle or past <= allowed:
                out[j] = np.nan
                continue
            out[j] = -(past - allowed) * step.direction
            continue
        out[j] = aim(lo, hi, value) - value
    return out


def step_scales(steps: Sequence[Step], before: Mapping[str, float]) -> np.ndarray:
    """Per-step units so that metrics in L* and in luminance weigh alike in the solve: a miss of
    a quarter of the step's range counts as much for every step."""
    out = []
    for step in steps:
        lo, hi = step.bounds(before)
        width = (hi - lo) if math.isfinite(lo) and math.isfinite(hi) else 0.0
        out.append(1.0 / max(tolerance(step.metric, lo, hi), 0.25 * width, 1e-4))
    return np.array(out)


def newton_move(jacobian: np.ndarray, residual: np.ndarray, scales: np.ndarray,
                room: Sequence[tuple[float, float]] | None = None,
                damping: np.ndarray | None = None) -> np.ndarray:
    """Damped least-squares tool moves that bring the metrics toward their aims.

    ``room``: (lowest, highest) move each tool can still make (its end stops, and the side of 0
    its step allows). A tool that would go past its room is held there and the others are solved
    again without it (an active set), so they take over what it cannot do."""
    active = np.isfinite(residual)
    J = jacobian * (scales * active)[:, None]
    r = np.where(active, residual, 0.0) * scales
    n = J.shape[1]
    move = np.zeros(n)
    free = np.ones(n, bool)
    for _ in range(n + 1):
        idx = np.flatnonzero(free)
        if idx.size == 0:
            break
        Jf = J[:, idx]
        rest = r - J[:, ~free] @ move[~free]
        lam = 1e-3 * max(1.0, float(np.trace(Jf.T @ Jf)) / max(1, idx.size))
        weights = np.ones(idx.size) if damping is None else damping[idx]
        move[idx] = np.linalg.solve(Jf.T @ Jf + lam * np.diag(weights), Jf.T @ rest)
        move = np.clip(move, -MAX_MOVE, MAX_MOVE)
        if room is None:
            break
        pinned = False
        for i in idx:
            lo, hi = room[i]
            if move[i] < lo or move[i] > hi:
                move[i] = min(max(move[i], lo), hi)
                free[i] = False
                pinned = True
        if not pinned:
            break
    return move


def room_of(steps: Sequence[Step], values: Mapping[str, int]) -> list[tuple[float, float]]:
    """How far each step's tool can still move: to its end stop on the step's side of 0."""
    out = []
    for s in steps:
        ends = (s.clamp(-100), s.clamp(100))
        out.append((ends[0] - values[s.tool], ends[1] - values[s.tool]))
    return out


@contextmanager
def one_render_thread() -> Iterator[None]:
    """Run the editor's kernels on one thread for the search's tiny renders: a 128 px render
    is over before a thread pool has started, and on a busy machine the pool made each one ~10x
    slower (0.7 ms vs 6 ms measured). numba's setting is per calling thread, so other threads
    (the bridge's workers) keep theirs."""
    try:
        import numba

        previous = numba.get_num_threads()
        numba.set_num_threads(1)
    except Exception:  # numba missing or not initialised: nothing to change
        yield
        return
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def _metrics(renders: np.ndarray, neutral: np.ndarray,
             only: set[str] | None = None) -> list[dict[str, float]]:
    return [measure(r, neutral, only) for r in renders]


def _far_per_strength(step: Step, before: Mapping[str, float]) -> float:
    """How far (signed, metric units) the step's far edge lies from the photo per unit strength."""
    form, p, q = step.kind.target
    now = before[step.metric]
    if form == "delta":
        return q
    if form == "ratio":
        return (q - 1) * now
    return q * step.direction


def fit_to_photo(step: Step, before: Mapping[str, float], reach: float) -> Step:
    """``step`` scaled so its range lies within ``reach`` (the change its tool makes at the end
    stop on this photo): an already very contrasty photo gets a smaller contrast target, and the
    answer says so, instead of a target no slider can meet."""
    lo, hi = step.bounds(before)
    now = before[step.metric]
    near = lo if step.direction > 0 else hi
    if not math.isfinite(near) or (near - now) * step.direction <= 0:
        return step
    if (now + 0.8 * reach - near) * step.direction >= 0:
        return step
    unit = _far_per_strength(step, before)
    if unit == 0 or reach * step.direction <= 0:
        return step.scaled(0.1 / step.strength)
    return step.scaled(max(0.1, 0.75 * reach / unit) / step.strength)


def solve(image: np.ndarray, steps: Sequence[Step], *, base: Mapping[str, int] | None = None,
          profile: str = "default", size: int = SEARCH_SIZE, iterations: int = 7,
          rail_limits: Mapping[str, float] | None = None) -> Solution:
    """Tool values for ``steps`` on ``image`` (any size; searched at ``size`` px)."""
    from ...editor import render_batch

    small = downscale(image, size)
    neutral = neutral_mask(small)
    before = measure(small, neutral)
    values: dict[str, int] = dict(base or {})
    free = [s for s in steps if s.kind.fixed is None and s.tool]
    for s in steps:
        if s.kind.fixed is not None and s.tool:
            values[s.tool] = s.kind.fixed
    tools = [s.tool for s in free]
    start = residuals(free, before, before)
    for s, r in zip(free, start):
        values[s.tool] = 0 if not np.isfinite(r) or r == 0 else s.clamp(s.kind.guess * s.strength)
    renders = 0
    executed = list(steps)
    scaled: list[str] = []
    if not free:
        return Solution(values, tools, np.zeros((0, 0)), renders, executed, scaled)
    limits = {name: limit for name, (limit, _) in RAIL_LIMITS.items()}
    limits.update(rail_limits or {})
    clip0 = _clipping(small)
    # guard tools no step drives: the solve may use them, reluctantly, to keep the rails
    step_tools = {s.tool for s in steps if s.tool}
    guards = [g for g in GUARDS if g[0] not in step_tools]
    for tool, _, _ in guards:
        values.setdefault(tool, 0)
    n_steps = len(free)
    n_vars = n_steps + len(guards)
    jacobian = np.zeros((n_steps + len(RAILS), n_vars))
    damping = np.array([1.0] * n_steps + [GUARD_DAMPING] * len(guards))
    rail_scales = np.array([1.0 / (0.25 * limits[name]) for name in RAILS])

    def var_tool(i: int) -> str:
        return free[i].tool if i < n_steps else guards[i - n_steps][0]

    def clamp_var(i: int, value: float) -> int:
        if i < n_steps:
            return free[i].clamp(value)
        _, low, high = guards[i - n_steps]
        return int(max(low, min(high, round(value))))

    def rail_changes(rgb: np.ndarray) -> np.ndarray:
        high, low = _clipping(rgb)
        return np.array([high - clip0[0], low - clip0[1]])

    best: tuple[float, dict[str, int]] | None = None
    scales = step_scales(free, before)
    needed = {s.metric for s in free}
    last: tuple[np.ndarray, np.ndarray] | None = None  # (variables, metrics) of the last render
    for it in range(iterations):
        fresh = it == 0
        programs = [dict(values)]
        nudges = []
        if fresh:
            for i in range(n_vars):
                tool = var_tool(i)
                h = NUDGE * (free[i].direction * (free[i].sign or 1) if i < n_steps
                             else (1 if guards[i - n_steps][2] > 0 else -1))
                if clamp_var(i, values[tool] + h) == values[tool]:
                    h = -h
                nudges.append(h)
                programs.append({**values, tool: values[tool] + h})
        if it == 0:  # each tool at its end stop: how far can this photo go?
            programs += [{**values, s.tool: s.clamp(s.direction * (s.sign or 1) * 100)}
                         for s in free]
        with one_render_thread():
            out = render_batch(small, [Program({k: v for k, v in p.items() if v}, clamp=True)
                                       for p in programs], profile)
        renders += len(programs)
        found = _metrics(out, neutral, needed)
        now = found[0]
        if it == 0:
            for j, s in enumerate(free):
                fitted = fit_to_photo(s, before, found[1 + n_vars + j][s.metric] - before[s.metric])
                if fitted is not s:
                    scaled.append(s.kind.name)
                    executed[executed.index(s)] = fitted
                    free[j] = fitted
            scales = step_scales(free, before)
        r = residuals(free, before, now, values)
        changes = rail_changes(out[0])
        caps = np.array([RAIL_AIM * limits[name] for name in RAILS])
        watch = np.array([0.8 * limits[name] for name in RAILS])
        rail_r = np.where(changes > watch, caps - changes, np.nan)
        err = float(np.nansum(np.abs(r * scales)))
        broken = [name for name, change in zip(RAILS, changes) if change > limits[name]]
        if not broken and (best is None or err < best[0]):
            best = (err, dict(values))
        x = np.array([values[var_tool(i)] for i in range(n_vars)], float)
        y = np.concatenate([[now[s.metric] for s in free], changes])
        if fresh:
            for i, h in enumerate(nudges):
                for j, s in enumerate(free):
                    jacobian[j, i] = (found[i + 1][s.metric] - now[s.metric]) / h
                jacobian[n_steps:, i] = (rail_changes(out[i + 1]) - changes) / h
            diag0 = np.diag(jacobian[:n_steps, :n_steps]).copy()
        elif last is not None:
            # Broyden's update: what the last move really did corrects the slopes, without
            # rendering a nudge of every tool again (each render costs the same at 128 px)
            dx, dy = x - last[0], y - last[1]
            norm = float(dx @ dx)
            if norm > 0:
                jacobian += np.outer(dy - jacobian @ dx, dx) / norm
                # a step's own tool keeps the slope it was measured with when an update would
                # flip or flatten it (one noisy render must not stall that tool at 0)
                for j in range(n_steps):
                    if jacobian[j, j] * diag0[j] < 0.25 * diag0[j] ** 2:
                        jacobian[j, j] = diag0[j]
        last = (x, y)
        if err < 0.5 and not broken:
            break
        room = [(clamp_var(i, -100) - values[var_tool(i)], clamp_var(i, 100) - values[var_tool(i)])
                for i in range(n_vars)]
        move = newton_move(jacobian, np.concatenate([r, rail_r]),
                           np.concatenate([scales, rail_scales]), room, damping)
        if it >= 2:  # later moves are corrections: half steps stop a rail and a target seesawing
            move = move * 0.6
        for i, m in enumerate(move):
            values[var_tool(i)] = clamp_var(i, values[var_tool(i)] + m)
    if best is None:  # every try broke a rail: the judge backs off further and says so
        best = (0.0, values)
    final = {t: v for t, v in best[1].items() if v or t in step_tools}
    return Solution(final, tools, jacobian[:n_steps, :n_steps].copy(), renders, executed, scaled)
