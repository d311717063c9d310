"""The course's data: where it lives, how to load it, and the code that regenerates it.

Every file in ``data/`` is made by :func:`regenerate` from the constants below, byte for byte:
``python -m utils.data`` rewrites them, ``python -m utils.data --check`` only compares.

``data/`` is the source; the course wheel carries a copy of its files as package data
(``utils/course_data/``, mapped in ``pyproject.toml``). The loaders read that copy with
``importlib.resources`` when the package is installed from the wheel, and ``data/`` itself in a
checkout: :func:`data_files` says which.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import sys
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # a checkout's data/, the source of truth
PACKAGED = "course_data"  # the wheel's copy of data/: utils/course_data/ (package data)
REGENERATE = "python -m utils.data"
REINSTALL = (
    'pip install --force-reinstall --no-deps "$COURSE_PACKAGE" (the course wheel, '
    "autodiff_course_utils-*.whl, as a path or URL; a downloaded chapter's first cell installs it)"
)

EARTH_RADIUS_KM = 6371.0  # mean Earth radius (IUGG)
# Distances are stored rounded to 3 decimals of a km (1 m): the same bytes on every CPU.
DISTANCE_DECIMALS = 3

# (city, latitude, longitude) in degrees north and east, city centres to four decimals.
CITY_COORDINATES: list[tuple[str, float, float]] = [
    ("Amsterdam", 52.3676, 4.9041),
    ("Athens", 37.9838, 23.7275),
    ("Barcelona", 41.3874, 2.1686),
    ("Belgrade", 44.7866, 20.4489),
    ("Berlin", 52.5200, 13.4050),
    ("Brussels", 50.8503, 4.3517),
    ("Bucharest", 44.4268, 26.1025),
    ("Budapest", 47.4979, 19.0402),
    ("Copenhagen", 55.6761, 12.5683),
    ("Dublin", 53.3498, -6.2603),
    ("Gibraltar", 36.1408, -5.3536),
    ("Helsinki", 60.1699, 24.9384),
    ("Istanbul", 41.0082, 28.9784),
    ("Kyiv", 50.4501, 30.5234),
    ("Kiruna", 67.8558, 20.2253),
    ("Lisbon", 38.7223, -9.1393),
    ("London", 51.5074, -0.1278),
    ("Madrid", 40.4168, -3.7038),
    ("Milan", 45.4642, 9.1900),
    ("Moscow", 55.7558, 37.6173),
    ("Munich", 48.1351, 11.5820),
    ("Oslo", 59.9139, 10.7522),
    ("Paris", 48.8566, 2.3522),
    ("Prague", 50.0755, 14.4378),
    ("Reykjavik", 64.1466, -21.9426),
    ("Riga", 56.9496, 24.1052),
    ("Rome", 41.9028, 12.4964),
    ("Sofia", 42.6977, 23.3219),
    ("Stockholm", 59.3293, 18.0686),
    ("Tallinn", 59.4370, 24.7536),
    ("Toulouse", 43.6047, 1.4442),
    ("Trondheim", 63.4305, 10.3951),
    ("Warsaw", 52.2297, 21.0122),
    ("Vienna", 48.2082, 16.3738),
    ("Vilnius", 54.6872, 25.2797),
    ("Zurich", 47.3769, 8.5417),
]

# The sine data: y = sin(SINE_W * x + SINE_T) + Normal(0, SINE_NOISE), x ~ Uniform(SINE_X_RANGE).
SINE_W = 2.5
SINE_T = 1.0
SINE_NOISE = 0.1
SINE_X_RANGE = (-3.0, 3.0)
SINE_ROWS = 500
SINE_SEED = 20240601


@dataclass(frozen=True)
class Cities:
    """The 36 cities: names, (latitude, longitude) in degrees, and great-circle distances in km."""

    names: list[str]
    coordinates: np.ndarray  # shape (n, 2): latitude, longitude in degrees
    distances: np.ndarray  # shape (n, n): great-circle distance in km, float64


def great_circle_km(coordinates: np.ndarray) -> np.ndarray:
    """Pairwise great-circle distances (haversine) in km for (latitude, longitude) rows in degrees.

    Computed one pair at a time with the scalar functions of :mod:`math` and rounded to
    ``DISTANCE_DECIMALS`` (1 m): NumPy's vectorised sin, cos and arcsin pick SIMD kernels by CPU and
    differ in the last bits between CPUs (AVX-512 or not), which rounding to 1 m cannot see.
    """
    rows = np.asarray(coordinates, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[1] != 2:
        raise ValueError(f"coordinates: shape is {rows.shape}, expected (n, 2) rows of latitude, longitude.")
    lat = [math.radians(value) for value in rows[:, 0].tolist()]
    lon = [math.radians(value) for value in rows[:, 1].tolist()]
    n = len(lat)
    distances = np.zeros((n, n), dtype=np.float64)
    for i in range(n):
        for j in range(i + 1, n):
            h = math.sin((lat[i] - lat[j]) / 2) ** 2 + math.cos(lat[i]) * math.cos(lat[j]) * math.sin(
                (lon[i] - lon[j]) / 2
            ) ** 2
            d = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))
            distances[i, j] = distances[j, i] = round(d, DISTANCE_DECIMALS)
    return distances


def data_files() -> Traversable:
    """The folder the loaders read: the installed package's data, else the checkout's ``data/``."""
    packaged = resources.files("utils") / PACKAGED
    if packaged.is_dir():
        return packaged
    if DATA_DIR.is_dir():
        return DATA_DIR
    raise FileNotFoundError(
        f"The course data is missing: neither {packaged} (an installed course package) nor {DATA_DIR} "
        f"(a checkout) exists. Reinstall the package: {REINSTALL}"
    )


def _fix(path: Traversable) -> str:
    """How to restore a bad data file: reinstall the package it came with, or regenerate data/."""
    if isinstance(path, Path) and path.parent.name == PACKAGED and path.parent.parent.name == "utils":
        return f"Reinstall the course package: {REINSTALL}"
    return f"Regenerate the course data from the repository root with: {REGENERATE}"


def _missing(path: Traversable) -> FileNotFoundError:
    return FileNotFoundError(f"Data file {path} is missing. {_fix(path)}")


def _read_cities_csv(path: Traversable) -> tuple[list[str], np.ndarray]:
    if not path.is_file():
        raise _missing(path)
    with io.StringIO(path.read_text(encoding="utf-8"), newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["city", "latitude", "longitude"]:
            raise ValueError(
                f"{path}: expected the header 'city,latitude,longitude', found {reader.fieldnames}. {_fix(path)}"
            )
        rows = list(reader)
    names = [row["city"] for row in rows]
    try:
        coordinates = np.array([[float(row["latitude"]), float(row["longitude"])] for row in rows])
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: a latitude or longitude is not a number ({error}). {_fix(path)}") from error
    return names, coordinates


def _load_npy(path: Traversable) -> np.ndarray:
    if not path.is_file():
        raise _missing(path)
    try:
        return np.load(io.BytesIO(path.read_bytes()), allow_pickle=False)
    except (ValueError, EOFError, OSError) as error:  # not .npy, pickled, or cut short
        raise ValueError(f"{path} is not a plain numeric .npy file ({error}). {_fix(path)}") from error


def check_distance_matrix(distances: np.ndarray, n: int, source: str = "distance matrix") -> None:
    """Raise ValueError unless `distances` is an n x n float64 matrix, symmetric, non-negative, zero diagonal."""
    if distances.dtype != np.float64:
        raise ValueError(f"{source}: dtype is {distances.dtype}, expected float64.")
    if distances.shape != (n, n):
        raise ValueError(f"{source}: shape is {distances.shape}, expected ({n}, {n}), one row and column per city.")
    if not np.all(np.isfinite(distances)):
        raise ValueError(f"{source}: contains NaN or infinite entries.")
    if np.any(distances < 0):
        i, j = np.argwhere(distances < 0)[0]
        raise ValueError(f"{source}: negative distance {distances[i, j]} at row {i}, column {j}.")
    if not np.allclose(distances, distances.T, rtol=0, atol=1e-9):
        i, j = np.argwhere(~np.isclose(distances, distances.T, rtol=0, atol=1e-9))[0]
        raise ValueError(
            f"{source}: not symmetric: entry ({i}, {j}) is {distances[i, j]} but ({j}, {i}) is {distances[j, i]}."
        )
    if np.any(np.diag(distances) != 0):
        raise ValueError(f"{source}: the diagonal (a city's distance to itself) must be zero.")


def load_cities(data_dir: Path | None = None) -> Cities:
    """Load city names, coordinates and the distance matrix (km) from the course data, validated."""
    folder = data_files() if data_dir is None else Path(data_dir)
    names, coordinates = _read_cities_csv(folder / "cities.csv")
    distances_path = folder / "distances.npy"
    distances = _load_npy(distances_path)
    try:
        check_distance_matrix(distances, len(names), source=str(distances_path))
    except ValueError as error:
        raise ValueError(f"{error} {_fix(distances_path)}") from error
    return Cities(names=names, coordinates=coordinates, distances=distances)


def load_sine_data(data_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Load the noisy sine samples as float32 arrays ``(x, y)``, one entry per row of ``sgd_data.npy``."""
    folder = data_files() if data_dir is None else Path(data_dir)
    path = folder / "sgd_data.npy"
    data = _load_npy(path)
    if data.ndim != 2 or data.shape[1] != 2:
        raise ValueError(f"{path}: shape is {data.shape}, expected (rows, 2) with columns x and y. {_fix(path)}")
    if data.dtype != np.float32:
        raise ValueError(f"{path}: dtype is {data.dtype}, expected float32. {_fix(path)}")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{path}: contains NaN or infinite entries. {_fix(path)}")
    return data[:, 0].copy(), data[:, 1].copy()


