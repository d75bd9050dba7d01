"""Ranking maths on hand-computed fixtures."""

from __future__ import annotations

import pytest

from flows.ranking import Tally, population_weighted_shares, rank, weight, wilson


def test_rank_weights() -> None:
    assert [weight(r) for r in range(1, 6)] == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),  # textbook values (Wilson 1927; Newcombe 1998, method 3)
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),  # Newcombe's example
        (0, 0, 0.0, 0.0),
    ],
)
def test_wilson_interval(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson(k, n)
    assert lo == pytest.approx(low, abs=1e-4) and hi == pytest.approx(high, abs=1e-4)


def test_rank_orders_by_count_then_score_then_catalogue_and_shares_ties() -> None:
    # 4 respondents: roads named by 3 (ranks 1, 1, 2 -> 5+5+4), water by 2 (1, 3 -> 5+3),
    # dogs by 2 (2, 2 -> 4+4), schools by 2 (2, 2 -> 4+4), lighting by 0.
    tally = Tally(
        respondents=4,
        counts={"roads": 3, "water": 2, "dogs": 2, "schools": 2, "lighting": 0},
        scores={"roads": 14, "water": 8, "dogs": 8, "schools": 8, "lighting": 0},
    )
    ranking = rank(
        tally,
        previous={"water": (1, 2), "roads": (2, 1)},
        order=["roads", "water", "schools", "dogs"],
    )
    assert [(r.category, r.position) for r in ranking.rows] == [
        ("roads", 1),
        ("water", 2),
        ("schools", 2),  # same count and score as water: same position, catalogue order
        ("dogs", 2),
    ]
    roads, water, schools, _ = ranking.rows
    assert roads.share == 0.75 and roads.score == 14
    assert roads.interval == pytest.approx(wilson(3, 4))
    assert roads.moved == 1 and roads.previous_count == 1
    assert water.moved == -1 and water.previous_count == 2
    assert schools.moved is None, "new since the previous summary"
    assert ranking.respondents == 4 and not ranking.weighted


def test_population_weighting_keeps_a_loud_district_from_dominating() -> None:
    # District A (pop 1,000) answered 90 times, all "roads"; B (pop 9,000) answered 10 times,
    # all "water". Raw: roads 90%. Weighted: roads 10%, water 90%.
    a = Tally(90, {"roads": 90}, {"roads": 450})
    b = Tally(10, {"water": 10}, {"water": 50})
    shares = population_weighted_shares({"a": a, "b": b}, {"a": 1000, "b": 9000})
    assert shares == pytest.approx({"roads": 0.1, "water": 0.9})
    total = Tally(100, {"roads": 90, "water": 10}, {"roads": 450, "water": 50})
    ranking = rank(total, weighted_shares=shares)
    assert ranking.weighted
    assert [(r.category, r.share, r.weighted_share) for r in ranking.rows] == [
        ("roads", 0.9, pytest.approx(0.1)),
        ("water", 0.1, pytest.approx(0.9)),
    ]


def test_no_weighting_without_two_known_populations() -> None:
    a = Tally(5, {"roads": 5}, {"roads": 25})
    assert population_weighted_shares({"a": a}, {"a": 100}) is None
    assert population_weighted_shares({"a": a, "b": a}, {"a": 100}) is None
    empty = Tally(0, {}, {})
    assert population_weighted_shares({"a": a, "b": empty}, {"a": 1, "b": 1}) is None
