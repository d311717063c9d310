"""utils.data: the shipped files load, regenerate byte for byte, and bad files fail loudly."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from utils import data
from utils.data import load_cities, load_sine_data


@pytest.fixture
def data_copy(tmp_path):
    for name in ("cities.csv", "distances.npy", "sgd_data.npy"):
        shutil.copy(data.DATA_DIR / name, tmp_path / name)
    return tmp_path


def test_shipped_files_regenerate_byte_for_byte():
    assert data.regenerate(check=True) == []


def _baseline_only_numpy() -> dict[str, str]:
    """Environment that makes NumPy ignore every SIMD extension beyond its baseline (another CPU's kernels)."""
    from numpy._core import _multiarray_umath as umath

    found = [name for name in umath.__cpu_dispatch__ if umath.__cpu_features__.get(name)]
    return {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(found)}


def test_data_regenerates_identically_without_the_cpus_simd_kernels():
    # The shipped files were once written with AVX-512 sin/cos/arcsin and differed on other CPUs.
    result = subprocess.run(
        [sys.executable, "-m", "utils.data", "--check"],
        env=_baseline_only_numpy(),
        cwd=data.DATA_DIR.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_distance_is_far_from_a_rounding_boundary():
    # Last-bit differences between CPUs (about 1e-12 km) cannot move a distance across a 1 m rounding step.
    coordinates = np.array([[lat, lon] for _, lat, lon in data.CITY_COORDINATES])
    lat, lon = np.radians(coordinates).T
    h = np.sin((lat[:, None] - lat) / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat) * np.sin((lon[:, None] - lon) / 2) ** 2
    exact = 2 * data.EARTH_RADIUS_KM * np.arcsin(np.sqrt(h)) * 10**data.DISTANCE_DECIMALS
    margin = np.abs(exact - np.floor(exact) - 0.5)
    assert margin.min() > 1e-6, f"a distance lies {margin.min():.1e} units from a rounding boundary"
    assert np.abs(load_cities().distances * 10**data.DISTANCE_DECIMALS - exact).max() <= 0.5 + 1e-9


def test_regenerate_writes_identical_files(tmp_path):
    assert sorted(data.regenerate(tmp_path)) == ["cities.csv", "distances.npy", "sgd_data.npy"]
    for name in ("cities.csv", "distances.npy", "sgd_data.npy"):
        assert (tmp_path / name).read_bytes() == (data.DATA_DIR / name).read_bytes()


def test_cities_are_the_36_in_order():
    cities = load_cities()
    assert len(cities.names) == 36
    assert cities.names[0] == "Amsterdam" and cities.names[-1] == "Zurich"
    assert cities.coordinates.shape == (36, 2)
    assert cities.distances.shape == (36, 36) and cities.distances.dtype == np.float64


def test_known_distances_in_km():
    cities = load_cities()
    index = cities.names.index
    # Great-circle distances on a sphere of radius 6371 km (published values: London-Paris ~344 km).
    assert cities.distances[index("London"), index("Paris")] == pytest.approx(343.6, abs=1.0)
    assert cities.distances[index("Madrid"), index("Moscow")] == pytest.approx(3440, rel=0.01)


def test_distance_matrix_is_a_metric_on_the_sample():
    d = load_cities().distances
    assert np.allclose(d, d.T) and np.all(np.diag(d) == 0) and np.all(d >= 0)
    # triangle inequality holds for great-circle distances
    assert np.all(d[:, None, :] <= d[:, :, None] + d[None, :, :] + 1e-9)


def test_sine_data_is_float32_pairs_near_the_true_curve():
    x, y = load_sine_data()
    assert x.dtype == np.float32 and y.dtype == np.float32 and x.shape == y.shape and len(x) >= 400
    residual = y - np.sin(data.SINE_W * x + data.SINE_T)
    assert abs(residual.std() - data.SINE_NOISE) < 0.02


def test_missing_file_names_the_path_and_the_fix(data_copy):
    (data_copy / "distances.npy").unlink()
    with pytest.raises(FileNotFoundError, match=r"distances\.npy.*python -m utils\.data"):
        load_cities(data_copy)


def test_missing_sine_file_names_the_path(data_copy):
    (data_copy / "sgd_data.npy").unlink()
    with pytest.raises(FileNotFoundError, match=r"sgd_data\.npy"):
        load_sine_data(data_copy)


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda d: d[:-1], "shape"),
        (lambda d: d.astype(np.float32), "dtype"),
        (lambda d: d + np.triu(np.ones_like(d), 1), "not symmetric"),
        (lambda d: -d, "negative"),
        (lambda d: d + np.eye(len(d)), "diagonal"),
        (lambda d: np.where(np.eye(len(d), dtype=bool), d, np.nan), "NaN"),
    ],
)
def test_bad_distance_matrix_raises_value_error(data_copy, corrupt, message):
    path = data_copy / "distances.npy"
    np.save(path, corrupt(np.load(path)))
    with pytest.raises(ValueError, match=message):
        load_cities(data_copy)


