"""One HTTP layer for every tracker: retries with backoff, Retry-After, rate limits, timeouts.

Built on httpx (connection reuse, timeouts per phase, redirects for moved
issues). A call that still fails raises ``TrackerError`` with a message that
names the request's purpose and never the token: tokens only travel in headers,
and any text from a response is scrubbed of them before it is shown.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any, Callable

import httpx

from pmsite import __version__
from pmsite.trackers.base import TrackerError

RETRY_STATUSES = (429, 500, 502, 503, 504)


def _retry_after(response: httpx.Response, now: float) -> float | None:
    """Seconds the server asks us to wait: Retry-After (seconds or an HTTP date), or a rate-limit reset."""
    value = response.headers.get("retry-after")
    if value:
        if value.strip().isdigit():
            return float(value.strip())
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed is not None:
            return max(0.0, parsed.timestamp() - now)
    if response.headers.get("x-ratelimit-remaining") == "0" and response.headers.get("x-ratelimit-reset", "").isdigit():
        return max(0.0, float(response.headers["x-ratelimit-reset"]) - now)
    return None


def is_rate_limited(response: httpx.Response) -> bool:
    """429, or GitHub's 403 for primary and secondary rate limits (it says so in headers or the message)."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    if response.headers.get("retry-after") or response.headers.get("x-ratelimit-remaining") == "0":
        return True
    return "rate limit" in response.text[:500].lower()


class Http:
    """An ``httpx.Client`` with the retry policy of ``TrackerSettings``."""

    def __init__(self, base_url: str, *, headers: dict[str, str], auth: Any = None, timeout: float,
                 retries: int, backoff: float, max_wait: float, secrets: tuple[str, ...],
                 sleep: Callable[[float], None] = time.sleep):
        self.client = httpx.Client(base_url=base_url, headers={"User-Agent": f"pmsite/{__version__}", **headers},
                                   auth=auth, timeout=timeout, follow_redirects=True)
        self.timeout, self.retries, self.backoff, self.max_wait = timeout, retries, backoff, max_wait
        self.secrets = tuple(s for s in secrets if s)
        self.sleep = sleep

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def request(self, method: str, url: str, what: str, *,
                retry_if: Callable[[httpx.Response], bool] | None = None, **kwargs: Any) -> httpx.Response:
        """Send, retrying rate limits, server errors and timeouts; ``what`` names the call in errors."""
        attempt = 0
        while True:
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                problem = f"{what}: the tracker did not answer within {self.timeout:g} s"
                response = None
            except httpx.TransportError as exc:
                problem = f"{what}: cannot reach the tracker ({self.scrub(type(exc).__name__)}: {self.scrub(str(exc))})"
                response = None
            else:
                retry = (response.status_code in RETRY_STATUSES or is_rate_limited(response)
                         or (retry_if is not None and retry_if(response)))
                if not retry:
                    return response
                problem = f"{what}: the tracker answered {response.status_code}" + (
                    " (rate limited)" if is_rate_limited(response) or response.status_code == 429 else "")
            if attempt >= self.retries:
                raise TrackerError(f"{problem}, still after {attempt + 1} attempts; try again later")
            wait = _retry_after(response, time.time()) if response is not None else None
            if wait is None:
                wait = self.backoff * (2 ** attempt)
            if wait > self.max_wait:
                raise TrackerError(f"{problem}; it asks to wait {wait:.0f} s, more than trackers max_wait "
                                   f"({self.max_wait:g} s); run again later")
            self.sleep(wait)
            attempt += 1

    def close(self) -> None:
        self.client.close()


def next_link(response: httpx.Response) -> str | None:
    """The ``rel="next"`` URL of a Link header (GitHub's pagination)."""
    return response.links.get("next", {}).get("url")


def error_text(response: httpx.Response, pick: Callable[[dict], str]) -> str:
    """What an error response says: ``pick`` applied to its JSON object, else the start of its text."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    return pick(data)[:200] if isinstance(data, dict) else ""
