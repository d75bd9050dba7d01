"""The working group's desk through the real ASGI app (httpx): Telegram sign-in checked as
Telegram documents it, roles per city, CSRF, the login pace, the public page, in ru and ky."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from bot.config import load_world
from bot.desk import Desk
from bot.desk.auth import SESSION_COOKIE
from bot.i18n import Texts, html_to_plain
from bot.local_chat import parse_line, render_numbered
from bot.pipeline import Pipeline
from bot.web import build_web
from cities import BUNDLED
from flows.catalogue import Admins, Roles, WorkingGroupChat
from flows.session import Answer, Conversation, Item, SaveAnswer, Turn
from flows.world import World
from storage.base import ResidentRef
from storage.sqlite import SqliteStore
from tests.helpers import announce

TOKEN = "desk-test-token"  # not a real token's shape: the tests sign with it themselves
ADMIN, REVIEWER, MEMBER, STRANGER = 7001, 7002, 7005, 7009
GROUP_CHAT = -100777
PHONE = "+996 555 123 456"
# Residents taking the real survey by typing, as on WhatsApp or the terminal (ru: "2", ky: "1").
SURVEYS: list[tuple[str, list[str]]] = [
    ("900001", ["/start karakol-mtu1-poster", "2", "дороги", "нет воды", "готово", "да", "да"]),
    ("900002", ["/start karakol-mtu1-poster", "2", "дороги", "собаки", "готово", "да", "нет"]),
    ("900003", ["/start karakol-mtu2-radio", "1", "жолдор", "пробки на проспекте", "сактоо",
                "даяр", "ооба", "жок"]),
    ("900004", ["/start karakol-mtu2-radio", "1", "жолбун иттер", "жолдор", "даяр", "ооба",
                "жок"]),
    ("900005", ["/start karakol-mtu3", "2", "нет воды", f"звоните {PHONE} шумят ночью",
                "оставить как есть", "готово", "да", "нет"]),
    ("900006", ["/start karakol-mtu3", "2", "дороги", "готово", "да", "нет"]),
    (str(ADMIN), ["/start karakol-mtu1", "1", "жолдор", "даяр", "ооба", "жок"]),
]  # fmt: skip


def desk_world(public: bool = False) -> World:
    """The bundled cities with roles: ADMIN runs Karakol and Manas, REVIEWER reviews Karakol,
    and Karakol's working group is the chat GROUP_CHAT."""
    world = load_world()
    cities = dict(world.cities)
    cities["karakol"] = cities["karakol"].model_copy(
        update={
            "admins": Admins(telegram_user_ids=(ADMIN,)),
            "roles": Roles(reviewers=(REVIEWER,)),
            "working_groups": (WorkingGroupChat(telegram_chat_id=GROUP_CHAT),),
            "public_page": public,
        }
    )
    cities["manas"] = cities["manas"].model_copy(
        update={"admins": Admins(telegram_user_ids=(ADMIN,))}
    )
    return World.build(list(cities.values()))


async def seed(path: Path, world: World, surveys: list[tuple[str, list[str]]] = SURVEYS) -> str:
    """Residents answer through the real pipeline; returns what they were told (all of it)."""
    texts = Texts(strict=True)
    said: list[str] = []

    async def deliver(turn: Turn) -> None:
        said.extend(render_numbered(texts, turn))

    async with SqliteStore(path) as store:
        pipeline = Pipeline(store, world)
        for who, lines in surveys:
            for line in lines:
                await pipeline.resident(ResidentRef("tg", who), parse_line(line), deliver)
    return html_to_plain("\n".join(said))


def signed(
    uid: int, now: float, token: str = TOKEN, raw_key: bytes | None = None, **changes: str
) -> dict[str, str]:
    """The query Telegram's widget redirects with, signed as Telegram documents it (written
    out here, not the desk's own signer: a wrong key or check string must fail the tests)."""
    fields = {
        "id": str(uid),
        "first_name": "Айгүл",
        "username": "aigul_test",
        "photo_url": "https://t.me/i/userpic/320/aigul.jpg",
        "auth_date": str(int(now)),
    }
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields)).encode()
    key = hashlib.sha256(token.encode()).digest() if raw_key is None else raw_key
    fields["hash"] = hmac.new(key, check, hashlib.sha256).hexdigest()
    fields.update(changes)
    return fields


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Members:
    """getChatMember as Telegram would answer it: MEMBER is in GROUP_CHAT. Counts the asks."""

    def __init__(self) -> None:
        self.asked = 0

    async def __call__(self, chat_id: int, user_id: int) -> bool | None:
        self.asked += 1
        return chat_id == GROUP_CHAT and user_id == MEMBER


