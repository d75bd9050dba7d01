"""Issue 11: three real `citybot run` webhook processes on one PostgreSQL database, one leader."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from bot.broadcast import CLAIM
from bot.config import load_world
from bot.pipeline import Pipeline
from flows.session import (
    Answer,
    Conversation,
    Inbound,
    Item,
    SaveAnswer,
    SetLanguage,
    SetSubscribed,
)
from storage.base import ResidentRef
from storage.postgres import PostgresStore
from tests.fake_telegram import BotAPIServer, FakeBotAPI, free_port
from tests.test_startup_failures import ROOT, SECRET, TOKEN, BotProcess, clean_env

INSTANCES = 3
LEADS = "this instance runs the scheduled work"  # bot/leader.py's log lines
NO_LONGER_LEADS = "this instance no longer leads"
REPLIES = ("sendMessage", "editMessageText")
ERROR_TEXT = "что-то пошло не так"  # the resident-facing error (error-internal), Russian
START_WITHIN = 60.0  # seconds for a process to answer /healthz (2 shared cores, 3 processes)

_update_ids = itertools.count(500_000_000)


class InstancesAPI(FakeBotAPI):
    """The fake Bot API all three processes talk to: per-method latency (`slow`), a `gate`
    awaited before a call is answered (to hold the leader mid-work), and every reply indexed
    by chat, with when it arrived."""

    def __init__(self, slow: dict[str, float] | None = None) -> None:
        super().__init__()
        self.slow = slow or {}
        self.gate: Callable[[str, dict[str, Any]], Any] | None = None
        self.by_chat: dict[int, list[tuple[str, str]]] = defaultdict(list)
        # sendMessage per chat: when each request was received (monotonic), answered or not.
        self.arrivals: dict[int, list[float]] = defaultdict(list)

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        received = time.monotonic()  # before any latency: when the request reached "Telegram"
        api = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if delay := self.slow.get(api):
            await asyncio.sleep(delay)
        if self.gate is not None:
            await self.gate(api, params)
        answer = await super().do_request(url, method, request_data, *args, **kwargs)
        if api in REPLIES and "chat_id" in params:
            chat = int(params["chat_id"])
            self.by_chat[chat].append((api, str(params.get("text", ""))))
            if api == "sendMessage":
                self.arrivals[chat].append(received)
        return answer


class Instance(BotProcess):
    """One `citybot run` in webhook mode on the shared database, on a port of its own."""

    def __init__(self, tmp_path: Path, base_url: str, dsn: str, n: int, **env: str) -> None:
        self.n = n
        self.port = free_port()
        super().__init__(
            tmp_path, base_url, CITYBOT_DATABASE=dsn, **BotProcess.webhook_env(self.port), **env
        )
        if "CITYBOT_CITY" not in env:
            del self.env["CITYBOT_CITY"]  # every bundled city: residents choose theirs

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/webhook"

    @property
    def leads(self) -> bool:
        """Its log's latest word on the leadership says it leads."""
        return self.stderr.rfind(LEADS) > self.stderr.rfind(NO_LONGER_LEADS)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def __repr__(self) -> str:
        return f"instance {self.n} (port {self.port})"

    async def ready(self, http: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + START_WITHIN
        while True:
            if not self.alive:
                pytest.fail(f"{self} ended before it served /healthz:\n{self.stderr[-4000:]}")
            with contextlib.suppress(httpx.TransportError):
                got = await http.get(f"http://127.0.0.1:{self.port}/healthz")
                if got.status_code == 200:
                    return
            if time.monotonic() > deadline:
                pytest.fail(f"{self}: no healthy /healthz within {START_WITHIN} s:\n{self.stderr}")
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, api: BotAPIServer, dsn: str, **env: str
) -> AsyncIterator[list[Instance]]:
    """INSTANCES processes on `dsn`, all healthy; every one killed on the way out."""
    async with contextlib.AsyncExitStack() as stack:
        group = [Instance(tmp_path, api.base_url, dsn, n, **env) for n in range(INSTANCES)]
        for instance in group:
            await stack.enter_async_context(instance)  # its __aexit__ kills it
        async with httpx.AsyncClient(timeout=30) as http:
            await asyncio.gather(*(i.ready(http) for i in group))
        yield group


