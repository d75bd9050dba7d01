"""An admin composes a public-hearing announcement in the chat (pure, like the survey).

city (if they admin several) -> languages (both / only one) -> title, date and time, place,
agenda (each in every chosen language) -> preview as residents will see it, with the number
of recipients -> send now / schedule / add a reminder / edit / cancel. The admin role is
checked on every step, so a forged button or a role removed meanwhile stops it; buttons act
only on the draft screen they were shown on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flows.announce import (
    FIELDS,
    LANG_NAMES,
    MAX_FIELD,
    TIME_FORMAT,
    announcement_msg,
    create,
    make_content,
    parse_local,
)
from flows.buttons import Button, DraftAction, DraftCity, DraftDo, DraftLangs, pack, parse
from flows.catalogue import LANGS, Lang
from flows.choices import Choice, resolve
from flows.facts import Facts
from flows.session import Draft, Effect, Inbound, Msg, Option, Reply
from flows.text import normalise
from flows.world import World

CANCEL = DraftDo(DraftAction.CANCEL)


@dataclass
class Outcome:
    """What a draft step produced; the survey turns it into its own Turn."""

    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    draft: Draft | None = None
    finished: bool = False  # back to the survey screen


@dataclass(frozen=True, slots=True)
class _Ctx:
    """What every stage needs: the world, the admin's language and cities, the facts."""

    world: World
    lang: Lang
    cities: list[str]
    facts: Facts


def start(world: World, event: Inbound, lang: Lang, facts: Facts) -> Outcome:
    cities = world.admin_cities(event.sender)
    if not cities:
        return Outcome([Reply((Msg("announce-not-admin"),))], finished=True)
    # Screens are numbered from the clock, so a button of an earlier draft never acts here.
    draft = Draft(screen=int(event.now.timestamp() * 1000) if event.now else 0)
    if len(cities) == 1:
        draft.city = cities[0]
        draft.stage = "langs"
    return _ask(_Ctx(world, lang, cities, facts), draft, Outcome(draft=draft))


def step(world: World, draft: Draft, event: Inbound, lang: Lang, facts: Facts) -> Outcome:
    """One event while a draft is open."""
    out = Outcome(draft=draft)
    if event.now is None:
        # The service stamps every event; without the time no date can be checked.
        return Outcome([Reply((Msg("error-internal"),))], draft=draft)
    cities = world.admin_cities(event.sender)
    if not cities or (draft.city is not None and draft.city not in cities):
        # Checked again on every step: a forged tap, or the role removed meanwhile.
        return Outcome([Reply((Msg("announce-not-admin"),))], finished=True)
    ctx = _Ctx(world, lang, cities, facts)
    choices = _choices(ctx, draft)
    button: Button | None = None
    if event.kind == "choice":
        parsed = parse(event.choice)
        valid = parsed is not None and parsed[0] == draft.screen
        if not valid or parsed is None or parsed[1] not in [c.code for c in choices]:
            out.replies.append(Reply((Msg("stale-button"),)))
            return _ask(ctx, draft, out)
        button = parsed[1]
    elif event.kind == "text":
        found = resolve(event.text, choices)
        button = found if isinstance(found, Button) else None
        if button is None and _cancelled(world, event.text):
            button = CANCEL
    if button == CANCEL:
        return Outcome([Reply((Msg("announce-cancelled"),))], finished=True)
    if button is not None:
        return _on_button(ctx, draft, button, event, out)
    if event.kind != "text":
        return _ask(ctx, draft, out)
    return _on_text(ctx, draft, event, out)


def _cancelled(world: World, text: str) -> bool:
    return normalise(text) in {normalise(w) for w in world.words["cancel"]}


def _langs(draft: Draft, lang: Lang) -> list[str]:
    """The languages to fill in, the admin's own first."""
    return [draft.only] if draft.only else [lang, *(x for x in LANGS if x != lang)]


