"""Public-hearing announcements (pure): their content, how residents read them, and the one
rule for their times (send < reminder < hearing, all ahead) that the chat and the CLI share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flows.catalogue import LANGS, City, Lang
from flows.session import CreateAnnouncement, Msg

TIME_FORMAT = "%d.%m.%Y %H:%M"
MAX_FIELD = 300
FIELDS = ("title", "place", "agenda")
LANG_NAMES = {"ru": "Русский", "ky": "Кыргызча"}  # data: the names read the same in both


def parse_local(text: str, city: City) -> datetime | None:
    """`dd.mm.yyyy hh:mm` in the city's time zone, as UTC; None when it is not that."""
    try:
        naive = datetime.strptime(text.strip(), TIME_FORMAT)
    except ValueError:
        return None
    return naive.replace(tzinfo=ZoneInfo(city.timezone)).astimezone(UTC)


def make_content(
    city: City,
    hearing: datetime,
    title: dict[str, str],
    place: dict[str, str],
    agenda: dict[str, str],
    only: Lang | None = None,
) -> dict[str, object]:
    """What is stored and sent: texts per language, the hearing's local date and time."""
    local = hearing.astimezone(ZoneInfo(city.timezone))
    return {
        "title": dict(title),
        "place": dict(place),
        "agenda": dict(agenda),
        "date": local.strftime("%d.%m.%Y"),
        "time": local.strftime("%H:%M"),
        "only": only,
    }


def localized(content: Mapping[str, object], field: str, lang: str) -> str:
    """A field of stored content in `lang`, else in whichever language it was given."""
    values = content.get(field) or {}
    assert isinstance(values, Mapping)
    return str(values.get(lang) or next((v for v in values.values() if v), ""))


def reading_language(content: Mapping[str, object], lang: str) -> Lang:
    """The resident's language, unless the admin chose one language for everyone."""
    chosen = content.get("only") or lang
    return chosen if chosen in LANGS else "ru"  # type: ignore[return-value]


def announcement_msg(
    content: Mapping[str, object], lang: str, kind: str = "announcement"
) -> tuple[Lang, Msg]:
    """The message residents receive, and the language it is in (theirs, or the one chosen)."""
    shown = reading_language(content, lang)
    if content.get("round_id") is not None:  # a survey round's invitation (flows/rounds.py)
        return shown, Msg("round-invitation", round_invitation_args(content, shown))
    args: dict[str, str | int | Msg] = {
        "title": localized(content, "title", shown),
        "date": str(content.get("date", "")),
        "time": str(content.get("time", "")),
        "place": localized(content, "place", shown),
        "agenda": localized(content, "agenda", shown),
    }
    msg_id = "announcement-reminder" if kind == "reminder" else "announcement-text"
    return shown, Msg(msg_id, args)


def round_invitation_args(content: Mapping[str, object], lang: str) -> dict[str, str | int | Msg]:
    return {
        "title": localized(content, "title", lang),
        "city": localized(content, "city_name", lang),
        "starts": str(content.get("starts", "")),
        "ends": str(content.get("ends", "")),
    }


def hearing_time(content: Mapping[str, object], city: City) -> datetime | None:
    return parse_local(f"{content.get('date', '')} {content.get('time', '')}", city)


def upcoming_parts(
    announced: Sequence[Mapping[str, object]], city: City | None, now: datetime, lang: Lang
) -> list[Msg]:
    """/announcements: the hearings announced (sent or being sent) still ahead, soonest first."""
    ahead = []
    if city is None:
        return [Msg("announcements-none")]
    for content in announced:
        when = hearing_time(content, city)
        if when is None or when < now:
            continue
        _, text = announcement_msg(content, lang)
        ahead.append((when, Msg("announcements-item", text.args)))
    ahead.sort(key=lambda pair: pair[0])
    return [msg for _, msg in ahead] or [Msg("announcements-none")]


def check_times(
    hearing: datetime | None, send_at: datetime | None, reminder: datetime | None, now: datetime
) -> str | None:
    """The message id of what is wrong with an announcement's times, or None when
    now <= send < reminder < hearing (a send time up to a minute old is "now": the admin took
    a moment to confirm)."""
    if hearing is None or hearing <= now:
        return "announce-past-time"
    if send_at is None or send_at < now - timedelta(minutes=1):
        return "announce-bad-order"
    if send_at >= hearing or (reminder is not None and not send_at < reminder < hearing):
        return "announce-bad-order"
    return None


def create(
    city: City,
    hearing: datetime,
    texts: Mapping[str, Mapping[str, str]],
    only: Lang | None,
    send_at: datetime,
    reminder: datetime | None,
    now: datetime,
) -> CreateAnnouncement | Msg:
    """The effect that stores an announcement (and its reminder, in the same transaction),
    or the message saying why it cannot be: a text missing or too long, times out of order."""
    langs = [only] if only else list(LANGS)
    given = {
        (name, lang): (texts.get(name) or {}).get(lang, "").strip()
        for name in FIELDS
        for lang in langs
    }
    missing = [f"{name}-{lang}" for (name, lang), value in given.items() if not value]
    if missing:
        return Msg("announce-missing-text", {"fields": " ".join(missing)})
    for (name, lang), value in given.items():
        if len(value) > MAX_FIELD:
            return Msg("announce-too-long", {"limit": MAX_FIELD, "field": f"{name}-{lang}"})
    problem = check_times(hearing, send_at, reminder, now)
    if problem is not None:
        return Msg(problem)
    values = {name: {lang: texts[name][lang].strip() for lang in langs} for name in FIELDS}
    content = make_content(city, hearing, values["title"], values["place"], values["agenda"], only)
    return CreateAnnouncement(city.id, content, send_at, reminder)
