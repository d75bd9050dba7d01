"""Loads the data files bundled with flows/ (catalogue, typed-word vocabulary), once."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from flows.catalogue import Catalogue

DATA = Path(__file__).resolve().parent / "data"


@cache
def catalogue() -> Catalogue:
    with (DATA / "catalogue.toml").open("rb") as f:
        return Catalogue.model_validate(tomllib.load(f))


@cache
def words() -> dict[str, tuple[str, ...]]:
    """Control words by meaning ("done", "yes"...), as a resident may type them."""
    with (DATA / "words.toml").open("rb") as f:
        return {key: tuple(values) for key, values in tomllib.load(f).items()}
