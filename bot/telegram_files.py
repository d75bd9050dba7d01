"""Files a reply carries, rendered for sending: the ranking chart (PNG), the export (XLSX)."""

from __future__ import annotations

from bot.chart import summary_chart
from bot.export import Exporter
from bot.i18n import Texts
from flows.catalogue import Lang
from flows.session import Attachment, Chart
from flows.world import World


def render_attachment(
    world: World, texts: Texts, attachment: Attachment, lang: Lang
) -> tuple[str, str, bytes]:
    """(how to send it: "photo" | "document", its file name, its bytes). CPU-bound: callers
    run it in a thread."""
    if isinstance(attachment, Chart):
        return "photo", "chart.png", summary_chart(world, texts, attachment.ranking, lang)
    data = Exporter(world, texts).xlsx(attachment.ranking, attachment.rows, lang)
    return "document", attachment.filename, data
