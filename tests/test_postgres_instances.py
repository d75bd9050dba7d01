"""Several instances on one PostgreSQL database: shared broadcasts, leases, summaries, dedup."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import asyncpg
import pytest

from flows.effects import BindGroup
from flows.session import Conversation, CreateAnnouncement, SaveAnswer, SetSubscribed
from storage.base import DuplicateUpdate, GroupBinding, Recipient, ResidentRef
from storage.postgres import PostgresStore
from storage.sqlite.sql import iso
from tests.storage_helpers import FakeClock, answer

LEASE = timedelta(seconds=20)
CHAT = -100
Instances = tuple[FakeClock, list[PostgresStore]]


@pytest.fixture
async def instances(postgres_dsn: str) -> AsyncIterator[Instances]:
    """Three stores on one database, as three processes would have (one clock: the test's)."""
    clock = FakeClock()
    stores = [PostgresStore(postgres_dsn, clock=clock) for _ in range(3)]
    try:
        await asyncio.gather(*(s.open() for s in stores))  # all migrate at once, as at a deploy
        yield clock, stores
    finally:
        for s in stores:
            await s.close()


async def _sending(store: PostgresStore, clock: FakeClock, people: int) -> int:
    """An announcement due now for `people` subscribed residents of karakol (not started)."""
    for i in range(people):
        effects = [SaveAnswer(answer(1, city="karakol")), SetSubscribed(True)]
        await store.commit(ResidentRef("tg", str(8000 + i)), Conversation(), effects)
    (aid,) = await store.commit_operator("cli:op", [CreateAnnouncement("karakol", {}, clock.now)])
    assert isinstance(aid, int)
    return aid


def _ids(claimed: Sequence[Recipient]) -> set[int]:
    return {r.resident_id for r in claimed}


async def test_instances_share_one_broadcast_and_send_to_everyone_exactly_once(
    instances: Instances, postgres_dsn: str
) -> None:
    clock, stores = instances
    aid = await _sending(stores[0], clock, 150)
    # Every instance's scheduler finds it due at once: the recipients are frozen once.
    started = await asyncio.gather(*(s.start_broadcast(aid, f"i{n}") for n, s in enumerate(stores)))
    assert started == [True, True, True]
    log = await stores[0].announcement_log(aid)
    assert [action for action, _ in log].count("sending") == 1
    assert (await stores[1].broadcast_counts(aid)).pending == 150
    for i in range(0, 150, 10):  # unsubscribed after the list was frozen: skipped
        await stores[2].commit(
            ResidentRef("tg", str(8000 + i)), Conversation(), [SetSubscribed(False)]
        )

    seen: dict[str, list[int]] = {}

    async def work(store: PostgresStore, owner: str) -> None:
        mine = seen.setdefault(owner, [])
        while claimed := await store.claim_recipients(aid, 7, owner, LEASE):
            mine.extend(r.resident_id for r in claimed)
            await asyncio.sleep(0)  # a send: the other owners claim meanwhile
            await store.finish_deliveries(aid, [(r.resident_id, "sent", None) for r in claimed])

    # Two senders per instance, each its own owner, all claiming concurrently.
    await asyncio.gather(*(work(s, f"i{n}w{w}") for n, s in enumerate(stores) for w in range(2)))
    everyone = [rid for claimed in seen.values() for rid in claimed]
    assert all(seen.values()), "every sender got a share"
    assert len(everyone) == len(set(everyone)) == 135, "nobody twice, nobody left out"
    counts = await stores[0].broadcast_counts(aid)
    assert (counts.sent, counts.skipped, counts.pending) == (135, 15, 0)
    con = await asyncpg.connect(postgres_dsn)
    try:
        assert await con.fetchval("SELECT max(attempts) FROM broadcast_deliveries") == 1
    finally:
        await con.close()
    # Every instance sees it finished; only one marks it done.
    done = await asyncio.gather(*(s.finish_broadcast(aid, f"i{n}") for n, s in enumerate(stores)))
    assert done == [True, True, True]
    log = await stores[2].announcement_log(aid)
    assert [action for action, _ in log].count("sent") == 1
    announcement = await stores[1].announcement(aid)
    assert announcement is not None and announcement.state == "done"
    assert await stores[0].due_announcements(clock.now) == []


async def test_a_claim_never_waits_for_rows_another_instance_is_claiming(
    instances: Instances, postgres_dsn: str
) -> None:
    clock, (a, b, _c) = instances
    aid = await _sending(a, clock, 10)
    assert await a.start_broadcast(aid, "scheduler")
    con = await asyncpg.connect(postgres_dsn)
    try:
        # Another instance's claim statement, caught while it holds its rows' locks.
        async with con.transaction():
            locked = {
                row[0]
                for row in await con.fetch(
                    "SELECT resident_id FROM broadcast_deliveries WHERE announcement_id = $1"
                    " ORDER BY resident_id LIMIT 4 FOR UPDATE",
                    aid,
                )
            }
            others = await asyncio.wait_for(b.claim_recipients(aid, 10, "b", LEASE), 5)
            assert len(others) == 6 and _ids(others).isdisjoint(locked)
        # Its transaction ended without taking them: they are pending, for whoever comes next.
        assert _ids(await b.claim_recipients(aid, 10, "b", LEASE)) == locked
    finally:
        await con.close()


async def test_a_dead_instances_claims_are_taken_over_once_after_its_lease(
    instances: Instances,
) -> None:
    clock, (a, b, c) = instances
    aid = await _sending(a, clock, 12)
    assert await a.start_broadcast(aid, "scheduler")
    dead = _ids(await a.claim_recipients(aid, 9, "dead", LEASE))
    assert len(dead) == 9
    clock.advance(seconds=19)
    assert dead.isdisjoint(_ids(await b.claim_recipients(aid, 12, "b", LEASE)))
    clock.advance(seconds=2)  # the dead owner's lease ran out (b's did not)
    # Two live instances race for them, three at a time: each taken by exactly one.
    rounds: list[set[int]] = []
    while True:
        got = await asyncio.gather(
            *(s.claim_recipients(aid, 3, owner, LEASE) for s, owner in ((b, "b"), (c, "c")))
        )
        if not any(got):
            break
        rounds += [_ids(claimed) for claimed in got]
    taken = [rid for claimed in rounds for rid in claimed]
    assert len(taken) == len(set(taken)) and set(taken) == dead
    assert await a.renew_claims(aid, "dead", LEASE) == 0, "they are not its any more"


async def test_renewal_extends_only_the_owners_claims(instances: Instances) -> None:
    clock, (a, b, c) = instances
    aid = await _sending(a, clock, 12)
    assert await b.start_broadcast(aid, "scheduler")
    held_a = _ids(await a.claim_recipients(aid, 4, "a", LEASE))
    held_b = _ids(await b.claim_recipients(aid, 4, "b", LEASE))
    clock.advance(seconds=15)
    assert await a.renew_claims(aid, "a", LEASE) == 4  # a's now run to +35 s, b's to +20 s
    assert await c.renew_claims(aid, "c", LEASE) == 0, "c holds nothing"
    clock.advance(seconds=10)
    taken = _ids(await c.claim_recipients(aid, 12, "c", LEASE))
    assert held_b <= taken and taken.isdisjoint(held_a) and len(taken) == 8
    assert await b.renew_claims(aid, "b", LEASE) == 0, "b's ran out: they are c's now"
    assert await c.renew_claims(aid, "c", LEASE) == 8
    clock.advance(seconds=11)  # a's renewed lease ran out too; c's renewed one did not
    assert _ids(await b.claim_recipients(aid, 12, "b", LEASE)) == held_a


async def test_one_instance_wins_each_summary_claim(instances: Instances) -> None:
    clock, stores = instances

    async def race(day: str) -> list[bool]:
        # Two claimers per instance, all at once.
        return await asyncio.gather(
            *(s.claim_summary("karakol", CHAT, day) for s in stores for _ in range(2))
        )

    days = [f"2026-05-0{d}" for d in range(1, 6)]
    for day in days:
        assert (await race(day)).count(True) == 1
    assert (await race(days[0])).count(True) == 0, "being sent by someone"
    clock.advance(minutes=11)  # the claimers crashed: one instance takes each over
    assert (await race(days[0])).count(True) == 1
    await stores[1].finish_summary("karakol", CHAT, days[0], 4, {"roads": (1, 4)})
    await stores[2].release_summary("karakol", CHAT, days[1])  # its send failed
    assert (await race(days[1])).count(True) == 1, "released: sent by one of the next"
    clock.advance(minutes=11)
    assert (await race(days[0])).count(True) == 0, "sent: never again"
    previous = await stores[0].previous_summary("karakol", CHAT, days[1])
    assert previous is not None and previous.respondents == 4


async def test_a_group_update_delivered_to_several_instances_is_applied_once(
    instances: Instances,
) -> None:
    _clock, stores = instances
    cities = ("karakol", "manas", "bishkek")
    results = await asyncio.gather(
        *(
            s.commit_group(CHAT, [BindGroup(city, "ru")], "tg:7")
            for s, city in zip(stores, cities, strict=True)
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(r, DuplicateUpdate) for r in results) == 2
    (winner,) = (city for city, r in zip(cities, results, strict=True) if r is None)
    assert (await stores[0].load_group(CHAT, "tg:7")).binding == GroupBinding(winner, "ru")
    assert (await stores[1].load_group(CHAT, "tg:7")).duplicate
    assert [await s.groups(winner) for s in stores] == [[(CHAT, "ru")]] * 3


async def test_an_operator_command_delivered_twice_at_once_creates_one_announcement(
    instances: Instances,
) -> None:
    clock, stores = instances
    create = CreateAnnouncement("karakol", {}, clock.now + timedelta(days=1))
    results = await asyncio.gather(
        *(s.commit_operator("cli:op", [create], "cli:1") for s in stores), return_exceptions=True
    )
    assert sum(isinstance(r, DuplicateUpdate) for r in results) == 2
    assert len(await stores[2].announcements("karakol")) == 1


async def test_renewals_and_finishes_at_once_never_deadlock(
    instances: Instances, postgres_dsn: str
) -> None:
    """The broadcast renews its leases while it flushes finished deliveries, on two pooled
    connections, in whatever order the sends ended: both lock in one order (without it,
    PostgreSQL aborts one of them as a deadlock in most of these rounds)."""
    clock, (a, b, _c) = instances
    shuffle = random.Random(11).shuffle
    con = await asyncpg.connect(postgres_dsn)
    try:
        # A city of some size (rows straight in: the statements' plans are what matter).
        await con.execute(
            "INSERT INTO residents (channel, external_id, city, subscribed, created_at,"
            " updated_at) SELECT 'tg', g::text, 'karakol', 1, $1, $1"
            " FROM generate_series(1, 20000) AS g",
            iso(clock.now),
        )
        await con.execute("ANALYZE")
        (aid,) = await a.commit_operator("cli:op", [CreateAnnouncement("karakol", {}, clock.now)])
        assert isinstance(aid, int) and await a.start_broadcast(aid, "scheduler")
        for _ in range(10):
            mine = [r.resident_id for r in await a.claim_recipients(aid, 300, "o", LEASE)]
            shuffle(mine)  # sends end in any order
            renewed, _ = await asyncio.gather(
                a.renew_claims(aid, "o", LEASE),
                b.finish_deliveries(aid, [(rid, "sent", None) for rid in mine]),
            )
            assert renewed in (0, len(mine)), "one waited for the other, whole"
        assert (await a.broadcast_counts(aid)).sent == 3000
    finally:
        await con.close()