def _on_button(ctx: _Ctx, draft: Draft, button: Button, event: Inbound, out: Outcome) -> Outcome:
    if isinstance(button, DraftCity):
        draft.city, draft.stage = button.city, "langs"
    elif isinstance(button, DraftLangs):
        draft.only = button.only
        draft.stage, draft.langs_done = "title", []
    elif isinstance(button, DraftDo):
        action = button.action
        if action == DraftAction.SEND:
            return _create(ctx, draft, event, out)
        if action == DraftAction.AT:
            draft.stage = "at"
        elif action == DraftAction.REMINDER:
            draft.stage = "reminder"
        elif action == DraftAction.EDIT:
            draft.stage, draft.langs_done = "title", []
    return _ask(ctx, draft, out)


def _on_text(ctx: _Ctx, draft: Draft, event: Inbound, out: Outcome) -> Outcome:
    text = event.text.strip()
    city = ctx.world.cities.get(draft.city or "")
    if city is None or draft.stage in ("city", "langs", "preview"):
        out.replies.append(Reply((Msg("not-understood"),)))
        return _ask(ctx, draft, out)
    if draft.stage in FIELDS:
        if not text or len(text) > MAX_FIELD:
            out.replies.append(Reply((Msg("announce-too-long", {"limit": MAX_FIELD}),)))
            return _ask(ctx, draft, out)
        current = _langs(draft, ctx.lang)[len(draft.langs_done)]
        getattr(draft, draft.stage)[current] = text
        draft.langs_done.append(current)
        if len(draft.langs_done) == len(_langs(draft, ctx.lang)):
            draft.langs_done = []
            following = {"title": "when", "place": "agenda", "agenda": "preview"}
            draft.stage = following[draft.stage]
        return _ask(ctx, draft, out)
    # a date and time: the hearing, the sending, or the reminder
    moment = parse_local(text, city)
    now = event.now
    assert now is not None  # step() refuses events without it
    if moment is None:
        out.replies.append(Reply((Msg("announce-bad-time"),)))
        return _ask(ctx, draft, out)
    if moment <= now:
        out.replies.append(Reply((Msg("announce-past-time"),)))
        return _ask(ctx, draft, out)
    hearing = parse_local(draft.when or "", city)
    if draft.stage in ("at", "reminder") and hearing is not None and moment >= hearing:
        out.replies.append(Reply((Msg("announce-after-hearing"),)))
        return _ask(ctx, draft, out)
    sending = parse_local(draft.at, city) if draft.at else now
    if draft.stage == "reminder" and sending is not None and moment <= sending:
        out.replies.append(Reply((Msg("announce-bad-order"),)))
        return _ask(ctx, draft, out)
    normalised = moment.astimezone(ZoneInfo(city.timezone)).strftime(TIME_FORMAT)
    if draft.stage == "when":
        draft.when, draft.stage = normalised, "place"
    elif draft.stage == "at":
        draft.at, draft.stage = normalised, "preview"
    else:
        draft.reminder, draft.stage = normalised, "preview"
    return _ask(ctx, draft, out)


def _create(ctx: _Ctx, draft: Draft, event: Inbound, out: Outcome) -> Outcome:
    """The announcement as confirmed, checked by the same rule as the CLI's (announce.create):
    a time that passed while the admin was composing sends them back to fix it."""
    now = event.now
    city = ctx.world.cities.get(draft.city or "")
    assert now is not None and city is not None  # step() and _choices() see to both
    hearing = parse_local(draft.when or "", city)
    send_at = parse_local(draft.at, city) if draft.at else now
    reminder = parse_local(draft.reminder, city) if draft.reminder else None
    texts = {"title": draft.title, "place": draft.place, "agenda": draft.agenda}
    made = (
        create(city, hearing, texts, draft.only, send_at, reminder, now)
        if hearing is not None and send_at is not None
        else Msg("announce-past-time")
    )
    if isinstance(made, Msg):
        if made.id == "announce-past-time":
            draft.stage = "when"  # the hearing's time passed, or an edit moved it
        else:
            draft.at, draft.reminder = None, None
        out.replies.append(Reply((made,)))
        return _ask(ctx, draft, out)
    out.effects.append(made)
    msg = "announce-scheduled" if draft.at else "announce-sending"
    out.replies.append(Reply((Msg(msg, {"at": draft.at or ""}),)))
    out.draft, out.finished = None, True
    return out


