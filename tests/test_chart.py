"""The ranking chart from outside: its PNG, and the figure it is drawn from, in ru and ky."""

from __future__ import annotations

import io
import warnings
from datetime import date

import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from PIL import Image

from bot.chart import FEW, axis_limit, chart_figure, summary_chart
from bot.i18n import Texts
from flows.ranking import Tally, wilson
from flows.summary import CityRanking, city_ranking
from flows.world import World

DAY = date(2026, 5, 2)
TEXTS = Texts()


def _ranking(world: World, by_district: dict[str, Tally], district: str | None = None):  # type: ignore[no-untyped-def]
    return city_ranking(world, "karakol", by_district, district=district)


def _big(world: World) -> CityRanking:
    """200 residents in МТУ №1, 12 in МТУ №2 (too few to read alone)."""
    return _ranking(
        world,
        {
            "mtu1": Tally(200, {"roads": 80, "heating": 30}, {"roads": 300, "heating": 90}),
            "mtu2": Tally(12, {"roads": 5, "stray_dogs": 3}, {"roads": 20, "stray_dogs": 9}),
        },
    )


def _texts(figure: Figure) -> list[str]:
    """Every text drawn: the figure's own and each axes' title and labels."""
    found = [t.get_text() for t in figure.texts]
    for axes in figure.axes:
        found.append(axes.get_title(loc="left"))
        found.extend(t.get_text() for t in axes.texts)
        found.extend(t.get_text() for t in axes.get_yticklabels())
    return found


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        return image.size


RU_FEW = "Меньше 30 ответивших в районах: МТУ №2 (12)"
KY_FEW = "Жооп бергендер 30 адамдан аз болгон райондор: №2 МАБ (12)"


@pytest.mark.parametrize(
    ("lang", "title", "few"),
    [
        ("ru", "Каракол: главные проблемы на 2026-05-02", RU_FEW),
        ("ky", "Каракол: 2026-05-02 карата негизги көйгөйлөр", KY_FEW),
    ],
)
def test_a_dated_title_intervals_and_a_note_for_small_districts(
    world: World, lang: str, title: str, few: str
) -> None:
    ranking = _big(world)
    figure = chart_figure(world, TEXTS, ranking, lang, DAY)  # type: ignore[arg-type]
    axes = figure.axes[0]
    assert axes.get_title(loc="left") == title
    assert few in _texts(figure), "the small district is named with its N"
    # The 95% Wilson interval of each bar, drawn as error bars (in percent).
    (bars,) = [c for c in axes.containers if isinstance(c, ErrorbarContainer)]
    segments = bars.lines[2][0].get_segments()
    expected = [wilson(r.count, 212) for r in ranking.overall.rows]
    drawn = [x for s in segments for x in (s[0][0], s[1][0])]
    assert drawn == pytest.approx([x * 100 for pair in expected for x in pair])
    # The axis fits the data: roads' interval ends near 44%, so not 0-100%.
    assert axes.get_xlim() == (0, 60)


def test_a_district_chart_names_it_and_warns_under_30(world: World) -> None:
    ranking = _ranking(world, {"mtu2": Tally(12, {"roads": 5}, {"roads": 20})}, district="mtu2")
    ru = chart_figure(world, TEXTS, ranking, "ru", DAY)
    assert ru.axes[0].get_title(loc="left") == ("Каракол, МТУ №2: главные проблемы на 2026-05-02")
    assert "Ответили только 12 — меньше 30: доли неточны" in _texts(ru)
    ky = chart_figure(world, TEXTS, ranking, "ky", DAY)
    assert ky.axes[0].get_title(loc="left").startswith("Каракол, №2 МАБ: 2026-05-02 карата")
    assert "Болгону 12 адам жооп берди — 30 адамдан аз: үлүштөр так эмес" in _texts(ky)
    big = chart_figure(world, TEXTS, _big(world), "ru", DAY)
    assert not any("Ответили только" in t for t in _texts(big)), "no warning at 212"


@pytest.mark.parametrize(
    ("lang", "empty", "hint"),
    [
        ("ru", "Ответов пока нет", "График появится, когда жители назовут проблемы."),
        ("ky", "Азырынча жооптор жок", "Тургундар көйгөйлөрдү атаганда график пайда болот."),
    ],
)
def test_no_answers_yet_is_a_clear_picture(world: World, lang: str, empty: str, hint: str) -> None:
    nothing = _ranking(world, {})
    figure = chart_figure(world, TEXTS, nothing, lang, DAY)  # type: ignore[arg-type]
    assert figure.axes == [], "no empty axes"
    texts = _texts(figure)
    assert empty in texts and hint in texts
    assert any("2026-05-02" in t for t in texts), "dated too"
    png = summary_chart(world, TEXTS, nothing, lang, day=DAY)  # type: ignore[arg-type]
    data = summary_chart(world, TEXTS, _big(world), lang, day=DAY)  # type: ignore[arg-type]
    assert png != data
    assert _png_size(png)[0] == _png_size(data)[0] == 800
    assert _png_size(png)[1] < _png_size(data)[1]


def test_only_own_words_says_they_wait_for_review(world: World) -> None:
    waiting = _ranking(world, {"mtu1": Tally(3, {"other": 3}, {"other": 15})})
    texts = _texts(chart_figure(world, TEXTS, waiting, "ru", DAY))
    assert "Ответов пока нет" in texts
    assert "Пока есть только ответы своими словами: они ждут разбора (/review)." in texts


def test_kyrgyz_letters_render_without_missing_glyphs(world: World) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a warning
        png = summary_chart(world, TEXTS, _big(world), "ky")
        empty = summary_chart(world, TEXTS, _ranking(world, {}), "ky")
    assert _png_size(png)[0] == _png_size(empty)[0] == 800


def test_the_axis_fits_the_data() -> None:
    assert axis_limit([0.04]) == 5
    assert axis_limit([0.12]) == 15
    assert axis_limit([0.44]) == 60
    assert axis_limit([0.7]) == 90
    assert axis_limit([0.95]) == 100
    assert axis_limit([]) == 5
    assert FEW == 30
