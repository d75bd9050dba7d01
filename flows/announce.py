"""An admin composes a public-hearing announcement in the chat (pure, like the survey).

city (if they admin several) -> languages (both / only one) -> title, date and time, place,
agenda (each in every chosen language) -> preview as residents will see it, with the number
of recipients -> send now / schedule / add a reminder / edit / cancel. The admin role is
checked on every step, so a forged button or a role removed meanwhile stops it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flows.catalogue import LANGS, City, Lang
from flows.choices import Choice, resolve
from flows.session import CreateAnnouncement, Draft, Effect, Inbound, Msg, Option, Reply
from flows.text import normalise
from flows.world import World

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
    args: dict[str, str | int | Msg] = {
        "title": localized(content, "title", shown),
        "date": str(content.get("date", "")),
        "time": str(content.get("time", "")),
        "place": localized(content, "place", shown),
        "agenda": localized(content, "agenda", shown),
    }
    msg_id = "announcement-reminder" if kind == "reminder" else "announcement-text"
    return shown, Msg(msg_id, args)


def hearing_time(content: Mapping[str, object], city: City) -> datetime | None:
    return parse_local(f"{content.get('date', '')} {content.get('time', '')}", city)


def upcoming_parts(
    announced: list[Mapping[str, object]], city: City, now: datetime, lang: Lang
) -> list[Msg]:
    """/announcements: the hearings still ahead, soonest first."""
    ahead = []
    for content in announced:
        when = hearing_time(content, city)
        if when is None or when < now:
            continue
        _, text = announcement_msg(content, lang)
        ahead.append((when, Msg("announcements-item", text.args)))
    ahead.sort(key=lambda pair: pair[0])
    return [msg for _, msg in ahead] or [Msg("announcements-none")]


@dataclass
class Outcome:
    """What a draft step produced; the survey turns it into its own Turn."""

    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    draft: Draft | None = None
    finished: bool = False  # back to the survey screen


def start(world: World, event: Inbound, lang: Lang) -> Outcome:
    cities = world.admin_cities(event.sender)
    if not cities:
        return Outcome([Reply((Msg("announce-not-admin"),))], finished=True)
    draft = Draft()
    if len(cities) == 1:
        draft.city = cities[0]
        draft.stage = "langs"
    return _ask(world, draft, lang, Outcome(draft=draft), cities)


def step(world: World, draft: Draft, event: Inbound, lang: Lang) -> Outcome:
    """One event while a draft is open."""
    out = Outcome(draft=draft)
    if event.now is None:
        # The service stamps every event; without the time no date can be checked.
        return Outcome([Reply((Msg("error-internal"),))], draft=draft)
    cities = world.admin_cities(event.sender)
    if not cities or (draft.city is not None and draft.city not in cities):
        # Checked again on every step: a forged tap, or the role removed meanwhile.
        return Outcome([Reply((Msg("announce-not-admin"),))], finished=True)
    if event.kind == "choice":
        code = event.choice
    elif event.kind == "text":
        code = resolve(event.text, _choices(world, draft, lang, cities))
        if code is None and _cancelled(world, event.text):
            code = "A:x"
    else:
        code = None
    if code == "A:x":
        return Outcome([Reply((Msg("announce-cancelled"),))], finished=True)
    valid = {c.code for c in _choices(world, draft, lang, cities)}
    if code is not None and code not in valid:
        out.replies.append(Reply((Msg("stale-button"),)))
        return _ask(world, draft, lang, out, cities)
    if code is not None:
        return _on_choice(world, draft, code, event, lang, out, cities)
    if event.kind != "text":
        return _ask(world, draft, lang, out, cities)
    return _on_text(world, draft, event, lang, out, cities)


def _cancelled(world: World, text: str) -> bool:
    return normalise(text) in {normalise(w) for w in world.words["cancel"]}


def _langs(draft: Draft, lang: Lang) -> list[str]:
    """The languages to fill in, the admin's own first."""
    return [draft.only] if draft.only else [lang, *(x for x in LANGS if x != lang)]


