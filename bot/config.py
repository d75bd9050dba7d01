"""Loads and validates city configuration files into a World the flows can use."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import ValidationError

from cities import BUNDLED
from flows import bundled
from flows.catalogue import City, CityCategories
from flows.places import Boundaries
from flows.text import normalise
from flows.world import World


class ConfigError(Exception):
    """A configuration problem, worded for the operator who has to fix the file (or, when
    `setting` names one, the setting)."""

    def __init__(self, message: str, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


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
    except UnicodeDecodeError as exc:  # TOML is UTF-8 only
        raise ConfigError(
            f"{path}: not valid UTF-8 (byte {exc.start}): save the file as UTF-8 text"
        ) from exc
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


def boundaries_file(path: Path) -> Path:
    """Where a city file's district boundaries live: the same stem, `.geojson`."""
    return path.with_suffix(".geojson")


def load_boundaries(path: Path, city: City) -> Boundaries | None:
    """The district boundaries beside a city file (`karakol.toml` -> `karakol.geojson`), or
    None when there is no such file."""
    geo = boundaries_file(path)
    if not geo.exists():
        return None
    try:
        data = json.loads(geo.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{geo}: cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:  # JSONDecodeError, and bytes that are not UTF-8
        raise ConfigError(f"{geo}: not valid JSON: {exc}") from exc
    try:
        return Boundaries.from_geojson(data, city)
    except ValueError as exc:
        raise ConfigError(f"{geo}: invalid district boundaries for {city.id!r}: {exc}") from exc


def load_world(source: Path | None = None, fixed_city: str | None = None) -> World:
    cities = load_cities(source)
    known = [city.id for city in cities]
    if fixed_city is not None and cities and fixed_city not in known:
        raise ConfigError(
            f"CITYBOT_CITY={fixed_city!r} is not a configured city: set it to one of"
            f" {', '.join(sorted(known))}, or unset it to serve every city (`citybot check`"
            " lists them)",
            setting="CITYBOT_CITY",
        )
    boundaries = {}
    for city, path in zip(cities, city_files(source), strict=True):
        found = load_boundaries(path, city)
        if found is not None:
            boundaries[city.id] = found
    try:
        return World.build(cities, fixed_city, boundaries=boundaries)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


# Words of a district name that say what kind of unit it is, not which one ("МТУ №3").
_UNIT_WORDS = frozenset(
    normalise(w)
    for w in ("мту", "маб", "район", "участок", "зона", "квартал", "микрорайон", "мкр", "округ")
)


def _numbered(name: str) -> bool:
    """A name that is only a number, perhaps with the unit: "МТУ №3", "№3 МАБ", "3"."""
    words = normalise(name).split()
    return any(w.isdigit() for w in words) and all(w.isdigit() or w in _UNIT_WORDS for w in words)


def config_warnings(world: World) -> list[str]:
    """Things an operator should fix before launch that do not stop the bot, one line each,
    starting with the city id and saying what to do."""
    out: list[str] = []
    for city in world.cities.values():
        cid = city.id
        if not (city.admins.telegram_user_ids or city.admins.whatsapp_numbers):
            out.append(
                f"{cid}: no admins: add city-hall staff to [admins] telegram_user_ids or "
                "whatsapp_numbers (they send announcements and /bind working groups)"
            )
        if not city.working_groups:
            out.append(
                f"{cid}: no working-group chats in the file: add [[working_groups]] "
                f"telegram_chat_id = ... or have an admin send /bind {cid} in the group "
                "(ignore this if one did), else nobody gets the daily ranking"
            )
        bare = [
            d.id
            for d in city.districts
            if _numbered(d.ru) and _numbered(d.ky) and not (d.streets or d.landmarks)
        ]
        if bare:
            out.append(
                f"{cid}: districts {', '.join(bare)} are named only by number and list no "
                "streets or landmarks: add streets = [...] and landmarks = [...] to each (from "
                "the mayor's office) so residents who don't know their number find theirs"
            )
        bounds = world.boundaries.get(cid)
        if bounds is not None:
            missing = [d.id for d in city.districts if d.id not in bounds.districts]
            if missing:
                out.append(
                    f"{cid}: the boundaries file has no area for {', '.join(missing)}: add "
                    "them, else a location shared there selects no district"
                )
        if "summary_time" not in city.model_fields_set:
            out.append(
                f"{cid}: summary_time is not set, so the daily ranking goes out at "
                f'{city.summary_time} ({city.timezone}): set summary_time = "HH:MM" to confirm '
                "the time with the working group"
            )
    return out
