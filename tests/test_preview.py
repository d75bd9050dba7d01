"""`citybot preview`: one self-contained page with every screen, every message id, escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, ast

from bot import preview
from bot.cli import main
from bot.i18n import Texts
from flows.catalogue import LANGS
from locales import LOCALES


def _ids(lang: str) -> set[str]:
    ids = set()
    for path in sorted((LOCALES / lang).glob("*.ftl")):
        resource = FluentParser().parse(path.read_text(encoding="utf-8"))
        ids |= {e.id.name for e in resource.body if isinstance(e, ast.Message)}
    return ids


@pytest.fixture(scope="module")
def built() -> dict[str, preview.Preview]:
    return {lang: preview.build(lang, Texts(strict=True)) for lang in LANGS}  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pages(built: dict[str, preview.Preview]) -> dict[str, str]:
    return {lang: p.html() for lang, p in built.items()}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith(("#", "data:")):
                self.urls.append(value)


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_id_of_the_language_is_on_the_page(
    pages: dict[str, str], built: dict[str, preview.Preview], lang: str
) -> None:
    page = pages[lang]
    ids = _ids(lang)
    assert len(ids) > 150
    missing = {i for i in ids if f'data-msg="{i}"' not in page}
    assert missing == set(), f"{lang}: not on the page: {sorted(missing)}"
    assert ids <= built[lang].shown
    shown_on_page = set(re.findall(r'data-msg="([a-z0-9-]+)"', page))
    assert shown_on_page <= ids, "every marked part names a real message"


@pytest.mark.parametrize("lang", LANGS)
def test_every_scripted_step_reached_its_screen(built: dict[str, preview.Preview], lang: str):
    """A scenario that no longer reaches the screen it is named after is a warning."""
    assert built[lang].warnings == []
    assert built[lang].screens > 120


SURVEY_STEPS = [
    "language-prompt",
    "intro",
    "city-prompt",
    "city-not-served",
    "district-prompt",
    "district-which",
    "district-located",
    "location-outside",
    "preset-place",
    "problems-first",
    "problems-list",
    "problems-next",
    "groups-prompt",
    "group-prompt",
    "own-saved",
    "own-one",
    "own-many",
    "own-none",
    "retag-ask",
    "also-ask",
    "problem-placed",
    "problem-kept-own",
    "problem-added-typed",
    "problem-duplicate",
    "problems-full",
    "review-title",
    "item-prompt",
    "problem-moved",
    "replace-prompt",
    "problem-replaced",
    "problem-removed",
    "subscribe-prompt",
    "thanks",
    "subscribed",
    "my-title",
    "help",
    "stopped",
    "unknown-command",
    "stale-button",
    "tap-done",
    "media-unsupported",
    "too-long",
    "results-title",
    "results-district-few",
    "nudge",
    "forget-prompt",
    "forgotten",
    "announcements-item",
    "announce-ask-langs",
    "announce-preview-head",
    "announcement-reminder",
    "broadcast-done",
    "group-help",
    "summary-weighted-note",
    "review-item",
    "export-col-share",
    "poster-headline",
]


@pytest.mark.parametrize("lang", LANGS)
def test_the_scenarios_show_the_steps_before_the_appendix(pages: dict[str, str], lang: str):
    page = pages[lang]
    appendix = page.index('id="appendix"')
    for msg_id in SURVEY_STEPS:
        at = page.find(f'data-msg="{msg_id}"')
        assert 0 <= at < appendix, f"{lang}: {msg_id} is only in the appendix"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ky",
            [
                "Тилди тандаңыз",
                "Мындай көчө бир нече райондо бар",
                "Көйгөй 2/5",
                "Бул жерде дагы бир көйгөй бар окшойт",
                "Ылайыктуу тема табылган жок",
                "Тизмеде 5 көйгөй бар",
                "Шаарыңыздын номерин же атын жазыңыз",  # the WhatsApp wording (.wa)
                "📢 <b>Коомдук угуу:",
                "Жазылууну токтотуу",
                "Өтүүчү жери (Кыргызча):",
                "Жөнөтүүнүн жүрүшү",
                "өткөрүлүп жиберилди",
                "➕ Ооба, кошуу<span",  # a WhatsApp short label
            ],
        ),
        (
            "ru",
            [
                "Выберите ваш город:",
                "Такая улица есть в нескольких районах",
                "Проблема 2 из 5",
                "Похоже, здесь ещё одна проблема",
                "Подходящей темы не нашлось",
                "В списке уже 5 проблем",
                "Напишите номер или название вашего города",
                "📢 <b>Общественные слушания:",
                "Отписаться от приглашений",
                "Ход рассылки",
                "➕ Да, добавить<span",
            ],
        ),
    ],
)
def test_the_page_shows_what_residents_read(
    pages: dict[str, str], lang: str, expected: list[str]
) -> None:
    for text in expected:
        assert text in pages[lang], text


@pytest.mark.parametrize("lang", LANGS)
def test_typed_html_is_shown_escaped_and_the_page_is_self_contained(
    pages: dict[str, str], lang: str
) -> None:
    page = pages[lang]
    typed = preview.TYPED[lang]["html"]
    bold = re.search(r"<b>(.+?)</b>", typed)
    assert bold is not None
    assert f"&lt;b&gt;{bold.group(1)}&lt;/b&gt;" in page, "shown as typed"
    assert f"<b>{bold.group(1)}</b>" not in page, "never as markup"
    parser = _Tags()
    parser.feed(page)
    assert parser.urls == [], "no external assets"
    allowed = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3"}
    allowed |= {"p", "nav", "ol", "li", "a", "main", "section", "div", "span", "b", "i", "hr"}
    allowed |= {"table", "tr", "td", "th", "code", "img", "ul", "pre"}
    assert parser.tags <= allowed, parser.tags - allowed


def test_telegram_html_keeps_only_bold_and_italic() -> None:
    assert preview.telegram_html("<b>a</b> &lt;i&gt; <i>x</i>") == "<b>a</b> &lt;i&gt; <i>x</i>"
    assert preview.telegram_html("<script>&amp;") == "&lt;script&gt;&amp;"


def test_the_command_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "preview-ky.html"
    assert main(["preview", "--lang", "ky", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="ky"' in page
    total = len(_ids("ky"))
    assert f"{total} of {total} message ids (ky)" in capsys.readouterr().err


def test_the_command_refuses_a_bad_language_or_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["preview", "--lang", "en", "--out", str(tmp_path / "x.html")])
    assert exit_info.value.code == 2
    assert "invalid choice: 'en'" in capsys.readouterr().err
    assert main(["preview", "--lang", "ru", "--out", str(tmp_path / "no" / "x.html")]) == 2
    assert "cannot write" in capsys.readouterr().err
