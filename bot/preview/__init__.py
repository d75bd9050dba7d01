"""`citybot preview`: every screen of every flow on one HTML page, for a native speaker's review."""

# The screens come from the real pure flows (flows.survey.step, flows.announce through it,
# flows.workgroup.decide, flows.review, flows.summary) driven through scripted scenarios, and
# are rendered the way the channels render them: Telegram as HTML with the inline keyboard of
# bot.keyboards; WhatsApp as the numbered text of bot.local_chat.render_numbered (its `.wa`
# wording, bold as "*") and the short labels (`.short`) of its lists and quick replies. Every
# rendered part names the message it came from (`data-msg` and a small grey id), and an
# appendix renders every message no scenario showed, so the page covers every id of
# locales/<lang>/*.ftl. No database, network or token is needed: the data on the page
# (streets, district boundaries and populations, answers, admins) is invented (demo.py).

from __future__ import annotations

from pathlib import Path

from bot.i18n import Texts
from bot.preview import announce, appendix, groups, poster, survey, themes
from bot.preview.demo import TYPED, demo_world
from bot.preview.markup import telegram_html
from bot.preview.page import Preview
from flows.catalogue import LANGS, Lang

__all__ = ["TYPED", "Preview", "build", "page", "telegram_html", "write"]


def build(lang: Lang, texts: Texts | None = None) -> Preview:
    """Run every scenario in `lang`; the appendix completes the page to every message id."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (ru or ky)")
    world = demo_world()
    p = Preview(lang, texts)
    survey.add(p, world)
    announce.add(p, world)
    groups.add(p, world)
    themes.add(p, world)
    poster.add(p, world)
    appendix.add(p, world)
    return p


def page(lang: Lang, texts: Texts | None = None) -> str:
    """The page's HTML."""
    return build(lang, texts).html()


def write(lang: Lang, out: Path) -> Preview:
    """Write the page to `out`; the Preview tells what it showed."""
    preview = build(lang)
    out.write_text(preview.html(), encoding="utf-8")
    return preview
