"""The desk's edges a hostile tester found, through the real Starlette app: Retry-After on a
paced sign-in, an unknown or malformed ?round= (404, localized, a link back; no empty
ranking or file), and the public page naming the round it shows, in ru and ky."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.desk import Desk
from bot.desk.auth import Attempts
from bot.i18n import Texts
from bot.web import build_web
from flows.rounds import OpenRound
from flows.session import Answer, Conversation, Item, SaveAnswer
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.test_desk import REVIEWER, SURVEYS, TOKEN, Env, desk_world, seed, signed, text_of

BISHKEK = ZoneInfo("Asia/Bishkek")


@pytest.fixture(scope="module")
def world() -> World:
    return desk_world(public=True)


@pytest.fixture
async def store(tmp_path: Path, world: World) -> AsyncIterator[SqliteStore]:
    path = tmp_path / "edges.sqlite3"
    await seed(path, world, SURVEYS)  # 7 respondents, all before rounds
    async with SqliteStore(path) as opened:
        yield opened


async def open_round(store: SqliteStore, days_from_now: int = -1) -> tuple[int, str]:
    """A round in Karakol beginning `days_from_now` days from today (negative: begun), 90
    days long; its id and its dates as the desk shows them."""
    begins = datetime.now(BISHKEK).date() + timedelta(days=days_from_now)
    ends = begins + timedelta(days=90)
    midnight = datetime(begins.year, begins.month, begins.day, tzinfo=BISHKEK).astimezone(UTC)
    (made,) = await store.commit_operator(
        "cli:test",
        [
            OpenRound(
                city="karakol",
                title_ru="Бюджет 2027",
                title_ky="2027-жылдын бюджети",
                starts_on=begins.isoformat(),
                ends_on=ends.isoformat(),
                starts_at=midnight,
            )
        ],
    )
    return int(made), f"{begins:%d.%m.%Y} – {ends:%d.%m.%Y}"


async def answer_in(store: SqliteStore, round_id: int, who: str = "910001") -> None:
    """An answer given in the round, stored as a turn stores it."""
    items = [Item(category="street_lighting")]
    answer = Answer(version=1, city="karakol", district="mtu4", items=items, round=round_id)
    await store.commit(ResidentRef("tg", who), Conversation(), [SaveAnswer(answer)])


# --- the sign-in pace: Retry-After ------------------------------------------------------------


def paced(store: SqliteStore, world: World, attempts: Attempts) -> httpx.AsyncClient:
    desk = Desk(store, world, Texts(strict=True), TOKEN, "desk-test-secret", lambda: "b",
                attempts=attempts)  # fmt: skip
    app = build_web(store, None, desk=desk.routes)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    return httpx.AsyncClient(transport=transport, base_url="https://desk.test")


@pytest.mark.parametrize(
    ("lang", "message"),
    [("ru", "Слишком много попыток входа"), ("ky", "Кирүү аракеттери өтө көп")],
)
async def test_a_paced_sign_in_says_when_to_come_back(
    store: SqliteStore, world: World, lang: str, message: str
) -> None:
    now = [1000.0]
    junk = {**signed(REVIEWER, 0, token="another-bots-token"), "lang": lang}
    async with paced(store, world, Attempts(limit=2, window=60.0, clock=lambda: now[0])) as c:
        first = [(await c.get("/login", params=junk)).status_code for _ in range(2)]
        limited = await c.get("/login", params=junk)
        assert first == [403, 403] and "retry-after" not in (await c.get("/login")).headers
        assert limited.status_code == 429 and message in limited.text
        assert limited.headers["retry-after"] == "60", "at most the window: then one is free"
        assert limited.headers["cache-control"] == "no-store"
        now[0] += 60  # the oldest attempt has left the window: allowed again, as promised
        assert (await c.get("/login", params=junk)).status_code == 403


async def test_retry_after_is_whole_seconds_and_never_zero(
    store: SqliteStore, world: World
) -> None:
    junk = signed(REVIEWER, 0, token="another-bots-token")
    for window, expected in ((2.5, "3"), (0.2, "1")):
        async with paced(store, world, Attempts(limit=1, window=window, clock=lambda: 5.0)) as c:
            await c.get("/login", params=junk)
            limited = await c.get("/login", params=junk)
        assert limited.status_code == 429 and limited.headers["retry-after"] == expected


# --- ?round= that the city does not have ------------------------------------------------------

NO_ROUND = {
    "ru": ("В этом городе нет этапа опроса «{}».", "К странице города (текущий этап)"),
    "ky": ("Бул шаарда «{}» деген сурамжылоо этабы жок.", "Шаардын баракчасына (учурдагы этап)"),
}


@pytest.mark.parametrize("lang", ["ru", "ky"])
@pytest.mark.parametrize("asked", ["999999", "abc", "-1", "1.5", "²", "1234567890"])
async def test_an_unknown_or_malformed_round_is_a_404_with_a_way_back(
    store: SqliteStore, world: World, lang: str, asked: str
) -> None:
    made, _ = await open_round(store)
    await answer_in(store, made)
    client = await Env(store, world).signed_in(REVIEWER)
    page = await client.get("/cities/karakol", params={"round": asked, "lang": lang})
    assert page.status_code == 404
    said, back = NO_ROUND[lang]
    shown = text_of(page.text)
    assert said.format(asked) in shown, shown
    assert f'<a id="current-round" href="/cities/karakol?lang={lang}">{back}</a>' in page.text
    # Not an empty ranking dressed as an answer, and no download of the same round offered.
    assert 'id="ranking"' not in page.text
    downloads = re.findall(r'href="(/cities/karakol/export\.[^"]+)"', page.text)
    assert downloads == [f"/cities/karakol/export.{f}?lang={lang}" for f in ("xlsx", "csv")]
    assert page.headers["content-security-policy"] and page.headers["cache-control"] == "no-store"
    followed = await client.get(f"/cities/karakol?lang={lang}")
    assert followed.status_code == 200 and 'id="ranking"' in followed.text


async def test_the_asked_round_is_escaped_on_the_404_page(store: SqliteStore, world: World) -> None:
    client = await Env(store, world).signed_in(REVIEWER)
    page = await client.get("/cities/karakol", params={"round": "<b>x</b>", "lang": "ru"})
    assert page.status_code == 404
    assert "<b>x</b>" not in page.text and "«&lt;b&gt;x&lt;/b&gt;»" in page.text


async def test_known_rounds_round_zero_and_no_round_still_open(
    store: SqliteStore, world: World
) -> None:
    made, _ = await open_round(store)
    await answer_in(store, made)
    client = await Env(store, world).signed_in(REVIEWER)
    for params, respondents in (
        ({}, "Ответили: 1 житель"),
        ({"round": ""}, "Ответили: 1 житель"),  # an empty field: not asked
        ({"round": str(made)}, "Ответили: 1 житель"),
        ({"round": "0"}, "Ответили: 7 жителей"),  # before rounds, as today
        ({"round": f"00{made}"}, "Ответили: 1 житель"),
    ):
        page = await client.get("/cities/karakol", params={**params, "lang": "ru"})
        assert page.status_code == 200, params
        assert respondents in text_of(page.text), params


async def test_a_city_without_rounds_knows_only_round_zero(
    store: SqliteStore, world: World
) -> None:
    client = await Env(store, world).signed_in(REVIEWER)
    before = await client.get("/cities/karakol", params={"round": "0", "lang": "ky"})
    assert before.status_code == 200 and "Жооп бергендер: 7 тургун" in text_of(before.text)
    first = await client.get("/cities/karakol", params={"round": "1", "lang": "ky"})
    assert first.status_code == 404
    assert "Бул шаарда «1» деген сурамжылоо этабы жок." in text_of(first.text)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_the_export_of_an_unknown_round_is_a_404_not_an_empty_file(
    store: SqliteStore, world: World, fmt: str
) -> None:
    made, _ = await open_round(store)
    await answer_in(store, made)
    client = await Env(store, world).signed_in(REVIEWER)
    for asked in ("999", "abc"):
        answer = await client.get(f"/cities/karakol/export.{fmt}", params={"round": asked})
        assert answer.status_code == 404, asked
        assert "content-disposition" not in answer.headers
        assert answer.headers["content-type"].startswith("text/html")
        assert f"В этом городе нет этапа опроса «{asked}»." in text_of(answer.text)
    ky = await client.get(f"/cities/karakol/export.{fmt}", params={"round": "9", "lang": "ky"})
    assert ky.status_code == 404 and "Бул шаарда «9» деген" in text_of(ky.text)
    for asked in ("0", str(made)):
        answer = await client.get(f"/cities/karakol/export.{fmt}", params={"round": asked})
        assert answer.status_code == 200 and answer.headers["content-disposition"], asked
    if fmt == "csv":
        before = await client.get("/cities/karakol/export.csv", params={"round": "0"})
        assert before.text.count("\n") > 7, "the answers from before rounds, not an empty file"


# --- the public page names its round ----------------------------------------------------------


async def test_the_public_page_names_the_current_round(store: SqliteStore, world: World) -> None:
    env = Env(store, world)
    async with env.client() as client:
        plain = await client.get("/public/karakol", params={"lang": "ru"})
        assert plain.status_code == 200 and "Этап опроса" not in plain.text, "no rounds yet"
        made, dates = await open_round(store)
        for who in ("910001", "910002", "910003", "910004", "910005"):
            await answer_in(store, made, who)
        for lang, named, title in (
            ("ru", "Этап опроса: Бюджет 2027", "Бюджет 2027"),
            ("ky", "Сурамжылоонун этабы: 2027-жылдын бюджети", "2027-жылдын бюджети"),
        ):
            page = await client.get("/public/karakol", params={"lang": lang})
            assert page.status_code == 200
            shown = text_of(page.text)
            assert f"{named} · {dates}" in shown, shown
            assert re.search(rf"<title>[^<]*· {title}</title>", page.text), page.text
            count = {"ru": "Ответили: 5 жителей", "ky": "Жооп бергендер: 5 тургун"}[lang]
            assert count in shown, "the ranking is of that round"


async def test_before_the_first_round_begins_the_public_page_says_so(
    store: SqliteStore, world: World
) -> None:
    await open_round(store, days_from_now=10)  # scheduled: reports still show round 0
    async with Env(store, world).client() as client:
        for lang, named, count in (
            ("ru", "Ответы, данные до начала этапов опроса", "Ответили: 7 жителей"),
            (
                "ky",
                "Сурамжылоонун этаптары башталганга чейин берилген жооптор",
                "Жооп бергендер: 7 тургун",
            ),
        ):
            shown = text_of((await client.get("/public/karakol", params={"lang": lang})).text)
            assert named in shown and count in shown and "Бюджет" not in shown, shown


async def test_a_round_scheduled_for_later_leaves_the_desk_on_the_answers_so_far(
    store: SqliteStore, world: World
) -> None:
    """As the daily summary and the public page: until a round begins, the city page shows
    the answers given before rounds, not an empty round."""
    await open_round(store, days_from_now=10)
    client = await Env(store, world).signed_in(REVIEWER)
    page = await client.get("/cities/karakol", params={"lang": "ru"})
    shown = text_of(page.text)
    respondents = re.search(r'<p id="respondents">([^<]*)</p>', page.text)
    assert respondents and "7" in respondents.group(1), shown
