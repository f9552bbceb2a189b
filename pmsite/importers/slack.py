"""Slack workspace exports: a folder or ``.zip`` with ``users.json``, ``channels.json``
and one folder per channel holding a JSON file per day.

User ids become display names, Slack markup becomes plain text, thread replies
point back to their parent, edits and deletions are applied. Noise (joins, bots)
is only labelled here; ``pmsite.timeline`` decides what to drop.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from pmsite.importers import (
    ImportOptions,
    Record,
    Source,
    TimelineError,
    TimelineEvent,
    epoch_time,
    expect,
    load_json,
)

#: A zip whose members add up to more than this is refused rather than read.
MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
#: JSON compresses about 10:1; far beyond that is a zip bomb, not an export.
MAX_COMPRESSION_RATIO = 200
_RATIO_CHECK_ABOVE_BYTES = 16 * 1024**2

_CHANNEL_LISTS = ("channels.json", "groups.json", "mpims.json", "dms.json")
_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_SUBTYPE_KINDS = {
    "channel_join": "join", "group_join": "join", "channel_leave": "leave", "group_leave": "leave",
    "channel_topic": "channel-change", "channel_purpose": "channel-change", "channel_name": "channel-change",
    "group_topic": "channel-change", "group_purpose": "channel-change", "group_name": "channel-change",
    "pinned_item": "channel-change", "unpinned_item": "channel-change", "channel_archive": "channel-change",
    "channel_unarchive": "channel-change", "bot_message": "bot", "tombstone": "deleted",
}


class ExportTree:
    """The files of an export, from a folder or read straight out of a zip."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._zip: zipfile.ZipFile | None = None
        if source.path.is_dir():
            names = [p.relative_to(source.path).as_posix() for p in source.path.rglob("*.json") if p.is_file()]
        else:
            self._zip = zipfile.ZipFile(source.path)
            names = _safe_zip_names(self._zip, source.display)
        self.prefix = _export_root(names)
        self.names = sorted(n[len(self.prefix):] for n in names if n.startswith(self.prefix))

    def where(self, name: str) -> str:
        return f"{self.source.display}/{self.prefix}{name}"

    def has(self, name: str) -> bool:
        return name in self.names

    def json(self, name: str) -> Any:
        full = self.prefix + name
        try:
            raw = self._zip.read(full) if self._zip else (self.source.path / full).read_bytes()
            text = raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
            raise TimelineError(f"{self.where(name)}: cannot read it ({exc})") from None
        return load_json(text, self.where(name))

    def close(self) -> None:
        if self._zip:
            self._zip.close()


def _safe_zip_names(archive: zipfile.ZipFile, display: str) -> list[str]:
    """Member names, after refusing path escapes and zip bombs (nothing is extracted)."""
    total = compressed = 0
    names = []
    for info in archive.infolist():
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise TimelineError(f"{display}: member {name!r} points outside the export folder; "
                                "refusing this zip (re-create it from the Slack export)")
        total += info.file_size
        compressed += info.compress_size
        if not info.is_dir() and name.endswith(".json"):
            names.append(name)
    if total > MAX_UNCOMPRESSED_BYTES or (
            total > _RATIO_CHECK_ABOVE_BYTES and total > MAX_COMPRESSION_RATIO * max(compressed, 1)):
        raise TimelineError(f"{display}: would unpack to {total:,} bytes from {compressed:,} "
                            "(an absurd size or ratio for a chat export); refusing this zip")
    return names


def _export_root(names: list[str]) -> str:
    """Zips made by hand often wrap the export in one folder: find where users.json sits."""
    roots = [n[: -len("users.json")] for n in names if n.rsplit("/", 1)[-1] == "users.json"]
    roots += [n[: -len("channels.json")] for n in names if n.rsplit("/", 1)[-1] == "channels.json"]
    return min(roots, key=len) if roots else ""


@dataclass
class _Channel:
    id: str
    name: str


