"""Discord channels exported as JSON by DiscordChatExporter (``guild``, ``channel``,
``messages``). Its content is already plain text (mentions read ``@name``)."""

from __future__ import annotations

from pmsite.importers import ImportOptions, Source, TimelineEvent, expect, load_json, parse_time, read_text

#: DiscordChatExporter message types that are channel housekeeping, not conversation.
_TYPE_KINDS = {
    "GuildMemberJoin": "join", "RecipientAdd": "join", "RecipientRemove": "leave",
    "ChannelNameChange": "channel-change", "ChannelIconChange": "channel-change",
    "ChannelPinnedMessage": "channel-change", "ThreadCreated": "channel-change",
}


def read(source: Source, options: ImportOptions) -> list[TimelineEvent]:
    data = load_json(read_text(source), source.display)
    expect(isinstance(data, dict) and isinstance(data.get("messages"), list), source.display,
           "expected a DiscordChatExporter JSON export with a 'messages' list")
    guild_id = str((data.get("guild") or {}).get("id") or "@me")
    channel = data.get("channel") or {}
    label = f"discord #{channel.get('name') or channel.get('id') or source.path.stem}"
    by_id = {}
    events = []
    for index, message in enumerate(data["messages"]):
        where = f"{source.display} message {index + 1}"
        expect(isinstance(message, dict), where, "expected a message object")
        author = message.get("author") or {}
        who = author.get("nickname") or author.get("name") or "unknown"
        is_bot = bool(author.get("isBot"))
        by_id[message.get("id")] = who
        kind = _TYPE_KINDS.get(message.get("type", "Default"), "bot" if is_bot else "message")
        text = _text(message)
        reference = message.get("reference") or {}
        if message.get("type") == "Reply" and reference.get("messageId"):
            text = f"↳ reply to {by_id.get(reference['messageId'], 'an earlier message')}: {text}"
        if message.get("timestampEdited"):
            text += " (edited)"
        link = (f"https://discord.com/channels/{guild_id}/{channel.get('id')}/{message['id']}"
                if channel.get("id") and message.get("id") else "")
        events.append(TimelineEvent(time=parse_time(message.get("timestamp"), where, options.tz), source=label,
                                    who=who, text=text, link=link, kind=kind, person=not is_bot))
    return events


def _text(message: dict) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        if isinstance(embed, dict):
            parts.append(" ".join(str(embed[k]) for k in ("title", "description") if embed.get(k)))
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, dict):
            parts.append(f"[file: {attachment.get('fileName') or 'attachment'}]")
    return " ".join(p.strip() for p in parts if p and p.strip())