def logs(group: Sequence[Instance], tail: int = 3000) -> str:
    return "\n".join(f"--- {i} ---\n{i.stderr[-tail:]}" for i in group)


async def until(
    condition: Callable[[], bool], within: float, what: str, group: Sequence[Instance]
) -> float:
    """Wait (polling) until `condition` holds; the seconds it took, or a failure naming
    `what` with the processes' logs."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            pytest.fail(f"not within {within:.0f} s: {what}\n{logs(group)}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def leader(group: Sequence[Instance]) -> Instance:
    """The one live instance whose log says it leads (exactly one may)."""
    leading = [i for i in group if i.alive and i.leads]
    assert len(leading) == 1, f"expected one leader, got {leading}\n{logs(group)}"
    return leading[0]


# --- the survey, sprayed across the instances, with duplicate deliveries --------------------

RESIDENTS = 60
DUPLICATED = 0.3  # share of updates delivered to two instances at the same moment
REDELIVERED = 0.1  # share delivered once more, to a third instance, after the reply came
FEATURED = (
    "roads",
    "drinking_water",
    "waste",
    "street_lighting",
    "sidewalks",
    "kindergartens",
    "playgrounds",
    "stray_dogs",
)


class Resident:
    """A Telegram user with no language set who takes the whole survey by webhook updates;
    taps name their button by the callback data's end (`<kind>:<argument>`) on the screen
    the fake Bot API shows now."""

    def __init__(self, api: InstancesAPI, user_id: int, rng: random.Random) -> None:
        self.api, self.id = api, user_id
        self.user = {"id": user_id, "is_bot": False, "first_name": "Resident"}
        self.chat = {"id": user_id, "type": "private", "first_name": "Resident"}
        self.district = f"mtu{rng.randint(1, 8)}"
        self.problems = rng.sample(FEATURED, 5)

    def script(self) -> list[tuple[str, str, str]]:
        """(kind, what, a piece of the one reply expected) for each update."""
        steps = [
            ("text", "/start", "Выберите язык"),
            ("tap", "L:ru", "Выберите ваш город"),
            ("tap", "c:karakol", "выберите ваш район"),
            ("tap", f"d:{self.district}", "Проблема 1"),
        ]
        steps += [("tap", f"p:{p}", f"({k} из 5)") for k, p in enumerate(self.problems[:4], 1)]
        steps += [
            ("tap", f"p:{self.problems[4]}", "Проверьте его"),
            ("tap", "x:ok", "Присылать вам приглашения"),
            ("tap", "S:1", "Вы подписаны"),
        ]
        return steps

    def update(self, kind: str, what: str) -> dict[str, Any]:
        n = next(_update_ids)
        if kind == "text":
            message: dict[str, Any] = {
                "message_id": n,
                "date": int(time.time()),
                "chat": self.chat,
                "from": self.user,
                "text": what,
            }
            if what.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(what)}]
            return {"update_id": n, "message": message}
        shown = [
            (message_id, b)
            for message_id, screen in self.api.screens(self.id)
            for row in (screen.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        ]
        latest = max((message_id for message_id, _ in shown), default=0)
        found = [
            b["callback_data"]
            for message_id, b in shown
            if message_id == latest and b.get("callback_data", "").endswith("." + what)
        ]
        assert len(found) == 1, f"resident {self.id}: no single button {what!r} on {shown}"
        query = {
            "id": str(n),
            "from": self.user,
            "chat_instance": "ci",
            "data": found[0],
            "message": {
                "message_id": latest,
                "date": int(time.time()),
                "chat": self.chat,
                "text": "(buttons)",
            },
        }
        return {"update_id": n, "callback_query": query}

    def replies(self) -> list[tuple[str, str]]:
        return self.api.by_chat[self.id]


async def post(http: httpx.AsyncClient, instance: Instance, update: dict[str, Any]) -> None:
    got = await http.post(
        instance.webhook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert got.status_code == 200, f"{instance} answered {got.status_code}:\n{instance.stderr}"


async def test_residents_sprayed_across_instances_with_duplicates_count_exactly_once(
    tmp_path: Path, postgres_dsn: str
) -> None:
    rng = random.Random(11)
    api = InstancesAPI()
    problems: list[str] = []
    duplicated: Counter[int] = Counter()  # update id -> deliveries beyond the first
    sent_ids: list[int] = []
    served: Counter[int] = Counter()  # instance -> updates posted to it
    residents = [Resident(api, 7_100_000 + n, rng) for n in range(RESIDENTS)]
    async with BotAPIServer(TOKEN, api) as server, running(tmp_path, server, postgres_dsn) as group:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:

            async def take_survey(resident: Resident) -> None:
                for n, (kind, what, expected) in enumerate(resident.script()):
                    update = resident.update(kind, what)
                    sent_ids.append(update["update_id"])
                    before = len(resident.replies())
                    twice = rng.random() < DUPLICATED
                    targets = rng.sample(group, 2) if twice else [rng.choice(group)]
                    served.update(t.n for t in targets)
                    # Both deliveries at the same moment, to two different processes.
                    await asyncio.gather(*(post(http, t, update) for t in targets))
                    if twice:
                        duplicated[update["update_id"]] += 1
                    new = resident.replies()[before:]
                    if len(new) != 1 or expected not in new[0][1]:
                        problems.append(f"resident {resident.id}, step {n} {what!r}: {new}")
                        return
                    if rng.random() < REDELIVERED:  # Telegram's retry, after the fact
                        await post(http, rng.choice(group), update)
                        duplicated[update["update_id"]] += 1
                        if len(resident.replies()) != before + 1:
                            problems.append(f"resident {resident.id}: a redelivery answered")
                            return

            started = time.monotonic()
            await asyncio.gather(*(take_survey(r) for r in residents))
            elapsed = time.monotonic() - started
        assert all(i.alive for i in group), logs(group)
        stderr = [i.stderr for i in group]
    assert problems == [], f"{len(problems)} residents saw a wrong step:\n" + "\n".join(
        problems[:10]
    )
    steps = sum(len(r.script()) for r in residents)
    errors = [t for r in residents for _, t in r.replies() if ERROR_TEXT in t.lower()]
    assert errors == [], "a resident was told something went wrong"
    assert "Traceback" not in "".join(stderr), logs(group)
    # Every extra delivery was recognised as one (in whichever process it reached), once.
    dup_lines = Counter(
        int(m) for text in stderr for m in re.findall(r"duplicate delivery tg:(\d+) ", text)
    )
    assert dup_lines == duplicated, "each extra delivery is logged as a duplicate exactly once"
    assert sum(duplicated.values()) > RESIDENTS, "the duplicates were exercised"
    assert len(served) == INSTANCES, "every instance served updates"

    con = await asyncpg.connect(postgres_dsn)
    try:
        # Every confirmed answer stored exactly once: versions 1..5, one current, in order.
        rows = await con.fetch(
            "SELECT r.external_id, r.lang, r.subscribed, a.version, a.is_current, a.city,"
            " a.district, (SELECT array_agg(i.category ORDER BY i.rank) FROM answer_items AS i"
            " WHERE i.answer_id = a.id) AS items"
            " FROM residents AS r JOIN answers AS a ON a.resident_id = r.id ORDER BY a.id"
        )
        stored: dict[int, list[asyncpg.Record]] = defaultdict(list)
        for row in rows:
            stored[int(row["external_id"])].append(row)
        wrong = []
        for r in residents:
            versions = [row["version"] for row in stored[r.id]]
            current = [row for row in stored[r.id] if row["is_current"] == 1]
            ok = (
                sorted(versions) == [1, 2, 3, 4, 5]
                and len(current) == 1
                and current[0]["version"] == 5
                and (current[0]["city"], current[0]["district"]) == ("karakol", r.district)
                and list(current[0]["items"]) == r.problems
                and (current[0]["lang"], current[0]["subscribed"]) == ("ru", 1)
            )
            if not ok:
                wrong.append((r.id, [dict(row) for row in stored[r.id]]))
        assert wrong == [], f"{len(wrong)} residents' answers are not stored exactly once"
        assert len(stored) == RESIDENTS
        keys = {row[0] for row in await con.fetch("SELECT key FROM processed_updates")}
        assert {f"tg:{u}" for u in sent_ids} <= keys, "every update id is remembered"
        # The counters equal a recount of the current answers: 0 double counts.
        recount = {
            (row["city"], row["district"], row["category"]): (row["n"], row["score"])
            for row in await con.fetch(
                "SELECT a.city, coalesce(a.district, '') AS district, i.category,"
                " count(*) AS n, sum(6 - i.rank) AS score FROM answers AS a"
                " JOIN answer_items AS i ON i.answer_id = a.id WHERE a.is_current = 1"
                " GROUP BY 1, 2, 3"
            )
        }
        counters = {
            (row["city"], row["district"], row["category"]): (row["count"], row["score"])
            for row in await con.fetch("SELECT * FROM tally_categories WHERE count > 0")
        }
        assert counters == recount, "the category counters drifted from the answers"
        respondents = {
            (row["city"], row["district"]): row["n"]
            for row in await con.fetch(
                "SELECT city, coalesce(district, '') AS district, count(*) AS n FROM answers"
                " WHERE is_current = 1 GROUP BY 1, 2"
            )
        }
        tallied = {
            (row["city"], row["district"]): row["respondents"]
            for row in await con.fetch("SELECT * FROM tally_respondents WHERE respondents > 0")
        }
        assert tallied == respondents and sum(tallied.values()) == RESIDENTS
    finally:
        await con.close()
    print(
        f"{RESIDENTS} residents, {steps} updates (+{sum(duplicated.values())} duplicate"
        f" deliveries) through {INSTANCES} instances in {elapsed:.1f} s"
    )


# --- a broadcast whose leader is killed ----------------------------------------------------

SUBSCRIBERS = 240
FIRST_SUBSCRIBER = 8_100_000
TAKEOVER_WITHIN = 30.0  # a dead leader's lock is free at once; CHECK_EVERY 5 s + a lease of 20 s
ANNOUNCE = [
    "announce", "--city", "karakol", "--when", "05.12.2099 15:00", "--yes",
    "--title-ru", "Бюджет 2100", "--title-ky", "2100-жылдын бюджети",
    "--place-ru", "Мэрия", "--place-ky", "Мэрия",
    "--agenda-ru", "Проект", "--agenda-ky", "Долбоор",
]  # fmt: skip


async def seed_subscribers(dsn: str, count: int) -> None:
    """Residents who answered and said yes to announcements, as their turns store it."""
    store = PostgresStore(dsn)
    await store.open()
    try:
        for n in range(count):
            answer = Answer(
                version=1, city="karakol", district="mtu1", items=[Item(category="roads")]
            )
            effects = [
                SetLanguage("ru" if n % 3 else "ky"),
                SaveAnswer(answer),
                SetSubscribed(True),
            ]
            who = ResidentRef("tg", str(FIRST_SUBSCRIBER + n))
            await store.commit(who, Conversation(), effects)
    finally:
        await store.close()


async def citybot(tmp_path: Path, dsn: str, *args: str, **env: str) -> str:
    """A `citybot` command on the shared database; its output (it must succeed)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=tmp_path,
        env={**clean_env(), "PYTHONPATH": str(ROOT), "CITYBOT_DATABASE": dsn, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, f"citybot {args[0]}: {proc.returncode}\n{out!r}\n{err!r}"
    return out.decode()


async def test_a_killed_leaders_broadcast_is_finished_by_another_instance(
    tmp_path: Path, postgres_dsn: str
) -> None:
    await seed_subscribers(postgres_dsn, SUBSCRIBERS)
    chats = range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + SUBSCRIBERS)
    api = InstancesAPI(slow={"sendMessage": 0.2})  # the broadcast takes ~10 s at 25/s

    def got(before: float = float("inf")) -> dict[int, int]:
        """Announcements each subscriber got (those whose request came before `before`)."""
        return {chat: sum(t < before for t in api.arrivals[chat]) for chat in chats}

    async with BotAPIServer(TOKEN, api) as server, running(tmp_path, server, postgres_dsn) as group:
        first = leader(group)
        made = await citybot(tmp_path, postgres_dsn, *ANNOUNCE)
        found = re.search(r"announcement (\d+) scheduled", made)
        assert found, made
        announcement = int(found.group(1))
        await until(
            lambda: sum(map(bool, got().values())) >= SUBSCRIBERS // 3,
            30,
            "a third of the subscribers got the announcement",
            group,
        )
        assert leader(group) is first, "the leader sends the broadcast"
        first.proc.kill()  # type: ignore[union-attr]  # SIGKILL: no goodbye, leases left held
        killed_at = time.monotonic()
        survivors = [i for i in group if i is not first]
        took_over = await until(
            lambda: any(i.leads for i in survivors), 15, "another instance leads", group
        )
        await until(
            lambda: min(got().values()) >= 1,
            TAKEOVER_WITHIN + 15,
            "every subscriber got the announcement",
            group,
        )
        con = await asyncpg.connect(postgres_dsn)
        try:

            async def state() -> str:
                return str(
                    await con.fetchval(
                        "SELECT state FROM announcements WHERE id = $1", announcement
                    )
                )

            for _ in range(75):  # 15 s for the last flush and finish_broadcast
                if (final := await state()) == "done":
                    break
                await asyncio.sleep(0.2)
            deliveries = Counter(
                row[0]
                for row in await con.fetch(
                    "SELECT state FROM broadcast_deliveries WHERE announcement_id = $1",
                    announcement,
                )
            )
        finally:
            await con.close()
        await asyncio.sleep(1.0)  # anything still on its way arrives now, counted below
        assert len([i for i in survivors if i.leads]) == 1, logs(group)
        assert all(i.alive for i in survivors), logs(group)
        assert "Traceback" not in "".join(i.stderr for i in survivors), logs(group)
    counts, at_kill = got(), got(killed_at)
    twice = [chat for chat, n in counts.items() if n == 2]
    assert min(at_kill.values()) == 0, "the broadcast was not finished when its leader died"
    assert final == "done", f"announcement {announcement} ended {final!r}"
    assert deliveries == {"sent": SUBSCRIBERS}, deliveries
    assert min(counts.values()) == 1 and max(counts.values()) <= 2, Counter(counts.values())
    # Only what the dead leader had sent but not yet recorded goes out again: at most a claim.
    assert len(twice) <= CLAIM, f"{len(twice)} subscribers got it twice"
    repeats = {chat: (at_kill[chat], counts[chat]) for chat in twice if at_kill[chat] != 1}
    assert repeats == {}, "a repeat is only of what the dead leader had sent"
    # Counted from the kill: the first delivery by another instance, and the last first one.
    resumed = min(t for ts in api.arrivals.values() for t in ts if t > killed_at) - killed_at
    everyone = max(min(api.arrivals[chat]) for chat in chats) - killed_at
    assert resumed <= TAKEOVER_WITHIN, f"another instance sent only {resumed:.1f} s after"
    print(
        f"broadcast to {SUBSCRIBERS}: {sum(map(bool, at_kill.values()))} sent when the leader"
        f" was killed; new leader after {took_over:.1f} s, sending again after {resumed:.1f}"
        f" s, everyone after {everyone:.1f} s; {len(twice)} got it twice"
    )