def _choices(ctx: _Ctx, draft: Draft) -> list[Choice]:
    w, lang = ctx.world.words, ctx.lang
    if draft.stage == "city":
        cities = ctx.world.cities
        return [
            Choice(DraftCity(cid), cities[cid].name(lang), (cid, cities[cid].ru, cities[cid].ky))
            for cid in sorted(ctx.cities)
        ]
    if draft.stage == "langs":
        return [
            Choice(DraftLangs(None), Msg("announce-both-langs")),
            Choice(
                DraftLangs("ru"), Msg("announce-only", {"lang": LANG_NAMES["ru"]}), w["lang_ru"]
            ),
            Choice(
                DraftLangs("ky"), Msg("announce-only", {"lang": LANG_NAMES["ky"]}), w["lang_ky"]
            ),
            Choice(CANCEL, Msg("btn-cancel"), w["cancel"]),
        ]
    if draft.stage == "preview":
        send = "announce-btn-confirm" if draft.at else "announce-btn-send-now"
        return [
            Choice(DraftDo(DraftAction.SEND), Msg(send), w["confirm"]),
            Choice(DraftDo(DraftAction.AT), Msg("announce-btn-schedule")),
            Choice(DraftDo(DraftAction.REMINDER), Msg("announce-btn-reminder")),
            Choice(DraftDo(DraftAction.EDIT), Msg("announce-btn-edit"), w["edit"]),
            Choice(CANCEL, Msg("btn-cancel"), w["cancel"]),
        ]
    return [Choice(CANCEL, Msg("btn-cancel"), w["cancel"])]


def _ask(ctx: _Ctx, draft: Draft, out: Outcome) -> Outcome:
    """The prompt of the draft's stage, with its buttons, on a new draft screen."""
    draft.screen += 1
    options = tuple(
        Option(pack(c.code, draft.screen), c.label)  # type: ignore[arg-type]
        for c in _choices(ctx, draft)
    )
    stage = draft.stage
    if stage == "city":
        parts: tuple[Msg, ...] = (Msg("announce-ask-city"),)
    elif stage == "langs":
        parts = (Msg("announce-ask-langs"),)
    elif stage in FIELDS:
        current = _langs(draft, ctx.lang)[len(draft.langs_done)]
        parts = (Msg(f"announce-ask-{stage}", {"lang": LANG_NAMES[current]}),)
    elif stage in ("when", "at", "reminder"):
        parts = (Msg(f"announce-ask-{stage}"),)
    else:
        return _preview(ctx, draft, out, options)
    out.replies.append(Reply(parts, options))
    return out


def _preview(ctx: _Ctx, draft: Draft, out: Outcome, options: tuple[Option, ...]) -> Outcome:
    city = ctx.world.cities[draft.city or ""]
    hearing = parse_local(draft.when or "", city)
    assert hearing is not None  # the preview comes after a valid date
    content = make_content(city, hearing, draft.title, draft.place, draft.agenda, draft.only)
    out.replies.append(Reply((Msg("announce-preview-head"),)))
    for shown in _langs(draft, ctx.lang):
        # exactly what residents reading `shown` will receive
        shown_lang, text = announcement_msg(content, shown)
        out.replies.append(Reply((text,), lang=shown_lang))
    when_sent = Msg("announce-when-at", {"at": draft.at}) if draft.at else Msg("announce-when-now")
    counts = ctx.facts.subscribers or {}
    recipients = Msg("announce-recipients", {"tg": counts.get("tg", 0), "wa": counts.get("wa", 0)})
    tail = [recipients, when_sent]
    if draft.reminder:
        tail.append(Msg("announce-when-reminder", {"at": draft.reminder}))
    out.replies.append(Reply(tuple(tail), options))
    return out
