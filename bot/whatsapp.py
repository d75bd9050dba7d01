"""WhatsApp through Twilio: signed form posts in, through the pipeline; replies go out through
the outbound (bot/whatsapp_out.py), rendered by bot/whatsapp_render.py."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from bot.local_chat import parse_line
from bot.pipeline import Pipeline, PlatformReports
from bot.whatsapp_out import UNSUBSCRIBED, Outbox, WhatsAppOutbound
from bot.whatsapp_render import MAX_BODY, MAX_LABEL, interactive_parts, render, short_label
from flows.session import Inbound, Turn
from storage.base import ResidentRef

log = logging.getLogger(__name__)

CHANNEL = "wa"


def media_kind(content_type: str) -> str:
    """A Twilio MediaContentType as the flows' media kind (they answer each kindly)."""
    major, _, minor = content_type.partition("/")
    if content_type == "image/webp":
        return "sticker"  # WhatsApp stickers arrive as webp images
    return {"image": "photo", "audio": "voice", "video": "video"}.get(
        major, "document" if minor else "other"
    )


def to_inbound(form: Mapping[str, str]) -> tuple[ResidentRef, Inbound] | None:
    """Translate one inbound webhook; None when it names no resident (nothing to answer)."""
    wa_id = form.get("WaId", "").strip()
    if not wa_id.isdigit():
        return None
    who = ResidentRef(CHANNEL, wa_id)  # WaId, never ProfileName: that one changes at will
    body = form.get("Body", "")
    # A tapped quick reply or list item: its id (list pickers may report it as ListId).
    payload = (form.get("ButtonPayload", "") or form.get("ListId", "")).strip()
    if payload:
        return who, Inbound("choice", choice=payload[:64])
    if body.strip():
        # A caption typed with a photo is still what the resident said.
        return who, parse_line(body)
    media = form.get("NumMedia", "0").strip()
    if media.isdigit() and int(media) > 0:
        return who, Inbound("media", media=media_kind(form.get("MediaContentType0", "")))
    latitude, longitude = form.get("Latitude", ""), form.get("Longitude", "")
    if latitude:
        try:
            where: tuple[float, float] | None = (float(latitude), float(longitude))
        except ValueError:
            where = None
        return who, Inbound("media", media="location", location=where)
    return who, Inbound("text", text="")


__all__ = [
    "MAX_BODY",
    "MAX_LABEL",
    "WhatsAppChannel",
    "interactive_parts",
    "render",
    "short_label",
    "to_inbound",
]


class WhatsAppChannel:
    """Inbound WhatsApp: every message goes through the pipeline; its outbound sends."""

    def __init__(
        self,
        pipeline: Pipeline,
        out: WhatsAppOutbound,
        reports: PlatformReports | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.out = out
        self.texts = out.texts
        self.reports = reports or PlatformReports(pipeline)
        self.out.on_blocked = self.reports.blocked

    @property
    def outbox(self) -> Outbox:
        return self.out.outbox

    async def start(self) -> None:
        await self.out.start()

    async def stop(self) -> None:
        await self.out.stop()

    async def on_message(self, form: Mapping[str, str]) -> None:
        """An inbound message (signature already checked): commit the turn, queue the replies."""
        translated = to_inbound(form)
        if translated is None:
            log.info("WhatsApp message without WaId ignored")
            return
        who, event = translated
        sid = form.get("MessageSid", "").strip()
        dedup = f"wa:{sid}" if sid else None
        reply = lambda turn: self.deliver_to(who, turn)  # noqa: E731
        # A webhook: unanswered (500), Twilio sends it again; never an apology instead.
        await self.pipeline.resident(who, event, reply, dedup, redelivered=True)

    async def deliver_to(self, who: ResidentRef, turn: Turn) -> None:
        await self.out.deliver(who, turn)

    async def on_status(self, form: Mapping[str, str]) -> None:
        """A status callback: record it; an opt-out or block unsubscribes the resident
        (through the pipeline, like every change to a resident)."""
        sid = form.get("MessageSid", "").strip()
        status = form.get("MessageStatus", "").strip().lower()
        if not sid or not status:
            return
        code_text = form.get("ErrorCode", "").strip()
        code = int(code_text) if code_text.isdigit() else None
        who = await self.pipeline.store.update_delivery(sid, status, code)
        if who is not None and code in UNSUBSCRIBED:
            log.info("a WhatsApp resident opted out or blocked us (%s)", code)
            await self.pipeline.resident(who, Inbound("system", command="blocked"), _unheard)


async def _unheard(_: Turn) -> None:
    return None
