"""City placement: how long each optimiser takes to bring the city objective down to a loss of 1e-6.

The objective (the city chapter's), with D the 36 x 36 great-circle distances divided by their
Frobenius norm and X the positions, a seeded uniform random start divided by its Frobenius norm:

    f(X) = 1/2 * sum_ij (|x_i - x_j|^2 - d_ij^2)^2,     df/dx_i = 4 * sum_j r_ij (x_i - x_j),

with r_ij = |x_i - x_j|^2 - d_ij^2. Both normalisations make f itself the normalised loss: f starts
near 0.16 and its minimum is about 1e-8 (a sphere does not lie flat, so 0 is out of reach).
f is the chapter's own (`utils.cities.city_objective`, through `torch.cdist`); the SciPy baseline
without torch computes it and its hand gradient with Python loops. Every method counts its
evaluations of f; the clock stops at the first evaluation with f <= 1e-6. Everything is float64 on
the CPU, so no device has to be synchronised before reading the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import scipy.optimize
import torch

from bench.common import Section, Target, format_seconds, markdown_table, median
from utils.cities import city_objective

TARGET_LOSS = 1e-6
SEED = 0
MAX_EVALUATIONS = 50_000
SPEED_UP_TARGET = 20.0
# The step sizes each fixed-step method is tried with; the race uses the one that needs the fewest
# evaluations (the largest stable steps are near 2 / the curvature at the start, which falls fast).
STEP_SWEEPS = {
    "fixed-step descent": (0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.6),
    "SGD + momentum 0.9": (0.02, 0.05, 0.1, 0.2, 0.3, 0.4),
    "Adam": (0.003, 0.01, 0.03, 0.1, 0.3),
}


def city_problem(seed: int = SEED) -> tuple[torch.Tensor, torch.Tensor]:
    """The normalised distances D (36 x 36) and the normalised seeded random start X0 (36 x 2), float64."""
    from utils.data import load_cities

    distances = torch.tensor(load_cities().distances, dtype=torch.float64)
    D = distances / torch.linalg.norm(distances)
    generator = torch.Generator().manual_seed(seed)
    X0 = torch.rand(len(D), 2, generator=generator, dtype=torch.float64)
    return D, X0 / torch.linalg.norm(X0)


def city_loss_and_gradient_loops(x: list[list[float]], d: list[list[float]]) -> tuple[float, list[list[float]]]:
    """f and its hand-derived gradient 4 * sum_j r_ij (x_i - x_j), with plain Python loops over i and j."""
    n = len(x)
    loss = 0.0
    gradient = [[0.0, 0.0] for _ in range(n)]
    for i in range(n):
        for j in range(n):
            dx = x[i][0] - x[j][0]
            dy = x[i][1] - x[j][1]
            r = dx * dx + dy * dy - d[i][j] * d[i][j]
            loss += 0.5 * r * r
            gradient[i][0] += 4.0 * r * dx
            gradient[i][1] += 4.0 * r * dy
    return loss, gradient


class TargetReached(Exception):
    """Raised by a Recorder to stop an optimiser at the first evaluation that reaches the target."""


class Recorder:
    """Counts evaluations of f and stops the run (raising TargetReached) once f <= target."""

    def __init__(self, target: float = TARGET_LOSS, limit: int = MAX_EVALUATIONS) -> None:
        self.target = target
        self.limit = limit
        self.evaluations = 0
        self.last = float("nan")
        self.start = time.perf_counter()
        self.seconds: float | None = None

    def __call__(self, value: float) -> None:
        self.evaluations += 1
        self.last = value
        if value <= self.target:
            self.seconds = time.perf_counter() - self.start
            raise TargetReached
        if not np.isfinite(value) or self.evaluations >= self.limit:
            raise TargetReached  # gave up: diverged or out of evaluations; seconds stays None


def fixed_step_descent(D: torch.Tensor, X0: torch.Tensor, record: Recorder, lr: float) -> None:
    """X <- X - lr * grad f(X), one evaluation per step."""
    X = X0.clone().requires_grad_(True)
    while True:
        loss = city_objective(X, D)
        record(loss.item())
        X.grad = None
        loss.backward()
        with torch.no_grad():
            X -= lr * X.grad


def _optimizer_steps(
    D: torch.Tensor,
    X0: torch.Tensor,
    record: Recorder,
    optimizer_for: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
) -> None:
    """Step the optimizer `optimizer_for([X])` from X0 until `record` stops it, one evaluation per step."""
    X = X0.clone().requires_grad_(True)
    optimizer = optimizer_for([X])
    while True:
        optimizer.zero_grad()
        loss = city_objective(X, D)
        record(loss.item())
        loss.backward()
        optimizer.step()


def momentum(D: torch.Tensor, X0: torch.Tensor, record: Recorder, lr: float) -> None:
    """torch.optim.SGD with momentum 0.9, one evaluation per step."""
    _optimizer_steps(D, X0, record, lambda params: torch.optim.SGD(params, lr=lr, momentum=0.9))


def adam(D: torch.Tensor, X0: torch.Tensor, record: Recorder, lr: float) -> None:
    """torch.optim.Adam, one evaluation per step."""
    _optimizer_steps(D, X0, record, lambda params: torch.optim.Adam(params, lr=lr))


def lbfgs(D: torch.Tensor, X0: torch.Tensor, record: Recorder) -> None:
    """torch.optim.LBFGS with a strong-Wolfe line search; every closure call is one evaluation."""
    X = X0.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS(
        [X], lr=1.0, max_iter=MAX_EVALUATIONS, tolerance_grad=0.0, tolerance_change=0.0, line_search_fn="strong_wolfe"
    )

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = city_objective(X, D)
        record(loss.item())
        loss.backward()
        return loss

    while True:
        optimizer.step(closure)


def _scipy_bfgs(fun: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray) -> None:
    options = {"gtol": 0.0, "maxiter": MAX_EVALUATIONS}
    scipy.optimize.minimize(fun, x0, jac=True, method="BFGS", options=options)
    raise TargetReached  # BFGS stopped on its own before the target (e.g. a failed line search)


def scipy_bfgs_autograd(D: torch.Tensor, X0: torch.Tensor, record: Recorder) -> None:
    """SciPy's BFGS on a flat float64 vector, f and its gradient from torch autograd."""

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        X = torch.from_numpy(x).reshape(-1, 2).requires_grad_(True)
        loss = city_objective(X, D)
        record(loss.item())
        loss.backward()
        return loss.item(), X.grad.numpy().ravel()

    _scipy_bfgs(fun, X0.numpy().ravel().copy())


