"""Device choice (CUDA, then Apple's MPS, then the CPU) and the run report closing each chapter."""

from __future__ import annotations

import platform
import time

import torch


def pick_device(verbose: bool = True) -> torch.device:
    """Return the best available device: CUDA, then MPS, then CPU; print which in one line."""
    if torch.cuda.is_available():
        device = torch.device("cuda")
        detail = torch.cuda.get_device_name(device)
    elif torch.backends.mps.is_available():
        device = torch.device("mps")
        detail = "Apple GPU through Metal"
    else:
        device = torch.device("cpu")
        detail = "no CUDA or MPS GPU found; everything in this course runs on the CPU"
    if verbose:
        print(f"Using device: {device.type} ({detail})")
    return device


def synchronize(device: torch.device) -> None:
    """Wait until `device` has done its queued work (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def run_report(device: torch.device, started: float) -> str:
    """One line for a chapter's last cell: torch version, device and seconds since `started`.

    `started` is a `time.perf_counter()` reading taken in the chapter's setup cell.
    """
    elapsed = time.perf_counter() - started
    return (
        f"torch {torch.__version__} | Python {platform.python_version()} | "
        f"device {device.type} | chapter ran in {elapsed:.1f} s"
    )
