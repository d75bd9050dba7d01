"""Setting up a test's data the way the bot itself stores it (through effects)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flows.session import CreateAnnouncement, SetSubscribed
from storage.base import ResidentRef, Store


async def announce(
    store: Store,
    city: str,
    content: Mapping[str, object],
    send_at: datetime,
    actor: str = "cli:test",
    reminder: datetime | None = None,
) -> int:
    """An announcement (and its reminder) as an operator creates it; its id."""
    effect = CreateAnnouncement(city, dict(content), send_at, reminder)
    (made,) = await store.commit_operator(actor, [effect])
    assert isinstance(made, int) and not isinstance(made, bool)
    return made


async def subscribe(store: Store, who: ResidentRef, on: bool = True) -> None:
    """The resident said yes (or no) to announcements, as their turn would store it."""
    loaded = await store.load(who)
    await store.commit(who, loaded.session.conv, [SetSubscribed(on)])