def read(source: Source, options: ImportOptions) -> list[TimelineEvent]:
    try:
        tree = ExportTree(source)
    except zipfile.BadZipFile as exc:
        raise TimelineError(f"{source.display}: not a readable zip ({exc})") from None
    try:
        return _read_tree(tree, options)
    finally:
        tree.close()


def _read_tree(tree: ExportTree, options: ImportOptions) -> list[TimelineEvent]:
    if not tree.has("users.json"):
        raise TimelineError(f"{tree.source.display}: this Slack export has no users.json, so people cannot be "
                            "named; export again with the workspace's member list (Slack admin > Export data)")
    users = _users(tree)
    channels = _channels(tree)
    folders = sorted({n.split("/", 1)[0] for n in tree.names if "/" in n and _DAY_FILE.match(n.split("/", 1)[1])})
    wanted = _pick_channels(tree, folders, options.channels)
    converter = _Markup(users, {c.id: c.name for c in channels.values()})
    events: list[TimelineEvent] = []
    for folder in wanted:
        channel = channels.get(folder, _Channel(id=folder, name=folder))
        label = f"slack #{channel.name}"
        messages = _channel_messages(tree, folder)
        events += _channel_events(messages, channel, label, users, converter, options.slack_url)
    return events


def _users(tree: ExportTree) -> dict[str, tuple[str, bool]]:
    """User id -> (display name, is a bot)."""
    data = tree.json("users.json")
    expect(isinstance(data, list), tree.where("users.json"), "expected a list of users")
    users = {}
    for index, entry in enumerate(data):
        user = Record(entry, f"{tree.where('users.json')} entry {index + 1}", "a user object")
        expect(user.has("id"), user.where, "each user needs an 'id'")
        profile = user.record("profile")
        name = (profile.text("display_name") or profile.text("real_name") or user.text("real_name")
                or user.text("name") or user.text("id"))
        users[user.text("id")] = (name, user.flag("is_bot") or user.flag("is_app_user"))
    return users


def _channels(tree: ExportTree) -> dict[str, _Channel]:
    """Folder name -> channel, from every channel list the export has."""
    channels = {}
    for list_name in _CHANNEL_LISTS:
        if not tree.has(list_name):
            continue
        data = tree.json(list_name)
        expect(isinstance(data, list), tree.where(list_name), "expected a list of channels")
        for index, entry in enumerate(data):
            channel = Record(entry, f"{tree.where(list_name)} entry {index + 1}", "a channel object")
            if channel.has("id"):
                name = channel.text("name") or channel.text("id")
                channels[name] = _Channel(id=channel.text("id"), name=name)
    return channels


def _pick_channels(tree: ExportTree, folders: list[str], asked: tuple[str, ...]) -> list[str]:
    if not asked:
        return folders
    wanted = [name.lstrip("#") for name in asked]
    missing = [name for name in wanted if name not in folders]
    if missing:
        raise TimelineError(f"{tree.source.display}: no channel named {', '.join(missing)} in this export; "
                            f"it has {', '.join(folders) or 'no channels'}")
    return wanted


def _channel_messages(tree: ExportTree, folder: str) -> dict[str, Record]:
    """Messages by ts, in day order, with edits and deletions applied."""
    messages: dict[str, Record] = {}
    for name in tree.names:
        if not name.startswith(folder + "/") or not _DAY_FILE.match(name[len(folder) + 1:]):
            continue
        day = tree.json(name)
        expect(isinstance(day, list), tree.where(name), "expected a list of messages")
        for index, item in enumerate(day):
            message = Record(item, f"{tree.where(name)} message {index + 1}", "a message object")
            subtype = message.text("subtype")
            if subtype == "message_changed" and message.has("message"):
                edited = message.record("message")
                expect(edited.has("ts"), message.where, "the edited message has no 'ts' time stamp")
                edited.data = dict(edited.data, edited=edited.data.get("edited") or {"ts": message.data.get("ts")})
                edited.where = message.where
                messages[_ts_text(edited)] = edited
            elif subtype == "message_deleted":
                original = messages.get(str(message.data.get("deleted_ts")))
                if original is not None:
                    original.data = dict(original.data, subtype="tombstone")
            else:
                expect(message.has("ts"), message.where, "has no 'ts' time stamp")
                messages[_ts_text(message)] = message
    return messages


