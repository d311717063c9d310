"""requirements.lock says what requirements.txt asks for: after editing requirements.txt, run `make lock`."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
LOCK = ROOT / "requirements.lock"
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s\\;]+)")


def requirements(path: Path) -> dict[str, Requirement]:
    """The requirements a requirements.txt lists, by canonical name."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = requirement
    return found


def locked(path: Path) -> dict[str, dict]:
    """Each pin of a pip-compile lock: its version, its hashes, and whether requirements.txt asked for it."""
    found: dict[str, dict] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        pin = _PIN.match(line)
        if pin:
            current = found[canonicalize_name(pin["name"])] = {"version": pin["version"], "hashes": [], "direct": False}
        elif current is not None and "--hash=" in line:
            current["hashes"].append(line.split("--hash=", 1)[1].strip(" \\"))
        elif current is not None and re.search(r"#.*-r requirements\.txt", line):
            current["direct"] = True
    return found


def lock_problems(requirements_path: Path, lock_path: Path) -> list[str]:
    """Where the lock and requirements.txt disagree; empty when they agree."""
    wanted, pins = requirements(requirements_path), locked(lock_path)
    problems = []
    for name, requirement in wanted.items():
        if name not in pins:
            problems.append(f"{name} is in requirements.txt but not in the lock")
        elif not requirement.specifier.contains(pins[name]["version"], prereleases=True):
            problems.append(f"the lock pins {name}=={pins[name]['version']}, requirements.txt asks {requirement}")
    for name, pin in pins.items():
        if pin["direct"] and name not in wanted:
            problems.append(f"the lock installs {name} for requirements.txt, which no longer lists it")
        if not pin["hashes"]:
            problems.append(f"the lock has no hash for {name}")
    return problems


def test_lock_agrees_with_requirements():
    problems = lock_problems(REQUIREMENTS, LOCK)
    assert not problems, "requirements.lock is out of date; run `make lock`:\n" + "\n".join(problems)


def test_lock_takes_the_cpu_torch_wheel():
    # A plain torch version from PyPI is the multi-GB CUDA build; the CPU wheel carries "+cpu".
    assert locked(LOCK)["torch"]["version"].endswith("+cpu"), "run `make lock` where pip finds the CPU wheel"


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda text: text.replace("nbval==0.11.0", "nbval==0.10.0"), "the lock pins nbval==0.11.0"),
        (lambda text: text + "\npandas>=2\n", "pandas is in requirements.txt but not in the lock"),
        (lambda text: text.replace("tqdm>=4.66,<5", ""), "tqdm for requirements.txt, which no longer lists it"),
    ],
    ids=["changed pin", "added package", "removed package"],
)
def test_disagreement_is_reported(tmp_path, edit, expected):
    edited = tmp_path / "requirements.txt"
    edited.write_text(edit(REQUIREMENTS.read_text(encoding="utf-8")), encoding="utf-8")
    assert any(expected in problem for problem in lock_problems(edited, LOCK))


def test_missing_hash_is_reported(tmp_path):
    lock = tmp_path / "requirements.lock"
    text = LOCK.read_text(encoding="utf-8")
    lock.write_text(re.sub(r"(?m)^(tqdm==\S+) \\\n(\s+--hash=\S+( \\)?\n)+", r"\1\n", text), encoding="utf-8")
    assert "the lock has no hash for tqdm" in lock_problems(REQUIREMENTS, lock)


def test_installed_environment_matches_the_lock():
    """`make setup` installed what the lock pins (torch compared without its build tag: a CUDA build is fine)."""
    wrong = []
    for name, pin in locked(LOCK).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} is not installed")
            continue
        if Version(installed).public != Version(pin["version"]).public:
            wrong.append(f"{name} {installed} installed, the lock pins {pin['version']}")
    assert not wrong, "the environment differs from requirements.lock; run `make setup`:\n" + "\n".join(wrong)