@pytest.fixture(scope="module")
def world() -> World:
    return desk_world()


@pytest.fixture
async def store(tmp_path: Path, world: World) -> AsyncIterator[SqliteStore]:
    path = tmp_path / "desk.sqlite3"
    await seed(path, world)
    async with SqliteStore(path) as opened:
        yield opened


class Env:
    def __init__(self, store: SqliteStore, world: World) -> None:
        self.clock = Clock()
        self.members = Members()
        self.desk = Desk(
            store,
            world,
            Texts(strict=True),
            TOKEN,
            "desk-test-secret",
            lambda: "citybot_test_bot",
            member_check=self.members,
            clock=self.clock,
        )
        self.app = build_web(store, None, desk=self.desk.routes)

    def client(self, ip: str = "203.0.113.7") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(ip, 50000))
        return httpx.AsyncClient(transport=transport, base_url="https://desk.test")

    async def signed_in(self, uid: int, ip: str = "203.0.113.7") -> httpx.AsyncClient:
        client = self.client(ip)
        answer = await client.get("/login", params=signed(uid, self.clock()))
        assert answer.status_code == 303, answer.text
        return client


@pytest.fixture
def env(store: SqliteStore, world: World) -> Env:
    return Env(store, world)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("lang", "heading", "button"), [("ru", "Вход для рабочей группы", "Кыргызча"),
                                    ("ky", "Жумушчу топ үчүн кирүү", "Русский")]
)  # fmt: skip
async def test_login_page_carries_the_widget_and_nothing_else_external(
    env: Env, lang: str, heading: str, button: str
) -> None:
    async with env.client() as client:
        page = await client.get("/login", params={"lang": lang})
    assert page.status_code == 200
    assert heading in page.text and button in page.text
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page.text)
    assert scripts == ["https://telegram.org/js/telegram-widget.js?22"]
    assert 'data-telegram-login="citybot_test_bot"' in page.text
    assert 'data-auth-url="https://desk.test/login"' in page.text
    assert re.findall(r'(?:href|src)="(https?://[^"]+)"', page.text) == scripts, "no CDN"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' https://telegram.org;" in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "strict-origin"
    css = await env.client().get("/desk/static/desk.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_sign_in_sets_a_minimal_secure_session_and_opens_the_city(env: Env) -> None:
    client = env.client()
    answer = await client.get("/login", params=signed(REVIEWER, env.clock()))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/cities/karakol"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Max-Age=28800", "Path=/"):
        assert attribute.lower() in cookie.lower(), attribute
    value = cookie.split(";")[0].split("=", 1)[1]
    payload = value.split(".")[0]
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) == {"id", "exp", "iat"} and data["id"] == REVIEWER, "id, expiry, issue time"
    assert "aigul" not in value.lower()
    page = await client.get("/cities/karakol", params={"lang": "ru"})
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Рейтинг проблем по городу" in shown
    assert "Ответили: 7 жителей" in shown
    # Roads: 6 of 7 respondents, the Wilson 95% interval 48.7%-97.4% (textbook formula).
    assert "1 Дороги 6 85.7% 48.7% – 97.4%" in shown, shown
    assert "Рейтинг по районам" in shown and "МТУ №1" in shown and "Район не указан" not in shown
    assert "Районы и проблемы" in shown and "N = 3" in shown
    assert "Меньше 30 ответивших" in shown
    assert "Динамика по дням" in shown and ("<polyline" in page.text or "<circle" in page.text)
    assert "poster" in shown and "radio" in shown, "answers by source tag"
    assert re.search(r"Telegram \d+ \d+ 7", shown), "answers by channel"
    assert page.text.count("<svg") >= 4 and "<script" not in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_the_city_in_kyrgyz_and_the_default_language_from_the_bot(env: Env) -> None:
    client = await env.signed_in(ADMIN)  # two cities: the list first
    home = await client.get("/desk")
    assert "Каракол" in home.text and "Манас" in home.text
    page = await client.get("/cities/karakol")  # ADMIN chose Kyrgyz in the bot
    shown = text_of(page.text)
    assert "Шаар боюнча көйгөйлөрдүн рейтинги" in shown and "Жолдор" in shown
    assert "Жооп бергендер: 7 тургун" in shown and "Районы" not in shown
    assert "Русский" in shown, "a switch to Russian"
    russian = await client.get("/cities/karakol", params={"lang": "ru"})
    assert "Дороги" in russian.text and "Жолдор" not in russian.text
    assert "Кыргызча" in russian.text


