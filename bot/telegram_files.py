"""Files a reply carries, rendered for sending: the ranking chart (PNG), the export (XLSX)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.chart import summary_chart
from bot.export import Exporter
from bot.i18n import Texts
from flows.catalogue import Lang
from flows.session import Attachment, Chart
from flows.world import World

# A bot may upload files of up to 50 MB (Bot API sendDocument); a bigger export is refused by
# Telegram after the whole upload, so it is not tried: the chat is told where to get it.
UPLOAD_LIMIT = 50 * 1024 * 1024


class TooBig(Exception):
    """The file is over Telegram's upload limit (its size in bytes)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size


class Files:
    """Renders attachments with the world as of now (`world()`: accepted city categories by
    their names) and, for the export, the store: the file is streamed from it into a
    temporary file, exactly as `citybot export` and the desk write it, then sent."""

    def __init__(
        self,
        texts: Texts,
        world: Callable[[], World | None],
        store: Any = None,
        limit: int = UPLOAD_LIMIT,
    ) -> None:
        self.texts, self.world, self.store, self.limit = texts, world, store, limit

    async def render(self, attachment: Attachment, lang: Lang) -> tuple[str, str, bytes]:
        """(how to send it: "photo" | "document", its file name, its bytes); TooBig when an
        export would exceed the upload limit. The CPU-bound work runs in threads."""
        world = self.world()
        assert world is not None, "files need the world (labels, districts)"
        if isinstance(attachment, Chart):
            png = await asyncio.to_thread(
                summary_chart, world, self.texts, attachment.ranking, lang
            )
            return "photo", "chart.png", png
        if self.store is None:
            raise RuntimeError("the export needs the store")
        from bot.export_file import export_city

        with tempfile.TemporaryDirectory(prefix="citybot-chat-") as folder:
            out = Path(folder) / attachment.filename
            exporter = Exporter(world, self.texts)
            await export_city(self.store, exporter, attachment.city, "xlsx", out, lang)
            size = out.stat().st_size
            if size > self.limit:
                raise TooBig(size)
            # PTB reads an uploaded file into memory whole anyway; at most the limit.
            data = await asyncio.to_thread(out.read_bytes)
        return "document", attachment.filename, data
