"""Problem rankings from counters: counts, shares, rank-weighted scores, Wilson intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows.session import MAX_PROBLEMS

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def weight(rank: int) -> int:
    """A problem named 1st weighs 5, ..., 5th weighs 1."""
    return MAX_PROBLEMS + 1 - rank


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for k successes out of n (0..1); (0, 0) when n is 0."""
    if n <= 0:
        return (0.0, 0.0)
    p = min(max(k / n, 0.0), 1.0)  # counters are consistent; a wrong one must not crash a reply
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, slots=True)
class Tally:
    """What the counters hold for one place: respondents, and per category count and score."""

    respondents: int
    counts: Mapping[str, int]
    scores: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Row:
    category: str
    position: int  # 1-based; ties share the position of the first of them
    count: int
    share: float  # of respondents
    score: int  # rank-weighted (5 for a 1st place ... 1 for a 5th)
    interval: tuple[float, float]  # 95% Wilson interval for the share
    weighted_share: float | None = None  # by district population, when populations are known
    previous_position: int | None = None
    previous_count: int | None = None

    @property
    def moved(self) -> int | None:
        """Places gained since the previous summary (+2 = up two), None when new."""
        if self.previous_position is None:
            return None
        return self.previous_position - self.position


@dataclass(frozen=True, slots=True)
class Ranking:
    respondents: int
    rows: tuple[Row, ...]
    weighted: bool = False


def rank(
    tally: Tally,
    previous: Mapping[str, tuple[int, int]] | None = None,
    weighted_shares: Mapping[str, float] | None = None,
    order: Sequence[str] = (),
) -> Ranking:
    """Rows by count, then score, then catalogue `order` (deterministic); `previous` maps a
    category to its (position, count) in the previous summary."""
    place = {cid: i for i, cid in enumerate(order)}
    named = [cid for cid, count in tally.counts.items() if count > 0]
    named.sort(
        key=lambda cid: (
            -tally.counts[cid],
            -tally.scores.get(cid, 0),
            place.get(cid, 1 << 30),
            cid,
        )
    )
    rows: list[Row] = []
    position = 0
    last: tuple[int, int] | None = None
    for i, cid in enumerate(named, 1):
        key = (tally.counts[cid], tally.scores.get(cid, 0))
        if key != last:
            position, last = i, key
        count, n = tally.counts[cid], tally.respondents
        before = (previous or {}).get(cid)
        rows.append(
            Row(
                category=cid,
                position=position,
                count=count,
                share=count / n if n else 0.0,
                score=tally.scores.get(cid, 0),
                interval=wilson(count, n),
                weighted_share=None if weighted_shares is None else weighted_shares.get(cid, 0.0),
                previous_position=before[0] if before else None,
                previous_count=before[1] if before else None,
            )
        )
    return Ranking(tally.respondents, tuple(rows), weighted=weighted_shares is not None)


def population_weighted_shares(
    by_district: Mapping[str, Tally], population: Mapping[str, int]
) -> dict[str, float] | None:
    """Each district's shares weighted by its population, so a district that answered a lot
    does not dominate. Only districts with a known population and respondents take part;
    None when there are fewer than two of them (weighting would change nothing)."""
    used = {
        d: population[d]
        for d, tally in by_district.items()
        if population.get(d) and tally.respondents > 0
    }
    total = sum(used.values())
    if len(used) < 2 or total <= 0:
        return None
    shares: dict[str, float] = {}
    for d, people in used.items():
        tally = by_district[d]
        for cid, count in tally.counts.items():
            shares[cid] = shares.get(cid, 0.0) + people / total * count / tally.respondents
    return shares


# --- two survey rounds compared --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One category in two rounds: its share of respondents in each (0 where nobody named it)
    and whether the difference is beyond chance (two-proportion z-test, 95%)."""

    category: str
    before_count: int
    after_count: int
    before_share: float
    after_share: float
    significant: bool

    @property
    def change(self) -> float:
        """Percentage points / 100 (+0.1 = ten points more of the respondents named it)."""
        return self.after_share - self.before_share


@dataclass(frozen=True, slots=True)
class Comparison:
    """What rose and what fell between an earlier round and a later one, largest change first
    (shares, not counts: the rounds' respondents differ)."""

    before_respondents: int
    after_respondents: int
    rose: tuple[Change, ...]
    fell: tuple[Change, ...]
    same: tuple[Change, ...]


def _significant(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> bool:
    if n1 <= 0 or n2 <= 0:
        return False
    pooled = (k1 + k2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return False
    return abs(k2 / n2 - k1 / n1) / spread > z


def compare_rounds(before: Tally, after: Tally, order: Sequence[str] = ()) -> Comparison:
    """Every category named in either round (a city's tallies combined first), by how its
    share changed; ties in catalogue `order`."""
    place = {cid: i for i, cid in enumerate(order)}
    n1, n2 = before.respondents, after.respondents
    changes = []
    for cid in set(before.counts) | set(after.counts):
        k1, k2 = before.counts.get(cid, 0), after.counts.get(cid, 0)
        if not (k1 or k2):
            continue
        s1, s2 = (k1 / n1 if n1 else 0.0), (k2 / n2 if n2 else 0.0)
        changes.append(Change(cid, k1, k2, s1, s2, _significant(k1, n1, k2, n2)))
    changes.sort(key=lambda c: (-abs(c.change), place.get(c.category, 1 << 30), c.category))
    return Comparison(
        n1,
        n2,
        tuple(c for c in changes if c.change > 0),
        tuple(c for c in changes if c.change < 0),
        tuple(c for c in changes if c.change == 0),
    )
