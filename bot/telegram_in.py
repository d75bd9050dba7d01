"""Telegram updates as the flows' events: a resident's, a working-group chat's, or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update
from telegram.constants import ChatMemberStatus, ChatType

from flows.commands import parse_command
from flows.session import Inbound
from flows.workgroup import GROUP_COMMANDS
from storage.base import ResidentRef

CHANNEL = "tg"
GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)

# Message attributes checked in order to name what a resident sent instead of text.
_MEDIA = (
    ("sticker", "sticker"),
    ("photo", "photo"),
    ("voice", "voice"),
    ("audio", "voice"),
    ("video_note", "video"),
    ("video", "video"),
    ("animation", "video"),
    ("location", "location"),
    ("venue", "location"),
    ("contact", "contact"),
    ("document", "document"),
)


def media_kind(message: Message) -> str:
    for attr, kind in _MEDIA:
        if getattr(message, attr, None):
            return kind
    return "other"


def to_inbound(update: Update) -> tuple[ResidentRef, Inbound] | None:
    """A resident's event (a private chat); None for what residents' flows ignore."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return None
    who = ResidentRef(CHANNEL, str(user.id))
    member = update.my_chat_member
    if member is not None:
        # The resident blocked the bot: announcements stop (unblocking does not subscribe
        # anyone again by itself, so it is nothing to us).
        if member.new_chat_member.status != ChatMemberStatus.BANNED:
            return None
        return who, Inbound("system", command="blocked")
    hint = (user.language_code or "").split("-")[0].lower() or None
    query = update.callback_query
    if query is not None:
        # A tap on a message we can still reach can replace it (edit) instead of a new one.
        editable = query.message is not None and query.inline_message_id is None
        return who, Inbound("choice", choice=query.data or "", lang_hint=hint, editable=editable)
    message = update.message  # edited messages are deliberately ignored
    if message is None:
        return None
    # A caption typed with a photo is still what the resident said (as on WhatsApp).
    if message.text is not None or message.caption:
        text = message.text if message.text is not None else message.caption or ""
        command = parse_command(text)
        if command is not None:
            return who, Inbound(
                "command", command=command.name, text=command.argument, lang_hint=hint
            )
        return who, Inbound("text", text=text, lang_hint=hint)
    where = message.location or (message.venue.location if message.venue else None)
    location = (where.latitude, where.longitude) if where is not None else None
    return who, Inbound("media", media=media_kind(message), location=location, lang_hint=hint)


@dataclass(frozen=True, slots=True)
class GroupEvent:
    chat_id: int
    event: Inbound


def to_group_event(update: Update, username: str | None) -> GroupEvent | None:
    """A working-group chat's event: a command for this bot, a tap, the group becoming a
    supergroup. None for everything else in a group (its own conversation, other bots)."""
    chat = update.effective_chat
    if chat is None or chat.type not in GROUP_TYPES:
        return None
    user = update.effective_user
    sender = f"tg:{user.id}" if user is not None and not user.is_bot else ""
    query = update.callback_query
    if query is not None:
        if not sender:
            return None
        return GroupEvent(chat.id, Inbound("choice", choice=query.data or "", sender=sender))
    message = update.message
    if message is None:
        return None
    if message.migrate_to_chat_id:
        moved = str(message.migrate_to_chat_id)
        return GroupEvent(chat.id, Inbound("system", command="migrated", text=moved))
    command = parse_command(message.text or "")
    if not sender or command is None or not command.is_for(username):
        return None
    if command.name not in GROUP_COMMANDS:
        return None  # another bot's command, or one of ours that groups do not use
    return GroupEvent(
        chat.id, Inbound("command", command=command.name, text=command.argument, sender=sender)
    )


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in GROUP_TYPES
