"""Working-group scenarios: chat commands, the daily summary, its chart, the export, /review."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

from bot.chart import summary_chart
from bot.export import Exporter
from bot.i18n import Escape, Texts, escape_html
from bot.preview.demo import ADMIN_ID, CITY, MEMBER_ID, TYPED, demo_tallies
from bot.preview.markup import id_label
from bot.preview.page import Preview
from bot.summaries import render as render_summary
from flows import review as review_screens
from flows.catalogue import Lang
from flows.facts import ExportRow, Facts
from flows.review import Wording
from flows.session import Inbound, Msg, Reply
from flows.summary import CityRanking, city_ranking, summary_parts
from flows.workgroup import Binding, step
from flows.world import World


def add(p: Preview, world: World) -> None:
    """What a city's working group sees in its Telegram group."""
    _commands(p, world)
    _summary(p, world)
    _review(p, world)


def _commands(p: Preview, world: World) -> None:
    lang = p.lang
    p.section(
        "groups",
        "Working groups: chat commands (flows/workgroup.py)",
        "Telegram groups only. The group's language is set with /language.",
    )

    def say(caption: str, user: int, bound: str | None, command: str, args: str = "") -> None:
        binding = Binding(bound, lang) if bound else None
        event = Inbound("command", command=command, text=args, sender=f"tg:{user}")
        turn = step(binding, event, world, Facts(tallies={}, sources={}, unplaced=()))
        texts = [r for r in turn.replies if r.attachment is None]
        if texts:
            p.replies(caption, turn.lang, texts)

    say("Group › /help", MEMBER_ID, None, "help")
    say("Group › /summary before the chat is bound", MEMBER_ID, None, "summary")
    say("Group › /bind with an unknown city", ADMIN_ID, None, "bind", "atlantis")
    say("Group › /bind by a member who is not an admin", MEMBER_ID, None, "bind", CITY)
    say("Group › /bind by the city's admin", ADMIN_ID, None, "bind", CITY)
    say("Group › /bind of a chat bound to another city", ADMIN_ID, "manas", "bind", CITY)
    say("Group › /review by a member who is not a reviewer", MEMBER_ID, CITY, "review")
    say("Group › /language without a language", ADMIN_ID, CITY, "language")
    say("Group › /language", ADMIN_ID, CITY, "language", lang)
    say("Group › /summary of an unknown district", MEMBER_ID, CITY, "summary", "луна")
    say("Group › /unbind by the admin", ADMIN_ID, CITY, "unbind")


def _summary(p: Preview, world: World) -> None:
    lang = p.lang
    p.section(
        "summary",
        "Working groups: the daily summary, chart and export (flows/summary.py, bot/summaries.py, "
        "bot/export.py)",
    )
    tallies = demo_tallies()
    previous = {"roads": (1, 6), "waste": (3, 5), "street_lighting": (2, 3), "heating": (4, 1)}
    ranking = city_ranking(world, CITY, tallies, previous=previous, changed=3)
    parts = summary_parts(world, ranking, lang)
    count = len(render_summary(p.texts, lang, parts))
    p.replies(
        "Summary › the daily summary (movement since yesterday, population-weighted shares)",
        lang,
        [Reply(tuple(parts))],
        note=f"Sent as {count} Telegram message(s); the chart follows as a photo.",
    )
    plain = city_ranking(world, CITY, tallies)
    p.replies(
        "Summary › /summary now (no arrows)",
        lang,
        [Reply(tuple(summary_parts(world, plain, lang)))],
    )
    district = city_ranking(world, CITY, tallies, district="mtu1")
    p.replies(
        "Summary › /summary for one district",
        lang,
        [Reply(tuple(summary_parts(world, district, lang)))],
    )
    nobody = city_ranking(world, CITY, {})
    p.replies(
        "Summary › nobody answered yet", lang, [Reply(tuple(summary_parts(world, nobody, lang)))]
    )
    _chart(p, world, ranking)
    _export(p, world, plain)