# --- the daily summary, its leader killed mid-round ----------------------------------------

ADMIN = 990_001
CONFIGURED = (-100_201, -100_202)  # working groups in the city file
BOUND = -100_203  # bound with /bind by an admin, through the pipeline


def city_dir(tmp_path: Path) -> tuple[Path, str]:
    """Karakol with two working groups, an admin, and a summary_time that is now, in a time
    zone where now is not near midnight (the day must not change during the test); the
    directory and today's date there."""
    now = datetime.now(UTC)
    zone = next(
        z
        for z in ("Asia/Bishkek", "Europe/London", "America/New_York", "Pacific/Auckland")
        if 1 <= now.astimezone(ZoneInfo(z)).hour <= 22
    )
    local = now.astimezone(ZoneInfo(zone))
    text = (ROOT / "cities" / "karakol.toml").read_text(encoding="utf-8")
    text = text.replace(
        'timezone = "Asia/Bishkek"',
        f'timezone = "{zone}"\nsummary_time = "{local:%H:%M}"',
    )
    text = text.replace("telegram_user_ids = []", f"telegram_user_ids = [{ADMIN}]")
    for chat in CONFIGURED:
        text += f'\n[[working_groups]]\ntelegram_chat_id = {chat}\nlanguage = "ru"\n'
    folder = tmp_path / "cities"
    folder.mkdir()
    (folder / "karakol.toml").write_text(text, encoding="utf-8")
    return folder, local.date().isoformat()