async def test_two_cities_go_to_the_list(env: Env) -> None:
    client = env.client()
    answer = await client.get("/login", params=signed(ADMIN, env.clock()))
    assert answer.headers["location"] == "/desk"


async def test_forged_tampered_stale_and_future_sign_ins_are_refused(env: Env) -> None:
    now = env.clock()
    attempts: list[list[tuple[str, str]]] = [
        list(fields.items())
        for fields in (
            signed(ADMIN, now, token="another-bots-token"),  # another bot's token
            signed(ADMIN, now, raw_key=TOKEN.encode()),  # keyed by the token, not its SHA-256
            signed(ADMIN, now, id=str(REVIEWER)),  # someone else's id under ADMIN's hash
            signed(ADMIN, now, first_name="Мэр"),  # any field changed
            signed(ADMIN, now, hash="0" * 64),
            signed(ADMIN, now - 86401),  # older than a day
            signed(ADMIN, now + 3600),  # from the future
            {k: v for k, v in signed(ADMIN, now).items() if k != "auth_date"},
        )
    ]
    attempts.append([*signed(ADMIN, now).items(), ("id", str(ADMIN))])  # a field given twice
    for n, fields in enumerate(attempts):
        async with env.client(f"192.0.2.{n}") as client:  # one client each: no rate limit
            answer = await client.get("/login", params=fields)
        assert answer.status_code == 403, fields
        assert "Ссылка входа не прошла проверку или устарела" in answer.text
        assert "set-cookie" not in answer.headers
    for fresh in (signed(ADMIN, now), signed(ADMIN, now - 86000)):  # untouched, within a day
        async with env.client() as client:
            assert (await client.get("/login", params=fresh)).status_code == 303
    # ?lang is a received field too (Telegram never sends it): refused, in that language.
    async with env.client() as client:
        answer = await client.get("/login", params={**signed(ADMIN, now), "lang": "ky"})
    assert answer.status_code == 403 and "Кирүү шилтемеси текшерүүдөн өткөн жок" in answer.text


@pytest.mark.parametrize(
    ("lang", "choice", "message"),
    [("ru", "2", "Вход закрыт: вы не администратор города"), ("ky", "1", "Кирүү жабык")],
)
async def test_anyone_without_a_role_gets_a_clear_403_in_their_language(
    env: Env, world: World, store: SqliteStore, lang: str, choice: str, message: str
) -> None:
    async with env.client() as client:
        answer = await client.get("/login", params=signed(STRANGER, env.clock()))
        assert answer.status_code == 403 and "set-cookie" not in answer.headers
        assert "Вход закрыт" in answer.text, "unknown to the bot: Russian"
        # The same person after choosing a language in the bot: refused in that language.
        await Pipeline(store, world).resident(
            ResidentRef("tg", str(STRANGER)), parse_line(choice), _ignore
        )
        answer = await client.get("/login", params=signed(STRANGER, env.clock()))
        assert answer.status_code == 403 and message in answer.text
        other = "ky" if lang == "ru" else "ru"
        assert f'href="/login?lang={other}"' in answer.text, "the switch leads to the sign-in"
        assert (await client.get("/cities/karakol")).status_code == 303


async def _ignore(_: Turn) -> None:
    return None


@pytest.mark.parametrize("lang", ["ru", "ky"])
async def test_a_reviewer_cannot_open_another_city(env: Env, lang: str) -> None:
    client = await env.signed_in(REVIEWER)
    other = await client.get("/cities/manas", params={"lang": lang})
    assert other.status_code == 403
    expected = {"ru": "Этот город вам недоступен", "ky": "Бул шаар сизге жеткиликсиз"}[lang]
    assert expected in other.text and "Жолдор" not in other.text and "Дороги" not in other.text
    for path in ("/cities/manas/review", "/cities/manas/export.xlsx", "/cities/nowhere"):
        assert (await client.get(path)).status_code == 403


