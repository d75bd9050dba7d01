"""/results: the ranking of the resident's city and district, as the resident sees it (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from flows.catalogue import Lang
from flows.ranking import Ranking, Tally
from flows.session import Msg
from flows.summary import city_ranking
from flows.world import World

TOP_CITY = 5
TOP_DISTRICT = 3
# A ranking is shown only from this many respondents, and a district's only when the rest of
# the city has as many too (or none): otherwise one resident's answer could be read off by
# comparing (a city of 2, or a city of 6 with a district of 5).
MIN_DISTRICT = 5


def results_parts(
    world: World, city: str, district: str | None, tallies: Mapping[str, Tally], lang: Lang
) -> list[Msg]:
    """Top problems citywide (shares of respondents) and in the resident's district, and the
    address of the city's public page when it has one."""
    parts = _ranking_parts(world, city, district, tallies, lang)
    link = world.public_link(city)
    if link is not None:
        parts.append(Msg("results-public", {"url": link}))
    return parts


def _ranking_parts(
    world: World, city: str, district: str | None, tallies: Mapping[str, Tally], lang: Lang
) -> list[Msg]:
    place = world.cities[city]
    shown = world.shown[city]
    ranking = city_ranking(world, city, tallies)
    overall = ranking.overall

    def rows(ranking: Ranking, top: int) -> list[Msg]:
        return [
            Msg(
                "results-row",
                {
                    "position": row.position,
                    "label": shown.label(row.category, lang),
                    "percent": round(row.share * 100),
                },
            )
            for row in ranking.rows[:top]
        ]

    total = overall.respondents
    if total == 0:
        return [Msg("results-empty")]
    parts = [Msg("results-title", {"city": place.name(lang), "respondents": total})]
    if total < MIN_DISTRICT:
        return [*parts, Msg("results-few", {"min": MIN_DISTRICT})]
    if not overall.rows:
        return [*parts, Msg("results-own-words")]  # only own words so far, not yet placed
    parts += rows(overall, TOP_CITY)
    d = place.district(district)
    if d is None:
        return parts
    local = ranking.districts.get(d.id)
    respondents = local.respondents if local else 0
    # Every district with answers (and "not given") must have enough: otherwise the city minus
    # the districts a resident can look at (moving between them with /edit) leaves a few.
    small = any(0 < r.respondents < MIN_DISTRICT for r in ranking.districts.values())
    if local is None or respondents < MIN_DISTRICT or small or not local.rows:
        parts.append(Msg("results-district-few", {"district": d.name(lang), "min": MIN_DISTRICT}))
        return parts
    parts.append(Msg("results-district", {"district": d.name(lang), "respondents": respondents}))
    return parts + rows(local, TOP_DISTRICT)
