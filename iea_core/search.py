"""Parameter search: recover the program that turns one photo into another.

Image-Summary and the Stage-1 training data both need the program behind a before/after pair
(an expert retouch, a style example). :func:`recover_program` finds it by rendering candidate
programs with the editor and minimising the paper's distance d between the render of ``before``
and ``after``. Two methods:

``method="auto"`` (default), coarse to fine in resolution and in step size:

1. **Gauss-Newton at half resolution.** The editor is smooth almost everywhere, so a finite
   difference Jacobian (each tool nudged up and down around the current program: 33 renders in one
   :func:`~iea_core.editor.render_batch` call) predicts the pixel change of any small move. A damped
   least-squares step (Levenberg-Marquardt, several dampings tried in one batch) jumps most of the
   way to the answer in two or three rounds, whatever the starting point, and handles tools that
   interact (exposure vs. brightness vs. shadows) jointly rather than one at a time.
2. **Pattern search at full search resolution.** Every tool +-step in one batch (32 renders); the
   best move and the combination of all improving moves compete; the step shrinks 8 -> 4 -> 2 -> 1
   when nothing improves. This fixes what the linear model gets wrong (clipping, kinks at 0).
3. **Pruning.** Tools whose removal costs (almost) nothing are set to 0, so the program says what
   matters: shorter sentences in summaries, and no useless tools in training targets (the
   usefulness reward punishes those).

``method="fastsearch"`` is IEA's own greedy tool-wise line search (paper, Sec. 3.1 and Appendix D):
tool after tool in the paper's order, try the offsets -50, +25, -10, +5, -5, +10, -25, +50 around
the current value one render at a time, keep every offset that lowers d, and repeat the sweep until
a whole pass brings nothing. It is here so that the training pipeline can reproduce Stage 1
faithfully (start it from the VLM's program with ``init=``), and as the baseline the "auto"
method is measured against (``tests/search``).

All work happens on copies downscaled to ``max_size`` (long side), so the cost does not depend on
the photo's size, except for the two tools that act on single pixels: ``sharpness`` and ``grain``
are invisible after downscaling, so method "auto" measures them on a 256 px crop at full
resolution (:func:`estimate_detail`: high-pass matching for sharpness, fine-scale energy for
grain). The returned d is measured at the search size, on the render without those two.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .errors import ImageError, IeaError
from .program import Program
from .tools import MAX_VALUE, MIN_VALUE, TOOL_NAMES, TOOLS

#: IEA's offsets, in the order the paper's search tries them.
FASTSEARCH_OFFSETS: tuple[int, ...] = (-50, 25, -10, 5, -5, 10, -25, 50)
METHODS = ("auto", "fastsearch")

RenderBatch = Callable[..., np.ndarray]


class SearchError(IeaError):
    """The pair cannot be searched (mismatched framing, unknown method or tool)."""

    code = "search_error"


@dataclass
class SearchReport:
    """What a search did: for benchmarks, training logs and ``--verbose`` output."""

    method: str
    distance: float
    start_distance: float
    renders: int = 0
    seconds: float = 0.0
    stages: list[tuple[str, float, int]] = field(default_factory=list)  # (stage, d after, renders)
    fine_renders: int = 0  # of ``renders``, those at full search size (the rest at half size)


# --- images ---------------------------------------------------------------------------------
def _to_float(image: Any) -> np.ndarray:
    """An array (or a :class:`~iea_core.imageio.Photo`) as float32 RGB 0..1, checked."""
    from .imageio import to_float

    array = np.asarray(getattr(image, "pixels", image))
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ImageError(f"expected an H x W x 3 image, got an array of shape {array.shape}")
    if array.dtype not in (np.uint8, np.uint16) and not np.issubdtype(array.dtype, np.floating):
        raise ImageError(f"unsupported image dtype {array.dtype}")
    return to_float(array)


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Area-averaging resize of a float image (PIL's BOX filter on each channel in float mode)."""
    if image.shape[:2] == (height, width):
        return np.ascontiguousarray(image, dtype=np.float32)
    from PIL import Image

    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(image[..., c]), mode="F")
                           .resize((width, height), Image.Resampling.BOX), dtype=np.float32)
                for c in range(3)]
    return np.stack(channels, axis=-1)