async def test_a_working_group_member_sees_the_ranking_but_not_the_words(env: Env) -> None:
    client = await env.signed_in(MEMBER)
    page = await client.get("/cities/karakol", params={"lang": "ru"})
    assert page.status_code == 200 and "Дороги" in page.text
    assert "Разбор ответов" not in page.text and "Скачать XLSX" not in page.text
    assert (await client.get("/cities/karakol/review")).status_code == 403
    assert (await client.get("/cities/karakol/export.csv")).status_code == 403
    asked = env.members.asked
    await client.get("/cities/karakol")
    assert env.members.asked == asked, "getChatMember answers are cached"
    refused = await (await env.signed_in(ADMIN)).get("/cities/karakol")
    assert refused.status_code == 200


async def test_csrf_token_is_required_on_every_post(env: Env) -> None:
    client = await env.signed_in(REVIEWER)
    page = await client.get("/cities/karakol")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token, "the logout form carries its token"
    # Change the last digit to one it is not, so the forgery never equals the real token.
    forged = token.group(1)[:-1] + ("1" if token.group(1).endswith("0") else "0")
    for form in ({}, {"csrf": "0" * 64}, {"csrf": forged}):
        refused = await client.post("/logout", data=form)
        assert refused.status_code == 403 and "Форма устарела" in refused.text
        assert (await client.get("/cities/karakol")).status_code == 200, "still signed in"
    other = await env.signed_in(ADMIN, ip="203.0.113.8")
    foreign = re.search(r'name="csrf" value="([0-9a-f]+)"', (await other.get("/desk")).text)
    assert foreign
    assert (await client.post("/logout", data={"csrf": foreign.group(1)})).status_code == 403
    done = await client.post("/logout", data={"csrf": token.group(1)})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert (await client.get("/cities/karakol")).status_code == 303


async def test_sessions_expire_and_forged_cookies_count_for_nothing(env: Env) -> None:
    client = await env.signed_in(REVIEWER)
    assert (await client.get("/cities/karakol")).status_code == 200
    env.clock.now += 8 * 3600 + 1
    expired = await client.get("/cities/karakol")
    assert expired.status_code == 303 and expired.headers["location"].startswith("/login")
    forged = env.client()
    forged.cookies.set(SESSION_COOKIE, "eyJpZCI6NzAwMSwiZXhwIjo5OTk5OTk5OTk5fQ.x.y", "desk.test")
    assert (await forged.get("/cities/karakol")).status_code == 303


@pytest.mark.parametrize(
    ("lang", "message"),
    [("ru", "Слишком много попыток входа"), ("ky", "Кирүү аракеттери өтө көп")],
)
async def test_login_is_rate_limited_per_client(env: Env, lang: str, message: str) -> None:
    bad = {**signed(ADMIN, env.clock(), hash="1" * 64), "lang": lang}
    async with env.client("198.51.100.1") as client:
        for _ in range(10):
            assert (await client.get("/login", params=bad)).status_code == 403
        limited = await client.get("/login", params=bad)
        assert limited.status_code == 429 and message in limited.text
        # Behind the TLS proxy everyone shares its address: one stranger's junk must not lock
        # the admins out, so a genuine sign-in is paced per Telegram id instead.
        good = await client.get("/login", params=signed(ADMIN, env.clock()))
        assert good.status_code == 303
        assert (await client.get("/login", params={"lang": lang})).status_code == 200
        for _ in range(9):  # a genuine id signing in again and again is paced too
            await client.get("/login", params=signed(ADMIN, env.clock()))
        again = await client.get("/login", params=signed(ADMIN, env.clock()))
        assert again.status_code == 429
    async with env.client("198.51.100.2") as other:
        assert (await other.get("/login", params=bad)).status_code == 403


