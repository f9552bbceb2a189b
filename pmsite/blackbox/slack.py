"""Slack Web API: the incident channels' messages and threads for the window.

``conversations.history`` gives the channel, ``conversations.replies`` each
thread, ``users.info`` the names. Everything follows ``next_cursor`` pages and
waits out 429s. The result is written as a Slack workspace export (``users.json``,
``channels.json``, ``<channel>/<day>.json``) so the existing Slack importer turns
it into timeline events; messages are keyed by ``ts``, so a page read twice
cannot put a message in the pack twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any, Iterator

from pmsite.blackbox.http import JsonClient, SourceError
from pmsite.blackbox.workdir import Collected, SourceFolder

PAGE_SIZE = 200
#: Slack errors that mean "this token cannot read that channel", with what to do.
_CHANNEL_ERRORS = {
    "not_in_channel": "the Slack app is not a member of #{name}; invite it there (/invite @your-app) and collect again",
    "channel_not_found": "Slack has no channel #{name} this token can see (private channels need the app invited "
                         "and the groups:history scope)",
    "missing_scope": "the Slack token lacks a scope to read #{name} (docs/blackbox.md lists them)",
}


_TOKEN_ERRORS = dict.fromkeys(("invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"),
                              "; SLACK_TOKEN is not a valid token for this workspace (docs/blackbox.md)")


def client(base_url: str, token: str, **options: Any) -> JsonClient:
    if not token:
        raise SourceError("SLACK_TOKEN is not set; create a Slack app bot token (docs/blackbox.md)")
    return JsonClient("Slack", base_url, {"Authorization": f"Bearer {token}"}, **options)


def call(api: JsonClient, method: str, params: dict[str, Any]) -> dict:
    """One Web API method; ``ok: false`` becomes a SourceError carrying Slack's error code."""
    data = api.get(f"/{method}", params).data
    if not isinstance(data, dict):
        raise SourceError(f"Slack answered {method} without a JSON object", transient=True)
    if not data.get("ok"):
        error = str(data.get("error") or "unknown_error")
        hint = _TOKEN_ERRORS.get(error, "")
        if error == "missing_scope" and data.get("needed"):
            hint = f"; the token needs the {str(data['needed'])[:100]} scope (docs/blackbox.md)"
        raise SlackError(error, f"Slack {method} failed: {error}{hint}")
    return data


class SlackError(SourceError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, transient=code in ("internal_error", "service_unavailable", "fatal_error",
                                                      "request_timeout", "ratelimited"))
        self.code = code


def pages(api: JsonClient, method: str, params: dict[str, Any], key: str) -> Iterator[dict]:
    """Every item of a cursor-paginated method."""
    cursor = ""
    while True:
        data = call(api, method, params | ({"cursor": cursor} if cursor else {}))
        yield from (item for item in data.get(key) or [] if isinstance(item, dict))
        cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return


def collect(api: JsonClient, names: list[str], ids: list[str], start: dt.datetime, end: dt.datetime,
            folder: SourceFolder) -> Collected:
    """Read every channel of the incident; a channel that cannot be read is a problem, not the end."""
    result = Collected(counts={"channels": 0, "messages": 0, "threads": 0, "users": 0})
    channels = _resolve(api, names, ids, result.problems)
    users: dict[str, dict] = {}
    listed = []
    for channel_id, name in channels:
        try:
            messages = _channel_messages(api, channel_id, start, end, result)
        except SlackError as error:
            if error.transient:
                raise
            hint = _CHANNEL_ERRORS.get(error.code, "Slack refused #{name}: " + error.code).format(name=name)
            result.problems.append(f"{hint} ({error.code})")
            continue
        listed.append({"id": channel_id, "name": safe_name(name)})
        result.counts["channels"] += 1
        result.counts["messages"] += len(messages)
        by_day: dict[str, list[dict]] = defaultdict(list)
        for ts in sorted(messages, key=float):
            by_day[dt.datetime.fromtimestamp(float(ts), dt.timezone.utc).date().isoformat()].append(messages[ts])
            for user in (messages[ts].get("user"), *(messages[ts].get("reply_users") or [])):
                if user:
                    users.setdefault(str(user), {})
        for day, day_messages in by_day.items():
            folder.write_json(f"{safe_name(name)}/{day}.json", day_messages)
    if not listed:
        raise SourceError("; ".join(result.problems) or "no Slack channel to read: the incident names none and "
                          "blackbox.slack.channel_convention matched none")
    folder.write_json("channels.json", listed)
    folder.write_json("users.json", [_user(api, user_id) for user_id in sorted(users)])
    result.counts["users"] = len(users)
    return result


def safe_name(name: str) -> str:
    """A channel name as a folder name: what Slack allows, anything else replaced."""
    return re.sub(r"[^a-z0-9_-]", "-", name.lower()).strip("-") or "channel"


def _resolve(api: JsonClient, names: list[str], ids: list[str], problems: list[str]) -> list[tuple[str, str]]:
    """(id, name) of each wanted channel: ids via conversations.info, names via conversations.list."""
    found: dict[str, str] = {}
    for channel_id in ids:
        try:
            found[channel_id] = str(call(api, "conversations.info", {"channel": channel_id})["channel"]["name"])
        except SlackError as error:
            if error.transient:
                raise
            problems.append(f"channel {channel_id} named by the incident: Slack says {error.code}")
    wanted = [name for name in dict.fromkeys(names) if name not in found.values()]
    if wanted:
        remaining = set(wanted)
        for channel in pages(api, "conversations.list", {"types": "public_channel,private_channel",
                                                         "exclude_archived": "false", "limit": PAGE_SIZE}, "channels"):
            if channel.get("name") in remaining:
                found[str(channel["id"])] = str(channel["name"])
                remaining.discard(channel["name"])
                if not remaining:
                    break
        problems += [_CHANNEL_ERRORS["channel_not_found"].format(name=name) + " (channel_not_found)"
                     for name in wanted if name in remaining]
    return list(found.items())


def _channel_messages(api: JsonClient, channel: str, start: dt.datetime, end: dt.datetime,
                      result: Collected) -> dict[str, dict]:
    window = {"channel": channel, "oldest": f"{start.timestamp():.6f}", "latest": f"{end.timestamp():.6f}",
              "inclusive": "true", "limit": PAGE_SIZE}
    messages: dict[str, dict] = {}
    for message in pages(api, "conversations.history", window, "messages"):
        if message.get("ts"):
            messages[str(message["ts"])] = message
    for ts, message in list(messages.items()):
        if message.get("reply_count") and str(message.get("thread_ts") or ts) == ts:
            result.counts["threads"] += 1
            for reply in pages(api, "conversations.replies", {"channel": channel, "ts": ts, "limit": PAGE_SIZE},
                               "messages"):
                if reply.get("ts") and str(reply["ts"]) != ts:
                    messages[str(reply["ts"])] = reply
    return messages


def _user(api: JsonClient, user_id: str) -> dict:
    """The user's profile; without users:read the id stands in (the timeline shows it)."""
    try:
        user = call(api, "users.info", {"user": user_id}).get("user") or {}
    except SlackError as error:
        if error.transient:
            raise
        return {"id": user_id, "name": user_id}
    profile = user.get("profile") or {}
    return {"id": user_id, "name": user.get("name") or user_id, "real_name": user.get("real_name") or "",
            "is_bot": bool(user.get("is_bot")),  # only names: a pack has no use for e-mail or phone
            "profile": {"display_name": profile.get("display_name") or "", "real_name": profile.get("real_name") or ""}}
