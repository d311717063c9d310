"""CPU against GPU: time per descent step of the city objective for n random points, n from 36 to 4096.

A step is what the city chapter repeats thousands of times: the loss f(X) over all n^2 pairs, its
backward pass, and the update X <- X - lr * grad, in float32 (the GPU's natural precision). The
distances come from other random points, so every n has a consistent target. CUDA is timed only when
torch.cuda.is_available(); the crossover is the smallest n from which the GPU step is the faster one.
"""

from __future__ import annotations

import time

import torch

from bench.cities import city_loss
from bench.common import Section, Target, format_seconds, markdown_table, median

SIZES = [36, 64, 128, 256, 512, 1024, 2048, 4096]
LR = 0.1


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def step_seconds(n: int, device: torch.device, repeats: int, seed: int = 0) -> float:
    """Median over `repeats` of the mean time of one loss + backward + update step with n points."""
    generator = torch.Generator().manual_seed(seed)
    truth = torch.rand(n, 2, generator=generator)
    start = torch.rand(n, 2, generator=generator)
    D = torch.cdist(truth, truth).to(device)
    D = D / torch.linalg.norm(D)
    X = (start / torch.linalg.norm(start)).to(device).requires_grad_(True)
    steps = max(2, min(200, int(4e5 / n**2)))  # about the same work per measurement at every n

    def run_steps(count: int) -> None:
        for _ in range(count):
            X.grad = None
            loss = city_loss(X, D)
            loss.backward()
            with torch.no_grad():
                X.sub_(LR * X.grad)
        _synchronize(device)

    run_steps(2)  # warm-up: allocations, kernel loading
    timings = []
    for _ in range(repeats):
        begin = time.perf_counter()
        run_steps(steps)
        timings.append((time.perf_counter() - begin) / steps)
    return median(timings)


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
    """Time every size on the CPU and, when present, on CUDA; report the table and the crossover."""
    section = Section("4. CPU against GPU: time per step of the city objective")
    devices = [torch.device("cpu")]
    if torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    times: dict[str, list[float]] = {}
    for device in devices:
        times[device.type] = []
        for n in sizes:
            seconds = step_seconds(n, device, repeats)
            times[device.type].append(seconds)
            print(f"  {device.type} n={n}: {format_seconds(seconds)} per step", flush=True)

    header = ["n points", "CPU per step"]
    if "cuda" in times:
        header += [f"CUDA per step ({torch.cuda.get_device_name(0)})", "CPU / CUDA"]
    rows = []
    for index, n in enumerate(sizes):
        row = [n, format_seconds(times["cpu"][index])]
        if "cuda" in times:
            row += [format_seconds(times["cuda"][index]), f"{times['cpu'][index] / times['cuda'][index]:.2f}"]
        rows.append(row)
    section.lines += [
        f"One step = loss over all n^2 pairs + backward + update, float32. Median of {repeats} measurements, "
        "each the mean over enough steps to do about the same work at every n.",
        "",
        *markdown_table(header, rows),
        "",
    ]
    if "cuda" in times:
        n_cross = crossover(sizes, times["cpu"], times["cuda"])
        text = f"from n = {n_cross} points on" if n_cross else f"never up to n = {sizes[-1]}"
        section.lines.append(f"Crossover: the GPU step is faster {text}.")
        section.targets.append(Target("CPU/GPU crossover size measured", True, f"crossover {text}"))
    else:
        section.lines.append(
            "No GPU was available on this machine (torch.cuda.is_available() is False), so only the CPU was "
            "timed and there is no crossover to report. Run `make bench` on a CUDA machine to fill in the GPU column."
        )
        section.targets.append(
            Target("CPU/GPU crossover size measured", None, "no GPU available here: CPU column only")
        )
    return section