def _on_choice(
    world: World,
    draft: Draft,
    code: str,
    event: Inbound,
    lang: Lang,
    out: Outcome,
    cities: list[str],
) -> Outcome:
    city = world.cities.get(draft.city or "")
    if code.startswith("A:c:"):
        draft.city, draft.stage = code[4:], "langs"
    elif code.startswith("A:l:"):
        choice = code[4:]
        draft.only = choice if choice in LANGS else None  # type: ignore[assignment]
        draft.stage, draft.langs_done = "title", []
    elif code == "A:send" and city is not None:
        return _create(world, draft, city, event, lang, out, cities)
    elif code == "A:at":
        draft.stage = "at"
    elif code == "A:rem":
        draft.stage = "reminder"
    elif code == "A:edit":
        draft.stage, draft.langs_done = "title", []
    return _ask(world, draft, lang, out, cities)


def _on_text(
    world: World, draft: Draft, event: Inbound, lang: Lang, out: Outcome, cities: list[str]
) -> Outcome:
    text = event.text.strip()
    city = world.cities.get(draft.city or "")
    if city is None or draft.stage in ("city", "langs", "preview"):
        out.replies.append(Reply((Msg("not-understood"),)))
        return _ask(world, draft, lang, out, cities)
    if draft.stage in FIELDS:
        if not text or len(text) > MAX_FIELD:
            out.replies.append(Reply((Msg("announce-too-long", {"limit": MAX_FIELD}),)))
            return _ask(world, draft, lang, out, cities)
        current = _langs(draft, lang)[len(draft.langs_done)]
        getattr(draft, draft.stage)[current] = text
        draft.langs_done.append(current)
        if len(draft.langs_done) == len(_langs(draft, lang)):
            draft.langs_done = []
            following = {"title": "when", "place": "agenda", "agenda": "preview"}
            draft.stage = following[draft.stage]
        return _ask(world, draft, lang, out, cities)
    # a date and time: the hearing, the sending, or the reminder
    moment = parse_local(text, city)
    now = event.now
    assert now is not None  # step() refuses events without it
    if moment is None:
        out.replies.append(Reply((Msg("announce-bad-time"),)))
        return _ask(world, draft, lang, out, cities)
    if moment <= now:
        out.replies.append(Reply((Msg("announce-past-time"),)))
        return _ask(world, draft, lang, out, cities)
    hearing = parse_local(draft.when or "", city)
    if draft.stage in ("at", "reminder") and hearing is not None and moment >= hearing:
        out.replies.append(Reply((Msg("announce-after-hearing"),)))
        return _ask(world, draft, lang, out, cities)
    sending = parse_local(draft.at, city) if draft.at else now
    if draft.stage == "reminder" and sending is not None and moment <= sending:
        out.replies.append(Reply((Msg("announce-bad-order"),)))
        return _ask(world, draft, lang, out, cities)
    normalised = moment.astimezone(ZoneInfo(city.timezone)).strftime(TIME_FORMAT)
    if draft.stage == "when":
        draft.when, draft.stage = normalised, "place"
    elif draft.stage == "at":
        draft.at, draft.stage = normalised, "preview"
    else:
        draft.reminder, draft.stage = normalised, "preview"
    return _ask(world, draft, lang, out, cities)


def _create(
    world: World,
    draft: Draft,
    city: City,
    event: Inbound,
    lang: Lang,
    out: Outcome,
    cities: list[str],
) -> Outcome:
    now = event.now
    assert now is not None  # step() refuses events without it
    hearing = parse_local(draft.when or "", city)
    send_at = parse_local(draft.at, city) if draft.at else now
    reminder = parse_local(draft.reminder, city) if draft.reminder else None
    if hearing is None or hearing <= now:
        # The hearing's time passed while the admin was composing (or an edit moved it).
        draft.stage = "when"
        out.replies.append(Reply((Msg("announce-past-time"),)))
        return _ask(world, draft, lang, out, cities)
    # now <= send < reminder < hearing, whatever order the times were typed or edited in
    late = send_at is None or send_at < now - timedelta(minutes=1)
    disordered = send_at is not None and (
        send_at >= hearing or (reminder is not None and not send_at < reminder < hearing)
    )
    if late or disordered:
        draft.at, draft.reminder = None, None
        out.replies.append(Reply((Msg("announce-bad-order"),)))
        return _ask(world, draft, lang, out, cities)
    content = make_content(city, hearing, draft.title, draft.place, draft.agenda, draft.only)
    out.effects.append(CreateAnnouncement(city.id, content, send_at, reminder))
    msg = "announce-scheduled" if draft.at else "announce-sending"
    out.replies.append(Reply((Msg(msg, {"at": draft.at or ""}),)))
    out.draft, out.finished = None, True
    return out


