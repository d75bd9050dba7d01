"""Deep-link payloads: a city, a district and a source tag packed into `/start <payload>`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.world import World

# Telegram allows up to 64 characters of A-Z a-z 0-9 _ - in a start payload. City and district
# ids are [a-z][a-z0-9_]*, so "-" separates the three parts: city-district-source.
MAX_PAYLOAD = 64
SOURCE = re.compile(r"^[a-z0-9_]{1,24}$")
_PAYLOAD = re.compile(r"^[a-z][a-z0-9_]{0,31}(?:-[a-z0-9_]{0,32}){0,2}$")
# In a WhatsApp message the payload follows a "#": wa.me links can only prefill text.
_TAGGED = re.compile(r"#([a-z][a-z0-9_]{0,31}(?:-[a-z0-9_]{0,32}){0,2})(?![a-z0-9_-])")


@dataclass(frozen=True, slots=True)
class Preset:
    """What a link answers before the resident is asked: city, district, where they saw it."""

    city: str
    district: str | None = None
    source: str | None = None


def encode(city: str, district: str | None = None, source: str | None = None) -> str:
    """The payload for a link; ValueError for a source tag or length Telegram would refuse."""
    if source is not None and not SOURCE.match(source):
        raise ValueError(f"source tag {source!r}: use 1-24 of a-z 0-9 _")
    parts = [city, district or "", source or ""]
    while parts and not parts[-1]:
        parts.pop()
    payload = "-".join(parts)
    if len(payload) > MAX_PAYLOAD or not _PAYLOAD.match(payload):
        raise ValueError(f"payload {payload!r} is not a valid Telegram start parameter")
    return payload


def decode(payload: str, world: World) -> Preset | None:
    """The preset a payload names, or None when it names nothing this bot serves.

    A district the city does not have is dropped (the resident is asked), a bad source tag too:
    a link printed for last year's districts still brings the resident to the right city.
    """
    payload = payload.strip()
    if len(payload) > MAX_PAYLOAD or not _PAYLOAD.match(payload):
        return None
    city_id, _, rest = payload.partition("-")
    district_id, _, source = rest.partition("-")
    city = world.cities.get(city_id)
    if city is None or (world.fixed_city is not None and city_id != world.fixed_city):
        return None
    district = district_id if city.district(district_id) is not None else None
    return Preset(city_id, district, source if SOURCE.match(source) else None)


def whatsapp_text(payload: str) -> str:
    """The text a wa.me link prefills: a greeting in both languages and the tagged payload."""
    return f"Саламатсызбы! Здравствуйте! #{payload}"


def find_tagged(text: str) -> str | None:
    """The payload of a prefilled WhatsApp text ("... #karakol-mtu3-poster"), if any."""
    found = _TAGGED.search(text)
    return found.group(1) if found else None