async def prepare_summary(dsn: str, folder: Path) -> None:
    """Some answers to rank (so the summary has a chart), and a third chat bound by /bind."""
    world = load_world(folder)
    store = PostgresStore(dsn)
    await store.open()
    try:
        for n in range(12):
            picks = FEATURED[n % 3 : n % 3 + 3]
            answer = Answer(
                version=1,
                city="karakol",
                district=f"mtu{n % 8 + 1}",
                items=[Item(category=c) for c in picks],
            )
            await store.commit(
                ResidentRef("tg", str(7_200_000 + n)), Conversation(), [SaveAnswer(answer)]
            )
        said: list[object] = []

        async def deliver(turn: object) -> None:
            said.append(turn)

        bind = Inbound("command", command="bind", text="karakol", sender=f"tg:{ADMIN}")
        await Pipeline(store, world).group(BOUND, bind, deliver, "tg:1")
        assert await store.groups("karakol") == [(BOUND, "ru")], said
    finally:
        await store.close()


async def test_a_leader_killed_mid_summary_leaves_each_chat_one_summary(
    tmp_path: Path, postgres_dsn: str
) -> None:
    folder, day = city_dir(tmp_path)
    await prepare_summary(postgres_dsn, folder)
    chats = (*CONFIGURED, BOUND)
    api = InstancesAPI()
    held: list[int] = []
    arrived, release = asyncio.Event(), asyncio.Event()

    async def hold_first_chart(method: str, params: dict[str, Any]) -> None:
        # The leader's first chart is held unanswered: its text went out, the chart arrives,
        # and the leader is killed before it hears back (so before it records the chat).
        if method == "sendPhoto" and not held:
            held.append(int(params["chat_id"]))
            arrived.set()
            await release.wait()

    api.gate = hold_first_chart
    env = {"CITYBOT_CONFIG": str(folder), "CITYBOT_CITY": "karakol"}

    def photos() -> dict[int, int]:
        return {chat: len(api.photos(chat)) for chat in chats}

    async with (
        BotAPIServer(TOKEN, api) as server,
        running(tmp_path, server, postgres_dsn, **env) as group,
    ):
        try:
            try:
                await asyncio.wait_for(arrived.wait(), 60)
            except TimeoutError:
                pytest.fail(f"no summary chart within 60 s\n{logs(group)}")
            first = leader(group)
            first.proc.kill()  # type: ignore[union-attr]
            await first.proc.wait()  # type: ignore[union-attr]
        finally:
            release.set()  # the chart it sent is delivered: that chat has its summary
        survivors = [i for i in group if i is not first]
        took_over = await until(
            lambda: min(photos().values()) >= 1,
            TAKEOVER_WITHIN,
            "every working group got its summary",
            group,
        )
        await asyncio.sleep(6.0)  # one more leadership check: nothing is sent again
        assert len([i for i in survivors if i.leads]) == 1, logs(group)
        assert "Traceback" not in "".join(i.stderr for i in survivors), logs(group)
    assert photos() == dict.fromkeys(chats, 1), "one chart per chat"
    texts = {chat: len(api.sent(chat)) for chat in chats}
    assert texts == dict.fromkeys(chats, 1), "one summary text per chat"
    con = await asyncpg.connect(postgres_dsn)
    try:
        rows = {
            row["chat_id"]: (row["day"], row["status"])
            for row in await con.fetch("SELECT chat_id, day, status FROM summaries")
        }
    finally:
        await con.close()
    # The chat the dead leader served stays claimed (never sent twice); the others are sent.
    assert rows == {chat: (day, "sending" if chat == held[0] else "sent") for chat in chats}, rows
    print(f"summaries: chat {held[0]} by the killed leader, the others {took_over:.1f} s later")


# --- helpers' own sanity -------------------------------------------------------------------


def test_the_city_file_has_a_summary_due_now(tmp_path: Path) -> None:
    from bot.scheduler import due_day

    folder, day = city_dir(tmp_path)
    world = load_world(folder)
    city = world.cities["karakol"]
    assert [g.telegram_chat_id for g in city.working_groups] == list(CONFIGURED)
    assert due_day(city, datetime.now(UTC)) == day
