"""Loads and validates city configuration files into a World the flows can use."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from cities import BUNDLED
from flows import bundled
from flows.catalogue import City, CityCategories
from flows.world import World


class ConfigError(Exception):
    """A configuration problem, worded for the operator who has to fix the file."""


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid city configuration"]
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(file)"
        lines.append(f"  field {where}: {err['msg']}")
    return "\n".join(lines)


def load_city(path: Path) -> City:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        city = City.model_validate(data)
        CityCategories(bundled.catalogue(), city)  # unknown category ids, bad groups
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from exc
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return city


def city_files(source: Path | None) -> list[Path]:
    source = source or BUNDLED
    if source.is_dir():
        files = sorted(source.glob("*.toml"))
        if not files:
            raise ConfigError(f"{source}: no *.toml city files in this directory")
        return files
    if not source.exists():
        raise ConfigError(f"{source}: no such file or directory (CITYBOT_CONFIG)")
    return [source]


def load_cities(source: Path | None = None) -> list[City]:
    cities = [load_city(path) for path in city_files(source)]
    seen: dict[str, Path] = {}
    for city, path in zip(cities, city_files(source), strict=True):
        if city.id in seen:
            raise ConfigError(f"{path}: city id {city.id!r} is also used in {seen[city.id]}")
        seen[city.id] = path
    return cities


def load_world(source: Path | None = None, fixed_city: str | None = None) -> World:
    cities = load_cities(source)
    try:
        return World.build(cities, fixed_city)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
