"""A city's problem ranking as message parts: citywide top 10, top 3 per district (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flows.catalogue import OTHER, Lang
from flows.ranking import Ranking, Row, Tally, population_weighted_shares, rank
from flows.rounds import RoundView, display_date
from flows.session import Msg
from flows.signals import FOREIGN_WHATSAPP, NEW_TELEGRAM, NOTICE_SHARE, SAME_WORDS, SignalReport
from flows.world import World

TOP_CITY = 10
TOP_DISTRICT = 3
TOP_SIGNAL = 3  # the top of the ranking without a signal's respondents, in its note
NO_DISTRICT = ""  # the counters' key for "district not given"


def combine(tallies: Mapping[str, Tally]) -> Tally:
    """The citywide tally from the per-district ones."""
    counts: dict[str, int] = {}
    scores: dict[str, int] = {}
    for tally in tallies.values():
        for cid, n in tally.counts.items():
            counts[cid] = counts.get(cid, 0) + n
        for cid, n in tally.scores.items():
            scores[cid] = scores.get(cid, 0) + n
    return Tally(sum(t.respondents for t in tallies.values()), counts, scores)


@dataclass(frozen=True, slots=True)
class CityRanking:
    """Everything a summary shows for one city (or one district of it)."""

    city: str
    district: str | None  # None: citywide
    overall: Ranking
    districts: Mapping[str, Ranking]  # per district id (NO_DISTRICT for "not given")
    unplaced: int  # answers in `other` (own words no category fits), waiting for review
    has_previous: bool = False  # movement arrows only when there was an earlier summary
    changed: int | None = None  # answers given or changed since the previous summary
    # Residents with a list, per source tag of the link they came by (posters, radio...).
    sources: Mapping[str, int] = field(default_factory=dict)
    # Vote-farming signals (citywide; None: not computed). Shown as notes, never filtered.
    signals: SignalReport | None = None
    # The survey round the figures belong to (None: the city never opened one).
    round: RoundView | None = None


def city_ranking(
    world: World,
    city: str,
    tallies: Mapping[str, Tally],
    district: str | None = None,
    previous: Mapping[str, tuple[int, int]] | None = None,
    changed: int | None = None,
    sources: Mapping[str, int] | None = None,
    signals: SignalReport | None = None,
    round_view: RoundView | None = None,
) -> CityRanking:
    """Rank a city's categories. `other` is never ranked: it is counted as waiting for review.
    Population weighting applies citywide when at least two districts have a population."""
    shown = world.shown[city]
    order = shown.ids
    ranked_tallies = {d: _without_other(t) for d, t in tallies.items()}
    unplaced = sum(t.counts.get(OTHER, 0) for t in tallies.values())
    if district is not None:
        one = ranked_tallies.get(district, Tally(0, {}, {}))
        unplaced = tallies.get(district, Tally(0, {}, {})).counts.get(OTHER, 0)
        overall = rank(one, previous, order=order)
        return CityRanking(
            city, district, overall, {}, unplaced, previous is not None, changed,
            round=round_view,
        )  # fmt: skip
    sources = dict(sources or {})
    population = {d.id: d.population for d in world.cities[city].districts if d.population}
    weighted = population_weighted_shares(ranked_tallies, population)
    overall = rank(combine(ranked_tallies), previous, weighted, order=order)
    per_district = {d: rank(t, order=order) for d, t in ranked_tallies.items()}
    has_previous = previous is not None
    return CityRanking(
        city, None, overall, per_district, unplaced, has_previous, changed, sources, signals,
        round_view,
    )  # fmt: skip


def _without_other(tally: Tally) -> Tally:
    counts = {c: n for c, n in tally.counts.items() if c != OTHER}
    scores = {c: n for c, n in tally.scores.items() if c != OTHER}
    return Tally(tally.respondents, counts, scores)


def summary_parts(world: World, ranking: CityRanking, lang: Lang) -> list[Msg]:
    """The summary as message parts, one per line or block, for Fluent to render."""
    city = world.cities[ranking.city]
    shown = world.shown[ranking.city]
    districts = {d.id: d.name(lang) for d in city.districts}
    overall = ranking.overall
    if ranking.district is None:
        parts = [Msg("summary-title", {"city": city.name(lang)})]
    else:
        name = districts.get(ranking.district, ranking.district)
        parts = [Msg("summary-title-district", {"city": city.name(lang), "district": name})]
    if ranking.round is not None:
        # The council asks "which cycle is this?": the round's title and days, first.
        view = ranking.round
        parts.append(
            Msg(
                "summary-round",
                {
                    "title": view.title(lang),
                    "starts": display_date(view.starts_on),
                    "ends": display_date(view.ends_on),
                },
            )
        )
    parts.append(Msg("summary-respondents", {"respondents": overall.respondents}))
    if ranking.changed is not None:
        parts.append(Msg("summary-changed", {"count": ranking.changed}))
    if not overall.rows:
        # Nobody yet, or only own words waiting for review (counted below).
        parts.append(Msg("summary-empty" if not overall.respondents else "summary-own-only"))
    for row in overall.rows[:TOP_CITY]:
        label = shown.label(row.category, lang)
        parts.append(_row(row, label, overall.weighted, ranking.has_previous))
    if overall.weighted:
        parts.append(Msg("summary-weighted-note"))
    for did in [d.id for d in city.districts] + [NO_DISTRICT]:
        local = ranking.districts.get(did)
        if local is None or not local.rows:
            continue
        name = districts[did] if did else None
        title = (
            Msg("summary-district", {"district": name, "respondents": local.respondents})
            if name
            else Msg("summary-no-district", {"respondents": local.respondents})
        )
        parts.append(title)
        for row in local.rows[:TOP_DISTRICT]:
            parts.append(
                Msg(
                    "summary-district-row",
                    {
                        "position": row.position,
                        "label": shown.label(row.category, lang),
                        "count": row.count,
                    },
                )
            )
    if ranking.unplaced:
        parts.append(Msg("summary-unplaced", {"count": ranking.unplaced}))
    if ranking.sources:
        listed = ", ".join(f"{tag} — {n}" for tag, n in ranking.sources.items())
        parts.append(Msg("summary-sources", {"list": listed}))
    if ranking.signals is not None:
        parts.extend(signal_parts(world, ranking.city, ranking.signals, lang))
    return parts


# A signal's name -> the words that say what it flags.
SIGNAL_MESSAGES = {
    SAME_WORDS: "signal-same-words",
    FOREIGN_WHATSAPP: "signal-foreign-whatsapp",
    NEW_TELEGRAM: "signal-new-telegram",
}


def signal_parts(
    world: World, city: str, report: SignalReport, lang: Lang, share: float = NOTICE_SHARE
) -> list[Msg]:
    """A note per signal that flags at least `share` of the respondents: how many, and the top
    of the ranking without them. Nothing when no signal is noticeable: the plain ranking above
    stays the headline either way."""
    noticed = report.noticeable(share)
    if not noticed:
        return []
    shown = world.shown[city]
    parts = [Msg("signal-title")]
    for signal in noticed:
        top = ", ".join(
            f"{row.position}. {shown.label(row.category, lang)} — {row.count}"
            for row in signal.without.rows[:TOP_SIGNAL]
        )
        args: dict[str, str | int | Msg] = {
            "signal": Msg(SIGNAL_MESSAGES[signal.name]),
            "count": signal.flagged,
            "respondents": report.respondents,
            "percent": round(signal.share * 100),
            "top": top or Msg("signal-top-empty"),
        }
        parts.append(Msg("signal-note", args))
    return parts


def _row(row: Row, label: str, weighted: bool, has_previous: bool) -> Msg:
    movement: Msg | str
    if not has_previous:
        movement = ""  # the first summary: nothing to compare with
    elif row.moved is None:
        movement = Msg("summary-new")
    elif row.moved > 0:
        movement = Msg("summary-up", {"places": row.moved})
    elif row.moved < 0:
        movement = Msg("summary-down", {"places": -row.moved})
    else:
        movement = Msg("summary-same")
    if has_previous and row.previous_count is not None and row.count != row.previous_count:
        # the change in how many named it, as digits and a sign: "▲2 (+3)"
        movement = Msg(
            "summary-moved", {"movement": movement, "delta": f"{row.count - row.previous_count:+d}"}
        )
    args: dict[str, object] = {
        "position": row.position,
        "label": label,
        "count": row.count,
        "percent": round(row.share * 100),
        "movement": movement,
    }
    if weighted and row.weighted_share is not None:
        args["weighted"] = round(row.weighted_share * 100)
        return Msg("summary-row-weighted", args)
    return Msg("summary-row", args)