# --- generation -------------------------------------------------------------------------------


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def build_files() -> dict[str, bytes]:
    """The exact bytes of every generated file in ``data/``, keyed by file name."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["city", "latitude", "longitude"])
    for name, lat, lon in CITY_COORDINATES:
        writer.writerow([name, f"{lat:.4f}", f"{lon:.4f}"])
    coordinates = np.array([[lat, lon] for _, lat, lon in CITY_COORDINATES], dtype=np.float64)

    rng = np.random.default_rng(SINE_SEED)
    x = rng.uniform(*SINE_X_RANGE, size=SINE_ROWS)
    noise = rng.normal(0.0, SINE_NOISE, size=SINE_ROWS)
    # Scalar math.sin, not np.sin: the vectorised kernel's last bits depend on the CPU (see great_circle_km).
    y = np.array([math.sin(SINE_W * xi + SINE_T) for xi in x.tolist()]) + noise
    sine = np.stack([x, y], axis=1).astype(np.float32)

    return {
        "cities.csv": text.getvalue().encode("utf-8"),
        "distances.npy": _npy_bytes(great_circle_km(coordinates)),
        "sgd_data.npy": _npy_bytes(sine),
    }


def regenerate(data_dir: Path | None = None, check: bool = False) -> list[str]:
    """Write (or with `check`, only compare) every generated file; return the names that differ."""
    folder = DATA_DIR if data_dir is None else Path(data_dir)
    differ = []
    for name, content in build_files().items():
        path = folder / name
        if not path.is_file() or path.read_bytes() != content:
            differ.append(name)
            if not check:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
    return differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the course data in data/ byte for byte.")
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if a file differs")
    args = parser.parse_args(argv)
    if not (DATA_DIR.parent / "pyproject.toml").is_file():
        print(
            f"{DATA_DIR.parent} is not a checkout of the course: `{REGENERATE}` rewrites a checkout's data/. "
            f"An installed package's data is restored by reinstalling it: {REINSTALL}",
            file=sys.stderr,
        )
        return 2
    differ = regenerate(check=args.check)
    for name, content in build_files().items():
        status = "DIFFERS" if name in differ else "ok"
        print(f"{name:15s} sha256 {hashlib.sha256(content).hexdigest()}  {status if args.check else 'written'}")
    return 1 if (args.check and differ) else 0


if __name__ == "__main__":
    sys.exit(main())
