"""Vote-farming signals (flows/signals.py), pure: each rule, its edges, and properties."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from flows import signals
from flows.signals import SignalRow

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
SCRIPT = "нужно срочно отремонтировать центральную дорогу"


def row(
    minute: float,
    categories: tuple[str, ...] = ("roads",),
    words: tuple[str, ...] = (),
    channel: str = "tg",
    foreign: bool = False,
    new: bool = False,
) -> SignalRow:
    at = T0 + timedelta(minutes=minute)
    return SignalRow(at, at, channel, categories, words, foreign, new)


def found(rows: list[SignalRow]) -> dict[str, signals.Signal]:
    return {s.name: s for s in signals.signals(rows).signals}


def test_the_same_sentence_from_five_new_residents_in_minutes_is_a_burst() -> None:
    honest = [row(i * 600, ("drinking_water", "roads")) for i in range(15)]
    scripted = [row(1000 + i * 2, ("roads", "other"), (SCRIPT,)) for i in range(5)]
    report = signals.signals(honest + scripted)
    same = found(honest + scripted)[signals.SAME_WORDS]
    assert (same.flagged, round(same.share, 2)) == (5, 0.25)
    with_all = [(r.category, r.count) for r in report.with_all.rows]
    assert with_all == [("roads", 20), ("drinking_water", 15)], "the headline keeps everyone"
    assert [(r.category, r.count, r.position) for r in same.without.rows] == [
        ("drinking_water", 15, 1),
        ("roads", 15, 2),
    ]
    assert same.without.respondents == 15


def test_what_is_not_a_burst() -> None:
    # Four are not "many"; five spread over hours are not a burst; two words are a category
    # name everyone types.
    four = [row(i, words=(SCRIPT,)) for i in range(4)]
    spread = [row(100 + i * 20, words=(SCRIPT + " вечером",)) for i in range(5)]
    short = [row(400 + i, words=("нет воды",)) for i in range(8)]
    assert found(four + spread + short)[signals.SAME_WORDS].flagged == 0


def test_same_words_compare_normalised() -> None:
    variants = [SCRIPT, SCRIPT.upper(), SCRIPT + "!!!", "  " + SCRIPT.replace(" ", "  "), SCRIPT]
    rows = [row(i, words=(w,)) for i, w in enumerate(variants)]
    assert found(rows)[signals.SAME_WORDS].flagged == 5


def test_foreign_whatsapp_numbers_are_flagged_alone() -> None:
    assert signals.foreign_whatsapp("79161234567") and signals.foreign_whatsapp("+4917012345")
    assert not signals.foreign_whatsapp("996555123456")
    rows = [row(i, channel="wa") for i in range(19)] + [row(30, channel="wa", foreign=True)]
    foreign = found(rows)[signals.FOREIGN_WHATSAPP]
    assert (foreign.flagged, foreign.share) == (1, 0.05)
    assert foreign in signals.signals(rows).noticeable(), "5% is worth a note"
    assert not signals.signals(rows).noticeable(0.06)


def test_new_accounts_count_only_in_a_burst() -> None:
    assert signals.new_accounts(list(range(19))) == [False] * 19, "too few ids to tell"
    flags = signals.new_accounts(list(range(100, 130)))
    assert flags == [False] * 27 + [True] * 3, "the youngest tenth"
    old = [row(i * 60) for i in range(40)]
    burst = [row(5000 + i * 10, ("waste",), new=True) for i in range(5)]
    lonely = [row(9000 + i * 300, ("waste",), new=True) for i in range(3)]  # hours apart
    young = found(old + burst + lonely)[signals.NEW_TELEGRAM]
    assert young.flagged == 5
    assert [(r.category, r.count) for r in young.without.rows] == [("roads", 40), ("waste", 3)]


def test_a_busy_day_of_ordinary_residents_is_no_burst_of_new_accounts() -> None:
    # 60 residents in six minutes with the usual mix of ids: the youngest tenth is among them,
    # five of them within the hour, but they are a tenth of who arrived, not most of it.
    import random

    ids = random.Random(7).sample(range(10**8, 8 * 10**9), 60)
    flags = signals.new_accounts(ids)
    assert sum(flags) == 6
    busy = [row(i / 10, (("roads",), ("waste",))[i % 2], new=flags[i]) for i in range(60)]
    assert found(busy)[signals.NEW_TELEGRAM].flagged == 0
    # Eight young accounts among four others in the same minutes: most of who arrived.
    farm = [row(i / 10, new=i < 8) for i in range(12)]
    assert found(farm)[signals.NEW_TELEGRAM].flagged == 8


def test_any_is_the_union_and_nobody_disappears_from_the_headline() -> None:
    rows = [row(i * 60) for i in range(20)]
    rows += [row(5000 + i, ("waste",), (SCRIPT,), "wa", foreign=True) for i in range(5)]
    report = signals.signals(rows)
    flagged = found(rows)
    assert flagged[signals.SAME_WORDS].flagged == flagged[signals.FOREIGN_WHATSAPP].flagged == 5
    assert flagged[signals.ANY].flagged == 5 and report.respondents == 25
    assert [s.name for s in report.noticeable()] == [signals.SAME_WORDS, signals.FOREIGN_WHATSAPP]
    assert sum(r.count for r in report.with_all.rows) == 25


def test_empty() -> None:
    report = signals.signals([])
    assert report.respondents == 0 and not report.noticeable()
    assert all(s.flagged == 0 and s.share == 0 for s in report.signals)


# --- properties ------------------------------------------------------------------------------

CATEGORIES = ("roads", "drinking_water", "waste", "heating", "schools", "other")
WORDS = st.lists(st.sampled_from(["zzqx", "yyvw", "ddd", "дорога", "ремонт"]), min_size=1)
_row = st.builds(
    lambda minute, cats, words, channel, foreign, new: row(
        minute, tuple(cats), tuple(" ".join(w) for w in words), channel, foreign, new
    ),
    st.integers(0, 600),
    st.lists(st.sampled_from(CATEGORIES), max_size=5, unique=True),
    st.lists(WORDS, max_size=2),
    st.sampled_from(["tg", "wa", "local"]),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_row, max_size=40))
def test_without_never_counts_more_than_with(rows: list[SignalRow]) -> None:
    report = signals.signals(rows)
    with_all = {r.category: r.count for r in report.with_all.rows}
    assert report.respondents == sum(1 for r in rows if r.categories)
    for signal in report.signals:
        assert 0 <= signal.flagged <= report.respondents
        assert signal.without.respondents == report.respondents - signal.flagged
        for r in signal.without.rows:
            assert r.count <= with_all[r.category]
        assert 0.0 <= signal.share <= 1.0
    union = {s.name: s.flagged for s in report.signals}
    assert union[signals.ANY] >= max(union[n] for n in signals.NAMES)


@settings(max_examples=100, deadline=None)
@given(st.lists(_row, max_size=30), st.integers(10**9, 10**10))
def test_no_output_holds_an_id_or_anyones_words(rows: list[SignalRow], tg_id: int) -> None:
    # Storage turns ids into flags; what comes out is counts, shares and category ids.
    flags = signals.new_accounts([tg_id + i for i in range(25)])
    assert all(isinstance(f, bool) for f in flags)
    out = json.dumps(signals.as_json(signals.signals(rows)), ensure_ascii=False)
    for r in rows:
        for words in r.words:
            assert words not in out
    assert str(tg_id)[:6] not in out
    strings = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            strings.update(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            strings.add(value)

    walk(json.loads(out))
    allowed = {*CATEGORIES, *signals.NAMES, signals.ANY, "respondents", "notice_share", "with"}
    allowed |= {"signals", "flagged", "share", "respondents_without", "without", "category"}
    allowed |= {"position", "count"}
    assert strings <= allowed
