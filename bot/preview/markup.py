"""HTML pieces of the preview page: escaping, message-id labels, screens and the style sheet."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

_TAG = re.compile(r"(</?[bi]>)")


def telegram_html(text: str) -> str:
    """Telegram HTML (only <b>/<i>; arguments already escaped) as safe page HTML: the two
    tags are kept, everything else is escaped again, so nothing typed can become markup."""
    out = []
    for piece in _TAG.split(text):
        out.append(piece if _TAG.fullmatch(piece) else html.escape(html.unescape(piece), False))
    return "".join(out)


def attr(text: str) -> str:
    """Text as an attribute value."""
    return html.escape(text, quote=True)


def id_label(ids: Sequence[str], suffix: str = "") -> str:
    """The grey id label; nested messages (an argument that is a message) are named too, each
    marked with its own `data-msg`."""
    names = [ids[0], *(f'<span data-msg="{attr(i)}">{html.escape(i)}</span>' for i in ids[1:])]
    return f'<span class="mid">{" › ".join(names)}{html.escape(suffix)}</span>'


def part_html(ids: Sequence[str], text: str, suffix: str = "") -> str:
    """One message (or one line of it), marked with its id; `text` is already page HTML."""
    return (
        f'<div class="part" data-msg="{attr(ids[0])}">{id_label(ids, suffix)}'
        f'<div class="txt">{text}</div></div>'
    )


def screen_html(number: int, caption: str, body: str, note: str = "") -> str:
    """One numbered screen with its caption (a link to itself) and an optional note."""
    note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return (
        f'<section class="screen" id="s{number}"><h3><a href="#s{number}">{number}.</a> '
        f"{html.escape(caption)}</h3>{note_html}{body}</section>"
    )


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#f4f5f7;color:#1b1b1b}
header{background:#fff;padding:16px 24px;border-bottom:1px solid #ddd}
main{padding:0 24px 48px}
h1{font-size:20px;margin:0 0 6px}
h2{margin:32px 0 8px;font-size:18px;border-bottom:2px solid #2f6db5;padding-bottom:4px}
h3{font-size:13px;margin:0 0 8px;color:#333}
h3 a{color:#888;text-decoration:none}
nav ol{columns:3;font-size:13px;margin:8px 0 0}
.intro,.note{color:#555;font-size:12px;margin:4px 0 8px}
.screen{background:#fff;border:1px solid #e2e2e2;border-radius:8px;padding:10px 12px;
margin:10px 0}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.col .head{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:#999;
margin-bottom:4px}
.tg .bubble{background:#eef5fd;border-radius:10px;padding:6px 9px;margin:4px 0}
.wa .bubble{background:#e7f8dd;border-radius:10px;padding:6px 9px;margin:4px 0}
.bubble.plain{background:#f6f6f6;border-radius:8px;padding:6px 9px}
.part{margin:2px 0}
.txt{white-space:pre-wrap;overflow-wrap:anywhere}
.wa .txt{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
.mid{display:block;font:10px/1.3 ui-monospace,Menlo,Consolas,monospace;color:#9a9a9a}
.btn .mid,.chip .mid{display:block;font-size:9px}
.kb{margin:2px 0 8px}
.kb .row{display:flex;gap:4px;margin:4px 0}
.btn{flex:1;background:#fff;border:1px solid #b9cde6;border-radius:7px;padding:5px 6px;
text-align:center;font-size:13px}
.btn.data{border-style:dashed}
.edit{font-size:10px;color:#2f6db5;margin-bottom:2px}
.toast{background:#333;color:#fff;border-radius:6px;padding:4px 8px;margin:4px 0;
display:inline-block}
.toast .mid{color:#bbb}
.inter{margin:4px 0 8px}
.head2{font-size:11px;color:#777;margin-bottom:3px}
.chip{display:inline-block;background:#fff;border:1px solid #9fd08a;border-radius:14px;
padding:3px 9px;margin:2px 3px 2px 0;font-size:12px}
.chip.data{border-style:dashed}
hr.sep{border:0;border-top:1px dashed #9fd08a;margin:6px 0}
.silent,.none p{color:#999;font-style:italic}
table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 7px;vertical-align:top;text-align:left}
tr.group td{background:#f0f4fa}
.warn{background:#fff3cd;border:1px solid #e0c36a;padding:8px 12px;margin:8px 0}
img.chart{max-width:100%;border:1px solid #ddd}
@media (max-width:800px){.cols{grid-template-columns:1fr}nav ol{columns:1}}
"""
