"""Announcements: operator effects, frozen recipients, claims as leases shared by owners."""

from __future__ import annotations

from datetime import timedelta

import pytest
from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    answer,
    clock_fixture,
    store_fixture,
)

from flows.effects import CancelAnnouncement
from flows.session import Conversation, CreateAnnouncement, SaveAnswer, SetSubscribed
from storage.base import DuplicateUpdate, ResidentRef, Store

LEASE = timedelta(seconds=20)


async def _subscribers(store: Store, n: int, city: str = "karakol") -> list[ResidentRef]:
    people = [ResidentRef("tg", str(7000 + i)) for i in range(n)]
    for who in people:
        await store.commit(
            who, Conversation(), [SaveAnswer(answer(1, city=city)), SetSubscribed(True)]
        )
    return people


async def _sending(store: Store, clock: FakeClock, people: int) -> int:
    await _subscribers(store, people)
    (aid,) = await store.commit_operator("cli:op", [CreateAnnouncement("karakol", {}, clock.now)])
    assert isinstance(aid, int) and await store.start_broadcast(aid, "scheduler")
    return aid


async def test_operator_effects_create_with_reminder_and_cancel(
    store: Store, clock: FakeClock
) -> None:
    hearing = clock.now + timedelta(days=3)
    create = CreateAnnouncement(
        "karakol", {"title": {"ru": "Т"}}, hearing, hearing - timedelta(days=1)
    )
    (aid,) = await store.commit_operator("cli:op", [create], "cli:1")
    created = await store.announcements("karakol")
    assert [(a.kind, a.parent_id, a.state) for a in created] == [
        ("reminder", aid, "scheduled"),
        ("announcement", None, "scheduled"),
    ]
    assert created[1].content == {"title": {"ru": "Т"}} and created[1].send_at == hearing
    with pytest.raises(DuplicateUpdate):
        await store.commit_operator("cli:op", [create], "cli:1")
    assert len(await store.announcements()) == 2, "a repeated command creates nothing"
    # Per effect: the id created, or whether the cancel took effect.
    other = CreateAnnouncement("manas", {}, hearing)
    results = await store.commit_operator(
        "cli:op", [CancelAnnouncement(aid), other, CancelAnnouncement(aid)]
    )
    assert results[0] is True and results[2] is False and isinstance(results[1], int)
    assert {a.state for a in await store.announcements("karakol")} == {"cancelled"}
    assert await store.announcement_log(aid) == [("created", "cli:op"), ("cancelled", "cli:op")]
    assert await store.due_announcements(hearing + timedelta(days=1)) == [results[1]]


async def test_nothing_is_cancelled_once_sending(store: Store, clock: FakeClock) -> None:
    aid = await _sending(store, clock, 2)
    assert await store.commit_operator("cli:op", [CancelAnnouncement(aid)]) == [False]
    assert await store.due_announcements(clock.now) == [aid], "sending ones keep coming back"
    assert await store.start_broadcast(aid, "second process"), "joins the one sending"
    assert (await store.broadcast_counts(aid)).pending == 2, "recipients frozen once"


async def test_two_owners_share_a_broadcast_and_never_claim_the_same_resident(
    store: Store, clock: FakeClock
) -> None:
    aid = await _sending(store, clock, 23)
    seen: dict[str, list[int]] = {"a": [], "b": []}
    while True:
        got = {o: await store.claim_recipients(aid, 4, o, LEASE) for o in "ab"}
        if not any(got.values()):
            break
        for owner, claimed in got.items():
            seen[owner] += [r.resident_id for r in claimed]
            await store.finish_deliveries(aid, [(r.resident_id, "sent", None) for r in claimed])
    assert seen["a"] and seen["b"], "both worked"
    assert not set(seen["a"]) & set(seen["b"])
    assert len(seen["a"]) + len(seen["b"]) == len(set(seen["a"] + seen["b"])) == 23
    counts = await store.broadcast_counts(aid)
    assert (counts.sent, counts.pending) == (23, 0)
    assert await store.finish_broadcast(aid, "engine")


async def test_a_dead_owners_claims_come_back_after_its_lease_not_before(
    store: Store, clock: FakeClock
) -> None:
    aid = await _sending(store, clock, 5)
    dead = {r.resident_id for r in await store.claim_recipients(aid, 3, "dead", LEASE)}
    assert len(dead) == 3
    clock.advance(seconds=19)
    assert {r.resident_id for r in await store.claim_recipients(aid, 10, "live", LEASE)}.isdisjoint(
        dead
    ), "only the two never claimed"
    assert await store.claim_recipients(aid, 10, "live", LEASE) == []
    clock.advance(seconds=2)  # the dead owner's lease ran out
    again = await store.claim_recipients(aid, 10, "live", LEASE)
    assert {r.resident_id for r in again} == dead
    assert await store.renew_claims(aid, "dead", LEASE) == 0, "they are not its any more"


async def test_renewal_keeps_the_claims(store: Store, clock: FakeClock) -> None:
    aid = await _sending(store, clock, 4)
    mine = await store.claim_recipients(aid, 4, "busy", LEASE)
    for _ in range(5):  # a long send, renewed every 15 s
        clock.advance(seconds=15)
        assert await store.renew_claims(aid, "busy", LEASE) == 4
        assert await store.claim_recipients(aid, 10, "other", LEASE) == []
    await store.finish_deliveries(
        aid,
        [
            (r.resident_id, "failed" if i else "sent", "boom" if i else None)
            for i, r in enumerate(mine)
        ],
    )
    assert await store.renew_claims(aid, "busy", LEASE) == 0, "finished: nothing held"
    counts = await store.broadcast_counts(aid)
    assert (counts.sent, counts.failed, counts.pending) == (1, 3, 0)


async def test_who_unsubscribed_since_the_start_is_skipped(store: Store, clock: FakeClock) -> None:
    aid = await _sending(store, clock, 3)
    await store.commit(ResidentRef("tg", "7001"), Conversation(), [SetSubscribed(False)])
    claimed = await store.claim_recipients(aid, 10, "a", LEASE)
    assert {r.ref.external_id for r in claimed} == {"7000", "7002"}
    assert (await store.broadcast_counts(aid)).skipped == 1
    with pytest.raises(ValueError):
        await store.finish_deliveries(aid, [(claimed[0].resident_id, "pending", None)])


async def test_an_unknown_operator_effect_is_refused_and_nothing_is_written(
    store: Store, clock: FakeClock
) -> None:
    made = CreateAnnouncement("bishkek", {}, clock.now)
    with pytest.raises(TypeError, match="unknown operator effect"):
        await store.commit_operator("cli:op", [made, SetSubscribed(True)])  # type: ignore[list-item]
    assert await store.announcements("bishkek") == []
