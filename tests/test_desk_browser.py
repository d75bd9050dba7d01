"""The desk in a real browser: `citybot run` (polling, against the fake Bot API on
127.0.0.1) serves it with uvicorn over a real SQLite file that residents filled through the
real survey; Debian's chromium, driven by Playwright, signs in through /login with a query
signed as Telegram signs it and reads the pages in Russian and Kyrgyz. No skip: without
/usr/bin/chromium these tests fail."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from playwright.async_api import Browser, Page, Route, async_playwright

from tests.fake_telegram import BotAPIServer, free_port
from tests.test_desk import ADMIN, REVIEWER, SURVEYS, desk_world, seed, signed
from tests.test_startup_failures import BotProcess

CHROMIUM = Path("/usr/bin/chromium")
TOKEN = "desk-browser-test-token"  # not a real token's shape; the fake Bot API accepts it
ROOT = Path(__file__).resolve().parents[1]


def config(tmp_path: Path) -> Path:
    """Karakol's bundled file with ADMIN as admin, REVIEWER as reviewer, its public page on."""
    folder = tmp_path / "cities"
    folder.mkdir()
    text = (ROOT / "cities" / "karakol.toml").read_text(encoding="utf-8")
    text = text.replace("telegram_user_ids = []", f"telegram_user_ids = [{ADMIN}]", 1)
    text = "public_page = true\n" + text + f"\n[roles]\nreviewers = [{REVIEWER}]\n"
    (folder / "karakol.toml").write_text(text, encoding="utf-8")
    return folder


class Desk:
    def __init__(self, base: str, bot: BotProcess) -> None:
        self.base, self.bot = base, bot


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    assert "[roles]" not in (ROOT / "cities" / "karakol.toml").read_text(encoding="utf-8")
    await seed(tmp_path / "citybot.sqlite3", desk_world(public=True), SURVEYS)
    port = free_port()
    env = {
        "CITYBOT_CONFIG": str(config(tmp_path)),
        "CITYBOT_PORT": str(port),
        "CITYBOT_HOST": "127.0.0.1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
    }
    async with BotAPIServer(TOKEN) as server, BotProcess(tmp_path, server.base_url, **env) as bot:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(f"{base}/login") as answer:
                        if answer.status == 200 and "citybot_test_bot" in await answer.text():
                            break  # getMe answered: the widget knows the bot's name
                except aiohttp.ClientError:
                    pass
                assert time.monotonic() < deadline, bot.stderr
                await asyncio.sleep(0.2)
        yield Desk(base, bot)
        assert await bot.stop() == 0
    text = bot.stderr + bot.out.decode(errors="replace")
    assert "Traceback" not in text and TOKEN not in text, text
    assert "Айгүл" not in text and "aigul" not in text, "nothing about who signed in"


def chromium() -> str:
    """Debian's chromium, or a failure saying how to get it (never a skip)."""
    assert CHROMIUM.exists(), "chromium is missing: `make browser` installs it (apt-get)"
    return str(CHROMIUM)


def is_xlsx(path: str | Path) -> bool:
    return Path(path).read_bytes()[:2] == b"PK"  # a ZIP container, as XLSX files are


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=chromium(), headless=True)
        try:
            yield launched
        finally:
            await launched.close()


async def new_page(browser: Browser) -> tuple[Page, list[str]]:
    """A page that never reaches the internet (Telegram's widget script is refused here) and
    records what the console says (a Content-Security-Policy violation shows there)."""
    context = await browser.new_context(locale="ru-RU")
    page = await context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    async def offline(route: Route) -> None:
        await route.abort()

    await context.route("https://**/*", offline)
    return page, console


async def sign_in(page: Page, base: str, uid: int) -> None:
    query = urlencode(signed(uid, time.time(), token=TOKEN))
    await page.goto(f"{base}/login?{query}")