async def test_every_desk_route_refuses_an_anonymous_client(env: Env, world: World) -> None:
    """Walks what the desk registers: nothing but /login, the stylesheet and an enabled public
    page answers without a session."""
    open_paths = {"/login", "/desk/static/desk.css", "/public/{city}"}
    walked = 0
    async with env.client() as client:
        client.cookies.set(SESSION_COOKIE, "forged", "desk.test")
        for route in env.desk.routes:
            path = route.path  # type: ignore[attr-defined]
            methods = route.methods or {"GET"}  # type: ignore[attr-defined]
            url = path.replace("{city}", "karakol").replace("{fmt:str}", "xlsx")
            for method in methods - {"HEAD"}:
                answer = await client.request(method, url)
                walked += 1
                if path in open_paths:
                    # The public page is off for Karakol here: 404.
                    assert answer.status_code == (404 if "public" in path else 200), url
                elif method == "POST":
                    assert answer.status_code == 403, url
                else:
                    assert answer.status_code == 303, url
                    assert answer.headers["location"].startswith("/login"), url
                assert "Дороги" not in answer.text and "пробки" not in answer.text
                assert answer.headers["x-frame-options"] == "DENY"
    assert walked == len(env.desk.routes) >= 9


async def test_review_queue_exports_and_announcements(env: Env, store: SqliteStore) -> None:
    client = await env.signed_in(REVIEWER)
    review = await client.get("/cities/karakol/review", params={"lang": "ru"})
    shown = text_of(review.text)
    assert "пробки на проспекте 1" in shown
    assert "шумят ночью" in shown and PHONE not in shown and "555 123" not in shown
    ky = await client.get("/cities/karakol/review", params={"lang": "ky"})
    assert "Өз сөзү менен жазылган жоопторду иргөө" in ky.text
    xlsx = await client.get("/cities/karakol/export.xlsx", params={"lang": "ru"})
    assert xlsx.status_code == 200
    assert re.match(r'attachment; filename="karakol-\d{4}-\d\d-\d\d\.xlsx"',
                    xlsx.headers["content-disposition"])  # fmt: skip
    path = Path(env.desk.store.path).with_name("out.xlsx")  # type: ignore[attr-defined]
    path.write_bytes(xlsx.content)
    book = load_workbook(path)
    assert book.sheetnames[0] == "Рейтинг" and len(book.sheetnames) >= 2
    cells = " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                     for c in row)  # fmt: skip
    assert "Дороги" in cells and str(REVIEWER) not in cells and "900003" not in cells
    csv = await client.get("/cities/karakol/export.csv", params={"lang": "ky"})
    assert csv.status_code == 200 and "Көйгөй" in csv.content.decode("utf-8-sig")
    assert str(ADMIN) not in csv.text and "900001" not in csv.text
    assert (await client.get("/cities/karakol/export.pdf")).status_code == 404
    # Streamed through a temporary file, which is gone once the answer is sent.
    assert not [n for n in os.listdir(tempfile.gettempdir()) if n.startswith("citybot-desk-")]
    empty = await client.get("/cities/karakol/announcements", params={"lang": "ru"})
    assert "Объявлений пока нет" in empty.text
    hearing = datetime.now(UTC) + timedelta(days=5)
    content = {"title": {"ru": "Бюджет 2027", "ky": "2027-жылдын бюджети"},
               "place": {"ru": "Мэрия", "ky": "Мэрия"}, "agenda": {"ru": "-", "ky": "-"},
               "date": "01.01.2027", "time": "10:00", "only": None}  # fmt: skip
    made = await announce(store, "karakol", content, hearing)
    assert await store.start_broadcast(made, "test")
    page = await client.get("/cities/karakol/announcements", params={"lang": "ru"})
    shown = text_of(page.text)
    assert "Бюджет 2027" in shown and "рассылается" in shown
    assert re.search(r"отправлено 0, ошибок 0, пропущено 0, в очереди [1-9]", shown), shown
    ky = text_of((await client.get("/cities/karakol/announcements?lang=ky")).text)
    assert "2027-жылдын бюджети" in ky and "жөнөтүлүүдө" in ky


