"""A small JSON-over-HTTP client for the collectors, on the standard library.

Every source API here is a handful of GETs returning JSON, so ``urllib`` does
the job without a new dependency. What the client adds: it waits out rate
limits (429, or GitHub's 403 with no requests left) as the service asks (up to a cap), caps response sizes, and turns
every failure into a ``SourceError`` that says whether trying again can help.
Tokens travel only in headers, and error messages name the URL path, never a
header, so a token cannot reach a log or a manifest.
"""

from __future__ import annotations

import email.utils
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

#: Longest response the collectors read; an incident's API answers are far smaller.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: How often one request may be answered with 429 before the source counts as failed.
MAX_RATE_LIMITED = 8


class SourceError(Exception):
    """A source could not be collected. ``transient`` failures are worth a retry."""

    def __init__(self, message: str, transient: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status


@dataclass
class Response:
    status: int
    data: Any
    headers: dict[str, str]


@dataclass
class JsonClient:
    """GETs and POSTs JSON against one base URL with fixed headers."""

    name: str
    base_url: str
    headers: dict[str, str] = field(repr=False, default_factory=dict)
    timeout: float = 30.0
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = time.sleep

    def get(self, path: str, params: dict[str, Any] | list[tuple[str, Any]] | None = None) -> Response:
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        return self._send(urllib.request.Request(url, headers=self.headers, method="GET"))

    def post(self, path: str, body: Any) -> Response:
        url = f"{self.base_url}{path}"
        headers = self.headers | {"Content-Type": "application/json"}
        return self._send(urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST"))

    def _send(self, request: urllib.request.Request) -> Response:
        shown = _shown(request.full_url)
        for _ in range(MAX_RATE_LIMITED + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                    return Response(reply.status, _json(reply.read(MAX_RESPONSE_BYTES + 1), self.name, shown),
                                    dict(reply.headers.items()))
            except urllib.error.HTTPError as error:
                if _rate_limited(error):
                    delay = rate_limit_wait(error.headers)
                    if delay > self.max_retry_after:
                        raise SourceError(f"{self.name} asked to wait {delay:.0f} s before {shown} (rate limited); "
                                          "giving up for now", transient=True, status=429) from None
                    self.sleep(delay)
                    continue
                raise _http_error(error, self.name, shown) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
                reason = getattr(error, "reason", None) or error
                raise SourceError(f"{self.name} did not answer {shown} ({reason})", transient=True) from None
        raise SourceError(f"{self.name} kept answering {shown} with 429 (rate limited) {MAX_RATE_LIMITED} times",
                          transient=True, status=429)


def _rate_limited(error: urllib.error.HTTPError) -> bool:
    """429, or GitHub's 403 with no requests left (its primary rate limit)."""
    return error.code == 429 or (error.code == 403 and error.headers.get("X-RateLimit-Remaining") == "0")


def rate_limit_wait(headers: Any) -> float:
    """Seconds to wait: ``Retry-After`` (Slack, GitHub's secondary limits), else PagerDuty's
    ``ratelimit-reset`` (seconds), else GitHub's ``X-RateLimit-Reset`` (epoch seconds)."""
    if headers.get("Retry-After"):
        return retry_after(headers.get("Retry-After"))
    for name, epoch in (("ratelimit-reset", False), ("X-RateLimit-Reset", True)):
        try:
            value = float(headers.get(name) or "")
        except ValueError:
            continue
        return max(0.0, value - time.time() if epoch else value)
    return 1.0


def retry_after(value: str | None, default: float = 1.0) -> float:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def _shown(url: str) -> str:
    parts = urlsplit(url)
    return parts.path or "/"


def _json(raw: bytes, name: str, shown: str) -> Any:
    if len(raw) > MAX_RESPONSE_BYTES:
        raise SourceError(f"{name} answered {shown} with more than {MAX_RESPONSE_BYTES // 2**20} MiB; refusing it")
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise SourceError(f"{name} answered {shown} with something that is not JSON", transient=True) from None


def _http_error(error: urllib.error.HTTPError, name: str, shown: str) -> SourceError:
    detail = ""
    try:
        body = json.loads(error.read(65536) or b"null")
        if isinstance(body, dict):
            inner = body.get("error") if isinstance(body.get("error"), dict) else body
            detail = str(inner.get("message") or inner.get("error") or "")[:200]
    except (ValueError, OSError):
        pass
    text = f"{name} answered {shown} with HTTP {error.code}" + (f" ({detail})" if detail else "")
    if error.code in (401, 403):
        text += f"; check the token's permissions (docs/blackbox.md lists the scopes {name} needs)"
    return SourceError(text, transient=error.code >= 500 or error.code == 408, status=error.code)
