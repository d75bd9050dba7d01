"""Links that bring residents to the bot with city and district answered: Telegram deep links
(`https://t.me/<bot>?start=<payload>`) and WhatsApp click-to-chat links (`https://wa.me/<number>
?text=...#<payload>`), one per district. The payload contract is `flows.links`; this module only
builds rows from the World and the two channel settings (`citybot links`, `citybot poster`)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flows import links

if TYPE_CHECKING:
    from telegram.request import BaseRequest

    from bot.settings import Settings
    from flows.world import World

# Telegram usernames: 5-32 of A-Z a-z 0-9 _, starting with a letter (bots end in "bot").
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
# E.164: up to 15 digits after the "+".
_NUMBER = re.compile(r"^[1-9][0-9]{6,14}$")
GETME_TIMEOUT = 5.0  # seconds: the operator waits for this at most


class LinkError(ValueError):
    """A request the operator has to correct (unknown city, bad tag, payload too long)."""


@dataclass(frozen=True, slots=True)
class Channels:
    """Where links point: the bot's username (no "@") and the WhatsApp sender's digits.
    `notes` says what is missing and how to set it (printed on stderr)."""

    telegram_username: str | None = None
    whatsapp_number: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LinkRow:
    city: str
    district: str
    source: str | None
    payload: str
    telegram: str | None
    whatsapp: str | None
    city_ru: str
    city_ky: str
    district_ru: str
    district_ky: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def username(value: str | None) -> str | None:
    """The username without "@" (also from a t.me link), None if unset; LinkError if invalid."""
    value = (value or "").strip()
    value = re.sub(r"^(https?://)?(t\.me|telegram\.me)/", "", value).removeprefix("@").strip("/")
    if not value:
        return None
    if not _USERNAME.match(value):
        raise LinkError(
            f"TELEGRAM_BOT_USERNAME={value!r} is not a Telegram username "
            "(5-32 of A-Z a-z 0-9 _, starting with a letter, e.g. karakol_city_bot)"
        )
    return value


def whatsapp_number(sender: str | None) -> str | None:
    """The digits of TWILIO_WHATSAPP_FROM ("whatsapp:+996..."), None if unset; LinkError if it
    is not a phone number."""
    value = (sender or "").strip()
    if not value:
        return None
    digits = re.sub(r"[\s()-]", "", value.removeprefix("whatsapp:")).removeprefix("+")
    if not _NUMBER.match(digits):
        raise LinkError(
            f"TWILIO_WHATSAPP_FROM={value!r} is not a WhatsApp number "
            "(expected whatsapp:+<country code><number>, e.g. whatsapp:+996555123456)"
        )
    return digits


def display_number(digits: str) -> str:
    """+996 555 123 456 for Kyrgyz numbers, +<digits> otherwise (for people who type it)."""
    if digits.startswith("996") and len(digits) == 12:
        return f"+996 {digits[3:6]} {digits[6:9]} {digits[9:]}"
    return f"+{digits}"


def telegram_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


def whatsapp_link(digits: str, payload: str) -> str:
    return f"https://wa.me/{digits}?text={quote(links.whatsapp_text(payload), safe='')}"


def payload_for(world: World, city_id: str, district_id: str, source: str | None) -> str:
    """The payload, checked against the contract: it must decode back to the same preset."""
    if source is not None and not links.SOURCE.match(source):
        raise LinkError(
            f"invalid source tag {source!r}: use 1-24 characters of a-z 0-9 _ "
            "(e.g. poster, flyer_2026, radio)"
        )
    raw = "-".join(p for p in (city_id, district_id, source) if p)
    if len(raw) > links.MAX_PAYLOAD:
        room = links.MAX_PAYLOAD - len(f"{city_id}-{district_id}-")
        hint = (
            f"use a source tag of at most {room} characters"
            if source and room > 0
            else "shorten the city or district id in the city configuration"
        )
        raise LinkError(
            f"the link payload {raw!r} is {len(raw)} characters; Telegram allows "
            f"{links.MAX_PAYLOAD}: {hint}"
        )
    try:
        payload = links.encode(city_id, district_id, source)
    except ValueError as exc:
        raise LinkError(str(exc)) from None
    preset = links.decode(payload, world)
    expected = links.Preset(city_id, district_id, source)
    if preset != expected:  # the bot would not read it back: refuse rather than print it
        raise LinkError(f"the payload {payload!r} would not be understood by the bot ({preset})")
    return payload


def build_rows(
    world: World,
    city_id: str,
    district_id: str | None = None,
    source: str | None = None,
    bot_username: str | None = None,
    number: str | None = None,
) -> list[LinkRow]:
    """One row per district of the city (or only `district_id`), in configuration order."""
    city = world.cities.get(city_id)
    if city is None:
        raise LinkError(f"unknown city {city_id!r} (known: {', '.join(world.cities)})")
    if world.fixed_city is not None and city_id != world.fixed_city:
        raise LinkError(
            f"this bot serves only {world.fixed_city!r} (CITYBOT_CITY): a link for "
            f"{city_id!r} would not be understood"
        )
    districts = city.districts
    if district_id is not None:
        district = city.district(district_id)
        if district is None:
            known = ", ".join(d.id for d in city.districts)
            raise LinkError(f"unknown district {district_id!r} of {city_id} (known: {known})")
        districts = (district,)
    rows = []
    for district in districts:
        payload = payload_for(world, city.id, district.id, source)
        rows.append(
            LinkRow(
                city=city.id,
                district=district.id,
                source=source,
                payload=payload,
                telegram=telegram_link(bot_username, payload) if bot_username else None,
                whatsapp=whatsapp_link(number, payload) if number else None,
                city_ru=city.ru,
                city_ky=city.ky,
                district_ru=district.ru,
                district_ky=district.ky,
            )
        )
    return rows


async def fetch_username(
    token: str,
    base_url: str,
    http_timeout: float = GETME_TIMEOUT,
    request: BaseRequest | None = None,
) -> str:
    """The bot's username from the Bot API's getMe; LinkError (without the token) on failure."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError
    from telegram.request import HTTPXRequest

    if request is None:
        request = HTTPXRequest(
            connect_timeout=http_timeout, read_timeout=http_timeout, write_timeout=http_timeout
        )
    try:
        bot = Bot(token, base_url=base_url, request=request)
        async with bot:  # initialize() calls getMe
            name = bot.username.removeprefix("@")
    except InvalidToken:
        # PTB's own message quotes the token: never print it.
        raise LinkError("the Bot API refused TELEGRAM_BOT_TOKEN (getMe)") from None
    except TelegramError as exc:
        detail = str(exc).replace(token, "<token>")
        raise LinkError(f"getMe failed: {type(exc).__name__}: {detail}") from None
    return name