def _send_label(draft: Draft) -> str:
    return "announce-btn-confirm" if draft.at else "announce-btn-send-now"


def _choices(world: World, draft: Draft, lang: Lang, cities: list[str]) -> list[Choice]:
    w = world.words
    if draft.stage == "city":
        return [
            Choice(
                f"A:c:{cid}",
                world.cities[cid].name(lang),
                (cid, world.cities[cid].ru, world.cities[cid].ky),
            )
            for cid in sorted(cities)
        ]
    if draft.stage == "langs":
        return [
            Choice("A:l:both", Msg("announce-both-langs")),
            Choice("A:l:ru", Msg("announce-only", {"lang": LANG_NAMES["ru"]}), w["lang_ru"]),
            Choice("A:l:ky", Msg("announce-only", {"lang": LANG_NAMES["ky"]}), w["lang_ky"]),
            Choice("A:x", Msg("btn-cancel"), w["cancel"]),
        ]
    if draft.stage == "preview":
        return [
            Choice(
                "A:send",
                Msg("announce-btn-send-now" if not draft.at else "announce-btn-confirm"),
                w["confirm"],
            ),
            Choice("A:at", Msg("announce-btn-schedule")),
            Choice("A:rem", Msg("announce-btn-reminder")),
            Choice("A:edit", Msg("announce-btn-edit"), w["edit"]),
            Choice("A:x", Msg("btn-cancel"), w["cancel"]),
        ]
    return [Choice("A:x", Msg("btn-cancel"), w["cancel"])]


def _ask(world: World, draft: Draft, lang: Lang, out: Outcome, cities: list[str]) -> Outcome:
    """The prompt of the draft's stage, with its buttons."""
    options = tuple(Option(c.code, c.label) for c in _choices(world, draft, lang, cities))
    stage = draft.stage
    if stage == "city":
        parts: tuple[Msg, ...] = (Msg("announce-ask-city"),)
    elif stage == "langs":
        parts = (Msg("announce-ask-langs"),)
    elif stage in FIELDS:
        current = _langs(draft, lang)[len(draft.langs_done)]
        parts = (Msg(f"announce-ask-{stage}", {"lang": LANG_NAMES[current]}),)
    elif stage in ("when", "at", "reminder"):
        parts = (Msg(f"announce-ask-{stage}"),)
    else:
        return _preview(world, draft, lang, out, options)
    out.replies.append(Reply(parts, options))
    return out


def _preview(
    world: World, draft: Draft, lang: Lang, out: Outcome, options: tuple[Option, ...]
) -> Outcome:
    city = world.cities[draft.city or ""]
    hearing = parse_local(draft.when or "", city)
    assert hearing is not None  # the preview comes after a valid date
    content = make_content(city, hearing, draft.title, draft.place, draft.agenda, draft.only)
    out.replies.append(Reply((Msg("announce-preview-head"),)))
    for shown in _langs(draft, lang):
        # exactly what residents reading `shown` will receive
        shown_lang, text = announcement_msg(content, shown)
        out.replies.append(Reply((text,), lang=shown_lang))
    when_sent = Msg("announce-when-at", {"at": draft.at}) if draft.at else Msg("announce-when-now")
    tail = [Msg("announce-recipients", {"city": city.id}), when_sent]
    if draft.reminder:
        tail.append(Msg("announce-when-reminder", {"at": draft.reminder}))
    out.replies.append(Reply(tuple(tail), options))
    return out
