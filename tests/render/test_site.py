"""Every page type on a small fixture and on the bundled sample corpus."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from pmsite.config import load_config
from pmsite.pipeline import build
from pmsite.render.site import format_duration, site_info, unique_slugs
from tests.conftest import REPO_ROOT
from tests.render.site_fixture import make_site

AS_OF = dt.date(2024, 7, 15)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    make_site(root)
    build(load_config(root), as_of=AS_OF)
    return root / "site"


def read(built: Path, page: str) -> str:
    return (built / page).read_text(encoding="utf-8")


def test_postmortem_page_has_card_body_actions_related_and_edit_link(built):
    page = read(built, "postmortems/2024-03-07-checkout-latency-after-cache-flush/index.html")
    assert "<h1>Checkout latency after cache flush</h1>" in page
    card = page[page.index('class="summary-card"'):page.index('class="pm-layout"')]
    for expected in ("SEV2", "availability", "1 h 07 min", "7 min", "alert", "8 days",
                     'href="/services/redis/"', 'href="/teams/payments/"', 'href="/tags/retry-storm/"'):
        assert expected in card, expected
    assert re.search(r'<span class="score"[^>]*>\d{1,3}/100</span>', card), "blamelessness score from lint"
    assert '<h2 id="the-second-story">The second story</h2>' in page
    assert '<a href="#detection-gap">Detection gap</a>' in page
    actions = page[page.index('<h2 id="action-items">Action items</h2>'):page.index('id="lessons"')]
    assert "Add a circuit breaker to the payment client" in actions
    # listed once: the table in the body's own "Action items" section, the authors' prose folded under it
    assert page.count("Add a circuit breaker to the payment client") == 1 and "tracked-action-items" not in page
    assert re.search(r'<details class="action-notes prose"><summary>[^<]+</summary><p>See the tracked list.</p>', actions)
    assert '<button type="button" data-print>Print / save as PDF</button>' in page
    assert "status-done" in actions and "overdue 86 d" in actions
    assert 'href="/postmortems/2024-05-02-search-slow-after-synonym-deploy/">PM-2024-021' in page
    assert ">recurrence</span>" in page
    assert ('href="https://git.example/edit/main/content/postmortems/'
            '2024-03-07-checkout-latency-after-cache-flush.md">Edit this page</a>') in page
    assert "contributors from git history: Priya Raman" in page
    assert 'Last updated <time datetime="2024-07-02">' in page


def test_postmortem_page_carries_search_filters_and_metadata(built):
    page = read(built, "postmortems/2024-03-07-checkout-latency-after-cache-flush/index.html")
    assert 'data-pagefind-body' in page
    filters = re.findall(r'data-pagefind-filter="(\w+)">([^<]+)<', page)
    assert ("severity", "SEV2") in filters and ("year", "2024") in filters and ("tag", "cache") in filters
    assert {name for name, _ in filters} == {"severity", "type", "year", "service", "team", "tag"}
    assert 'data-pagefind-meta="date">2024-03-07' in page
    assert 'data-pagefind-meta="title">Checkout latency after cache flush<' in page


def test_footnotes_and_task_lists_render_on_the_page(built):
    page = read(built, "postmortems/2024-05-02-search-slow-after-synonym-deploy/index.html")
    assert 'class="task-list-item-checkbox"' in page and 'id="user-content-fn-1"' in page


def test_taxonomy_pages_list_their_postmortems(built):
    tags = read(built, "tags/index.html")
    assert '<a href="/tags/cache/">cache</a> <span class="count">2</span>' in tags
    cache = read(built, "tags/cache/index.html")
    assert "Checkout latency after cache flush" in cache and "Search slow after synonym deploy" in cache
    assert "Login outage" not in cache
    severities = read(built, "severities/index.html")
    assert severities.index("SEV2") < severities.index("SEV3") < severities.index("SEV4")
    assert "Queue backlog draft" not in read(built, "postmortems/index.html")


def test_home_has_latest_learnings_urgent_items_and_headlines(built):
    home = read(built, "index.html")
    assert "Top learnings, 2024-06" in home
    assert "Login outage from an expired client certificate" in home
    urgent = home[home.index('id="urgent"'):]
    assert "Alert on cache hit rate" in urgent and "circuit breaker" not in urgent
    assert "Incidents, last 90 days" in home and "Median time to resolve" in home


def test_tracker_shows_overdue_open_recent_and_breakdowns(built):
    page = read(built, "actions/index.html")
    overdue = page[page.index('id="overdue"'):page.index('id="open"')]
    assert "Alert on cache hit rate" in overdue and "escalated to" in overdue
    assert 'id="by-team"' in page and '<th scope="row">payments</th>' in page
    assert '<th scope="row">monitoring</th>' in page


def test_dashboard_draws_svg_charts_with_data_tables(built):
    page = read(built, "metrics/index.html")
    assert page.count('<svg class="chart"') == 6
    assert page.count("<summary>Data table:") == 6
    for title in ("Incidents per month by severity", "Time to resolve", "Time to publish",
                  "Action-item completion by category", "Mitigation vs systemic fixes", "Recurrences"):
        assert f"<h2>{title}</h2>" in page
    assert "<script" not in page


def test_digests_and_feed(built):
    digest = read(built, "digests/2024-03/index.html")
    assert "State of learning, March 2024" in digest and "Redis cluster failovers take 30 s" in digest
    assert 'href="/digests/2024-06/"' in read(built, "digests/index.html")
    feed = read(built, "feed.xml")
    assert feed.startswith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')
    assert "<title>PM-2024-017: Checkout latency after cache flush</title>" in feed
    assert "<updated>2024-03-15T00:00:00Z</updated>" in feed
    assert "State of learning, May 2024" in feed


def test_each_service_team_and_tag_has_its_own_feed(built):
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.fromstring(read(built, "tags/cache/feed.xml"))
    assert feed.find(f"{atom}title").text.endswith(": tag cache")
    assert feed.find(f"{atom}link[@rel='self']").get("href") == "/tags/cache/feed.xml"
    titles = sorted(entry.find(f"{atom}title").text for entry in feed.iter(f"{atom}entry"))
    assert titles == ["PM-2024-017: Checkout latency after cache flush", "PM-2024-021: Search slow after synonym deploy"]
    assert "State of learning" not in read(built, "tags/cache/feed.xml")  # digests only in the main feed
    for page in ("services/redis/", "teams/payments/"):
        assert (built / page / "feed.xml").is_file(), page
        assert '<link rel="alternate" type="application/atom+xml" title="' in read(built, page + "index.html")
    assert not (built / "severities" / "sev2" / "feed.xml").exists()


def test_sitemap_lists_pages_but_not_404(built):
    sitemap = read(built, "sitemap.xml")
    assert "<loc>/postmortems/2024-03-07-checkout-latency-after-cache-flush/</loc>" in sitemap
    assert "404" not in sitemap


def test_sample_corpus_builds_cleanly(tmp_path):
    config = load_config(REPO_ROOT)
    result = build(config, out_dir=tmp_path / "site", as_of=dt.date(2026, 6, 30))
    assert result.findings_by_severity["error"] == 0
    assert result.render.postmortems >= 12 and result.indexed_pages == result.render.postmortems
    assert (tmp_path / "site" / "metrics" / "index.html").is_file()


def test_unique_slugs_disambiguate_names_that_slugify_alike():
    assert unique_slugs(["C#", "C", "c++"]) == {"C": "c", "C#": "c-2", "c++": "c-3"}


def test_durations_are_short_and_unambiguous():
    assert format_duration(dt.timedelta(minutes=45)) == "45 min"
    assert format_duration(dt.timedelta(hours=2, minutes=5)) == "2 h 05 min"
    assert format_duration(dt.timedelta(days=3, hours=4)) == "3 d 4 h"
    assert format_duration(None) == "–"


def test_base_url_may_be_a_path_or_a_full_url(tmp_path):
    make_site(tmp_path, config="site:\n  url: https://pm.example.com\n")
    config = load_config(tmp_path)
    assert site_info(config, "project").base_url == "/project/"
    full = site_info(config, "https://org.github.io/project")
    assert (full.base_url, full.canonical_root) == ("/project/", "https://org.github.io/project/")
    assert site_info(config, "/").canonical_root == "https://pm.example.com/"


# Published fixture incidents: 2024-03-07, 2024-05-02, 2024-06-11; as of 2024-07-15.
@pytest.mark.parametrize(("days", "value", "trend"), [
    (30, "0", "down from 1 in the previous 30 days"),  # 06-11 is in the 30 days before the last 30
    (90, "2", "up from 1 in the previous 90 days"),  # 05-02 and 06-11; 03-07 in the 90 before
    (365, "3", "up from 0 in the previous 365 days"),
])
def test_headline_window_follows_site_trend_days(tmp_path, days, value, trend):
    from pmsite.history import mine
    from pmsite.load import load
    from pmsite.render.reports import headlines

    make_site(tmp_path, config=f"site:\n  trend_days: {days}\n")
    config = load_config(tmp_path)
    published = [pm for pm in load([], config).postmortems if pm.status == "published"]
    incidents = headlines(published, mine(config), config, dt.date(2024, 7, 15))[0]
    assert (incidents.label, incidents.value, incidents.trend) == (f"Incidents, last {days} days", value, trend)


def test_a_bad_trend_window_is_a_config_error(tmp_path):
    from pmsite.errors import ConfigError

    make_site(tmp_path, config="site:\n  trend_days: quarterly\n")
    with pytest.raises(ConfigError, match="site.trend_days must be a whole number of days"):
        build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))


def test_on_this_day_lists_the_same_iso_week_of_earlier_years():
    from types import SimpleNamespace

    from pmsite.render.reports import on_this_day

    def view(day: str, pm_id: str):
        return SimpleNamespace(date=dt.date.fromisoformat(day), id=pm_id)

    as_of = dt.date(2026, 11, 30)  # ISO week 49 of 2026
    views = [view("2025-12-01", "A"),  # week 49 of 2025
             view("2024-12-05", "B"),  # week 49 of 2024
             view("2025-12-08", "C"),  # week 50
             view("2026-11-30", "D"),  # this year: not an anniversary
             SimpleNamespace(date=None, id="E")]
    assert [v.id for v in on_this_day(views, as_of)] == ["A", "B"]


def test_home_shows_on_this_day_when_an_earlier_year_had_an_incident_that_week(tmp_path):
    root = tmp_path / "repo"
    make_site(root)
    build(load_config(root), as_of=dt.date(2025, 3, 7))  # a year after the 2024-03-07 incident
    home = (root / "site" / "index.html").read_text(encoding="utf-8")
    section = home[home.index('id="on-this-day"'):home.index('id="latest"')]
    assert "Checkout latency after cache flush" in section and "2024-03-07" in section
