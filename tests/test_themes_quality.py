"""Grouping quality of flows/themes.py on a labelled set of own-words answers (ru and ky)."""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from pathlib import Path

from flows.facts import UnplacedItem
from flows.themes import THRESHOLD, group

DATA = Path(__file__).parent / "data" / "themes_labelled.tsv"


def _labelled(lang: str | None = None) -> list[tuple[str, str]]:
    """(gold theme, text) of every line, or of one language's lines."""
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            gold, language, text = line.split("\t")
            assert language in ("ru", "ky"), line
            if lang in (None, language):
                rows.append((gold, text))
    return rows


def test_the_labelled_set_is_large_bilingual_and_in_no_category(world) -> None:  # type: ignore[no-untyped-def]
    rows = _labelled()
    assert len(rows) >= 240 and len({text for _, text in rows}) == len(rows)
    kyrgyz = [text for _, text in _labelled("ky")]
    own_letters = [text for text in kyrgyz if any(ch in text for ch in "өүң")]
    assert len(kyrgyz) >= 100 and len(own_letters) >= 40, "Kyrgyz in its own letters"
    assert len(kyrgyz) - len(own_letters) >= 40, "and typed on a Russian keyboard"
    assert len(Counter(gold for gold, _ in rows)) >= 15
    # Own words: the matcher places few of them (those it does, "жол тыгыны" -> roads, a
    # resident kept as own words when the bot proposed the category).
    matcher = world.matchers["karakol"]
    placed = [text for _, text in rows if matcher.classify(text).score >= 0.75]
    assert len(placed) <= len(rows) * 0.15, placed


def test_grouping_quality_on_the_labelled_set() -> None:
    """Figures (printed; `pytest -s` shows them):

    - coverage: the share of answers placed in a theme of 2 answers or more, i.e. that a
      reviewer handles together with others (a theme of one is what grouping failed to do);
    - purity: over those answers, the share that belong to their theme's majority gold label
      (a theme mixing subjects would be placed wrongly with one tap);
    - pair precision / recall: of the pairs of answers put in one theme, the share with the
      same gold label; of the pairs with the same gold label, the share put in one theme.
      Recall stays low by design: character n-grams cannot see that "пробки" and "тыгын"
      mean the same, so each bilingual subject is (at least) a Russian and a Kyrgyz theme.
    """
    figures = {lang: _figures(_labelled(lang)) for lang in (None, "ru", "ky")}
    for lang, (purity, coverage, precision, recall, found, grouped, n) in figures.items():
        print(
            f"\nthemes on {n} labelled answers ({lang or 'ru+ky'}), threshold {THRESHOLD}: "
            f"{found} themes, {grouped} of 2+ answers; purity {purity:.3f}, coverage "
            f"{coverage:.3f}, pair precision {precision:.3f}, pair recall {recall:.3f}"
        )
    for lang, (purity, coverage, precision, *_) in figures.items():
        assert purity >= 0.88, lang
        assert coverage >= 0.88, lang
        assert precision >= 0.80, lang


def _figures(rows: list[tuple[str, str]]) -> tuple[float, float, float, float, int, int, int]:
    """Purity, coverage, pair precision, pair recall; themes, themes of 2+, answers."""
    items = [UnplacedItem(n, 1, text) for n, (_, text) in enumerate(rows)]
    gold = {n: label for n, (label, _) in enumerate(rows)}
    themes = group(items)
    theme_of = {item.answer_id: t.id for t in themes for _, found in t.items for item in found}
    assert sorted(theme_of) == list(range(len(rows))), "every answer in exactly one theme"
    grouped = [t for t in themes if t.size >= 2]
    covered = sum(t.size for t in grouped)
    majority = sum(
        Counter(gold[i.answer_id] for _, found in t.items for i in found).most_common(1)[0][1]
        for t in grouped
    )
    same = together = both = 0
    for a, b in combinations(range(len(rows)), 2):
        same += gold[a] == gold[b]
        together += theme_of[a] == theme_of[b]
        both += gold[a] == gold[b] and theme_of[a] == theme_of[b]
    return (
        majority / covered,
        covered / len(rows),
        both / together,
        both / same,
        len(themes),
        len(grouped),
        len(rows),
    )
