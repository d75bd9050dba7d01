"""requirements.lock pins the whole runtime set: it agrees with pyproject.toml, is complete
(every requirement of a locked package is locked), holds no dev tool, and is what is installed."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line):
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def test_every_runtime_dependency_is_locked_at_the_version_pyproject_pins() -> None:
    pins = locked()
    for text in PROJECT["dependencies"]:
        wanted = Requirement(text)
        name = canonicalize_name(wanted.name)
        assert name in pins, f"{wanted.name} is not in requirements.lock: run `make lock`"
        assert wanted.specifier.contains(pins[name]), (
            f"requirements.lock has {wanted.name}=={pins[name]}, pyproject.toml wants "
            f"{wanted.specifier}: run `make lock`"
        )


def test_the_lock_is_complete_and_holds_no_dev_tool() -> None:
    pins = locked()
    environment = default_environment()
    for name in pins:
        dist = distribution(name)
        for text in dist.requires or []:
            needed = Requirement(text)
            # A requirement behind an extra is not part of the runtime set (extra = "").
            if needed.marker and not needed.marker.evaluate({**environment, "extra": ""}):
                continue
            assert canonicalize_name(needed.name) in pins, (
                f"{name} needs {needed.name}, which requirements.lock does not pin"
            )
    dev = {canonicalize_name(Requirement(t).name) for t in PROJECT["optional-dependencies"]["dev"]}
    assert not dev & set(pins) - {"httpx"}, "a dev tool is in the runtime lock"


def test_what_is_installed_is_what_is_locked() -> None:
    # `make install` installs with `-c requirements.lock`: the tests run on the locked set.
    for name, version in locked().items():
        try:
            installed = distribution(name).version
        except PackageNotFoundError:
            installed = None
        assert installed == version, f"{name}: installed {installed}, locked {version}"
