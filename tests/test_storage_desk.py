"""The desk's sign-outs in every engine: the latest kept, /forget removes a resident's."""

from __future__ import annotations

from datetime import timedelta

from storage_helpers import (  # noqa: F401  (fixtures)
    FakeClock,
    clock_fixture,
    migrated_dsn_fixture,
    store_fixture,
)

from flows.session import Conversation, Forget, SetLanguage
from storage.base import ResidentRef, Store


async def test_the_latest_sign_out_is_kept_forget_ends_sessions_and_a_day_removes_it(
    store: Store,
    clock: FakeClock,
) -> None:
    assert await store.signed_out_at(7002) is None
    first = clock.now - timedelta(minutes=10)
    await store.sign_out(7002, first)
    await store.sign_out(7002, first - timedelta(hours=1))  # a late, older write
    assert await store.signed_out_at(7002) == first
    await store.sign_out(7002, first + timedelta(minutes=5))
    assert await store.signed_out_at(7002) == first + timedelta(minutes=5)
    await store.sign_out(7003, first)
    # The same Telegram id as a resident: /forget ends every desk session of theirs (deleting
    # the row would bring a signed-out copy of a cookie back to life) ...
    await store.commit(ResidentRef("tg", "7002"), Conversation(), [SetLanguage("ru")])
    await store.commit(ResidentRef("tg", "7002"), Conversation(), [Forget()])
    assert await store.signed_out_at(7002) == clock.now
    assert await store.signed_out_at(7003) == first, "another user's is kept"
    assert await store.signed_out_at(7004) is None, "no row made for someone who had none"
    # ... and a day on, when no session from before could still live, the rows are gone.
    clock.advance(days=1, hours=2)
    await store.commit(ResidentRef("tg", "7010"), Conversation(), [SetLanguage("ru")])
    for _ in range(50):  # the prune rides along with a later write batch
        if await store.signed_out_at(7002) is None:
            break
        await store.commit(ResidentRef("tg", "7010"), Conversation(), [SetLanguage("ky")])
    assert await store.signed_out_at(7002) is None and await store.signed_out_at(7003) is None
