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
