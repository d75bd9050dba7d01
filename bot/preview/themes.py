"""Preview of own words grouped into themes: /review's similar answers and `citybot themes`."""

from __future__ import annotations

import html

from bot.cli_themes import _as_text
from bot.preview.demo import CITY
from bot.preview.page import Preview
from flows import review
from flows.facts import UnplacedItem
from flows.session import Msg, Reply
from flows.themes import group
from flows.world import World

# What residents typed (data, not locale text): seven ways of saying "traffic jams" and one
# answer nothing resembles.
ANSWERS = [
    "пробки",
    "Пробки!",
    "пробки в центре",
    "пробки по утрам",
    "огромные пробки на Ленина",
    "пробки у базара",
    "пробки каждый день",
    "пробки в час пик",
    "мечеть",
]


def add(p: Preview, world: World) -> None:
    """The theme's screens in the working group, then the CLI's text for a clerk."""
    lang = p.lang
    p.section(
        "themes",
        "Working groups: similar own words placed together (flows/review.py, flows/themes.py)",
        "A wording with similar ones waiting gets a button that opens them all; one tap "
        "places every answer of the theme.",
    )
    items = [UnplacedItem(n, 1 + n % 5, text) for n, text in enumerate(ANSWERS, start=1)]
    shown, matcher = world.shown[CITY], world.matchers[CITY]
    wordings = review.queue(items, {})
    themes = review.themes(wordings)
    theme = themes[0]
    guesses = [m.category for m in matcher.candidates(wordings[0].sample, limit=3)]
    option = review.theme_option(themes, wordings[0])
    screen = review.first_screen(shown, wordings[0], len(wordings), guesses, lang, (), option)
    p.replies("Themes › a wording with similar ones waiting", lang, [screen])
    theme_guesses = review.theme_guesses(matcher, theme)
    p.replies(
        "Themes › the theme: its size and wordings",
        lang,
        [review.theme_screen(shown, theme, len(themes), theme_guesses, lang)],
    )
    p.replies(
        "Themes › all categories for the theme, page 1",
        lang,
        [review.theme_page(shown, theme, 0, lang, len(themes))],
    )
    label = shown.label("public_transport", lang)
    args = {"count": theme.size, "label": label, "wordings": len(theme.wordings)}
    done = Msg("review-theme-done", args)
    p.replies("Themes › placed into a category", lang, [Reply((done,))])
    kept = Msg("review-theme-kept", {"wordings": len(theme.wordings)})
    p.replies("Themes › kept as own words", lang, [Reply((kept,))])
    p.replies(
        "Themes › a theme someone else already placed", lang, [Reply((Msg("review-theme-gone"),))]
    )
    text = _as_text(world, CITY, group(items, matcher), lang)
    empty = _as_text(world, CITY, [], lang)
    # The CLI's messages are marked in the appendix (this block is plain text).
    body = f"<pre>{html.escape(text)}</pre><pre>{html.escape(empty)}</pre>"
    p.raw("CLI › citybot themes --city karakol (text for a clerk; --json for machines)", body)
