"""Discord channels exported as JSON by DiscordChatExporter (``guild``, ``channel``,
``messages``). Its content is already plain text (mentions read ``@name``)."""

from __future__ import annotations

from pmsite.importers import ImportOptions, Record, Source, TimelineEvent, expect, load_json, read_text

#: DiscordChatExporter message types that are channel housekeeping, not conversation.
_TYPE_KINDS = {
    "GuildMemberJoin": "join", "RecipientAdd": "join", "RecipientRemove": "leave",
    "ChannelNameChange": "channel-change", "ChannelIconChange": "channel-change",
    "ChannelPinnedMessage": "channel-change", "ThreadCreated": "channel-change",
}


def read(source: Source, options: ImportOptions) -> list[TimelineEvent]:
    shape = "a DiscordChatExporter JSON export with a 'messages' list"
    data = Record(load_json(read_text(source), source.display), source.display, shape)
    messages = data.data.get("messages")
    expect(isinstance(messages, list), source.display, f"expected {shape}")
    guild_id = data.record("guild").ident("id") or "@me"
    channel = data.record("channel")
    channel_id = channel.ident("id")
    label = f"discord #{channel.text('name') or channel_id or source.path.stem}"
    by_id: dict[str, str] = {}
    events = []
    for index, item in enumerate(messages):
        message = Record(item, f"{source.display} message {index + 1}", "a message object")
        author = message.record("author")
        who = author.text("nickname") or author.text("name") or "unknown"
        is_bot = author.flag("isBot")
        message_id = message.ident("id")
        by_id[message_id] = who
        kind = _TYPE_KINDS.get(message.text("type", "Default"), "bot" if is_bot else "message")
        text = _text(message)
        reference_id = message.record("reference").ident("messageId")
        if message.text("type") == "Reply" and reference_id:
            text = f"↳ reply to {by_id.get(reference_id, 'an earlier message')}: {text}"
        if message.text("timestampEdited"):
            text += " (edited)"
        link = f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}" if channel_id and message_id else ""
        events.append(TimelineEvent(time=message.time("timestamp", options.tz), source=label,
                                    who=who, text=text, link=link, kind=kind, person=not is_bot))
    return events


def _text(message: Record) -> str:
    parts = [message.text("content")]
    for embed in message.items("embeds"):
        parts.append(" ".join(embed.text(key) for key in ("title", "description") if embed.has(key)))
    for attachment in message.items("attachments"):
        parts.append(f"[file: {attachment.text('fileName') or 'attachment'}]")
    return " ".join(p.strip() for p in parts if p and p.strip())
