"""Logs: JSON Lines, CSV, ISO and syslog text lines; naive times, --tz and daylight saving."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pmsite.importers import ImportOptions, Source, TimelineError, detect_kind
from pmsite.importers import logs
from tests.conftest import REPO_ROOT, write

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "timeline"
UTC = dt.timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


def read(path, **options):
    return logs.read(Source(path, path.name), ImportOptions(**options))


def utc(*parts):
    return dt.datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize("name", ["checkout-api.jsonl", "deploys.csv", "redis-syslog.log", "gateway.log",
                                  "dst-spring-berlin.log"])
def test_every_log_shape_is_detected(name):
    assert detect_kind(Source(FIXTURES / name, name)) == "logs"


def test_json_lines_with_iso_and_epoch_millisecond_times():
    events = read(FIXTURES / "checkout-api.jsonl")
    assert [e.time for e in events] == [utc(2024, 3, 7, 23, 35, 4, 812000), utc(2024, 3, 7, 23, 38, 2, 120000),
                                        utc(2024, 3, 7, 23, 44, 0, 250000), utc(2024, 3, 8, 0, 1, 41, 3000)]
    assert events[1].who == "checkout-api"
    assert events[1].text == "[WARN] p99 latency 2140ms over the 2000ms budget"
    assert {e.source for e in events} == {"logs checkout-api.jsonl"}


def test_csv_columns_match_case_insensitively():
    events = read(FIXTURES / "deploys.csv")
    assert events[1].time == utc(2024, 3, 7, 23, 49, 30)
    assert events[1].text == "rollback to 2024.03.07-2 started, requested by on-call"
    assert events[1].who == "checkout-api"


def test_configured_fields_win(tmp_path):
    path = write(tmp_path / "audit.jsonl", '{"when": "2024-03-07T23:40:00Z", "what": "flag flipped", "actor": "ops"}\n')
    fields = logs.log_fields({"time_field": "when", "message_field": "what", "who_field": ["actor"]})
    [event] = read(path, log_fields=fields)
    assert (event.time, event.text, event.who) == (utc(2024, 3, 7, 23, 40), "flag flipped", "ops")


def test_missing_message_field_says_what_to_configure(tmp_path):
    path = write(tmp_path / "audit.jsonl", '{"time": "2024-03-07T23:40:00Z", "what": "x"}\n')
    with pytest.raises(TimelineError, match=r"^audit.jsonl:1: no message field .* set timeline.logs.message_field"):
        read(path)


def test_iso_text_lines_keep_offsets_and_continuation_lines():
    events = read(FIXTURES / "gateway.log")
    assert [e.time for e in events] == [utc(2024, 3, 7, 23, 40, 12), utc(2024, 3, 7, 23, 41, 3), utc(2024, 3, 8, 0, 3)]
    assert events[1].text.splitlines()[-1] == "TimeoutError: upstream read timed out"


def test_syslog_needs_a_zone_and_takes_the_year_from_options():
    path = FIXTURES / "redis-syslog.log"
    with pytest.raises(TimelineError, match=r"^redis-syslog.log:1: time .* has no UTC offset; pass --tz"):
        read(path, year=2024)
    events = read(path, year=2024, tz=BERLIN)
    assert events[0].time == utc(2024, 3, 7, 22, 39, 11)
    assert events[0].who == "redis-1 redis-server"
    assert events[2].who == "redis-1 CRON"


def test_syslog_rolls_over_new_year(tmp_path):
    path = write(tmp_path / "sys.log", "Dec 31 23:59:58 web-1 app[1]: last\nJan  1 00:00:03 web-1 app[1]: first\n")
    events = read(path, year=2023, tz=ZoneInfo("UTC"))
    assert [e.time for e in events] == [utc(2023, 12, 31, 23, 59, 58), utc(2024, 1, 1, 0, 0, 3)]


def test_rfc5424_syslog_lines(tmp_path):
    path = write(tmp_path / "sys.log", "<165>1 2024-03-07T23:39:11.003Z redis-1 redis - ID47 - saving started\n")
    [event] = read(path)
    assert (event.time, event.who, event.text) == (utc(2024, 3, 7, 23, 39, 11, 3000), "redis-1 redis", "saving started")


def test_spring_forward_gap_is_three_minutes_not_an_hour():
    events = read(FIXTURES / "dst-spring-berlin.log", tz=BERLIN)
    assert events[1].time - events[0].time == dt.timedelta(minutes=3)
    assert events[0].time == utc(2024, 3, 31, 0, 58)


def test_autumn_repeated_hour_reads_forward():
    events = read(FIXTURES / "dst-autumn-berlin.log", tz=BERLIN)
    assert [e.time for e in events] == [utc(2024, 10, 27, 0, 40), utc(2024, 10, 27, 0, 55),
                                        utc(2024, 10, 27, 1, 10), utc(2024, 10, 27, 2, 5)]


def test_mixed_naive_and_aware_times_need_tz():
    path = FIXTURES / "mixed-offsets.log"
    with pytest.raises(TimelineError, match=r"^mixed-offsets.log:2: mixes time stamps with a UTC offset \(line 1\) "
                                            r"and without one \(line 2\); pass --tz"):
        read(path)
    assert read(path, tz=BERLIN)[1].time == utc(2024, 3, 7, 22, 39)


def test_malformed_json_line_names_line_and_column(tmp_path):
    path = write(tmp_path / "app.jsonl", '{"time": "2024-03-07T23:40:00Z", "msg": "ok"}\n{"time": oops}\n')
    with pytest.raises(TimelineError, match=r"^app.jsonl:2:10: not valid JSON"):
        read(path)


def test_bad_time_value_names_the_line(tmp_path):
    path = write(tmp_path / "app.csv", "time,message\nyesterday,deploy\n")
    with pytest.raises(TimelineError, match=r"^app.csv:2: 'yesterday' is not an ISO 8601 time stamp"):
        read(path)
