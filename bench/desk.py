"""The desk's city page over real HTTP: uvicorn on 127.0.0.1 serving the real app on a
database filled through the real survey; a signed-in client asks for /cities/karakol.
Prints latency percentiles and pages a second, per run.

    .venv/bin/python bench/desk.py [--residents 500] [--requests 40] [--clients 4] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.desk_screenshots import ADMIN, TOKEN, demo_world, fill, free_port, started  # noqa: E402
from bot.desk import Desk  # noqa: E402
from bot.desk.auth import sign_login  # noqa: E402
from bot.i18n import Texts  # noqa: E402
from bot.web import build_web  # noqa: E402
from storage.sqlite import SqliteStore  # noqa: E402


async def run(db: Path, requests: int, clients: int, runs: int) -> None:
    import aiohttp
    import uvicorn

    world = demo_world()
    store = SqliteStore(db)
    await store.open()
    desk = Desk(store, world, Texts(), TOKEN, "bench-secret-" + "x" * 32, lambda: "demo_bot")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_web(store, None, desk=desk.routes), "127.0.0.1", port,
                       log_level="warning")
    )  # fmt: skip
    serving = asyncio.create_task(server.serve())
    await started(server)
    base = f"http://127.0.0.1:{port}"
    fields = {"id": str(ADMIN), "first_name": "Demo", "auth_date": str(int(time.time()))}
    fields["hash"] = sign_login(fields, TOKEN)
    try:
        async with aiohttp.ClientSession() as http:
            login = f"{base}/login?{urlencode(fields)}"
            async with http.get(login, allow_redirects=False) as signed:
                assert signed.status == 303, signed.status
                # The cookie is Secure (the desk is served behind TLS): sent by hand here.
                session = signed.cookies["citybot_desk"].value
            headers = {"cookie": f"citybot_desk={session}"}

            async def one(lang: str) -> float:
                begun = time.perf_counter()
                url = f"{base}/cities/karakol?lang={lang}"
                async with http.get(url, headers=headers) as page:
                    assert page.status == 200 and "svg" in await page.text()
                return time.perf_counter() - begun

            for n in range(runs):
                times: list[float] = []
                begun = time.perf_counter()

                async def client(k: int, times: list[float] = times) -> None:
                    for i in range(requests // clients):
                        times.append(await one("ky" if (i + k) % 2 else "ru"))

                await asyncio.gather(*(client(k) for k in range(clients)))
                wall = time.perf_counter() - begun
                times.sort()
                q = statistics.quantiles(times, n=100)
                print(
                    f"run {n + 1}: {len(times)} pages, {clients} clients: "
                    f"{len(times) / wall:.1f} pages/s, p50 {q[49] * 1000:.0f} ms, "
                    f"p95 {q[94] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms"
                )
    finally:
        server.should_exit = True
        await serving
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=500)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "desk.sqlite3"
        begun = time.perf_counter()
        asyncio.run(fill(db, demo_world(), args.residents, seed=2027))
        print(f"{args.residents} residents surveyed in {time.perf_counter() - begun:.0f} s")
        asyncio.run(run(db, args.requests, args.clients, args.runs))


if __name__ == "__main__":
    main()
