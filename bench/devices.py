"""CPU against GPU: time per descent step of the city objective for n random points, n from 36 to 4096.

A step is what the city chapter repeats thousands of times: the objective over all n^2 pairs
(`utils.cities.city_objective`, the chapter's `torch.cdist` form), its backward pass and the update
X <- X - lr * grad, in float32 (the GPUs' natural precision; MPS has no float64). The distances come
from other random points, so every n has a consistent target. Each device present is timed: the
CPU always, CUDA and Apple's MPS when torch sees them. `torch.utils.benchmark.Timer` runs the
measurement, reading its clock only after `utils.device.synchronize` has waited for the device's
queued work. The crossover is the smallest n from which a GPU step is the faster one.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

import torch
from torch.utils import benchmark

from bench.common import Section, Target, format_seconds, markdown_table
from utils.cities import city_objective
from utils.device import synchronize

SIZES = [36, 64, 128, 256, 512, 1024, 2048, 4096]
LR = 0.1
MIN_RUN_SECONDS = 0.2  # per repeat: blocked_autorange measures blocks of steps for at least this long


def available_devices() -> list[torch.device]:
    """The CPU, then CUDA and MPS when torch can use them."""
    devices = [torch.device("cpu")]
    if torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    if torch.backends.mps.is_available():
        devices.append(torch.device("mps"))
    return devices


def device_name(device: torch.device) -> str:
    """A column heading for a device: its type and, for CUDA, the card."""
    if device.type == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(device)})"
    return {"cpu": "CPU", "mps": "MPS (Apple GPU)"}.get(device.type, device.type)


def synchronized_clock(device: torch.device) -> Callable[[], float]:
    """A clock for benchmark.Timer that first waits for the work queued on `device`."""

    def clock() -> float:
        synchronize(device)
        return timeit.default_timer()

    return clock


def random_problem(n: int, device: torch.device, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded n x 2 start X (a leaf that requires grad) and n x n target distances D, both normalised."""
    generator = torch.Generator().manual_seed(seed)
    truth = torch.rand(n, 2, generator=generator)
    start = torch.rand(n, 2, generator=generator)
    D = torch.cdist(truth, truth)
    X = start / torch.linalg.norm(start)
    return X.to(device).requires_grad_(True), (D / torch.linalg.norm(D)).to(device)


def descent_step(X: torch.Tensor, D: torch.Tensor, lr: float = LR) -> Callable[[], None]:
    """One objective + backward + update step of X in place, as a function to time."""

    def step() -> None:
        X.grad = None
        city_objective(X, D).backward()
        with torch.no_grad():
            X.sub_(lr * X.grad)

    return step


def step_seconds(n: int, device: torch.device, repeats: int) -> float:
    """Median seconds of one step (torch.utils.benchmark, at torch's own thread count)."""
    step = descent_step(*random_problem(n, device))
    step()  # warm-up: allocations, kernel loading
    step()
    timer = benchmark.Timer(
        stmt="step()",
        globals={"step": step},
        timer=synchronized_clock(device),
        num_threads=torch.get_num_threads(),  # Timer would otherwise time on one thread
        label="city objective step",
        sub_label=f"n={n}",
        description=device.type,
    )
    return timer.blocked_autorange(min_run_time=MIN_RUN_SECONDS * repeats).median


def crossover(sizes: list[int], cpu: list[float], gpu: list[float]) -> int | None:
    """The smallest n from which the GPU is faster at that n and every larger one; None if never."""
    found = None
    for n, cpu_time, gpu_time in reversed(list(zip(sizes, cpu, gpu))):
        if gpu_time < cpu_time:
            found = n
        else:
            break
    return found


def run(repeats: int, sizes: list[int] = SIZES) -> Section:
    """Time every size on every device present; report the table and each GPU's crossover."""
    section = Section("4. CPU against GPU: time per step of the city objective")
    devices = available_devices()
    times: dict[torch.device, list[float]] = {}
    for device in devices:
        times[device] = []
        for n in sizes:
            seconds = step_seconds(n, device, repeats)
            times[device].append(seconds)
            print(f"  {device.type} n={n}: {format_seconds(seconds)} per step", flush=True)

    cpu, gpus = devices[0], devices[1:]
    header = ["n points", "CPU per step"]
    for gpu in gpus:
        header += [f"{device_name(gpu)} per step", f"CPU / {gpu.type.upper()}"]
    rows = []
    for index, n in enumerate(sizes):
        row = [n, format_seconds(times[cpu][index])]
        for gpu in gpus:
            row += [format_seconds(times[gpu][index]), f"{times[cpu][index] / times[gpu][index]:.2f}"]
        rows.append(row)
    section.lines += [
        "One step = objective over all n^2 pairs (`utils.cities.city_objective`) + backward + update, float32. "
        f"Median per step from `torch.utils.benchmark.Timer.blocked_autorange` (at least "
        f"{MIN_RUN_SECONDS * repeats:g} s of steps per size), the clock read after `utils.device.synchronize`.",
        "",
        *markdown_table(header, rows),
        "",
    ]
    for gpu in gpus:
        n_cross = crossover(sizes, times[cpu], times[gpu])
        text = f"from n = {n_cross} points on" if n_cross else f"never up to n = {sizes[-1]}"
        section.lines.append(f"Crossover ({device_name(gpu)}): the GPU step is faster {text}.")
        section.targets.append(Target(f"CPU/{gpu.type.upper()} crossover size measured", True, f"crossover {text}"))
    if not gpus:
        section.lines.append(
            "No GPU was available on this machine (neither CUDA nor MPS), so only the CPU was timed and "
            "there is no crossover to report. Run `make bench` on a CUDA or Apple-silicon machine to fill "
            "in the GPU columns."
        )
        section.targets.append(Target("CPU/GPU crossover size measured", None, "no GPU available here: CPU column only"))
    return section
