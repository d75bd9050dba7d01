"""Admin scenarios: composing a hearing announcement, what residents receive, the progress."""

from __future__ import annotations

from bot.broadcast import announcement_text
from bot.preview.chat import Chat
from bot.preview.demo import ADMIN_ID, ADMIN_TWO_ID, TYPED, announced
from bot.preview.page import Preview
from flows.announce import announcement_msg
from flows.buttons import DraftAction, DraftDo, DraftLangs
from flows.catalogue import LANGS, Lang
from flows.session import Msg, Reply
from flows.world import World


def _started(world: World, lang: Lang, user_id: int) -> Chat:
    """A Telegram user who has sent /start (the turn is not shown)."""
    chat = Chat(world, lang, sender=f"tg:{user_id}")
    chat.command("start")
    return chat


def add(p: Preview, world: World) -> None:
    """An admin composing an announcement; what residents then receive."""
    _compose(p, world)
    _broadcast(p, world)


def _compose(p: Preview, world: World) -> None:
    """/announce from a stranger, from an admin of two cities, and the whole draft."""
    lang = p.lang
    typed = TYPED[lang]
    other: Lang = "ru" if lang == "ky" else "ky"
    p.section(
        "announce",
        "Admin: composing a public-hearing announcement (flows/announce.py)",
        "A city admin writes /announce in their chat with the bot; the draft runs beside the "
        "survey.",
    )
    stranger = _started(world, lang, 12345)
    p.turn(
        "Announce › /announce by someone who is not an admin",
        stranger.command("announce"),
        ["announce-not-admin"],
    )
    two = _started(world, lang, ADMIN_TWO_ID)
    p.turn(
        "Announce › an admin of two cities → which city?",
        two.command("announce"),
        ["announce-ask-city"],
    )

    a = _started(world, lang, ADMIN_ID)
    p.turn(
        "Announce › /announce → which languages?",
        a.command("announce"),
        ["announce-ask-langs", "announce-both-langs", "announce-only"],
    )
    p.turn(
        "Announce › both languages → the title, first in the admin's language",
        a.draft(DraftLangs(None)),
        ["announce-ask-title"],
    )
    p.turn("Announce › a title too long", a.send("x" * 301), ["announce-too-long"])
    p.turn(
        "Announce › the title → the title in the other language",
        a.send(typed["title"]),
        ["announce-ask-title"],
    )
    p.turn(
        "Announce › the other title → the hearing's date",
        a.send(TYPED[other]["title"]),
        ["announce-ask-when"],
    )
    p.turn("Announce › a date it cannot read", a.send("завтра в 5"), ["announce-bad-time"])
    p.turn("Announce › a date in the past", a.send("01.01.2020 10:00"), ["announce-past-time"])
    p.turn("Announce › the date → the place", a.send("05.12.2026 15:00"), ["announce-ask-place"])
    a.send(typed["place"])
    p.turn(
        "Announce › both places → the agenda",
        a.send(TYPED[other]["place"]),
        ["announce-ask-agenda"],
    )
    a.send(typed["agenda"])
    p.turn(
        "Announce › both agendas → the preview as residents will see it",
        a.send(TYPED[other]["agenda"]),
        [
            "announce-preview-head",
            "announcement-text",
            "announce-recipients",
            "announce-when-now",
            "announce-btn-send-now",
        ],
    )
    p.turn(
        "Announce › add a reminder → when?",
        a.draft(DraftDo(DraftAction.REMINDER)),
        ["announce-ask-reminder"],
    )
    p.turn(
        "Announce › a reminder after the hearing",
        a.send("06.12.2026 10:00"),
        ["announce-after-hearing"],
    )
    p.turn(
        "Announce › the reminder → the preview again",
        a.send("04.12.2026 18:00"),
        ["announce-when-reminder"],
    )
    p.turn("Announce › send later → when?", a.draft(DraftDo(DraftAction.AT)), ["announce-ask-at"])
    p.turn(
        "Announce › a sending time after the reminder → the preview",
        a.send("04.12.2026 20:00"),
        ["announce-when-at"],
    )
    p.turn(
        "Announce › confirmed: the times are out of order",
        a.draft(DraftDo(DraftAction.SEND)),
        ["announce-bad-order"],
    )
    a.draft(DraftDo(DraftAction.AT))
    p.turn(
        "Announce › a sending time → the preview, confirm",
        a.send("01.12.2026 09:00"),
        ["announce-when-at", "announce-btn-confirm"],
    )
    p.turn(
        "Announce › confirmed → scheduled",
        a.draft(DraftDo(DraftAction.SEND)),
        ["announce-scheduled"],
    )

    b = _started(world, lang, ADMIN_ID)
    b.command("announce")
    p.turn("Announce › one language only", b.draft(DraftLangs(lang)), ["announce-ask-title"])
    for text in (typed["title"], "10.12.2026 10:00", typed["place"], typed["agenda"]):
        b.send(text)
    p.turn("Announce › edit the text", b.draft(DraftDo(DraftAction.EDIT)), ["announce-ask-title"])
    for text in (typed["title"], "10.12.2026 11:00", typed["place"], typed["agenda"]):
        b.send(text)
    p.turn("Announce › send now", b.draft(DraftDo(DraftAction.SEND)), ["announce-sending"])
    c = _started(world, lang, ADMIN_ID)
    c.command("announce")
    c.draft(DraftLangs(None))
    p.turn("Announce › cancelled by typing", c.send(typed["cancel"]), ["announce-cancelled"])


def _broadcast(p: Preview, world: World) -> None:
    """The announcement and reminder as residents of each language read them; progress."""
    lang = p.lang
    other: Lang = "ru" if lang == "ky" else "ky"
    p.section(
        "broadcast",
        "What residents receive; the admin's progress (bot/broadcast.py, bot/announcements.py)",
    )
    content = announced(world)[0]
    for kind in ("announcement", "reminder"):
        for reader in LANGS:
            shown_lang, msg = announcement_msg(content, reader, kind)
            text = announcement_text(p.texts, content, reader, kind)
            assert text == p.texts.format(shown_lang, msg)  # the same sentence
            p.replies(
                f"Broadcast › the {kind} to a resident reading {reader}",
                shown_lang,
                [Reply((msg,))],
                whatsapp=True,
                note="WhatsApp outside the 24-hour window gets the approved template instead.",
            )
    only = {**content, "only": lang}
    shown_lang, msg = announcement_msg(only, other, "announcement")
    p.replies(
        "Broadcast › one language for everyone: a resident of the other language",
        shown_lang,
        [Reply((msg,))],
        whatsapp=True,
    )
    progress = {"sent": 310, "failed": 4, "left": 155, "rate": "24.8", "minutes": 1}
    p.replies(
        "Broadcast › progress, edited in the admin's chat as it goes",
        lang,
        [Reply((Msg("broadcast-progress", progress),))],
    )
    done = {"sent": 465, "failed": 4, "skipped": 12}
    p.replies("Broadcast › done", lang, [Reply((Msg("broadcast-done", done),))])
