"""Everything a step may consult besides the session: cities, catalogue, matchers (read-only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows import bundled
from flows.catalogue import Catalogue, City, CityCategories
from flows.matcher import Matcher


@dataclass(frozen=True)
class World:
    catalogue: Catalogue
    cities: dict[str, City]
    fixed_city: str | None
    shown: dict[str, CityCategories]
    matchers: dict[str, Matcher]
    words: Mapping[str, tuple[str, ...]]

    @classmethod
    def build(
        cls,
        cities: Sequence[City],
        fixed_city: str | None = None,
        catalogue: Catalogue | None = None,
        learned: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    ) -> World:
        """Validate the combination and build one matcher per city.

        `learned` maps city id -> category id -> wordings taught by human review.
        """
        catalogue = catalogue or bundled.catalogue()
        by_id = {c.id: c for c in cities}
        if len(by_id) != len(cities):
            raise ValueError("two cities share an id")
        if not by_id:
            raise ValueError("no city is configured")
        if fixed_city is not None and fixed_city not in by_id:
            raise ValueError(f"CITYBOT_CITY={fixed_city!r} is not a configured city")
        if fixed_city is None and len(by_id) == 1:
            fixed_city = next(iter(by_id))
        shown = {cid: CityCategories(catalogue, city) for cid, city in by_id.items()}
        matchers = {
            cid: Matcher.for_categories(
                [c for c in cats.categories if c.id != "other"],
                (learned or {}).get(cid),
            )
            for cid, cats in shown.items()
        }
        return cls(catalogue, by_id, fixed_city, shown, matchers, bundled.words())

    def teach(self, learned: Mapping[str, Mapping[str, str]]) -> None:
        """Rebuild the matchers of cities that review taught (city -> normalised wording ->
        category); wordings kept as "other" teach nothing. The World's cities, catalogue and
        words stay as they are: only the matchers' keyword lists grow."""
        for city, wordings in learned.items():
            if city not in self.shown:
                continue
            by_category: dict[str, list[str]] = {}
            for wording, category in wordings.items():
                if category != "other":
                    by_category.setdefault(category, []).append(wording)
            categories = [c for c in self.shown[city].categories if c.id != "other"]
            self.matchers[city] = Matcher.for_categories(categories, by_category)
