"""The shared ISO 8601 reader accepts what exports and authors write, on every Python."""

from __future__ import annotations

import datetime as dt

import pytest

from pmsite.timeutil import parse_iso_datetime

UTC = dt.timezone.utc


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-07T14:02:11Z", dt.datetime(2024, 3, 7, 14, 2, 11, tzinfo=UTC)),
    ("2024-03-07 14:02:11z", dt.datetime(2024, 3, 7, 14, 2, 11, tzinfo=UTC)),
    ("2024-03-07T15:02:11+01:00", dt.datetime(2024, 3, 7, 14, 2, 11, tzinfo=UTC)),
    ("2024-03-07T15:02:11+0100", dt.datetime(2024, 3, 7, 14, 2, 11, tzinfo=UTC)),
    ("2024-03-07T09:02-05", dt.datetime(2024, 3, 7, 14, 2, tzinfo=UTC)),
    ("2024-03-07T14:02:11.5Z", dt.datetime(2024, 3, 7, 14, 2, 11, 500000, tzinfo=UTC)),
    ("2024-03-07T14:02:11,123456789Z", dt.datetime(2024, 3, 7, 14, 2, 11, 123456, tzinfo=UTC)),
])
def test_aware_forms(text, expected):
    assert parse_iso_datetime(text) == expected


def test_naive_time_stays_naive_so_callers_can_ask_for_a_zone():
    assert parse_iso_datetime("2024-03-07T14:02:11") == dt.datetime(2024, 3, 7, 14, 2, 11)
    assert parse_iso_datetime("2024-03-07") == dt.datetime(2024, 3, 7)


@pytest.mark.parametrize("text", ["next tuesday", "2024-02-30T10:00:00Z", "2024-03-07T25:00Z",
                                  "2024-03-07T10:00+25:00", "07/03/2024 10:00", ""])
def test_rejects_what_is_not_a_time(text):
    assert parse_iso_datetime(text) is None
