"""requirements.lock is in step with pyproject.toml: every dependency, and every one of the `test` extra, is pinned
there with `==` to a version that pyproject.toml allows. Reads files only (no network). After changing a dependency
in pyproject.toml: `make lock`, then `make install`."""

import functools
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;\\]+)")


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in project["dependencies"] + project["optional-dependencies"]["test"]]


@functools.cache
def locked() -> dict[str, Version]:
    """The lock's pins by canonical name. A requirement line that is not an exact pin is an error."""
    pins: dict[str, Version] = {}
    for number, line in enumerate((ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-") or line.startswith("\\"):
            continue  # comments, options and hash continuation lines
        match = PIN.match(line)
        assert match, f"requirements.lock line {number} is not an exact `==` pin: {line!r}"
        pins[canonicalize_name(match.group(1))] = Version(match.group(3))
    return pins


def test_lock_parses_into_pins():
    pins = locked()
    assert len(pins) >= len(declared()), "requirements.lock has fewer pins than pyproject.toml has dependencies"


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_every_dependency_is_pinned_within_its_range(requirement: Requirement):
    name = canonicalize_name(requirement.name)
    pins = locked()
    assert name in pins, (
        f"{requirement.name} is required by pyproject.toml ({requirement}) but missing from requirements.lock: "
        "run `make lock`"
    )
    assert requirement.specifier.contains(pins[name], prereleases=True), (
        f"{requirement.name}=={pins[name]} in requirements.lock does not satisfy pyproject.toml's "
        f"{requirement.specifier}: run `make lock`"
    )
    if name == "psycopg" and "binary" in requirement.extras:  # the extra's package, at the same version
        assert pins.get("psycopg-binary") == pins[name], (
            f"psycopg[binary] needs psycopg-binary=={pins[name]} in requirements.lock, "
            f"found {pins.get('psycopg-binary')}: run `make lock`"
        )