def scipy_bfgs_loops(D: torch.Tensor, X0: torch.Tensor, record: Recorder) -> None:
    """SciPy's BFGS with f and the hand gradient computed by Python double loops (no torch in the loop)."""
    d = D.tolist()

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        loss, gradient = city_loss_and_gradient_loops(x.reshape(-1, 2).tolist(), d)
        record(loss)
        return loss, np.array(gradient).ravel()

    _scipy_bfgs(fun, X0.numpy().ravel().copy())


Method = Callable[[torch.Tensor, torch.Tensor, Recorder], None]
SWEPT: dict[str, Callable[..., None]] = {
    "fixed-step descent": fixed_step_descent,
    "SGD + momentum 0.9": momentum,
    "Adam": adam,
}
SELF_STEPPING: dict[str, Method] = {
    "L-BFGS (torch, strong Wolfe)": lbfgs,
    "SciPy BFGS, autograd gradient": scipy_bfgs_autograd,
    "SciPy BFGS, Python loops + hand gradient": scipy_bfgs_loops,
}


def best_step(name: str) -> tuple[float | None, dict[float, int | None]]:
    """Sweep a method's step sizes; (the one with the fewest evaluations to the target, or None if
    none reached it; {step: evaluations, None where it diverged or gave up})."""
    counts: dict[float, int | None] = {}
    for lr in STEP_SWEEPS[name]:
        record = race(lambda D, X0, record, lr=lr: SWEPT[name](D, X0, record, lr))
        counts[lr] = record.evaluations if record.seconds is not None else None
    reached = {lr: count for lr, count in counts.items() if count is not None}
    return (min(reached, key=lambda lr: (reached[lr], -lr)) if reached else None), counts


def race(method: Method) -> Recorder:
    """Run one method from the seeded start until it reaches the target (or gives up); return its record."""
    D, X0 = city_problem()
    record = Recorder()
    try:
        method(D, X0, record)
    except TargetReached:
        pass
    return record


