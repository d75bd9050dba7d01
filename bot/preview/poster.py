"""The printed poster's every line, Russian and Kyrgyz, for the demo city's first district."""

from __future__ import annotations

import html

from bot.links import build_rows, display_number
from bot.poster import Code, PosterSpec, poster_texts
from bot.preview.demo import BOT_USERNAME, CITY, WHATSAPP_NUMBER
from bot.preview.markup import id_label
from bot.preview.page import Preview
from flows.world import World


def add(p: Preview, world: World) -> None:
    """The poster's lines, with names and payload as `citybot poster` makes them."""
    p.section(
        "poster",
        "The printed poster (locales/*/poster.ftl, bot/poster.py)",
        "The poster prints both languages; this language's lines are marked.",
    )
    (row,) = build_rows(world, CITY, "mtu1", "poster", BOT_USERNAME, WHATSAPP_NUMBER)
    codes = (
        Code("telegram", row.telegram or "", f"@{BOT_USERNAME}"),
        Code("whatsapp", row.whatsapp or "", display_number(WHATSAPP_NUMBER)),
    )
    spec = PosterSpec(
        row.city_ru, row.city_ky, row.district_ru, row.district_ky, row.payload, codes
    )
    rows = []
    for msg_id, by_lang in poster_texts(p.texts, spec).items():
        p.shown.add(msg_id)
        cells = "".join(
            f"<td{' class=mine' if lang == p.lang else ''}>{html.escape(by_lang[lang])}</td>"
            for lang in ("ru", "ky")
        )
        rows.append(f'<tr data-msg="{msg_id}"><td>{id_label([msg_id])}</td>{cells}</tr>')
    p.raw(
        "Poster › every line, Russian and Kyrgyz",
        "<table><tr><th>id</th><th>ru</th><th>ky</th></tr>" + "".join(rows) + "</table>",
        note="Plain text on a picture: no HTML, names from the city configuration.",
    )
