"""Helpers shared by the chapters: data loading (`utils.data`), plotting (`utils.plotting`), device
choice and synchronisation (`utils.device`), the city-placement objective (`utils.cities`),
explorable figures (`utils.explore`) and what differs between the supported torch releases
(`utils.torch_support`).

Importing this package changes nothing: no seeding, no plotting style, no device choice.
Chapters call what they need explicitly, e.g. ``utils.pick_device()``.
"""

from importlib import import_module

_EXPORTS = {
    "Cities": "utils.data",
    "city_objective": "utils.cities",
    "explorable": "utils.explore",
    "load_cities": "utils.data",
    "load_forward_ad": "utils.torch_support",
    "load_sine_data": "utils.data",
    "pick_device": "utils.device",
    "run_report": "utils.device",
    "synchronize": "utils.device",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    # Submodules load on first use, so `python -m utils.data` runs without a double import.
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'utils' has no attribute {name!r}")
