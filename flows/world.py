"""Everything a step may consult besides the session: cities, catalogue, matchers (read-only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from flows import bundled
from flows.catalogue import Catalogue, City, CityCategories, accepted_category
from flows.matcher import Matcher

if TYPE_CHECKING:
    from flows.places import Boundaries


@dataclass(frozen=True)
class World:
    catalogue: Catalogue
    cities: dict[str, City]
    fixed_city: str | None
    shown: dict[str, CityCategories]
    matchers: dict[str, Matcher]
    words: Mapping[str, tuple[str, ...]]
    # city id -> its district boundaries (from <city>.geojson; cities without one are absent)
    boundaries: Mapping[str, Boundaries] = field(default_factory=dict)
    # city id -> normalised wording -> category, as working-group review taught it (stored;
    # the pipeline builds a new World when the store's version of it moves).
    learned: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The bot's public https base (CITYBOT_PUBLIC_URL), for links to a city's public page
    # (`public_page = true` in its file); None: no links.
    public_base: str | None = None

    @classmethod
    def build(
        cls,
        cities: Sequence[City],
        fixed_city: str | None = None,
        catalogue: Catalogue | None = None,
        boundaries: Mapping[str, Boundaries] | None = None,
    ) -> World:
        """Validate the combination and build one matcher per city (`with_learned` adds what
        working-group review taught). `boundaries`: city id -> its district boundaries."""
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
        matchers = {cid: _matcher(cats) for cid, cats in shown.items()}
        areas = dict(boundaries or {})
        for cid, bounds in areas.items():
            if cid not in by_id:
                raise ValueError(f"boundaries for {cid!r}, which is not a configured city")
            if bounds.city != cid:
                raise ValueError(f"the boundaries given for {cid!r} were built for {bounds.city!r}")
            unknown = [d for d in bounds.districts if by_id[cid].district(d) is None]
            if unknown:
                raise ValueError(f"boundaries for {cid!r} name unknown districts {unknown}")
        return cls(catalogue, by_id, fixed_city, shown, matchers, bundled.words(), areas)

    def with_learned(
        self,
        learned: Mapping[str, Mapping[str, str]],
        categories: Mapping[str, Sequence[tuple[str, str, str]]] | None = None,
    ) -> World:
        """This world with the matchers of the cities that review taught (city -> normalised
        wording -> category) rebuilt; wordings kept as "other" teach nothing. `categories`:
        the cities' categories accepted from themes (store.city_categories(): city -> (id, ru,
        ky)), shown after the city file's. A new World: this one is never changed, so a step
        in flight keeps the one it started with."""
        taught = {city: dict(w) for city, w in learned.items() if city in self.shown}
        shown = dict(self.shown)
        for city, rows in (categories or {}).items():
            if city in shown and rows:
                stored = tuple(accepted_category(*row) for row in rows)
                shown[city] = CityCategories(self.catalogue, self.cities[city], stored)
        matchers = dict(self.matchers)
        for city in shown:
            by_category: dict[str, list[str]] = {}
            for wording, category in taught.get(city, {}).items():
                if category != "other":
                    by_category.setdefault(category, []).append(wording)
            if by_category or city in self.learned or shown[city] is not self.shown[city]:
                matchers[city] = _matcher(shown[city], by_category)
        return replace(self, shown=shown, matchers=matchers, learned=taught)

    def public_link(self, city: str) -> str | None:
        """The address of the city's public ranking page, when it has one."""
        place = self.cities.get(city)
        if place is None or not place.public_page or not self.public_base:
            return None
        return f"{self.public_base.rstrip('/')}/public/{city}"

    def locate(self, lat: float, lon: float) -> tuple[str, str] | None:
        """(city id, district id) of a shared location, from the cities' district boundaries;
        only the fixed city's when there is one. None outside every known district."""
        cities = [self.fixed_city] if self.fixed_city else list(self.cities)
        for cid in cities:
            bounds = self.boundaries.get(cid)
            district = bounds.locate(lat, lon) if bounds else None
            if district:
                return cid, district
        return None

    def admin_cities(self, sender: str) -> list[str]:
        """The cities whose configuration names this sender ("tg:<id>" / "wa:<number>") an
        admin. Every admin action asks again, so a role removed from the file counts at once."""
        channel, _, ident = sender.partition(":")
        found = []
        for city in self.cities.values():
            if channel == "tg":
                ids = {str(i) for i in city.admins.telegram_user_ids}
            elif channel == "wa":
                ids = {n.lstrip("+") for n in city.admins.whatsapp_numbers}
            else:
                ids = set()
            if ident and ident in ids:
                found.append(city.id)
        return found


def _matcher(shown: CityCategories, learned: Mapping[str, Sequence[str]] | None = None) -> Matcher:
    """A city's matcher over the categories it shows ("other" is never a match target)."""
    return Matcher.for_categories([c for c in shown.categories if c.id != "other"], learned)
