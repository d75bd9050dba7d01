"""Golden transcripts: scripted residents and the exact replies they get, per language.

Each scenario's inputs and rendered replies (Telegram HTML with its button rows, or WhatsApp's
numbered text) and what was stored are compared with tests/transcripts/<name>.txt. When a
change is intended, regenerate them and read the diff:

    .venv/bin/python -m pytest tests/test_transcripts.py --update-transcripts
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.config import load_world
from bot.keyboards import layout
from bot.local_chat import render_numbered
from flows.ranking import Tally
from flows.session import SaveAnswer
from flows.world import World
from tests.driver import TEXTS, FlowResident

HERE = Path(__file__).parent / "transcripts"
TALLIES = {
    "manas": {
        "kurmanbek": Tally(12, {"roads": 9, "waste": 4, "kindergartens": 6}, {}),
        "dostuk": Tally(3, {"roads": 1, "sewage": 3}, {}),
    }
}

# (name, fixed city or None, Telegram language code or None, buttons?, sender, inputs)
SCENARIOS: list[tuple[str, str | None, str | None, bool, str, Sequence[str]]] = [
    (
        "ru-telegram-taps",
        None,
        "ru",
        True,
        "tg:101",
        [
            "/start",
            "tap Каракол",
            "tap МТУ №3",
            "tap Дороги",
            "tap Питьевая вода",
            "tap Вывоз мусора",
            "tap Освещение улиц",
            "tap Детские сады",
            "tap Всё верно",
            "tap Да, присылать",
            "tap Результаты",
        ],
    ),
    (
        "ky-whatsapp-typed",
        None,
        None,
        False,
        "wa:996700000001",
        [
            "салам",
            "кыргызча",
            "жалал-абад",
            "курманбэк",
            "жолдор начар",
            "суу жок",
            "мэр жооп бербейт",
            "иттер көп",
            "даяр",
            "туура",
            "ооба",
            "/my",
        ],
    ),
    (
        "ru-whatsapp-one-problem-per-message",
        "karakol",
        None,
        False,
        "wa:996700000002",
        [
            "Здравствуйте",
            "2",
            "3",
            "ямы на дорогах",
            "нет воды по вечерам",
            "мусор не вывозят",
            "мэр не отвечает на письма",
            "бродячие собаки",
            "готово",
        ],
    ),
    (
        "ky-telegram-edit",
        "karakol",
        "ky",
        True,
        "tg:102",
        [
            "/start",
            "tap №2 МАБ",
            "tap Жолдор",
            "tap Таштанды",
            "tap Тротуарлар",
            "tap Даяр",
            "tap 3. Тротуарлар",
            "tap Жогору",
            "tap Артка",
            "tap 1. Жолдор",
            "tap Алмаштыруу",
            "text аялдамалар жок",
            "tap 3. Таштанды",
            "tap Тизмеден алуу",
            "tap Баары туура",
            "tap Жок, рахмат",
        ],
    ),
    (
        "ru-telegram-double-taps-and-stale",
        "karakol",
        "ru",
        True,
        "tg:103",
        [
            "/start",
            "tap МТУ №1",
            "tap Дороги",
            "tap Тротуары",
            "again",  # the same button again: a double tap
            "press 1.d:mtu1",  # a stale button of an older message
            "text нет света на улице и мусор не вывозят",
            "tap Да, и",
            "/forget",
            "tap Да, удалить всё",
            "again",
        ],
    ),
    (
        "ky-telegram-link-results-reminder",
        None,
        "ky",
        True,
        "tg:104",
        [
            "/start manas-kurmanbek-poster",
            "text мэр жооп бербейт",
            "nudge",
            "nudge",
            "/results",
        ],
    ),
    (
        "ru-telegram-hostile",
        None,
        "ru",
        True,
        "tg:105",
        [
            "/start",
            "text Бишкек",
            "media sticker",
            "tap Манас",
            "text " + "я" * 301,
            "text <b>Спутник</b> & <script>",
            "/weather",
            "text привет",
            "text ок",
            "/help",
        ],
    ),
]


# An admin composing a public-hearing announcement in the chat (the sender is an admin of
# Karakol in these scenarios' world).
ADMIN_SCENARIOS: list[tuple[str, str | None, str | None, bool, str, Sequence[str]]] = [
    (
        "announce-ru-telegram",
        None,
        "ru",
        True,
        "tg:700",
        [
            "/start",
            "tap Каракол",
            "/announce",
            "tap На русском и кыргызском",
            "text Бюджет 2027",
            "text 2027-жылдын бюджети",
            "text завтра в пять",
            "text 01.01.2020 10:00",
            "text 05.12.2026 15:00",
            "text Мэрия, зал 2",
            "text Мэрия, 2-зал",
            "text Проект бюджета",
            "text Бюджеттин долбоору",
            "tap Добавить напоминание",
            "text 06.12.2026 10:00",
            "text 04.12.2026 10:00",
            "tap Отправить позже",
            "text 30.11.2026 09:00",
            "tap Подтвердить",
            "again",
            "/announcements",
        ],
    ),
    (
        "announce-ky-whatsapp",
        "karakol",
        None,
        False,
        "wa:996700000700",
        [
            "салам",
            "кыргызча",
            "1",
            "/announce",
            "3",
            "Бюджет 2027",
            "05.12.2026 15:00",
            "Мэрия",
            "Долбоор",
            "жокко чыгаруу",
            "/announce",
            "2",
            "Бюджет",
            "05.12.2026 15:00",
            "Мэрия",
            "Долбоор",
            "1",
        ],
    ),
]


def admin_world(city: str | None, sender: str) -> World:
    """The bundled cities, Karakol with `sender` as its admin."""
    from flows.catalogue import Admins

    base = load_world(fixed_city=city)
    channel, _, ident = sender.partition(":")
    admins = (
        Admins(telegram_user_ids=(int(ident),))
        if channel == "tg"
        else Admins(whatsapp_numbers=(f"+{ident}",))
    )
    karakol = base.cities["karakol"].model_copy(update={"admins": admins})
    cities = [karakol if c.id == "karakol" else c for c in base.cities.values()]
    return World.build(cities, fixed_city=city)


def _effects(resident: FlowResident) -> list[str]:
    """What the turn asked the store to keep."""
    assert resident.turn is not None
    out = []
    for e in resident.turn.effects:
        if isinstance(e, SaveAnswer):
            a = e.answer
            items = ", ".join(i.category + (f" «{i.text}»" if i.text else "") for i in a.items)
            out.append(f"= saved v{a.version} {a.city}/{a.district or '-'}: {items or '(empty)'}")
        else:
            out.append(f"= {e!r}")
    return out


def _shown(resident: FlowResident) -> list[str]:
    turn = resident.turn
    assert turn is not None
    lines: list[str] = []
    if turn.notice is not None:
        lines.append(f"(toast) {TEXTS.format(turn.lang, turn.notice)}")
    if not resident.buttons:
        for block in render_numbered(TEXTS, turn, bold="*"):
            lines += [f"< {line}" for line in block.split("\n")]
        return lines
    for n, reply in enumerate(turn.replies):
        how = "(edits the tapped message)" if n == 0 and turn.edit else "(new message)"
        lines.append(f"< {how}")
        lines += [f"< {line}" for line in TEXTS.reply_html(turn.lang, reply).split("\n")]
        labels = [TEXTS.option_label(turn.lang, o) for o in reply.options]
        start = 0
        for size in layout(len(labels), reply.rows, reply.columns):
            lines.append("  " + " ".join(f"[{label}]" for label in labels[start : start + size]))
            start += size
    return lines


def run(
    world: World, lang_hint: str | None, buttons: bool, sender: str, inputs: Sequence[str]
) -> str:
    r = FlowResident(world, lang_hint=lang_hint, sender=sender, buttons=buttons, tallies=TALLIES)
    out: list[str] = []
    last: tuple[str, str] | None = None
    for line in inputs:
        out.append(f"> {line}")
        verb, _, rest = line.partition(" ")
        if line.startswith("/"):
            name, _, argument = line[1:].partition(" ")
            r.command(name, argument)
        elif verb == "tap":
            match = [o for o in r.options if rest in r.label(o)]
            assert len(match) == 1, f"{rest!r} not unique among {r.labels}"
            last = ("press", match[0].code)
            r.press(match[0].code)
        elif verb == "again":
            assert last is not None
            r.press(last[1])
        elif verb == "press":
            r.press(rest)
        elif verb == "media":
            r.media(rest)
        elif verb == "nudge":
            r.system("nudge")
        else:
            r.send(rest if verb == "text" else line)
        out += _shown(r)
        out += _effects(r)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(
    ("name", "city", "lang_hint", "buttons", "sender", "inputs"),
    SCENARIOS + ADMIN_SCENARIOS,
    ids=[s[0] for s in SCENARIOS + ADMIN_SCENARIOS],
)
def test_transcript(
    request: pytest.FixtureRequest,
    name: str,
    city: str | None,
    lang_hint: str | None,
    buttons: bool,
    sender: str,
    inputs: Sequence[str],
) -> None:
    admin = name in {s[0] for s in ADMIN_SCENARIOS}
    world = admin_world(city, sender) if admin else load_world(fixed_city=city)
    got = run(world, lang_hint, buttons, sender, inputs)
    path = HERE / f"{name}.txt"
    if request.config.getoption("--update-transcripts") or not path.exists():
        if not request.config.getoption("--update-transcripts"):
            pytest.fail(f"{path} is missing: run with --update-transcripts and read it")
        HERE.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
        return
    assert got == path.read_text(encoding="utf-8"), (
        f"{name}: the residents would see something else now; if that is intended, run "
        "pytest tests/test_transcripts.py --update-transcripts and review the diff"
    )