async def test_public_page_is_off_unless_the_city_file_turns_it_on(
    tmp_path: Path, store: SqliteStore
) -> None:
    config = tmp_path / "cities"
    config.mkdir()
    text = (BUNDLED / "karakol.toml").read_text(encoding="utf-8")
    (config / "karakol.toml").write_text("public_page = true\n" + text, encoding="utf-8")
    (config / "manas.toml").write_bytes((BUNDLED / "manas.toml").read_bytes())
    world = load_world(config)
    assert world.cities["karakol"].public_page and not world.cities["manas"].public_page
    env = Env(store, world)
    async with env.client() as client:
        assert (await client.get("/public/manas")).status_code == 404
        assert (await client.get("/public/nowhere")).status_code == 404
        for lang, title, roads in (
            ("ru", "что жители считают главными", "Дороги"),
            ("ky", "тургундар эмнени негизги көйгөй", "Жолдор"),
        ):
            page = await client.get("/public/karakol", params={"lang": lang})
            assert page.status_code == 200 and title in page.text and roads in page.text
            shown = text_of(page.text)
            for private in ("пробки", "шумят", "нет воды", "555", "900001", str(ADMIN),
                            "aigul", "МТУ", "poster", "radio"):  # fmt: skip
                assert private not in shown, private
            assert "set-cookie" not in page.headers


async def test_public_page_waits_for_five_respondents(tmp_path: Path) -> None:
    world = desk_world(public=True)
    path = tmp_path / "few.sqlite3"
    await seed(path, world, SURVEYS[:2])
    async with SqliteStore(path) as store:
        env = Env(store, world)
        async with env.client() as client:
            page = await client.get("/public/karakol")
    assert "Рейтинг появится, когда ответят не меньше 5 жителей" in page.text
    assert "Дороги" not in page.text


@pytest.mark.parametrize(
    ("lang", "start", "results", "expected"),
    [("ru", "2", "/results", "Все результаты — на странице города: "),
     ("ky", "1", "/results", "Бардык жыйынтыктар — шаардын баракчасында: ")],
)  # fmt: skip
async def test_results_in_the_bot_link_the_public_page(
    tmp_path: Path, lang: str, start: str, results: str, expected: str
) -> None:
    on = desk_world(public=True)
    on = World.build(list(on.cities.values()))
    from dataclasses import replace

    linked = replace(on, public_base="https://bot.example.kg")
    said = await seed(tmp_path / "a.sqlite3", linked, [("1", ["/start karakol", start, results])])
    assert expected + "https://bot.example.kg/public/karakol" in said
    plain = replace(desk_world(public=False), public_base="https://bot.example.kg")
    said = await seed(tmp_path / "b.sqlite3", plain, [("1", ["/start karakol", start, results])])
    assert "/public/" not in said
    unset = desk_world(public=True)  # no CITYBOT_PUBLIC_URL: no link
    said = await seed(tmp_path / "c.sqlite3", unset, [("1", ["/start karakol", start, results])])
    assert "/public/" not in said


def test_session_secret_from_the_setting_or_derived_from_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.app import build_desk
    from bot.settings import Settings

    for name in ("CITYBOT_SESSION_SECRET", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    none = Settings(_env_file=None)  # type: ignore[call-arg]
    assert none.desk_secret is None
    world = desk_world()
    assert build_desk(none, None, world, Texts(), None, lambda: None) == []  # type: ignore[arg-type]
    derived = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN)  # type: ignore[call-arg]
    again = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN)  # type: ignore[call-arg]
    assert derived.desk_secret == again.desk_secret, "survives a restart"
    assert derived.desk_secret and TOKEN not in derived.desk_secret
    other = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN + "x")  # type: ignore[call-arg]
    assert other.desk_secret != derived.desk_secret
    given = Settings(  # type: ignore[call-arg]
        _env_file=None, TELEGRAM_BOT_TOKEN=TOKEN, CITYBOT_SESSION_SECRET=f"  {'s3cret' * 6}  "
    )
    assert given.desk_secret == "s3cret" * 6
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings(_env_file=None, CITYBOT_SESSION_SECRET="short")
    routes = build_desk(derived, None, world, Texts(), None, lambda: None)  # type: ignore[arg-type]
    assert {r.path for r in routes} >= {"/login", "/cities/{city}", "/public/{city}"}  # type: ignore[attr-defined]


