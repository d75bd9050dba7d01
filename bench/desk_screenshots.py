"""The README's pictures of the working group's desk: a demo database filled through the real
survey (residents typing, over a week), the real app served by uvicorn on 127.0.0.1, signed
in through /login as Telegram's widget would, and Debian's chromium (Playwright) saving
docs/desk-ru.png and docs/desk-ky.png. Nothing leaves the machine.

    .venv/bin/python bench/desk_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_world  # noqa: E402
from bot.desk import Desk  # noqa: E402
from bot.desk.auth import sign_login  # noqa: E402
from bot.i18n import Texts  # noqa: E402
from bot.local_chat import parse_line  # noqa: E402
from bot.pipeline import Pipeline  # noqa: E402
from bot.web import build_web  # noqa: E402
from flows.catalogue import Admins, Roles  # noqa: E402
from flows.session import Turn  # noqa: E402
from flows.world import World  # noqa: E402
from storage.base import ResidentRef  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TOKEN = "desk-screenshot-demo-token"  # a demo: the sign-in is signed with it below
ADMIN = 1001
DAYS = 7
# What residents type (the matcher places it; the last ones are own words for review).
WORDS = {
    "ru": ["дороги", "нет воды", "мусор", "освещение", "тротуары", "детский сад",
           "детская площадка", "собаки", "отопление", "пробки на проспекте"],
    "ky": ["жолдор", "суу жок", "таштанды", "көчө жарыгы", "тротуарлар", "бала бакча",
           "балдар аянтчасы", "жолбун иттер", "жылытуу", "көчөдө тыгын"],
}  # fmt: skip
WEIGHTS = [9, 7, 5, 4, 3, 3, 2, 4, 3, 1]
SOURCES = ["poster", "radio", "school", ""]


def demo_world() -> World:
    world = load_world()
    karakol = world.cities["karakol"].model_copy(
        update={"admins": Admins(telegram_user_ids=(ADMIN,)), "roles": Roles()}
    )
    return World.build([karakol])


async def fill(path: Path, world: World, residents: int, seed: int) -> None:
    """Residents take the survey by typing, spread over the last DAYS days."""
    rng = random.Random(seed)
    now = datetime.now(UTC)

    async def ignore(_: Turn) -> None:
        return None

    for n in range(residents):
        day = now - timedelta(days=DAYS - 1 - n * DAYS // residents, hours=1)
        lang = "ky" if rng.random() < 0.45 else "ru"
        district = f"mtu{rng.randint(1, 8)}"
        source = rng.choice(SOURCES)
        payload = f"karakol-{district}" + (f"-{source}" if source else "")
        picks: list[str] = []
        while len(picks) < rng.randint(2, 5):
            word = rng.choices(WORDS[lang], WEIGHTS)[0]
            if word not in picks:
                picks.append(word)
        done, yes, no = ("даяр", "ооба", "жок") if lang == "ky" else ("готово", "да", "нет")
        lines = [f"/start {payload}", "1" if lang == "ky" else "2", *picks, done, yes, no]
        async with SqliteStore(path, clock=lambda day=day: day) as store:
            pipeline = Pipeline(store, world, clock=lambda day=day: day)
            for line in lines:
                await pipeline.resident(
                    ResidentRef("tg", str(500_000 + n)), parse_line(line), ignore
                )


async def started(server: object) -> None:
    for _ in range(400):  # uvicorn has no event for it: its flag, for up to 20 s
        if getattr(server, "started", False):
            return
        await asyncio.sleep(0.05)
    raise SystemExit("the desk did not start within 20 s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def shoot(out: Path, residents: int) -> list[Path]:
    import uvicorn
    from playwright.async_api import Route, async_playwright

    world = demo_world()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.sqlite3"
        await fill(db, world, residents, seed=2027)
        store = SqliteStore(db)
        await store.open()
        desk = Desk(store, world, Texts(), TOKEN, "demo-secret", lambda: "citybot_demo_bot")
        port = free_port()
        config = uvicorn.Config(
            build_web(store, None, desk=desk.routes),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        await started(server)
        base = f"http://127.0.0.1:{port}"
        fields = {"id": str(ADMIN), "first_name": "Demo", "auth_date": str(int(time.time()))}
        fields["hash"] = sign_login(fields, TOKEN)
        saved = []
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
                context = await browser.new_context(viewport={"width": 1100, "height": 900})

                async def offline(route: Route) -> None:
                    await route.abort()

                await context.route("https://**/*", offline)
                page = await context.new_page()
                await page.goto(f"{base}/login?{urlencode(fields)}")
                for lang in ("ru", "ky"):
                    await page.goto(f"{base}/cities/karakol?lang={lang}")
                    target = out / f"desk-{lang}.png"
                    # The ranking with its intervals, its table, then the first districts.
                    await page.screenshot(path=str(target), full_page=True, clip={
                        "x": 0, "y": 0, "width": 1100, "height": 1400,
                    })  # fmt: skip
                    saved.append(target)
                await browser.close()
        finally:
            server.should_exit = True
            await serving
            await store.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--residents", type=int, default=60)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shoot(args.out, args.residents)):
        print(path)


if __name__ == "__main__":
    main()