def _review(p: Preview, world: World) -> None:
    lang = p.lang
    p.section("review", "Working groups: /review of residents' own words (flows/review.py)")
    shown = world.shown[CITY]
    wording = Wording(TYPED["ru"]["none"], "Мэр не отвечает на <b>письма</b>!", ((1, 2), (2, 3)))
    guesses = [m.category for m in world.matchers[CITY].candidates(wording.sample, limit=3)]
    p.replies(
        "Review › a wording with the matcher's guesses",
        lang,
        [review_screens.first_screen(shown, wording, 4, guesses, lang)],
    )
    p.replies(
        "Review › all categories, page 1",
        lang,
        [review_screens.category_page(shown, wording, 0, lang, 4)],
    )
    label = shown.label("public_order", lang)
    p.replies(
        "Review › placed into a category",
        lang,
        [Reply((Msg("review-done", {"count": 2, "label": label}),))],
    )
    p.replies("Review › kept as own words", lang, [Reply((Msg("review-kept"),))])
    p.replies(
        "Review › a wording someone else already placed", lang, [Reply((Msg("review-gone"),))]
    )
    p.replies("Review › nothing left", lang, [Reply((Msg("review-empty"),))])


def _chart(p: Preview, world: World, ranking: CityRanking) -> None:
    lang = p.lang
    city = world.cities[CITY].name(lang)
    labels = [
        Msg("chart-title", {"city": city}),
        Msg("chart-note", {"respondents": 13}),
        Msg("chart-caption", {"city": city, "day": "2026-11-24"}),
    ]
    body = '<div class="bubble plain">' + "".join(p.part(lang, m) for m in labels) + "</div>"
    try:
        png = summary_chart(world, p.texts, ranking, lang)
    except Exception:  # matplotlib missing: the texts are what matters here
        png = b""
    if png:
        data = base64.b64encode(png).decode("ascii")
        body += f'<img class="chart" alt="chart" src="data:image/png;base64,{data}">'
    p.raw("Chart › title, note (in the picture) and the photo's caption", body)


class _MessageIds(Texts):
    """Texts that render every message as its id: asked for its header rows, the exporter
    names the message of each column, so the preview shows the columns the export has."""

    def format(
        self, lang: Lang, msg: Msg, escape: Escape = escape_html, variant: str | None = None
    ) -> str:
        return msg.id


def _export(p: Preview, world: World, ranking: CityRanking) -> None:
    lang = p.lang
    exporter = Exporter(world, p.texts)
    # The columns' message ids, from the exporter itself (its lists live in _headers), not
    # a copy that could drift from what /export writes.
    ranking_heads, answer_heads = Exporter(world, _MessageIds())._headers(lang)
    rows = exporter.ranking_rows(ranking, lang)[:6]
    sample = [
        ExportRow(world.cities[CITY].districts[0].id, 1, "roads", None, "2026-11-23"),
        ExportRow(None, 2, "other", TYPED["ru"]["none"], "2026-11-23"),
    ]
    answers = exporter.answer_rows(CITY, sample, lang)

    from_messages = {
        p.texts.format(lang, Msg(m), escape=str): m
        for m in ("export-citywide", "export-no-district")
    }

    def cell(value: object) -> str:
        msg_id = from_messages.get(str(value))
        if msg_id is None:
            return f"<td>{html.escape(str(value))}</td>"
        return f'<td data-msg="{msg_id}">{html.escape(str(value))}{id_label([msg_id])}</td>'

    def table(sheet: str, heads: Sequence[str], data: Sequence[Sequence[object]]) -> str:
        p.shown.add(sheet)
        head = "".join(
            f'<th data-msg="{h}">{html.escape(p.texts.format(lang, Msg(h), escape=str))}'
            f"{id_label([h])}</th>"
            for h in heads
        )
        p.shown.update(heads)
        body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in data)
        name = p.texts.format(lang, Msg(sheet), escape=str)
        return (
            f'<p data-msg="{sheet}">sheet «{html.escape(name)}» {id_label([sheet])}</p>'
            f"<table><tr>{head}</tr>{body}</table>"
        )

    p.shown.update({"export-no-district", "export-citywide"})
    caption = Msg("export-caption", {"city": world.cities[CITY].name(lang)})
    body = (
        table("export-sheet-ranking", ranking_heads, rows)
        + table("export-sheet-answers", answer_heads, answers)
        + '<div class="bubble plain">'
        + p.part(lang, Msg("export-sheet-chart"))
        + p.part(lang, caption)
        + "</div>"
    )
    p.raw("Export › /export: the XLSX sheets (first rows) and the file's caption", body)
