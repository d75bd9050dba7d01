"""The data a decision said it needs (flows.facts.Needs), loaded before it runs."""

from __future__ import annotations

import asyncio

from flows.facts import Facts, Needs
from storage.base import Store

# Needs field -> the store method that loads it for a city.
_LOADERS = {
    "tallies": "tallies",
    "sources": "source_counts",
    "unplaced": "unplaced",
    "subscribers": "subscriber_counts",
    "announced": "announcements",
    "rounds": "rounds",
}


class FactsLoader:
    """Loads what a decision said it needs, all at once, before it runs."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def load(self, needs: Needs) -> Facts:
        if not needs:
            return Facts()
        wanted = {
            name: getattr(self.store, method)(city)
            for name, method in _LOADERS.items()
            if (city := getattr(needs, name))
        }
        values = dict(zip(wanted, await asyncio.gather(*wanted.values()), strict=True))
        if "unplaced" in values:
            values["unplaced"] = tuple(values["unplaced"])
        if "announced" in values:
            # What residents were told about: announcements sent or being sent.
            values["announced"] = tuple(
                a.content
                for a in values["announced"]
                if a.kind == "announcement" and a.state in ("sending", "done")
            )
        return Facts(**values)
