"""The tests' own helpers keep their promises, so a test built on them cannot fail by chance."""

from __future__ import annotations

from tests.fake_telegram import _REMEMBERED, BotAPIServer, free_port


def test_free_port_never_hands_out_the_same_port_twice() -> None:
    # The kernel picks among ~14,000 ports at random and the probe frees its port at once: 900
    # probes would repeat one ~29 times (two probes in a test: once in ~14,000 runs).
    ports = [free_port() for _ in range(min(900, _REMEMBERED))]
    assert len(set(ports)) == len(ports)


async def test_a_fake_bot_api_on_port_0_takes_none_of_the_ports_handed_out() -> None:
    handed = {free_port() for _ in range(200)}
    async with BotAPIServer("1:TEST") as server:
        assert server.port and server.port not in handed