def _ts_text(message: Record) -> str:
    value = message.data.get("ts")
    return repr(value) if isinstance(value, float) else message.ident("ts")


def _channel_events(messages: dict[str, Record], channel: _Channel, label: str, users: dict[str, tuple[str, bool]],
                    converter: _Markup, slack_url: str) -> list[TimelineEvent]:
    events = []
    for ts, message in messages.items():
        time = _ts_time(ts, message.where)
        who, is_bot = _author(message, users)
        kind = _SUBTYPE_KINDS.get(message.text("subtype"), "bot" if is_bot else "message")
        text = _message_text(message, converter)
        thread_ts = message.ident("thread_ts")
        if thread_ts and thread_ts != ts:
            parent = messages.get(thread_ts)
            if parent is not None:
                parent_time = _ts_time(thread_ts, parent.where).strftime("%H:%M")
                text = f"↳ in thread on {_author(parent, users)[0]}'s {parent_time} message: {text}"
            else:
                text = f"↳ in thread: {text}"
        if message.data.get("edited"):
            text += " (edited)"
        events.append(TimelineEvent(time=time, source=label, who=who, text=text, kind=kind,
                                    link=_permalink(slack_url, channel.id, ts, thread_ts), person=kind != "bot"))
    return events


def _ts_time(ts: str, where: str) -> dt.datetime:
    try:
        seconds = float(ts)
    except ValueError:
        raise TimelineError(f"{where}: 'ts' {ts!r} is not a Slack time stamp (seconds since 1970)") from None
    return epoch_time(seconds, where)


def _author(message: Record, users: dict[str, tuple[str, bool]]) -> tuple[str, bool]:
    if message.text("subtype") == "bot_message" or (message.has("bot_id") and not message.has("user")):
        bot = message.record("bot_profile")
        return message.text("username") or bot.text("name") or message.text("bot_id") or "bot", True
    user_id = message.text("user")
    if user_id in users:
        return users[user_id]
    profile = message.record("user_profile")
    name = profile.text("display_name") or profile.text("real_name") or user_id or "unknown"
    return name, message.has("bot_id")


def _message_text(message: Record, converter: _Markup) -> str:
    parts = [converter.plain(message.text("text"))]
    for attachment in message.items("attachments"):
        piece = attachment.text("fallback") or " ".join(
            attachment.text(key) for key in ("pretext", "title", "text") if attachment.has(key))
        parts.append(converter.plain(piece))
    for shared in message.items("files"):
        parts.append(f"[file: {shared.text('title') or shared.text('name') or 'attachment'}]")
    return " ".join(p.strip() for p in parts if p and p.strip())


def _permalink(slack_url: str, channel_id: str, ts: str, thread_ts: str) -> str:
    if not slack_url:
        return ""
    link = f"{slack_url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link


class _Markup:
    """Slack's ``<@U1>``, ``<#C1|name>``, ``<url|text>``, ``<!here>`` -> plain text."""

    _TOKEN = re.compile(r"<([^<>]+)>")
    _ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))

    def __init__(self, users: dict[str, tuple[str, bool]], channel_names: dict[str, str]) -> None:
        self.users = users
        self.channel_names = channel_names

    def plain(self, text: str) -> str:
        if "<" in text:
            text = self._TOKEN.sub(self._replace, text)
        if "&" in text:
            for entity, char in self._ENTITIES:
                text = text.replace(entity, char)
        return text

    def _replace(self, match: re.Match) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "@" + (self.users[target[1:]][0] if target[1:] in self.users else label or target[1:])
        if target.startswith("#"):
            return "#" + (label or self.channel_names.get(target[1:], target[1:]))
        if target.startswith("!"):
            command = target[1:].split("^", 1)[0]
            if command in ("here", "channel", "everyone"):
                return "@" + command
            return label or command
        if target.startswith("mailto:"):
            return label or target[len("mailto:"):]
        return target if not label or label == target else f"{label} ({target})"