async def test_rounds_are_listed_and_one_is_chosen(
    env: Env, world: World, store: SqliteStore, tmp_path: Path
) -> None:
    from flows.rounds import OpenRound

    (made,) = await store.commit_operator(
        "cli:test",
        [
            OpenRound(
                city="karakol",
                title_ru="Бюджет 2027",
                title_ky="2027-жылдын бюджети",
                starts_on="2026-12-01",
                ends_on="2027-02-28",
                starts_at=datetime(2026, 11, 30, 18, 0, tzinfo=UTC),  # midnight in Bishkek
            )
        ],
    )
    # An answer given in the open round, stored as a turn stores it.
    items = [Item(category="street_lighting")]
    answer = Answer(version=1, city="karakol", district="mtu4", items=items, round=made)
    await store.commit(ResidentRef("tg", "910001"), Conversation(), [SaveAnswer(answer)])
    client = await env.signed_in(REVIEWER)
    page = text_of((await client.get("/cities/karakol", params={"lang": "ru"})).text)
    assert "Этапы опроса" in page
    assert re.search(
        r"Бюджет 2027 01\.12\.2026 – 28\.02\.2027 идёт 1 Уличное освещение 100\.0%", page
    ), page
    assert re.search(r"До этапов — 7 Дороги 85\.7%", page), page
    assert "Ответили: 1 житель" in page, "the current round by default"
    before = await client.get("/cities/karakol", params={"lang": "ky", "round": "0"})
    shown = text_of(before.text)
    assert "Жооп бергендер: 7 тургун" in shown and "Этаптарга чейин" in shown
    assert "2027-жылдын бюджети" in shown and f"round={made}" in before.text


async def test_themes_group_similar_own_words(tmp_path: Path, world: World) -> None:
    words = ["пробки на проспекте", "пробки на проспекте утром", "пробки на проспекте вечером",
             "очереди в цон"]  # fmt: skip
    surveys = [
        (str(920000 + n), ["/start karakol-mtu1", "2", text, "оставить как есть", "готово", "да",
                           "нет"])
        for n, text in enumerate(words)
    ]  # fmt: skip
    path = tmp_path / "themes.sqlite3"
    await seed(path, world, surveys)
    async with SqliteStore(path) as store:
        env = Env(store, world)
        client = await env.signed_in(REVIEWER)
        page = await client.get("/cities/karakol/review", params={"lang": "ky"})
    shown = text_of(page.text)
    assert "Темалар" in shown
    assert re.search(r"Көлөмү Сөз айкашы 3 пробки на проспекте", shown), shown
    assert re.search(r"\b1 очереди в цон", shown), shown


async def test_membership_is_asked_with_get_chat_member() -> None:
    from types import SimpleNamespace

    from bot.desk.access import bot_member_check

    class FakeBot:
        def __init__(self) -> None:
            self.asked: list[tuple[int, int]] = []

        async def get_chat_member(self, chat_id: int, user_id: int) -> SimpleNamespace:
            self.asked.append((chat_id, user_id))
            if user_id == 4:
                raise RuntimeError("Forbidden: bot is not a member of the chat")
            status = {1: "member", 2: "left", 3: "restricted", 5: "administrator"}[user_id]
            return SimpleNamespace(status=status, is_member=user_id == 3)

    bot = FakeBot()
    check = bot_member_check(bot)
    answers = [await check(GROUP_CHAT, uid) for uid in (1, 2, 3, 4, 5)]
    assert answers == [True, False, True, None, True]
    assert bot.asked == [(GROUP_CHAT, uid) for uid in (1, 2, 3, 4, 5)]


async def test_an_oversized_logout_form_is_cut_off(env: Env) -> None:
    client = await env.signed_in(REVIEWER)
    answer = await client.post("/logout", content=b"csrf=" + b"a" * 10_000)
    assert answer.status_code == 413
    assert (await client.get("/cities/karakol")).status_code == 200


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("ru", "⚠️ номера WhatsApp не из Кыргызстана (не +996): 4 из 22 (18%)."),
        ("ky", "⚠️ Кыргызстандыкы эмес WhatsApp номерлери (+996 эмес): жооп берген 22 тургундан 4"),
    ],
)
async def test_the_city_page_shows_vote_farming_signals_beside_the_ranking(
    tmp_path: Path, world: World, lang: str, note: str
) -> None:
    from tests.test_summary import _farmed

    path = tmp_path / "farmed.sqlite3"
    await _farmed(path)
    async with SqliteStore(path) as opened:
        env = Env(opened, world)
        client = await env.signed_in(REVIEWER)
        page = text_of((await client.get("/cities/karakol", params={"lang": lang})).text)
    assert note in page, page
    assert "7916" not in page
