"""The desk's sign-outs in every engine: the latest kept, /forget removes a resident's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    clock_fixture,
    migrated_dsn_fixture,
    store_fixture,
)

from flows.session import Conversation, Forget, SetLanguage
from storage.base import ResidentRef, Store


async def test_the_latest_sign_out_is_kept_and_forget_removes_it(
    store: Store,
    clock: FakeClock,
) -> None:
    assert await store.signed_out_at(7002) is None
    first = datetime(2026, 5, 1, 10, 0, 0, 123000, tzinfo=UTC)
    await store.sign_out(7002, first)
    await store.sign_out(7002, first - timedelta(hours=1))  # a late, older write
    assert await store.signed_out_at(7002) == first
    await store.sign_out(7002, first + timedelta(minutes=5))
    assert await store.signed_out_at(7002) == first + timedelta(minutes=5)
    await store.sign_out(7003, first)
    # The same Telegram id as a resident: /forget leaves nothing of them, this included.
    await store.commit(ResidentRef("tg", "7002"), Conversation(), [SetLanguage("ru")])
    await store.commit(ResidentRef("tg", "7002"), Conversation(), [Forget()])
    assert await store.signed_out_at(7002) is None
    assert await store.signed_out_at(7003) == first, "another user's is kept"
