"""Stage 6, render: the site model drawn with the theme into a ``SiteWriter``.

``render_site`` is the one entry point the pipeline calls; the modules beside
it each do one job (Markdown, the page model, report pages, charts, feeds,
theme lookup, safe output).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pmsite.aggregate import Aggregates
from pmsite.config import Config
from pmsite.decisions.cues import misled_context
from pmsite.drills import DRILL_TYPE
from pmsite.history import History
from pmsite.model import Postmortem
from pmsite.pipeline import left_out_note
from pmsite.render import api, feeds, reports
from pmsite.render.dashboard import dashboard
from pmsite.render.feeds import FeedEntry
from pmsite.render.keys import LISTED_FIELDS, PageKeys
from pmsite.render.markdown import RenderCache
from pmsite.render.output import SiteWriter
from pmsite.render.site import (
    FEED_TAXONOMIES,
    NAV,
    NavItem,
    Page,
    PostmortemView,
    SiteInfo,
    TemplateRenderer,
    core_pages,
    drill_pages,
    postmortem_views,
    taxonomies,
    term_urls,
)
from pmsite.render.theme import load_theme, make_environment, static_files
from pmsite.similar import Similar

#: Folder of the theme's static files in the output.
ASSETS_FOLDER = "assets"


@dataclass
class SiteInputs:
    """What the earlier stages hand to the renderer."""

    config: Config
    site: SiteInfo
    as_of: dt.date
    postmortems: list[Postmortem]
    history: History
    #: Aggregates of ``postmortems``.
    aggregates: Aggregates
    #: display_path -> blamelessness score 0-100 (from lint).
    scores: dict[str, int] = field(default_factory=dict)
    #: Publication deadlines of every unpublished postmortem, drafts included (``pmsite.review.deadlines``).
    deadlines: list = field(default_factory=list)
    #: Item key (``PM-ID/AI-N``) -> what its tracker said when last pulled (``pmsite.trackers.state``).
    tracker_sync: dict[str, dict[str, str]] = field(default_factory=dict)
    #: display_path -> the most similar other postmortems (``pmsite.similar.site_similar``).
    similar: dict[str, list[Similar]] = field(default_factory=dict)
    #: Draft and in-review postmortems the build left out: the figures say so.
    left_out: int = 0


@dataclass
class RenderResult:
    pages: int = 0
    postmortems: int = 0
    #: Pages by template, for the build summary.
    by_template: dict[str, int] = field(default_factory=dict)
    #: Output files whose bytes changed since the previous build (or are new).
    changed: int = 0
    #: Whether any HTML file changed, was added or removed (the search index must be rebuilt).
    html_changed: bool = True
    #: Pages drawn with their template in this build; the others were reused from the previous site.
    rendered: list[str] = field(default_factory=list)


def report_pages(inputs: SiteInputs, views: list[PostmortemView]) -> list[Page]:
    """Home, tracker, dashboard and digests: the pages drawn from the aggregates (few, always rendered)."""
    aggregates = inputs.aggregates
    digests = [d for d in aggregates.digests if d.incidents or d.systemic_fixes_completed]
    latest_digest = next((d for d in reversed(digests) if d.top_learnings or d.summaries), None)
    late = [deadline for deadline in inputs.deadlines if deadline.overdue]
    pages = [
        Page("index.html", "home.html", inputs.site.title, {
            "latest": views[:8], "total": len(views), "digest": latest_digest,
            "headlines": reports.headlines(inputs.postmortems, inputs.history, inputs.config, inputs.as_of),
            "urgent_items": [i for i in aggregates.action_items if i.is_open and i.severity in ("SEV1", "SEV2")],
            "late_postmortems": late,
            "on_this_day": reports.on_this_day(views, inputs.as_of),
        }, cacheable=False),
        Page("actions/index.html", "actions.html", "Action items",
             {"tracker": reports.tracker(aggregates.action_items, inputs.as_of),
              "total": len(aggregates.action_items), "late_postmortems": late,
              "tracker_sync": inputs.tracker_sync}, cacheable=False),
        Page("metrics/index.html", "metrics.html", "Metrics",
             {"summary": aggregates.metrics, "charts": dashboard(aggregates),
              "patterns": aggregates.patterns}, cacheable=False),
        Page("misled/index.html", "misled.html", "What misled us", misled_context(inputs.postmortems),
             cacheable=False),
        Page("digests/index.html", "digests.html", "Monthly digests",
             {"digests": [(d, reports.digest_title(d)) for d in reversed(digests)]}, cacheable=False),
    ]
    pages += [Page(f"digests/{d.month}/index.html", "digest.html", reports.digest_title(d), {"digest": d})
              for d in digests]
    return pages + culture_pages(inputs)


def culture_pages(inputs: SiteInputs) -> list[Page]:
    """The Culture page, only for a repository with a pulse folder (docs/pulse.md)."""
    from pmsite.pulse.site import culture_report, has_pulse

    if not has_pulse(inputs.config):
        return []
    report = culture_report(inputs.config, inputs.postmortems, inputs.history, inputs.as_of)
    return [Page(CULTURE.url + "index.html", "culture.html", "Culture", {"report": report}, cacheable=False)]


CULTURE = NavItem("Culture", "culture/")


def with_culture(nav: tuple[NavItem, ...]) -> tuple[NavItem, ...]:
    """The navigation with Culture right after Metrics, where its figures are read together."""
    at = next((i + 1 for i, item in enumerate(nav) if item.url == "metrics/"), len(nav))
    return nav[:at] + (CULTURE,) + nav[at:]


def _feed_entries(views: list[PostmortemView], digest_pages: list[Page], as_of: dt.date) -> list[FeedEntry]:
    entries = [FeedEntry(v.id or v.slug, f"{v.id}: {v.title}" if v.id else v.title, v.url,
                         v.published_on or v.date or as_of, v.summary, tuple(v.authors)) for v in views]
    for page in digest_pages:
        digest = page.context["digest"]
        month = dt.date.fromisoformat(digest.month + "-01")
        month_end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        summary = f"{len(digest.incidents)} incidents; " + "; ".join(l.text for l in digest.top_learnings[:3])
        entries.append(FeedEntry(f"digest-{digest.month}", page.title, page.url, min(month_end, as_of), summary))
    return entries


def render_site(inputs: SiteInputs, writer: SiteWriter, cache: RenderCache,
                progress: Callable[[int, int], None] | None = None,
                postmortems_written: Callable[[list[str]], None] | None = None) -> RenderResult:
    """Render every page, feed and static file of the site into ``writer``.

    The postmortem pages come first; ``postmortems_written`` is called with their
    paths once they are all in the folder (the search index can start on them).
    """
    theme = load_theme(inputs.config)
    views = postmortem_views(inputs.aggregates, inputs.config, cache, inputs.scores, inputs.similar)
    drills = [v for v in views if v.incident.type == DRILL_TYPE]
    incidents = [v for v in views if v.incident.type != DRILL_TYPE] if drills else views
    taxonomy_list = taxonomies(views)  # a drill's page links its type, services and tags like any other
    pages = report_pages(inputs, incidents) + core_pages(incidents, taxonomy_list) + drill_pages(drills)
    nav = with_culture(NAV) if any(p.template == "culture.html" for p in pages) else NAV
    globals_: dict[str, Any] = {
        "site": inputs.site,
        "nav": nav + ((NavItem("Drills", "drills/"),) if drills else ()),
        "as_of": inputs.as_of,
        "taxonomies": taxonomy_list,
        "term_urls": term_urls(taxonomy_list),
        "postmortem_urls": {v.pm.display_path: v.url for v in views},
        "postmortems_by_id": {v.id: v for v in views if v.id},
        "url": lambda path="": inputs.site.base_url + path,
        "left_out_note": left_out_note(inputs.left_out),
    }
    keys = PageKeys(theme.template_dirs, globals_, LISTED_FIELDS + theme.listed_fields)
    environment = make_environment(theme, inputs.config.cache_dir("render") / "templates")
    first = [page for page in pages if page.template == "postmortem.html"]
    in_order = first + [page for page in pages if page.template != "postmortem.html"]
    rendered = TemplateRenderer(environment, globals_).write_pages(
        in_order, writer, progress, keys.key,
        (len(first), lambda: postmortems_written([page.path for page in first])) if postmortems_written else None)
    for rel_path, source in static_files(theme).items():
        writer.write(f"{ASSETS_FOLDER}/{rel_path}", source.read_bytes())
    digest_pages = [p for p in pages if p.template == "digest.html"]
    entries = _feed_entries(incidents, digest_pages, inputs.as_of)
    writer.write("feed.xml", feeds.atom_feed(inputs.site, entries))
    entry_of = {id(view): entry for view, entry in zip(incidents, entries)}  # the first entries are the views'
    for taxonomy in taxonomy_list:
        if taxonomy.key not in FEED_TAXONOMIES:
            continue
        for term in taxonomy.terms:
            members = [entry_of[id(view)] for view in term.entries if id(view) in entry_of]  # drills have no entry
            writer.write(f"{term.url}feed.xml", feeds.atom_feed(
                inputs.site, members, f"{term.url}feed.xml", f"{inputs.site.title}: {taxonomy.key} {term.name}", term.url))
    writer.write("sitemap.xml", feeds.sitemap(inputs.site, pages))
    for path, data in api.documents(views, inputs.site, inputs.as_of).items():
        writer.write(path, data)

    by_template: dict[str, int] = {}
    for page in pages:
        by_template[page.template] = by_template.get(page.template, 0) + 1
    html_changed = any(p.endswith(".html") for p in writer.changed | writer.removed())
    return RenderResult(pages=len(pages), postmortems=len(views), by_template=dict(sorted(by_template.items())),
                        changed=len(writer.changed), html_changed=html_changed,
                        rendered=rendered)