async def test_an_admin_reads_the_city_in_russian_and_kyrgyz(desk: Desk, browser: Browser) -> None:
    page, console = await new_page(browser)
    await page.goto(f"{desk.base}/login?lang=ru")
    assert await page.locator("h1").inner_text() == "Вход для рабочей группы"
    widget = page.locator('script[data-telegram-login="citybot_test_bot"]')
    assert await widget.get_attribute("data-auth-url") == f"{desk.base}/login"

    await sign_in(page, desk.base, ADMIN)
    assert page.url == f"{desk.base}/cities/karakol"
    # ADMIN chose Kyrgyz in the bot: the desk opens in Kyrgyz.
    assert await page.locator("h2").first.inner_text() == "Шаар боюнча көйгөйлөрдүн рейтинги"
    ranking = page.locator("#ranking table.ranking tbody tr").first
    assert await ranking.inner_text() == "1\tЖолдор\t6\t85.7%\t48.7% – 97.4%"
    assert await page.locator("#respondents").inner_text() == "Жооп бергендер: 7 тургун"
    chart = page.locator("#ranking svg.chart")
    assert await chart.is_visible()
    box = await chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 80
    assert await page.locator("#trend svg polyline, #trend svg circle").count() >= 1
    assert await page.locator("#grid th").count() == 4  # problem + three districts answered

    await page.get_by_role("link", name="Русский").click()
    assert await page.locator("h2").first.inner_text() == "Рейтинг проблем по городу"
    first = await page.locator("#ranking table.ranking tbody tr").first.inner_text()
    assert first == "1\tДороги\t6\t85.7%\t48.7% – 97.4%"
    districts = await page.locator("#districts h3").all_inner_texts()
    assert districts[0].startswith("МТУ №1") and "Ответили: 3 жителя" in districts[0]
    channels = await page.locator("#channels table").first.inner_text()
    assert "Telegram\t7\t7\t7" in channels
    sources = await page.locator("#channels table").nth(1).inner_text()
    assert "poster\t2" in sources and "radio\t2" in sources

    await page.get_by_role("link", name="Разбор ответов").click()
    queue = await page.locator("#queue").inner_text()
    assert "пробки на проспекте\t1" in queue and "555 123" not in queue

    async with page.expect_download() as download:
        await page.get_by_role("link", name="Скачать XLSX").click()
    saved = await (await download.value).path()
    assert saved is not None and is_xlsx(saved)

    await page.get_by_role("button", name="Выйти").click()  # the form with its CSRF token
    assert page.url.startswith(f"{desk.base}/login")
    await page.goto(f"{desk.base}/cities/karakol")
    assert page.url.startswith(f"{desk.base}/login"), "signed out"
    violations = [m for m in console if "Content Security Policy" in m]
    assert violations == [], violations


async def test_a_reviewer_is_kept_to_their_city_and_strangers_are_refused(
    desk: Desk, browser: Browser
) -> None:
    page, _ = await new_page(browser)
    await sign_in(page, desk.base, REVIEWER)
    await page.goto(f"{desk.base}/cities/karakol?lang=ky")
    assert await page.locator("nav").get_by_text("Жоопторду иргөө").count() == 1
    answer = await page.goto(f"{desk.base}/cities/manas?lang=ky")
    assert answer is not None and answer.status == 403
    assert "Бул шаар сизге жеткиликсиз" in await page.locator("#refusal").inner_text()

    stranger, _ = await new_page(browser)
    await sign_in(stranger, desk.base, 424242)
    assert "Вход закрыт" in await stranger.locator("#refusal").inner_text()
    forged = urlencode({**signed(ADMIN, time.time(), token=TOKEN), "id": "424242"})
    answer = await stranger.goto(f"{desk.base}/login?{forged}")
    assert answer is not None and answer.status == 403

    public, _ = await new_page(browser)
    await public.goto(f"{desk.base}/public/karakol?lang=ky")
    assert "тургундар эмнени негизги көйгөй" in await public.locator("h1").inner_text()
    body = await public.locator("main").inner_text()
    assert "Жолдор" in body and "пробки" not in body and "МАБ" not in body
