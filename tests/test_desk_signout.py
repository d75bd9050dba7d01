"""Signing out of the desk ends the session everywhere: a copied cookie is refused, on every
instance sharing the store; a new sign-in works."""

from __future__ import annotations

import re

from storage.sqlite import SqliteStore
from tests.test_desk import ADMIN, REVIEWER, Env, store, world  # noqa: F401  (fixtures)


async def _logout(client, page: str) -> int:  # type: ignore[no-untyped-def]
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert token, "the page carries the sign-out form"
    return (await client.post("/logout", data={"csrf": token.group(1)})).status_code


async def test_a_copied_cookie_dies_with_the_sign_out_on_every_instance(
    store: SqliteStore,  # noqa: F811
    world,  # noqa: F811  # type: ignore[no-untyped-def]
) -> None:
    here, there = Env(store, world), Env(store, world)  # two instances, one database
    there.clock.now = here.clock.now
    client = await here.signed_in(REVIEWER)
    page = await client.get("/cities/karakol")
    assert page.status_code == 200
    cookie = client.cookies.get("citybot_desk")
    assert cookie
    copied = there.client("198.51.100.9")
    copied.cookies.set("citybot_desk", cookie)
    assert (await copied.get("/cities/karakol")).status_code == 200, "the copy works until..."
    other = await here.signed_in(ADMIN)  # someone else's session is not touched

    here.clock.now += 1
    assert await _logout(client, page.text) == 303
    for instance in (client, copied):
        refused = await instance.get("/cities/karakol")
        assert refused.status_code == 303 and refused.headers["location"] == "/login"
    again = copied.cookies.get("citybot_desk")
    assert again == cookie, "the copy still holds the cookie: the server refuses it"
    assert (await other.get("/cities/karakol")).status_code == 200

    # Signing in again, even in the same second, opens a new session.
    here.clock.now += 0.01
    fresh = await here.signed_in(REVIEWER, ip="203.0.113.20")
    assert (await fresh.get("/cities/karakol")).status_code == 200


async def test_signing_out_a_session_already_ended_elsewhere_just_forgets_it(
    store: SqliteStore,  # noqa: F811
    world,  # noqa: F811  # type: ignore[no-untyped-def]
) -> None:
    """The second browser's "sign out" after the first signed out: back to the sign-in
    page, the cookie deleted; and it must not sign its owner out once more (a revoked copy
    in a stranger's hands would otherwise keep them out)."""
    env = Env(store, world)
    first = await env.signed_in(REVIEWER)
    page = (await first.get("/cities/karakol")).text
    second = env.client("198.51.100.10")
    second.cookies.set("citybot_desk", first.cookies.get("citybot_desk") or "")
    env.clock.now += 1
    assert await _logout(first, page) == 303
    signed_out = await store.signed_out_at(REVIEWER)
    env.clock.now += 1
    fresh = await env.signed_in(REVIEWER, ip="203.0.113.30")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert token
    answer = await second.post("/logout", data={"csrf": token.group(1)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert "citybot_desk=" in answer.headers.get("set-cookie", "")
    assert await store.signed_out_at(REVIEWER) == signed_out, "no second sign-out"
    assert (await fresh.get("/cities/karakol")).status_code == 200


async def test_an_instance_whose_clock_is_behind_still_ends_the_session(
    store: SqliteStore,  # noqa: F811
    world,  # noqa: F811  # type: ignore[no-untyped-def]
) -> None:
    ahead, behind = Env(store, world), Env(store, world)
    behind.clock.now = ahead.clock.now - 3  # three seconds slow
    client = await ahead.signed_in(REVIEWER)
    page = (await client.get("/cities/karakol")).text
    copied = behind.client("198.51.100.11")
    copied.cookies.set("citybot_desk", client.cookies.get("citybot_desk") or "")
    behind.clock.now += 1
    assert await _logout(copied, page) == 303  # signed out on the slow instance
    for instance in (client, copied):
        assert (await instance.get("/cities/karakol")).status_code == 303
