"""Two rounds compared (flows/ranking.py): shares of each round's respondents, chance told apart."""

from __future__ import annotations

from flows.ranking import Tally, compare_rounds


def test_small_rounds_move_without_significance_and_new_topics_rise() -> None:
    before = Tally(4, {"roads": 2, "waste": 1}, {})
    after = Tally(5, {"roads": 2, "gas_supply": 1}, {})
    result = compare_rounds(before, after, order=("roads", "waste", "gas_supply"))
    assert (result.before_respondents, result.after_respondents) == (4, 5)
    assert [(c.category, round(c.change, 2), c.significant) for c in result.rose] == [
        ("gas_supply", 0.2, False)
    ]
    assert [(c.category, round(c.change, 2)) for c in result.fell] == [
        ("waste", -0.25),
        ("roads", -0.1),
    ]
    assert result.same == ()


def test_an_empty_round_changes_nothing_significantly() -> None:
    result = compare_rounds(Tally(0, {}, {}), Tally(3, {"roads": 3}, {}))
    (rose,) = result.rose
    assert rose.before_share == 0.0 and rose.after_share == 1.0 and not rose.significant


def test_a_large_move_is_beyond_chance_a_small_one_is_not_and_steady_shares_stay_same() -> None:
    # 100/1000 -> 300/1000: z ≈ 11.5; 200/1000 -> 210/1000: z ≈ 0.6; parks unchanged.
    before = Tally(1000, {"roads": 100, "waste": 200, "parks": 50}, {})
    after = Tally(1000, {"roads": 300, "waste": 210, "parks": 50}, {})
    result = compare_rounds(before, after)
    assert [(c.category, c.significant) for c in result.rose] == [
        ("roads", True),
        ("waste", False),
    ]
    assert result.fell == ()
    assert [c.category for c in result.same] == ["parks"]
