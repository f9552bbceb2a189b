"""Parameter types shared by the commands: each rejects a bad value with what to write instead."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import click

from pmsite.timeutil import SUPPORTED_YEARS_TEXT, in_supported_range, parse_iso_datetime


class DateType(click.ParamType):
    """A calendar day written YYYY-MM-DD."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2025-01-31", param, ctx)
        if not in_supported_range(day):
            self.fail(f"{value!r} is outside the {SUPPORTED_YEARS_TEXT} pmsite accepts", param, ctx)
        return day


class TimeZoneType(click.ParamType):
    """An IANA zone name such as Europe/Berlin."""

    name = "ZONE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> zoneinfo.ZoneInfo:
        if isinstance(value, zoneinfo.ZoneInfo):
            return value
        try:
            return zoneinfo.ZoneInfo(str(value))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.fail(f"{value!r} is not an IANA time zone; use a name such as Europe/Berlin, America/New_York or UTC",
                      param, ctx)


class InstantType(click.ParamType):
    """An ISO 8601 time with an offset (``2024-03-07T14:00:00+01:00`` or ``...Z``)."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        parsed = parse_iso_datetime(str(value))
        if parsed is None:
            self.fail(f"{value!r} is not an ISO 8601 time; write e.g. 2024-03-07T14:00:00Z", param, ctx)
        if parsed.tzinfo is None:
            self.fail(f"{value!r} has no UTC offset; add one, e.g. 2024-03-07T14:00:00Z or 2024-03-07T15:00:00+01:00", param, ctx)
        if not in_supported_range(parsed):
            self.fail(f"{value!r} is outside the {SUPPORTED_YEARS_TEXT} pmsite accepts", param, ctx)
        return parsed.astimezone(dt.timezone.utc)


class AnyCaseChoice(click.Choice):
    """A choice typed in any case (``sev1``) that is shown and returned as users write it (``SEV1``).

    click's own ``case_sensitive=False`` lists the choices folded to lower case in
    the help and errors, which is not how anyone writes a severity.
    """

    def __init__(self, choices: tuple[str, ...]) -> None:
        super().__init__(choices, case_sensitive=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        for choice in self.choices:
            if str(value).casefold() == str(choice).casefold():
                return str(choice)
        self.fail(f"{value!r} is not one of {', '.join(map(str, self.choices))}", param, ctx)
