"""Resident survey scenarios: one resident from the first message to /forget, then other paths."""

from __future__ import annotations

from collections.abc import Callable

from bot.preview.chat import Chat
from bot.preview.demo import CITY, TYPED, demo_tallies
from bot.preview.page import Preview
from flows.buttons import (
    Action,
    Do,
    OpenGroup,
    PickCategory,
    PickCity,
    PickDistrict,
    PickItem,
    PickLanguage,
    Subscribe,
)
from flows.session import MAX_TEXT, Msg, Reply, Session, Turn
from flows.survey import COMMANDS
from flows.world import World


def add(p: Preview, world: World) -> None:
    """The survey as residents on Telegram (and WhatsApp) meet it, screen by screen."""
    _one_resident(p, world)
    _other_paths(p, world)


def _one_resident(p: Preview, world: World) -> None:
    """From the first message to /forget: nearly every step of flows/survey.py in turn."""
    lang = p.lang
    typed = TYPED[lang]
    tallies = {CITY: demo_tallies()}
    roads = world.shown[CITY].label("roads", lang)
    p.section(
        "survey",
        "Resident survey (flows/survey.py)",
        "One resident on Telegram from the first message to the end; WhatsApp shows the same "
        "turn as numbered text. A tapped button's screen replaces the tapped message.",
    )
    first = Chat(world, None)
    p.turn("Survey › language (no language known yet)", first.command("start"), ["language-prompt"])
    p.turn(
        "Survey › language chosen → intro and city",
        first.act(PickLanguage(lang)),
        ["intro", "city-prompt"],
    )

    r = Chat(world, lang, tallies=tallies)
    steps: list[tuple[str, Callable[[], Turn], list[str]]] = [
        (
            "/start with the phone's language → intro, city, the other language offered",
            lambda: r.command("start"),
            ["intro", "city-prompt"],
        ),
        ("/results before a city is chosen", lambda: r.command("results"), ["results-no-city"]),
        ("/my before answering", lambda: r.command("my"), ["my-none"]),
        (
            "city: a town the bot does not serve",
            lambda: r.send(typed["not_served"]),
            ["city-not-served"],
        ),
        ("city: text it cannot understand", lambda: r.send(typed["gibberish"]), ["not-understood"]),
        (
            "city tapped → district (with the location hint)",
            lambda: r.act(PickCity(CITY)),
            ["district-prompt", "district-location-hint"],
        ),
        (
            "district: a street in two districts → which one",
            lambda: r.send(typed["street"]),
            ["district-which", "btn-all-districts"],
        ),
        ("district: back to all districts", lambda: r.act(Do(Action.BACK)), ["district-prompt"]),
        (
            "district tapped → problem 1 of 5",
            lambda: r.act(PickDistrict("mtu1")),
            ["problems-first"],
        ),
        ("a greeting typed instead of a problem", lambda: r.send(typed["greeting"]), ["greeting"]),
        (
            "a featured topic tapped → the list, problem 2 of 5",
            lambda: r.act(PickCategory("roads")),
            ["problems-list", "problems-next", "problems-more-better"],
        ),
        ("a listed topic's name typed → duplicate", lambda: r.send(roads), ["problem-duplicate"]),
        (
            'a problem typed and placed with confidence ("another topic" offered)',
            lambda: r.send(typed["confident"]),
            ["problem-added-typed", "btn-retag"],
        ),
        (
            '"another topic" for the typed problem',
            lambda: r.act(Do(Action.RETAG)),
            ["retag-ask", "btn-own-words"],
        ),
        ("all topics, for those words", lambda: r.act(Do(Action.OTHERS)), ["pending-words"]),
        ("a group of topics", lambda: r.act(OpenGroup("utilities")), ["group-prompt"]),
        (
            "a topic of the group → the words placed there",
            lambda: r.act(PickCategory("heating")),
            ["problem-placed"],
        ),
        ("a featured topic tapped", lambda: r.act(PickCategory("drinking_water")), []),
        (
            "the same topic tapped again (✓) → taken off",
            lambda: r.act(PickCategory("drinking_water")),
            ["problem-removed"],
        ),
        (
            "own words with one plausible topic → on the list; that topic?",
            lambda: r.send(typed["one"]),
            ["own-saved", "own-one", "btn-accept"],
        ),
        ('"this is not a problem"', lambda: r.act(Do(Action.DROP)), ["problem-removed"]),
        (
            "own words with several plausible topics",
            lambda: r.send(typed["many"]),
            ["own-saved", "own-many", "btn-not-a-problem"],
        ),
        ('"keep as it is"', lambda: r.act(Do(Action.KEEP)), ["problem-kept-own"]),
        ("/start: the list as it stands, continue", lambda: r.command("start"), ["continue"]),
        (
            "a line naming two problems → the first added, the second offered",
            lambda: r.send(typed["two"]),
            ["problem-added-typed", "also-ask", "btn-also", "btn-only-one"],
        ),
        ("the second one too? No", lambda: r.act(Do(Action.KEEP)), ["problem-added-typed"]),
        (
            "the fifth: typed words no topic fits",
            lambda: r.send(typed["none"]),
            ["own-saved", "own-none", "btn-keep-as-is"],
        ),
        (
            '"keep as it is" → the fifth: the review',
            lambda: r.act(Do(Action.KEEP)),
            ["problem-kept-own", "review-title"],
        ),
        (
            "a sixth problem typed at the review → the list is full",
            lambda: r.send(typed["sixth"]),
            ["problems-full"],
        ),
        ("review: a problem tapped", lambda: r.act(PickItem(1)), ["item-prompt"]),
        ("item: up", lambda: r.act(Do(Action.UP)), ["problem-moved"]),
        ("item: replace → what instead?", lambda: r.act(Do(Action.REPLACE)), ["replace-prompt"]),
        (
            "the replacement typed → replaced, the review",
            lambda: r.send(typed["replace"]),
            ["problem-replaced", "review-title"],
        ),
        ("review: the last problem tapped", lambda: r.act(PickItem(4)), ["item-prompt"]),
        ("item: remove", lambda: r.act(Do(Action.REMOVE)), ["problem-removed", "review-can-add"]),
        (
            "two problems typed, one place left → the first only",
            lambda: r.send(typed["two_more"]),
            ["problem-added-typed", "review-title"],
        ),
        ("/my at the review → the review", lambda: r.command("my"), ["review-title"]),
        ("/edit → the review", lambda: r.command("edit"), ["review-title"]),
        ("review: the last problem tapped again", lambda: r.act(PickItem(4)), ["item-prompt"]),
        ("item: remove it", lambda: r.act(Do(Action.REMOVE)), ["problem-removed"]),
        (
            "a negated confirmation does nothing",
            lambda: r.send(typed["negated"]),
            ["negated-noted"],
        ),
        (
            "review confirmed → saved; invitations?",
            lambda: r.act(Do(Action.CONFIRM)),
            ["saved", "subscribe-prompt"],
        ),
        ("invitations: yes → thanks", lambda: r.act(Subscribe(True)), ["thanks"]),
        (
            "done: /results (the city and the district)",
            lambda: r.command("results"),
            ["results-title", "results-district"],
        ),
        ("done: something typed", lambda: r.send(typed["confident"]), ["already-answered"]),
        ("done: /my", lambda: r.command("my"), ["my-title", "my-subscribed"]),
        ("done: /start again", lambda: r.command("start"), ["welcome-back"]),
        ("done: /help", lambda: r.command("help"), ["help"]),
        ("an unknown command", lambda: r.command("foo"), ["unknown-command"]),
        ("a sticker", lambda: r.media("sticker"), ["media-unsupported"]),
        ("a photo", lambda: r.media("photo"), ["media-unsupported"]),
        ("a voice message", lambda: r.media("voice"), ["media-unsupported"]),
        ("a message that is too long", lambda: r.send("а" * (MAX_TEXT + 20)), ["too-long"]),
        ("/stop → no more invitations", lambda: r.command("stop"), ["stopped"]),
        ('done: "subscribe" tapped', lambda: r.act(Subscribe(True)), ["subscribed"]),
    ]
    for caption, action, expect in steps:
        p.turn(f"Survey › {caption}", action(), expect)
    stale = r.code(Do(Action.EDIT))
    p.turn("Survey › done: /edit → the review", r.command("edit"), ["review-title"])
    p.turn(
        "Survey › a button of an older message (stale)",
        r.press(stale, editable=False),
        ["stale-button"],
    )
    again = r.code(Do(Action.ADD))
    p.turn('Survey › review: "add more"', r.press(again), ["problems-next"])
    p.turn("Survey › the same button tapped twice (double tap)", r.press(again), ["tap-done"])
    p.turn(
        "Survey › the language switched by typing its name",
        r.send(typed["switch"]),
        ["language-changed"],
    )
    p.turn("Survey › /language → the language question", r.command("language"), ["language-prompt"])
    p.turn(
        "Survey › language chosen → back where the resident was",
        r.act(PickLanguage(lang)),
        ["problems-next"],
    )
    p.turn("Survey › /forget → are you sure?", r.command("forget"), ["forget-prompt"])
    p.turn("Survey › forget: no", r.act(Do(Action.KEEP)), ["forget-cancelled"])
    p.turn("Survey › /forget again", r.command("forget"), ["forget-prompt"])
    delete = r.code(Do(Action.FORGET))
    p.turn("Survey › forget: yes → deleted", r.press(delete), ["forgotten"])
    p.turn(
        "Survey › the same button once more, from nobody (a toast)",
        r.press(delete),
        ["forgotten-tap"],
    )
    p.turn(
        "Survey › an old button on WhatsApp, from nobody",
        r.press(delete, editable=False),
        ["forgotten"],
    )


