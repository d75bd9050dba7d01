"""The World as of the store: what review taught and the categories accepted from themes."""

from __future__ import annotations

from flows.world import World
from storage.base import Reviews


class FreshWorld:
    """The configured world with the store's learned wordings and accepted city categories,
    rebuilt only when the store's learned version moved (a review or an accepted theme, in
    this process or another): one cheap read per use, a rebuild only after a change."""

    def __init__(self, store: Reviews, base: World) -> None:
        self.store, self.base = store, base
        self._version: int | None = None
        self.world = base  # as of the latest version seen

    async def get(self) -> World:
        return await self.at(await self.store.learned_version())

    async def at(self, version: int) -> World:
        """As of `version` (the pipeline reads it with every load, so no second query)."""
        if version != self._version:
            taught = await self.store.learned()
            accepted = await self.store.city_categories()
            self.world = self.base.with_learned(taught, accepted)
            self._version = version
        return self.world