def test_pickled_file_is_refused(data_copy):
    np.save(data_copy / "distances.npy", np.array([{"not": "numbers"}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="distances.npy"):
        load_cities(data_copy)


def test_bad_csv_header_is_named(data_copy):
    path = data_copy / "cities.csv"
    path.write_text(path.read_text().replace("latitude", "lat", 1))
    with pytest.raises(ValueError, match="city,latitude,longitude"):
        load_cities(data_copy)


def test_sine_data_with_wrong_shape_or_dtype_raises(data_copy):
    path = data_copy / "sgd_data.npy"
    np.save(path, np.zeros((10, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        load_sine_data(data_copy)
    np.save(path, np.zeros((10, 2), dtype=np.float64))
    with pytest.raises(ValueError, match="float32"):
        load_sine_data(data_copy)


def test_check_mode_reports_a_changed_file(tmp_path):
    data.regenerate(tmp_path)
    (tmp_path / "cities.csv").write_text("city,latitude,longitude\n")
    assert data.regenerate(tmp_path, check=True) == ["cities.csv"]


def test_data_readme_states_the_current_checksums():
    import hashlib

    readme = (data.DATA_DIR / "README.md").read_text()
    for name, content in data.build_files().items():
        assert hashlib.sha256(content).hexdigest() in readme, f"data/README.md: update the sha256 of {name}"
    assert f"w = {data.SINE_W}" in readme and f"t = {data.SINE_T}" in readme


def test_coordinates_are_latitude_then_longitude_of_the_named_city():
    # Asymmetric on purpose: a latitude/longitude swap or a shifted row gives other numbers here.
    cities = load_cities()
    lat, lon = cities.coordinates[:, 0], cities.coordinates[:, 1]
    assert cities.names[int(np.argmax(lat))] == "Kiruna"  # northernmost, 67.9 N
    assert cities.names[int(np.argmin(lon))] == "Reykjavik"  # westernmost, 21.9 W
    assert cities.names[int(np.argmax(lon))] == "Moscow"  # easternmost, 37.6 E
    lisbon = cities.coordinates[cities.names.index("Lisbon")]
    assert lisbon.tolist() == pytest.approx([38.7223, -9.1393], abs=1e-9)
    assert [(name, *row) for name, row in zip(cities.names, cities.coordinates.tolist())] == data.CITY_COORDINATES


def test_distance_rows_follow_the_names_and_coordinates():
    cities = load_cities()
    assert np.array_equal(cities.distances, data.great_circle_km(cities.coordinates))
    index = cities.names.index
    oslo = cities.distances[index("Oslo")]
    nearest = sorted(range(len(oslo)), key=oslo.__getitem__)[1]  # [0] is Oslo itself
    assert cities.names[nearest] == "Trondheim" and oslo[nearest] == pytest.approx(391, abs=3)  # 3.5 degrees north


def test_sine_data_has_every_row_with_x_and_y_in_place():
    x, y = load_sine_data()
    assert len(x) == data.SINE_ROWS
    low, high = data.SINE_X_RANGE
    assert low <= x.min() < low + 0.1 and high - 0.1 < x.max() <= high  # x spans its range: not y
    assert np.abs(y).max() < 1 + 6 * data.SINE_NOISE  # y is a noisy sine: not x