def _other_paths(p: Preview, world: World) -> None:
    """Poster links, locations, the reminder, /results and /announcements, an internal error."""
    lang = p.lang
    typed = TYPED[lang]
    tallies = {CITY: demo_tallies()}
    p.section("survey-more", "Resident survey: other paths")
    link = Chat(world, lang)
    p.turn(
        "Survey › a poster's link: city and district preset",
        link.command("start", f"{CITY}-mtu2-poster"),
        ["intro", "preset-place"],
    )
    p.turn(
        "Survey › HTML typed by a resident is shown as typed (escaped)",
        link.send(typed["html"]),
        ["own-saved"],
    )
    p.turn("Survey › keep it in own words", link.act(Do(Action.KEEP)), ["problem-kept-own"])
    p.turn(
        'Survey › "done" → the review',
        link.act(Do(Action.DONE)),
        ["review-title", "review-can-add"],
    )
    p.turn(
        "Survey › review: change the district",
        link.act(Do(Action.CHANGE_DISTRICT)),
        ["district-prompt"],
    )
    p.turn(
        "Survey › a shared location inside a district",
        link.media("location", (42.51, 78.39)),
        ["district-located"],
    )
    p.turn("Survey › review: change the city", link.act(Do(Action.CHANGE_CITY)), ["city-prompt"])
    p.turn("Survey › the same city tapped", link.act(PickCity(CITY)), ["district-prompt"])
    p.turn(
        'Survey › "don\'t know" the district → the review',
        link.act(PickDistrict(None)),
        ["answer-district-unknown"],
    )
    p.turn("Survey › confirm", link.act(Do(Action.CONFIRM)), ["subscribe-prompt"])
    p.turn("Survey › invitations: no → thanks", link.act(Subscribe(False)), ["thanks"])
    p.turn("Survey › done: /my (not subscribed)", link.command("my"), ["my-not-subscribed"])

    located = Chat(world, lang)
    located.command("start")
    located.act(PickCity(CITY))
    p.turn(
        "Survey › a shared location outside every district",
        located.media("location", (40.0, 70.0)),
        ["location-outside"],
    )
    located.act(PickDistrict("mtu3"))
    p.turn(
        "Survey › two problems in one line: the second offered",
        located.send(typed["two"]),
        ["also-ask"],
    )
    p.turn(
        'Survey › the one reminder to finish (system "nudge")',
        located.system("nudge"),
        ["nudge"],
    )
    few = Chat(world, lang, tallies=tallies)
    few.command("start")
    few.act(PickCity(CITY))
    few.act(PickDistrict("mtu3"))
    few.act(PickCategory("roads"))
    p.turn(
        "Survey › /results for a district with few answers (mid-survey: a message of its own)",
        few.command("results"),
        ["results-district-few"],
    )
    empty = Chat(world, lang, tallies={CITY: {}})
    empty.command("start")
    empty.act(PickCity(CITY))
    empty.act(PickDistrict("mtu4"))
    p.turn("Survey › /results before anyone answered", empty.command("results"), ["results-empty"])
    p.turn(
        "Survey › /announcements (hearings ahead)",
        empty.command("announcements"),
        ["announcements-item"],
    )
    none_ahead = Chat(world, lang, hearings=False)
    none_ahead.command("start")
    p.turn(
        "Survey › /announcements when none is ahead",
        none_ahead.command("announcements"),
        ["announcements-none"],
    )
    p.turn(
        "Survey › a failed commit or a bug in a step (bot/pipeline.py answers this instead)",
        Turn(Session(), (Reply((Msg("error-internal"),)),), (), lang),
        ["error-internal"],
        note="Nothing of the turn is stored; the resident sends the message again.",
    )
    p.raw(
        "Telegram › the command menu (per chat, in the resident's language)",
        '<div class="bubble plain">'
        + "".join(p.part(lang, Msg(f"cmd-{c}")) for c in COMMANDS)
        + "</div>",
    )