def resolve_channels(settings: Settings, request: BaseRequest | None = None) -> Channels:
    """The bot's username (TELEGRAM_BOT_USERNAME, else getMe with the token) and the WhatsApp
    sender; whatever is missing is None with a note saying what to set. A setting that is
    present but malformed raises LinkError."""
    import asyncio

    notes: list[str] = []
    name = username(settings.telegram_bot_username)
    if name is None and settings.token is not None:
        try:
            name = asyncio.run(
                fetch_username(
                    settings.token,
                    settings.telegram_api_base_url,
                    http_timeout=GETME_TIMEOUT,
                    request=request,
                )
            )
        except LinkError as exc:
            notes.append(
                f"no Telegram link: {exc}; set TELEGRAM_BOT_USERNAME=<the bot's username> "
                "to skip the Bot API"
            )
    elif name is None:
        notes.append(
            "no Telegram link: set TELEGRAM_BOT_USERNAME=<the bot's username> "
            "(or TELEGRAM_BOT_TOKEN, to ask the Bot API)"
        )
    number = whatsapp_number(settings.twilio_whatsapp_from)
    if number is None:
        notes.append(
            "no WhatsApp link: set TWILIO_WHATSAPP_FROM=whatsapp:+<the sender's number> "
            "(e.g. whatsapp:+996555123456)"
        )
    return Channels(name, number, tuple(notes))


def render_table(rows: list[LinkRow]) -> str:
    """Human output: per district its ids, both names, the payload and the two links."""
    lines = []
    for row in rows:
        names = row.district_ru
        if row.district_ky != row.district_ru:
            names += f" / {row.district_ky}"
        lines.append(f"{row.city} / {row.district}: {names}")
        lines.append(f"  payload   {row.payload}")
        lines.append(f"  Telegram  {row.telegram or '-'}")
        lines.append(f"  WhatsApp  {row.whatsapp or '-'}")
        lines.append("")
    return "\n".join(lines).rstrip("\n")