def _target_size(shape: tuple[int, ...], max_size: int) -> tuple[int, int]:
    height, width = shape[:2]
    scale = min(1.0, max_size / max(height, width))
    return max(8, round(height * scale)), max(8, round(width * scale))


def prepare_pair(before: Any, after: Any, max_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Both images as float32 0..1 at the same size, long side at most ``max_size``.

    ``after`` may have been exported at another resolution; its framing must match ``before``
    (same aspect ratio within 2 %), since the search compares pixels position by position."""
    b, a = _to_float(before), _to_float(after)
    (bh, bw), (ah, aw) = b.shape[:2], a.shape[:2]
    if abs(bh / bw - ah / aw) > 0.02 * (bh / bw):
        raise SearchError(f"before ({bw}x{bh}) and after ({aw}x{ah}) are framed differently; "
                          "crop or rotation cannot be recovered by global tools")
    height, width = _target_size(b.shape, max_size)
    return _resize(b, height, width), _resize(a, height, width)


def distances(renders: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The paper's d for each render: (mean |a - b| + sqrt(mean (a - b)^2)) / 2.

    Same formula as :func:`iea_core.metrics.distance`; computed here on float32 batches to keep
    the search's inner loop free of conversions."""
    diff = renders - target[None]
    flat = diff.reshape(len(renders), -1)
    l1 = np.abs(flat).mean(axis=1)
    l2 = np.sqrt(np.einsum("ij,ij->i", flat, flat) / flat.shape[1])
    return ((l1 + l2) / 2.0).astype(np.float64)


# --- the objective ------------------------------------------------------------------------------
class _Budget:
    """Renders allowed to one search, shared by its objectives (half size and full size)."""

    def __init__(self, limit: int | None) -> None:
        self.limit, self.used = limit, 0

    def left(self) -> float:
        return float("inf") if self.limit is None else self.limit - self.used


class _Objective:
    """d(render(before, program), after) for integer vectors over the searched tools, cached,
    rendered in batches."""

    def __init__(self, before: np.ndarray, after: np.ndarray, tools: Sequence[str], profile: str,
                 render_batch: RenderBatch, budget: _Budget, chunk: int = 48) -> None:
        self.before, self.after = before, after
        self.tools = tuple(tools)
        self.profile = profile
        self.render_batch = render_batch
        self.budget = budget
        self.chunk = chunk
        self.cache: dict[tuple[int, ...], float] = {}
        self.renders = 0

    @property
    def exhausted(self) -> bool:
        return self.budget.left() <= 0

    def program(self, vector: Iterable[int]) -> dict[str, int]:
        return {tool: int(v) for tool, v in zip(self.tools, vector) if int(v) != 0}

    def render(self, vectors: Sequence[np.ndarray]) -> np.ndarray:
        """Renders (N, H, W, 3) of ``vectors`` (no caching: the Jacobian needs the pixels).
        Raises :class:`_BudgetSpent` rather than render part of a batch."""
        if len(vectors) > self.budget.left():
            raise _BudgetSpent()
        out = []
        for start in range(0, len(vectors), self.chunk):
            part = [self.program(v) for v in vectors[start:start + self.chunk]]
            out.append(np.asarray(self.render_batch(self.before, part, self.profile),
                                  dtype=np.float32))
            self.renders += len(part)
            self.budget.used += len(part)
        return np.concatenate(out) if out else np.empty((0,) + self.before.shape, np.float32)

    def __call__(self, vectors: Sequence[np.ndarray]) -> np.ndarray:
        """d for each vector; already-seen vectors are free, the rest share render batches.
        Vectors the budget no longer covers get d = inf (never chosen)."""
        keys = [tuple(int(x) for x in np.clip(np.rint(v), MIN_VALUE, MAX_VALUE)) for v in vectors]
        todo = list(dict.fromkeys(k for k in keys if k not in self.cache))
        left = self.budget.left()
        if left < len(todo):
            todo = todo[:max(0, int(left))]
        for start in range(0, len(todo), self.chunk):
            part = todo[start:start + self.chunk]
            renders = self.render([np.array(k) for k in part])
            for key, d in zip(part, distances(renders, self.after)):
                self.cache[key] = float(d)
        return np.array([self.cache.get(k, np.inf) for k in keys])

    def best(self) -> np.ndarray | None:
        if not self.cache:
            return None
        return np.array(min(self.cache, key=self.cache.__getitem__), dtype=np.int64)


class _BudgetSpent(Exception):
    """Internal: the render budget ran out; the search returns the best program seen."""


def _clip(vector: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(vector), MIN_VALUE, MAX_VALUE).astype(np.int64)


# --- method "auto" ------------------------------------------------------------------------------
def _jacobian(obj: _Objective, x: np.ndarray, step: int, free: np.ndarray | None = None,
              *, central: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Finite-difference Jacobian (tools x pixels) at ``x`` and the residual after - render(x),
    from one batch of renders: 2k + 1 for central differences (k free tools), k + 1 for forward
    ones. Rows of tools that are not free are 0. Steps turn one-sided at the range ends."""
    n = len(x)
    free = np.ones(n, bool) if free is None else free
    index = np.flatnonzero(free)
    probes = [x]
    spans = np.ones(n)
    for i in index:
        up = x.copy()
        up[i] = x[i] + step if x[i] + step <= MAX_VALUE else x[i] - step
        if central:
            down = x.copy()
            down[i] = max(MIN_VALUE, x[i] - step) if up[i] > x[i] else x[i]
            probes += [up, down]
            spans[i] = up[i] - down[i]
        else:
            probes.append(up)
            spans[i] = up[i] - x[i]
    renders = obj.render(probes)
    flat = renders.reshape(len(probes), -1)
    residual = obj.after.reshape(-1) - flat[0]
    jac = np.zeros((n, flat.shape[1]), dtype=np.float32)
    if central:
        jac[index] = (flat[1::2] - flat[2::2]) / spans[index][:, None]
    else:
        jac[index] = (flat[1:] - flat[0]) / spans[index][:, None]
    # the probes are real renders: keep their distances, they may beat x already
    for probe, d in zip(probes, distances(renders, obj.after)):
        obj.cache.setdefault(tuple(int(v) for v in probe), float(d))
    return jac, residual


def _solve(jtj: np.ndarray, jtr: np.ndarray, damping: float, free: np.ndarray) -> np.ndarray:
    """Damped normal equations restricted to the ``free`` tools (others move by 0)."""
    delta = np.zeros(len(jtr))
    idx = np.flatnonzero(free)
    if len(idx) == 0:
        return delta
    a = jtj[np.ix_(idx, idx)]
    diag = np.diag(a).copy()
    diag[diag <= 0] = 1e-9
    try:
        delta[idx] = np.linalg.solve(a + damping * np.diag(diag) + 1e-9 * np.eye(len(idx)),
                                     jtr[idx])
    except np.linalg.LinAlgError:
        pass
    return delta


def _gauss_newton(obj: _Objective, x: np.ndarray, *, rounds: int = 4, step: int = 6,
                  dampings: Sequence[float] = (1e-3, 1e-2, 1e-1, 1.0),
                  tol: float = 2e-5, free: np.ndarray | None = None,
                  central: bool = True) -> np.ndarray:
    """Levenberg-Marquardt with central-difference Jacobians, all renders of a round batched.
    Only ``free`` tools move (default: all). Stops when a round improves d by less than
    ``tol``."""
    best_d = float(obj([x])[0])
    free = np.ones(len(x), bool) if free is None else free
    for round_ in range(rounds):
        if obj.exhausted or not free.any():
            break
        # central differences only where the kinks at 0 matter: the first round from a start
        jac, residual = _jacobian(obj, x, step, free, central=central and round_ == 0)
        jtj, jtr = jac @ jac.T, jac @ residual
        candidates = [_clip(x + _solve(jtj, jtr, damping, free)) for damping in dampings]
        ds = obj(candidates)
        k = int(np.argmin(ds))
        if ds[k] >= best_d - max(tol, 0.01 * best_d):  # less than 1 % better: converged
            if ds[k] < best_d:
                x, best_d = candidates[k], float(ds[k])
            break
        x, best_d = candidates[k], float(ds[k])
    return x


def _pattern_search(obj: _Objective, x: np.ndarray, *, steps: Sequence[int] = (4, 2, 1),
                    max_rounds: int = 4, tol: float = 1e-5,
                    only_nonzero: bool = False) -> np.ndarray:
    """Coordinate moves of every tool at once, shrinking the step when nothing improves."""
    best_d = float(obj([x])[0])
    for step in steps:
        for _ in range(max_rounds):
            if obj.exhausted:
                return x
            moves = []
            for i in range(len(x)):
                if only_nonzero and x[i] == 0:
                    continue
                for sign in (1, -1):
                    candidate = x.copy()
                    candidate[i] = np.clip(x[i] + sign * step, MIN_VALUE, MAX_VALUE)
                    if candidate[i] != x[i]:
                        moves.append((i, candidate))
            if not moves:
                return x
            ds = obj([c for _, c in moves])
            gains = best_d - ds
            # the combination of each tool's best improving move: often a larger step downhill
            combined = x.copy()
            per_tool: dict[int, float] = {}
            for (i, candidate), gain in zip(moves, gains):
                if gain > tol and gain > per_tool.get(i, 0.0):
                    per_tool[i] = gain
                    combined[i] = candidate[i]
            if not per_tool:
                break
            k = int(np.argmax(gains))
            options = [moves[k][1]]
            if len(per_tool) > 1:
                options.append(combined)
            option_ds = obj(options)
            j = int(np.argmin(option_ds))
            if option_ds[j] >= best_d - tol:
                break
            x, best_d = options[j], float(option_ds[j])
    return x


def _prune(obj: _Objective, x: np.ndarray, *, tolerance: float, step: int = 3,
           max_removals: int = 16, refresh: int = 4, tries: int = 4,
           central: bool = True, exhaustive: bool = True) -> np.ndarray:
    """Sparsify: remove tools one at a time while d stays within ``tolerance`` of the start.

    Tools that overlap (exposure, brightness, shadows, whites...) let least-squares steps spread
    one change over several tools. As in "optimal brain surgeon" pruning, the local quadratic
    model H = J J^T predicts, for every tool still set, the cost of removing it while the others
    compensate (x_i^2 / [H^-1]_ii) and the compensating move itself (-x_i H^-1 e_i / [H^-1]_ii),
    without rendering anything. Only the ``tries`` cheapest predictions are rendered (with and
    without compensation, in one batch), and the best is kept while d stays within
    ``tolerance``. The Jacobian is refreshed every ``refresh`` removals; in between, the residual
    is moved linearly."""
    start_d = float(obj([x])[0])
    allowed = start_d + tolerance
    jac = jtj = residual = None
    anchor = x
    for removal in range(max_removals):
        active = np.flatnonzero(x != 0)
        if len(active) == 0 or obj.exhausted:
            break
        if removal % refresh == 0:
            jac, residual = _jacobian(obj, x, step, x != 0, central=central)
            jtj, anchor = jac @ jac.T, x
        h = jtj[np.ix_(active, active)]
        h = h + (1e-6 * max(float(np.trace(h)) / len(active), 1e-12)) * np.eye(len(active))
        try:
            hinv = np.linalg.inv(h)
        except np.linalg.LinAlgError:
            break
        # the model's optimum for the active tools, from the linearised residual at x
        jtr = (jac @ residual - jtj @ (x - anchor))[active]
        optimum = x[active] + hinv @ jtr
        costs = optimum ** 2 / np.maximum(np.diag(hinv), 1e-12)
        def removals(order: Sequence[int]) -> list[np.ndarray]:
            out = []
            for j in order:
                plain = x.copy()
                plain[active[j]] = 0
                compensated = x.copy()
                compensated[active] = _clip(optimum - optimum[j] * hinv[:, j] / hinv[j, j])
                compensated[active[j]] = 0
                out += [plain, compensated]
            return out

        ranked = list(np.argsort(costs))
        candidates = removals(ranked[:tries])
        ds = obj(candidates)
        if exhaustive and ds.min() > allowed and len(ranked) > tries:
            # the model's favourites failed (clipping makes it wrong): try all the others once
            candidates += removals(ranked[tries:])
            ds = obj(candidates)
        k = int(np.argmin(ds))
        if ds[k] > allowed:
            break
        x = candidates[k]
    return x


def _prune_by_model(obj: _Objective, x: np.ndarray, *, tolerance: float, step: int = 3
                    ) -> np.ndarray:
    """Sparsify in one batch: plan every removal on the local quadratic model, render once.

    With H = J J^T over the tools that are set, the model says what removing tool j costs when
    the others compensate (x_j^2 / [H^-1]_jj) and what the compensated program is. Removing the
    cheapest tool, updating H^-1 by deleting its row and column, and repeating gives a whole
    sequence of ever sparser programs without rendering anything. All of them are then rendered
    in one batch, and the sparsest whose d stays within ``tolerance`` of the start is kept.
    Cost: one forward Jacobian (k + 1 renders) plus k - 1 candidates."""
    active = np.flatnonzero(x != 0)
    if len(active) < 2:
        return x
    start_d = float(obj([x])[0])
    jac, residual = _jacobian(obj, x, step, x != 0, central=False)
    h = (jac @ jac.T)[np.ix_(active, active)]
    h = h + (1e-6 * max(float(np.trace(h)) / len(active), 1e-12)) * np.eye(len(active))
    try:
        hinv = np.linalg.inv(h)
    except np.linalg.LinAlgError:
        return x
    values = x[active].astype(np.float64) + hinv @ (jac @ residual)[active]
    keep = list(range(len(active)))
    sequence = []
    while len(keep) > 1:
        sub = hinv[np.ix_(keep, keep)]
        current = values[keep]
        costs = current ** 2 / np.maximum(np.diag(sub), 1e-12)
        j = int(np.argmin(costs))
        current = current - current[j] * sub[:, j] / sub[j, j]
        for position, index in enumerate(keep):
            values[index] = current[position]
        values[keep[j]] = 0.0
        # H^-1 of the remaining tools: the Schur complement of the removed one
        hinv_keep = sub - np.outer(sub[:, j], sub[j, :]) / sub[j, j]
        keep.pop(j)
        hinv[np.ix_(keep, keep)] = np.delete(np.delete(hinv_keep, j, 0), j, 1)
        candidate = np.zeros_like(x)
        candidate[active] = _clip(values)
        candidate[active[[i for i in range(len(active)) if i not in keep]]] = 0
        sequence.append(candidate)
    ds = obj(sequence)
    allowed = start_d + tolerance
    best = x
    for candidate, d in zip(sequence, ds):  # ever sparser: keep the last one that is good enough
        if d <= allowed:
            best = candidate
    return best


def _auto(obj_coarse: _Objective, obj_fine: _Objective, x: np.ndarray,
          report: SearchReport, prune: bool) -> np.ndarray:
    """Most of the work on the half-size pair (renders cost a quarter there), then a short
    confirmation at full search size, where pixel-scale tools (sharpness) show properly."""
    def mark(stage: str) -> None:
        report.stages.append((stage, float(obj_fine([x])[0]), obj_fine.budget.used))
        report.fine_renders = obj_fine.renders

    def tolerance(d: float) -> float:
        # a removal may cost ~10 % of the remaining distance (never more than 0.0015)
        return min(0.0015, 0.1 * d + 0.0003)

    # 1. jump close from anywhere: central differences see both sides of the kinks at 0
    x = _gauss_newton(obj_coarse, x)
    mark("gauss-newton half size")
    if prune:
        # 2. drop what the look does not need, 3. re-fit what stays
        x = _prune_by_model(obj_coarse, x, tolerance=tolerance(float(obj_coarse([x])[0])))
        x = _gauss_newton(obj_coarse, x, rounds=2, step=3, free=x != 0, central=False)
        mark("prune half size")
    # 4. full search size (forward differences: half the renders); after pruning only the tools
    # that stay move, the pixel-scale ones being measured separately at full resolution
    x = _gauss_newton(obj_fine, x, rounds=1, step=3, central=False)  # a dropped tool may return
    x = _gauss_newton(obj_fine, x, rounds=1, step=3, central=False,
                      free=(x != 0) if prune and (x != 0).any() else None)
    mark("gauss-newton full size")
    if prune:
        x = _prune_by_model(obj_fine, x, tolerance=tolerance(float(obj_fine([x])[0])))
        mark("prune full size")
    # 5. integer polish of what is set
    x = _pattern_search(obj_fine, x, steps=(1,), max_rounds=2, only_nonzero=prune)
    mark("polish")
    return x


# --- detail tools: matched at full resolution ----------------------------------------------------
#: Tools that work at the scale of single pixels. Downscaling for the search averages their effect
#: away, so they are measured on a full-resolution crop instead of by the pixel search.
DETAIL_TOOLS = ("sharpness", "grain")
SHARPNESS_LADDER = (-100, -60, -30, -12, 0, 12, 30, 60, 100)
GRAIN_LADDER = (0, 5, 10, 20, 30, 45, 60, 80, 100)
DETAIL_CROP = 256
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def _high_pass(images: np.ndarray) -> np.ndarray:
    """Luma minus its 3x3 neighbourhood mean, per image: where sharpening and grain live (tone
    and colour tools barely change it)."""
    luma = images @ _LUMA
    pad = np.pad(luma, ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = luma.shape[1:]
    local = sum(pad[:, dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / 9.0
    return luma - local


def estimate_detail(before: np.ndarray, after: np.ndarray, program: dict[str, int],
                    profile: str, render_batch: RenderBatch, *, crop: int = DETAIL_CROP,
                    tools: Sequence[str] = DETAIL_TOOLS) -> tuple[dict[str, int], int]:
    """Sharpness and grain of ``after`` given the rest of ``program``; returns (values, renders).

    On a central crop at full resolution (rendered without the vignette, which would darken the
    crop's own corners): **sharpness** is the ladder value whose high-pass image is closest to
    ``after``'s (grain is noise uncorrelated with the photo's detail, so it does not bias this),
    refined by a parabola through the best three; **grain** is then read off the curve of the
    high-pass energy each grain value adds to the grain-free render, against the energy by which
    ``after`` differs from that render; it is 0 unless that difference exceeds what grain 10
    adds."""
    height, width = before.shape[:2]
    size = min(crop, height, width)
    top, left = (height - size) // 2, (width - size) // 2
    b = np.ascontiguousarray(before[top:top + size, left:left + size])
    hp_after = _high_pass(after[None, top:top + size, left:left + size].astype(np.float32))[0]
    base = {t: v for t, v in program.items() if t not in ("vignette",) + DETAIL_TOOLS}
    found: dict[str, int] = {}
    renders = 0
    if "sharpness" in tools:
        ladder = [{**base, "sharpness": v} if v else dict(base) for v in SHARPNESS_LADDER]
        hp = _high_pass(np.asarray(render_batch(b, ladder, profile), dtype=np.float32))
        renders += len(ladder)
        errors = ((hp - hp_after[None]) ** 2).reshape(len(ladder), -1).mean(axis=1)
        k = int(np.argmin(errors))
        value = float(SHARPNESS_LADDER[k])
        if 0 < k < len(ladder) - 1:  # vertex of the parabola through the best three
            x0, x1, x2 = SHARPNESS_LADDER[k - 1:k + 2]
            e0, e1, e2 = errors[k - 1:k + 2]
            denom = (x0 - x1) * (x0 - x2) * (x1 - x2)
            a = (x2 * (e1 - e0) + x1 * (e0 - e2) + x0 * (e2 - e1)) / denom
            bb = (x2 * x2 * (e0 - e1) + x1 * x1 * (e2 - e0) + x0 * x0 * (e1 - e2)) / denom
            if a > 0:
                value = float(np.clip(-bb / (2 * a), x0, x2))
        # no sharpening unless it explains the detail clearly better than none at all
        if round(value) and errors[SHARPNESS_LADDER.index(0)] > 1.03 * errors.min():
            found["sharpness"] = int(round(value))
    if "grain" in tools:
        with_sharpness = {**base, **found}
        ladder = [{**with_sharpness, "grain": g} if g else dict(with_sharpness)
                  for g in GRAIN_LADDER]
        hp = _high_pass(np.asarray(render_batch(b, ladder, profile), dtype=np.float32))
        renders += len(ladder)
        # compare noise with noise: what each grain value adds to the grain-free render, against
        # what ``after`` has beyond that render (the photo's own detail cancels in both)
        added = ((hp[1:] - hp[0]) ** 2).reshape(len(ladder) - 1, -1).mean(axis=1)
        added = np.maximum.accumulate(np.concatenate([[0.0], added]))
        target = float(((hp_after - hp[0]) ** 2).mean())
        # below what grain 10 adds, the difference is the model's own error, not grain: photos
        # with visible grain are far above it, and a false small grain costs more d than it saves
        if target > added[GRAIN_LADDER.index(10)]:
            grain = int(round(float(np.interp(target, added, GRAIN_LADDER))))
            if grain:
                found["grain"] = grain
    return found, renders


# --- method "fastsearch" (IEA, Appendix D) ------------------------------------------------------
def fast_search(obj: Callable[[Sequence[np.ndarray]], np.ndarray], x: np.ndarray, *,
                offsets: Sequence[int] = FASTSEARCH_OFFSETS, max_passes: int = 8) -> np.ndarray:
    """IEA's greedy tool-wise line search: for each tool in turn, try each offset around the
    *current* value and keep it when d drops; sweep again until a pass improves nothing."""
    best_d = float(obj([x])[0])
    for _ in range(max_passes):
        improved = False
        for i in range(len(x)):
            for offset in offsets:
                candidate = x.copy()
                candidate[i] = np.clip(x[i] + offset, MIN_VALUE, MAX_VALUE)
                if candidate[i] == x[i]:
                    continue
                d = float(obj([candidate])[0])
                if d < best_d:
                    x, best_d, improved = candidate, d, True
        if not improved:
            break
    return x


# --- public API ---------------------------------------------------------------------------------
def _default_renderer() -> RenderBatch:
    from .editor import render_batch

    return _ContextRenderer(render_batch)


class _ContextRenderer:
    """``render_batch`` that keeps the editor's per-image state between calls.

    A search calls the renderer some thirty times on the same two images; the default profile
    rebuilds its per-image maps (lightness, clarity) on every call, about as much work as one
    render. When the editor's driver is importable, one context per image is kept instead;
    otherwise (another profile, a different editor) this is plain ``render_batch``."""

    def __init__(self, render_batch: RenderBatch) -> None:
        self.render_batch = render_batch
        self.contexts: dict[int, tuple[np.ndarray, Any]] = {}

    def __call__(self, image: np.ndarray, programs: Sequence[Any], profile: str = "default",
                 *, seed: int = 0) -> np.ndarray:
        if profile != "default":
            return self.render_batch(image, programs, profile, seed=seed)
        try:
            from .editor.default import ImageContext, render_into
        except ImportError:  # pragma: no cover - editor without the default driver
            return self.render_batch(image, programs, profile, seed=seed)
        key = id(image)
        if key not in self.contexts or self.contexts[key][0] is not image:
            self.contexts[key] = (image, ImageContext(image))
        ctx = self.contexts[key][1]
        out = np.empty((len(programs),) + image.shape[:2] + (3,), dtype=np.float32)
        for i, values in enumerate(programs):
            program = values if isinstance(values, Program) else Program(values)
            if not any(v > 0 or t != "grain" for t, v in program.values.items()):
                out[i] = image[..., :3]  # identity (negative grain does nothing)
            else:
                render_into(ctx, program, out[i], seed=seed, out_scale=1.0, out_offset=0.0)
        return out


def recover_program(before: Any, after: Any, *, profile: str = "default", max_size: int = 256,
                    tools: Sequence[str] = TOOL_NAMES, budget: int | None = None,
                    method: str = "auto", init: Program | None = None, prune: bool = True,
                    render_batch: RenderBatch | None = None,
                    report: SearchReport | None = None) -> tuple[Program, float]:
    """The program whose render of ``before`` comes closest to ``after``, and that distance d.

    ``before``/``after``: H x W x 3 arrays (uint8, uint16 or float 0..1; any size, same framing).
    ``tools``: the tools the search may use (others stay 0). ``budget``: at most this many
    renders (None: until converged). ``init``: starting program (IEA's Stage 1 starts from the
    VLM's guess). ``render_batch``: the renderer, default :func:`iea_core.editor.render_batch`.
    ``report``: filled in with the renders, time and d per stage when given.
    """
    if method not in METHODS:
        raise SearchError(f"unknown search method {method!r}; choose one of {', '.join(METHODS)}")
    tools = tuple(tools)
    unknown = [t for t in tools if t not in TOOLS]
    if unknown or not tools:
        raise SearchError(f"unknown tool(s) {', '.join(unknown) or '(none given)'}")
    renderer = render_batch or _default_renderer()
    started = time.perf_counter()
    before_f, after_f = prepare_pair(before, after, max_size)
    spent = _Budget(budget)
    # "auto" measures the pixel-scale tools again at full size (estimate_detail). Sharpness also
    # takes part in the pixel search (when the pair is only a little larger than the search
    # size, blur still shows there, and leaving it out would push other tools to mimic it);
    # grain does not (downscaling averages it away). FastSearch, as in the paper, searches
    # everything on the downscaled pair.
    detail = () if method == "fastsearch" else tuple(t for t in tools if t in DETAIL_TOOLS)
    pixel_tools = tuple(t for t in tools if t != "grain" or not detail)
    if not pixel_tools:
        pixel_tools = tools
    obj = _Objective(before_f, after_f, pixel_tools, profile, renderer, spent)
    x = np.array([init[t] if init is not None else 0 for t in pixel_tools], dtype=np.int64)
    start_d = float(obj([x])[0])
    report = report if report is not None else SearchReport(method, start_d, start_d)
    report.method, report.start_distance = method, start_d

    try:
        if method == "fastsearch":
            x = fast_search(obj, x)
            report.stages.append(("fastsearch", float(obj([x])[0]), spent.used))
        else:
            b_small, a_small = prepare_pair(before_f, after_f, max(32, max_size // 2))
            coarse = _Objective(b_small, a_small, pixel_tools, profile, renderer, spent)
            x = _auto(coarse, obj, x, report, prune)
    except _BudgetSpent:
        x = obj.best() if obj.best() is not None else x
    if not np.isfinite(obj([x])[0]):  # pragma: no cover - budget ran out at the very end
        x = obj.best()
    values = obj.program(x)
    d = float(obj([x])[0])
    if detail and spent.left() >= len(SHARPNESS_LADDER) + len(GRAIN_LADDER) + 1:
        b_full, a_full = _to_float(before), _to_float(after)
        if a_full.shape != b_full.shape:
            b_full = _resize(b_full, *a_full.shape[:2])
        found, used = estimate_detail(b_full, a_full, values, profile, renderer, tools=detail)
        spent.used += used
        for tool in detail:
            values.pop(tool, None)
        values.update(found)
        # d stays the pixel search's: at the search size, the downscaled ``after`` no longer
        # holds the pixel-scale detail these tools make, so rendering them there would only add
        # noise to the measure
        report.stages.append(("detail", d, spent.used))
    report.distance, report.renders = d, spent.used
    report.seconds = time.perf_counter() - started
    return Program(values), d


def summarize_pair(before: Any, after: Any, *, profile: str = "default", max_size: int = 256,
                   name: str | None = None, **search_options: Any):
    """Image-Summary without a language model: recover the program, then say it in one sentence.

    Returns an :class:`iea_core.agent.base.Style` (sentence, program, name, distance); this is
    what the embedded agent's ``summarize`` returns."""
    from .agent.base import Style
    from .describe import describe_program

    program, d = recover_program(before, after, profile=profile, max_size=max_size,
                                 **search_options)
    sentence = describe_program(program)
    return Style(sentence=sentence, program=program.replace(reasoning=sentence), name=name,
                 distance=d)


__all__ = ["recover_program", "summarize_pair", "fast_search", "prepare_pair", "distances",
           "estimate_detail",
           "SearchReport", "SearchError", "FASTSEARCH_OFFSETS", "METHODS"]
