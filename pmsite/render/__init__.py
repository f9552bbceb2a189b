"""Stage 6, render: the site model drawn with the theme into a ``SiteWriter``.

``render_site`` is the one entry point the pipeline calls; the modules beside
it each do one job (Markdown, the page model, charts, feeds, theme lookup,
safe output).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from pmsite.config import Config
from pmsite.history import History
from pmsite.model import Postmortem, parse_date
from pmsite.render import feeds
from pmsite.render.markdown import RenderCache
from pmsite.render.output import SiteWriter
from pmsite.render.feeds import FeedEntry
from pmsite.render.site import (
    NAV, Page, PostmortemView, SiteInfo, TemplateRenderer, core_pages, learnings_of_month,
    postmortem_views, taxonomies, term_urls,
)
from pmsite.render.theme import load_theme, make_environment, static_files

#: Folder of the theme's static files in the output.
ASSETS_FOLDER = "assets"


@dataclass
class SiteInputs:
    """What the earlier stages hand to the renderer."""

    config: Config
    site: SiteInfo
    as_of: dt.date
    postmortems: list[Postmortem]
    #: display_path -> blamelessness score 0-100 (from lint).
    scores: dict[str, int] = field(default_factory=dict)
    history: History | None = None


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
    cache_hits: int = 0


def _apply_history(views: list[PostmortemView], history: History | None) -> None:
    for view in views:
        published = parse_date(view.pm.meta.get("published"))
        record = history.for_postmortem(view.pm) if history else None
        if record is not None:
            view.contributors = tuple(record.contributors)
            view.last_updated = record.last_updated.date() if record.last_updated else None
            published = published or (record.published_at.date() if record.published_at else None)
        view.published_on = published


def render_site(inputs: SiteInputs, writer: SiteWriter, cache: RenderCache,
                progress: Callable[[int, int], None] | None = None) -> RenderResult:
    """Render every page, feed and static file of the site into ``writer``."""
    theme = load_theme(inputs.config)
    views = postmortem_views(inputs.postmortems, inputs.config, cache)
    for view in views:
        view.score = inputs.scores.get(view.pm.display_path)
    _apply_history(views, inputs.history)
    taxonomy_list = taxonomies(views)
    month, learnings = learnings_of_month(views, inputs.as_of)
    pages = [
        Page("index.html", "home.html", inputs.site.title,
             {"latest": views[:8], "learnings_month": month, "learnings": learnings, "total": len(views)}),
        *core_pages(views, taxonomy_list),
    ]
    globals_: dict[str, Any] = {
        "site": inputs.site,
        "nav": NAV,
        "as_of": inputs.as_of,
        "taxonomies": taxonomy_list,
        "term_urls": term_urls(taxonomy_list),
        "url": lambda path="": inputs.site.base_url + path,
    }
    TemplateRenderer(make_environment(theme), globals_).write_pages(pages, writer, progress)
    for rel_path, source in static_files(theme).items():
        writer.write(f"{ASSETS_FOLDER}/{rel_path}", source.read_bytes())
    entries = [FeedEntry(v.id or v.slug, f"{v.id}: {v.title}" if v.id else v.title, v.url,
                         v.published_on or v.date or inputs.as_of, v.summary, tuple(v.authors)) for v in views]
    writer.write("feed.xml", feeds.atom_feed(inputs.site, entries))
    writer.write("sitemap.xml", feeds.sitemap(inputs.site, pages))

    by_template: dict[str, int] = {}
    for page in pages:
        by_template[page.template] = by_template.get(page.template, 0) + 1
    html_changed = any(p.endswith(".html") for p in writer.changed | writer.removed())
    return RenderResult(pages=len(pages), postmortems=len(views), by_template=dict(sorted(by_template.items())),
                        changed=len(writer.changed), html_changed=html_changed, cache_hits=cache.hits)