def methods_at_their_best_steps(section: Section) -> dict[str, Method]:
    """Sweep the step of each fixed-step method (the sweep goes into `section`); every method to race."""
    methods: dict[str, Method] = {}
    rows = []
    for name in SWEPT:
        lr, counts = best_step(name)
        rows.append((name, ", ".join(f"{step:g}: {count or 'diverged / never'}" for step, count in counts.items()),
                     f"{lr:g}" if lr is not None else "none reached the target"))
        if lr is not None:
            methods[f"{name} (lr {lr:g})"] = lambda D, X0, record, lr=lr, method=SWEPT[name]: method(D, X0, record, lr)
        print(f"  sweep {name}: best lr {lr}", flush=True)
    section.lines += [
        "Each fixed-step method at its best step: evaluations to the target for every step tried (the race "
        "uses the step with the fewest):",
        "",
        *markdown_table(["method", "evaluations to 1e-6 by step size", "best step"], rows),
        "",
    ]
    methods.update(SELF_STEPPING)
    return methods


def run(repeats: int) -> Section:
    """Race every method `repeats` times, side by side (round by round); median time, evaluation count."""
    section = Section("3. City placement: time to a normalised loss of 1e-6")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 36 x 36 tensors: a second thread only adds noise on a busy machine
    try:
        return _race_all(section, repeats)
    finally:
        torch.set_num_threads(threads)


def _race_all(section: Section, repeats: int) -> Section:
    methods = methods_at_their_best_steps(section)
    for method in methods.values():
        race(method)  # warm-up, not counted: first-call costs (lazy imports, allocator) land here
    records: dict[str, list[Recorder]] = {name: [] for name in methods}
    for _ in range(repeats):  # round by round, so a busy moment of the machine hits every method alike
        for name, method in methods.items():
            records[name].append(race(method))
    results = {}
    varying: list[str] = []  # methods whose evaluation count changed between runs (none expected: all seeded)
    for name, runs in records.items():
        reached = [record.seconds for record in runs if record.seconds is not None]
        seconds = median(reached) if len(reached) == len(runs) else None
        results[name] = (seconds, runs[0])
        if len({record.evaluations for record in runs}) > 1:
            varying.append(name)
        print(f"  {name}: {format_seconds(seconds)}, {runs[0].evaluations} evaluations", flush=True)

    baseline_name = next(iter(methods))
    baseline = results[baseline_name][0] if baseline_name.startswith("fixed-step") else None
    rows = []
    for name, (seconds, record) in results.items():
        speed_up = f"{baseline / seconds:.1f}x" if (seconds and baseline) else "n/a"
        per_eval = format_seconds(seconds / record.evaluations) if seconds else "n/a"
        status = format_seconds(seconds) if seconds is not None else f"not reached (last f = {record.last:.3g})"
        rows.append((name, status, record.evaluations, per_eval, speed_up))
    section.lines += [
        f"Float64 on the CPU (one torch thread), seeded uniform start (seed {SEED}), both normalised by their Frobenius norm; "
        f"the clock stops at the first evaluation with f <= {TARGET_LOSS:g}. Median of {repeats} runs, the "
        "methods taking turns; "
        + (f"evaluation counts varied between runs for: {', '.join(varying)} (the first run's count is shown)."
           if varying else "the evaluation counts were the same in every run."),
        "",
        *markdown_table(["method", "time to 1e-6", "evaluations", "time per evaluation", "speed-up vs fixed step"], rows),
    ]
    timed = {name: seconds for name, (seconds, _) in results.items() if seconds is not None}
    target = f"fastest method >= {SPEED_UP_TARGET:g}x faster than fixed-step descent at its best step"
    if baseline is None or len(timed) < 2:
        section.targets.append(Target(target, None, "not measured: a method did not reach the target"))
        return section
    fastest = min(timed, key=timed.get)
    factor = baseline / timed[fastest]
    evaluations = results[baseline_name][1].evaluations / results[fastest][1].evaluations
    cost = (timed[fastest] / results[fastest][1].evaluations) / (baseline / results[baseline_name][1].evaluations)
    detail = (
        f"{fastest}: {factor:.1f}x faster ({format_seconds(timed[fastest])} against {format_seconds(baseline)}), "
        f"= {evaluations:.1f}x fewer evaluations at {cost:.1f}x the time per evaluation"
    )
    if factor < SPEED_UP_TARGET:
        detail += f"; {SPEED_UP_TARGET / factor:.1f}x short of the target"
    section.targets.append(Target(target, factor >= SPEED_UP_TARGET, detail))
    return section
