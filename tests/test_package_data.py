"""utils.data reads its files as package data: from the installed wheel's utils/course_data/, else
from the checkout's data/; a missing or corrupt packaged file names itself and how to reinstall."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from utils import data


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """A fake installed package: utils/course_data/ holding a copy of the data files."""
    package = tmp_path / "site-packages" / "utils"
    shutil.copytree(data.DATA_DIR, package / data.PACKAGED, ignore=shutil.ignore_patterns("*.md"))
    monkeypatch.setattr(data.resources, "files", lambda name: package if name == "utils" else None)
    return package / data.PACKAGED


def test_a_checkout_reads_its_own_data_folder():
    assert data.data_files() == data.DATA_DIR


def test_an_installed_package_reads_its_package_data(installed):
    assert data.data_files() == installed
    np.save(installed / "distances.npy", np.load(installed / "distances.npy") * 2)
    assert data.load_cities().distances[0, 1] == 2 * data.load_cities(data.DATA_DIR).distances[0, 1]


def test_a_missing_packaged_file_names_it_and_the_reinstall(installed):
    (installed / "distances.npy").unlink()
    with pytest.raises(FileNotFoundError) as error:
        data.load_cities()
    message = str(error.value)
    assert "course_data/distances.npy" in message and "pip install --force-reinstall" in message
    assert "COURSE_PACKAGE" in message and "python -m utils.data" not in message


def test_a_corrupt_packaged_file_names_it_and_the_reinstall(installed):
    path = installed / "sgd_data.npy"
    path.write_bytes(path.read_bytes()[:200])  # cut short, as by an interrupted copy
    with pytest.raises(ValueError, match=r"sgd_data\.npy.*pip install --force-reinstall"):
        data.load_sine_data()


def test_a_bad_packaged_matrix_says_reinstall(installed):
    path = installed / "distances.npy"
    np.save(path, -np.load(path))
    with pytest.raises(ValueError, match=r"negative.*pip install --force-reinstall"):
        data.load_cities()


def test_a_checkout_file_says_regenerate(tmp_path):
    shutil.copytree(data.DATA_DIR, tmp_path / "data")
    (tmp_path / "data" / "cities.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"cities\.csv.*python -m utils\.data"):
        data.load_cities(tmp_path / "data")


def test_no_data_anywhere_says_reinstall(tmp_path, monkeypatch):
    monkeypatch.setattr(data.resources, "files", lambda name: tmp_path / "utils")
    monkeypatch.setattr(data, "DATA_DIR", tmp_path / "data")
    with pytest.raises(FileNotFoundError, match="Reinstall the package: pip install"):
        data.data_files()
