"""The site model: which pages exist, at which URL, with which data.

``build_model`` turns the outputs of the earlier stages into a list of
``Page`` objects (output path, template, context) without touching the disk;
``write_pages`` renders them with the theme into a ``SiteWriter``. Keeping the
two apart lets tests inspect the model and lets ``serve`` re-render cheaply.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jinja2
from markupsafe import Markup

from pmsite.aggregate import ActionItem, Aggregates, Incident
from pmsite.config import Config
from pmsite.errors import BuildError
from pmsite.model import SEVERITIES, Postmortem
from pmsite.render.decision_map import DecisionMap
from pmsite.render.decision_map import draw as draw_decision_map
from pmsite.render.markdown import RenderCache, RenderedMarkdown, TocEntry
from pmsite.timeutil import format_minutes
from pmsite.render.output import SiteWriter
from pmsite.parallel import OrderedMap
from pmsite.slugs import UniqueNames, url_slug

#: The taxonomies that get index pages: key, folder, title, and how to read the terms of a postmortem.
TAXONOMIES: tuple[tuple[str, str, str, Callable[[PostmortemView], Iterable[str]]], ...] = (
    ("severity", "severities", "Severities", lambda v: [v.severity]),
    ("type", "types", "Incident types", lambda v: [v.type]),
    ("service", "services", "Services", lambda v: v.services),
    ("team", "teams", "Teams", lambda v: v.teams),
    ("tag", "tags", "Tags", lambda v: v.tags),
    ("year", "years", "Years", lambda v: [str(v.date.year)] if v.date else []),
)


@dataclass(frozen=True)
class Page:
    """One output file: where it goes, which template draws it and with what."""

    path: str
    template: str
    title: str
    context: Mapping[str, Any] = field(default_factory=dict)
    in_sitemap: bool = True
    #: False for pages drawn from site-wide aggregates: always rendered, never reused (see ``keys``).
    cacheable: bool = True

    @property
    def url(self) -> str:
        """Site-relative URL: ``postmortems/x/`` for ``postmortems/x/index.html``."""
        return self.path.removesuffix("index.html")


@dataclass(frozen=True)
class SimilarLink:
    """One entry of a page's "Similar past incidents" box."""

    url: str
    id: str
    title: str
    date: dt.date | None
    score: float
    why: str


#: The heading Markdown renders for "## Action items" (ids come from pmsite.render.markdown).
_ACTION_HEADING = '<h2 id="action-items">Action items</h2>'


@dataclass(eq=False)  # compared by identity: templates test membership in lists of views
class PostmortemView:
    """A postmortem with everything its page, cards and indexes need, formatted once."""

    pm: Postmortem
    slug: str
    url: str
    #: The rendered body (``RenderCache.render_later``): read when a page shows it.
    markdown: Callable[[], RenderedMarkdown]
    incident: Incident
    score: int | None = None
    edit_url: str = ""
    action_items: list[ActionItem] = field(default_factory=list)
    related: list[PostmortemView] = field(default_factory=list)
    recurring: list[PostmortemView] = field(default_factory=list)
    #: The most similar other postmortems on the site, best first (plain values: their URL, id, title, why).
    similar: list[SimilarLink] = field(default_factory=list)

    @cached_property
    def body(self) -> Markup:
        return Markup(self.markdown().html)

    @cached_property
    def toc(self) -> tuple[TocEntry, ...]:
        return self.markdown().toc

    @cached_property
    def sections(self) -> tuple[Markup, Markup, Markup]:
        """The body around its "Action items" section: (before, the section's prose, after).

        The page shows the tracked items there, once, as a table, with the authors'
        prose folded under it; without such a section (or items) the prose is all "before".
        """
        html = str(self.body)
        start = html.find(_ACTION_HEADING)
        if start < 0 or not self.action_items:
            return self.body, Markup(""), Markup("")
        rest = start + len(_ACTION_HEADING)
        end = html.find("<h2", rest)
        end = len(html) if end < 0 else end
        return Markup(html[:start]), Markup(html[rest:end].strip()), Markup(html[end:])

    # -- front-matter, typed (computed once: lists read them thousands of times) --
    @cached_property
    def id(self) -> str:
        return self.pm.id

    @cached_property
    def title(self) -> str:
        return self.pm.title

    @cached_property
    def status(self) -> str:
        return self.pm.status

    @cached_property
    def severity(self) -> str:
        return self.pm.severity

    type = cached_property(lambda self: str(self.pm.meta.get("type", "")))
    detection = cached_property(lambda self: str(self.pm.meta.get("detection", "")))
    date = cached_property(lambda self: self.pm.date("date"))
    services = cached_property(lambda self: self.pm.str_list("services"))
    teams = cached_property(lambda self: self.pm.str_list("teams"))
    tags = cached_property(lambda self: self.pm.str_list("tags"))
    authors = cached_property(lambda self: self.pm.str_list("authors"))
    reviewers = cached_property(lambda self: self.pm.str_list("reviewers"))
    approved_by = cached_property(lambda self: self.pm.str_list("approved_by"))
    lessons = cached_property(lambda self: self.pm.str_list("lessons"))

    @cached_property
    def summary(self) -> str:
        value = self.pm.meta.get("summary")
        return str(value).strip() if value else ""

    @cached_property
    def imported(self) -> bool:
        return self.pm.meta.get("imported") is True

    @cached_property
    def duration(self) -> dt.timedelta | None:
        return _minutes(self.incident.time_to_resolve_minutes)

    @cached_property
    def time_to_detect(self) -> dt.timedelta | None:
        return _minutes(self.incident.time_to_detect_minutes)

    @property
    def days_to_publish(self) -> int | None:
        return self.incident.time_to_publish_days

    @property
    def published_on(self) -> dt.date | None:
        return self.incident.published

    @property
    def contributors(self) -> list[str]:
        return self.incident.contributors

    @property
    def last_updated(self) -> dt.date | None:
        history = self.incident.history
        return history.last_updated.date() if history and history.last_updated else None

    @cached_property
    def decision_map(self) -> DecisionMap | None:
        """The decision points drawn on the time axis, with their table (None without decisions)."""
        return draw_decision_map(self.pm) if self.pm.meta.get("decisions") else None

    @cached_property
    def year(self) -> str:
        return str(self.date.year) if self.date else ""


#: Names a template can read on a view: its fields and properties (``listed_fields`` of a theme must be one).
VIEW_FIELDS = frozenset({f.name for f in dataclasses.fields(PostmortemView)}
                        | {name for name, value in vars(PostmortemView).items()
                           if isinstance(value, (property, cached_property))})


def _minutes(value: float | None) -> dt.timedelta | None:
    """An incident's figure (from timestamps, or a duration an imported document states) as a duration."""
    return dt.timedelta(minutes=value) if value is not None else None


@dataclass
class Term:
    name: str
    slug: str
    url: str
    entries: list[PostmortemView]


@dataclass
class Taxonomy:
    key: str
    folder: str
    title: str
    url: str
    terms: list[Term]


def unique_slugs(names: Iterable[str]) -> dict[str, str]:
    """Name -> URL slug, with a counter when two names slugify alike (``C#`` and ``C``).

    Validation refuses such pairs (``pmsite.slugs``); the counter serves a build
    that skipped it, so no two pages ever share a file.
    """
    unique = UniqueNames()
    return {name: unique(url_slug(name)) for name in sorted(set(names))}


def postmortem_views(aggregates: Aggregates, config: Config, cache: RenderCache,
                     scores: Mapping[str, int], similar: Mapping[str, list] | None = None) -> list[PostmortemView]:
    """Render every body and give each postmortem a safe, unique URL; newest first."""
    slugs = unique_slugs(incident.postmortem.slug for incident in [*aggregates.incidents, *aggregates.drills])
    items_by_postmortem: dict[str, list[ActionItem]] = defaultdict(list)
    for item in aggregates.action_items:
        items_by_postmortem[item.postmortem_path].append(item)
    views = []
    for incident in [*aggregates.incidents, *aggregates.drills]:
        pm = incident.postmortem
        slug = slugs[pm.slug]
        edit_url = config.edit_url.replace("{path}", pm.display_path) if config.edit_url else ""
        views.append(PostmortemView(
            pm=pm, slug=slug, url=f"postmortems/{slug}/", markdown=cache.render_later(pm.body, pm.body_digest),
            incident=incident, score=scores.get(pm.display_path), edit_url=edit_url,
            action_items=items_by_postmortem.get(incident.path, []),
        ))
    views.sort(key=lambda v: (v.date or dt.date.min, v.id, v.slug), reverse=True)
    by_id = {v.id: v for v in views if v.id}
    group_of = {member: group.ids for group in aggregates.recurrence_groups for member in group.ids}
    for view in views:
        view.related = [by_id[i] for i in view.pm.str_list("related") if i in by_id and i != view.id]
        recurring = [by_id[i] for i in group_of.get(view.id, []) if i in by_id and i != view.id]
        view.recurring = sorted(recurring, key=lambda v: (v.date or dt.date.min, v.id), reverse=True)
    by_path = {v.pm.display_path: v for v in views}
    for view in views:
        view.similar = [SimilarLink(other.url, other.id, other.title, other.date, match.score, match.why)
                        for match in (similar or {}).get(view.pm.display_path, [])
                        if (other := by_path.get(match.path)) is not None]
    return views


def taxonomies(views: list[PostmortemView]) -> list[Taxonomy]:
    """Index pages for severities, types, services, teams, tags and years."""
    result = []
    for key, folder, title, terms_of in TAXONOMIES:
        members: dict[str, list[PostmortemView]] = defaultdict(list)
        for view in views:
            for term in dict.fromkeys(t for t in terms_of(view) if t):
                members[term].append(view)
        slugs = unique_slugs(members)
        order = _term_order(key)
        terms = [Term(name, slugs[name], f"{folder}/{slugs[name]}/", members[name])
                 for name in sorted(members, key=order)]
        result.append(Taxonomy(key, folder, title, f"{folder}/", terms))
    return result


def _term_order(key: str) -> Callable[[str], Any]:
    if key == "severity":
        return lambda name: (SEVERITIES.index(name) if name in SEVERITIES else len(SEVERITIES), name)
    if key == "year":
        return lambda name: (-int(name) if name.isdigit() else 0, name)
    return lambda name: name.lower()


def format_duration(value: dt.timedelta | None) -> str:
    """``2 h 05 min``, ``3 d 4 h``, ``45 min``: short and unambiguous."""
    if value is None:
        return "–"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


#: Characters that make markup or entities, and inert look-alikes shown in their place.
_INERT = str.maketrans({"&": "\uff06", "<": "\u2039", ">": "\u203a", '"': "\u201d", "'": "\u2019"})


def pagefind_text(value: Any) -> str:
    """A value as Pagefind may take it (a filter, metadata): nothing in it can become markup.

    Pagefind decodes entities in what it reads (more than once: ``&amp;amp;lt;``
    comes out as ``&lt;``), and its default UI inserts filter values into the
    search page as HTML. Escaping cannot keep up with that, so the characters
    markup and entities are made of are replaced by look-alikes. The schema
    refuses them in tag, service and team names; this holds for any value.
    """
    return str(value).translate(_INERT)


class TemplateRenderer:
    """Renders pages with the theme's Jinja2 environment and writes them out."""

    def __init__(self, env: jinja2.Environment, globals_: Mapping[str, Any]) -> None:
        self.env = env
        self.env.globals.update(globals_)
        self.env.filters["duration"] = format_duration
        self.env.filters["pagefind_text"] = pagefind_text
        self.env.filters["minutes"] = format_minutes

    def render(self, page: Page) -> str:
        try:
            template = self.env.get_template(page.template)
            return template.render(page=page, **page.context)
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}; fix the template") from None
        except OSError as exc:  # a template that cannot be read: permissions, a folder of that name
            raise BuildError(f"{exc.filename or page.template}: cannot read the template "
                             f"({exc.strerror or exc}); check that it is a readable file") from None
        except jinja2.TemplateNotFound as exc:
            raise BuildError(f"template {exc.name!r} not found in the theme or templates/; "
                             "add it or check the theme: setting") from None
        except jinja2.UndefinedError as exc:
            raise BuildError(f"{_template_location(exc)}: {exc.message} while rendering {page.path}; "
                             "fix the template") from None

    def write_pages(self, pages: list[Page], writer: SiteWriter,
                    progress: Callable[[int, int], None] | None = None,
                    key: Callable[[Page], str | None] = lambda page: None,
                    checkpoint: tuple[int, Callable[[], None]] | None = None) -> list[str]:
        """Write every page: linked from the previous site when its ``key`` is unchanged, else rendered.

        Pages are keyed, linked and rendered on every core when there are many
        (``parallel``). ``checkpoint`` is ``(n, call)``: ``call()`` as soon as the
        first ``n`` pages are written, while the workers go on with the others.
        Returns the paths of the pages rendered.
        """
        def draw(page: Page) -> tuple[str | None, tuple[str, bool], bool]:
            page_key = key(page)
            previous = writer.link_previous(page.path, page_key)
            if previous is not None:
                return page_key, (previous, False), False
            return page_key, writer.store(page.path, self.render(page)), True

        for page in pages:
            writer.claim(page.path)
        rendered = []
        with OrderedMap(draw, pages) as drawn:
            for done, (page, (page_key, stored, was_rendered)) in enumerate(zip(pages, drawn), 1):
                writer.record(page.path, stored, page_key)
                if was_rendered:
                    rendered.append(page.path)
                if progress and (done % 50 == 0 or done == len(pages)):
                    progress(done, len(pages))
                if checkpoint and done == checkpoint[0]:
                    checkpoint[1]()
        return rendered


def _template_location(exc: BaseException) -> str:
    """``template.html:LINE`` from Jinja's rewritten traceback, or a generic name."""
    tb, where = exc.__traceback__, "a template"
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".j2")):
            where = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where



@dataclass(frozen=True)
class SiteInfo:
    """Site-wide values every template sees as ``site``."""

    title: str
    description: str
    #: Path prefix of every link, always ending in ``/`` (``/`` or ``/project/``).
    base_url: str
    #: Absolute URL of the site root when known (``https://org.github.io/project/``), for feeds and sitemaps.
    canonical_root: str
    language: str
    repo_url: str


def site_info(config: Config, base_url: str) -> SiteInfo:
    """Split ``--base-url`` (a path or a full URL) into the link prefix and the canonical root."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    path = parts.path or "/"
    path = ("/" + path.lstrip("/")).rstrip("/") + "/"
    canonical = f"{parts.scheme}://{parts.netloc}{path}" if parts.scheme and parts.netloc else ""
    configured = str(config.section("site").get("url") or "")
    if not canonical and configured:
        canonical = configured.rstrip("/") + path
    return SiteInfo(config.title, config.description, path, canonical, config.language, config.repo_url)


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str


NAV = (
    NavItem("Postmortems", "postmortems/"),
    NavItem("Action items", "actions/"),
    NavItem("Metrics", "metrics/"),
    NavItem("Digests", "digests/"),
    NavItem("Tags", "tags/"),
)


#: Taxonomies whose terms get an Atom feed of their own (``services/checkout/feed.xml``).
FEED_TAXONOMIES = ("service", "team", "tag")


def core_pages(views: list[PostmortemView], taxonomy_list: list[Taxonomy]) -> list[Page]:
    """Postmortem pages, the full list, taxonomy indexes, search and 404."""
    pages = [Page(f"{v.url}index.html", "postmortem.html", v.title, {"pm": v}) for v in views]
    pages.append(Page("postmortems/index.html", "list.html", "All postmortems",
                      {"entries": views, "intro": "", "parent": None, "feed": ""}))
    for taxonomy in taxonomy_list:
        pages.append(Page(f"{taxonomy.url}index.html", "taxonomy.html", taxonomy.title, {"taxonomy": taxonomy}))
        for term in taxonomy.terms:
            title = f"{taxonomy.title}: {term.name}"
            feed = f"{term.url}feed.xml" if taxonomy.key in FEED_TAXONOMIES else ""
            pages.append(Page(f"{term.url}index.html", "list.html", title,
                              {"entries": term.entries, "intro": "", "parent": taxonomy, "feed": feed}))
    pages.append(Page("search/index.html", "search.html", "Search"))
    pages.append(Page("404.html", "404.html", "Page not found", in_sitemap=False))
    return pages


def drill_pages(drills: list[PostmortemView]) -> list[Page]:
    """Practice postmortems: their own pages and their own list, apart from the incidents."""
    if not drills:
        return []
    intro = ("Practice postmortems from mock incidents ('pmsite drill'), written to practise blameless reviews. "
             "They are left out of the metrics, action items and digests.")
    return [*(Page(f"{v.url}index.html", "postmortem.html", v.title, {"pm": v}) for v in drills),
            Page("drills/index.html", "list.html", "Practice drills",
                 {"entries": drills, "intro": intro, "parent": None, "feed": ""})]


def term_urls(taxonomy_list: list[Taxonomy]) -> dict[str, dict[str, str]]:
    """``term_urls['service']['checkout']`` -> ``services/checkout/`` for links from cards."""
    return {t.key: {term.name: term.url for term in t.terms} for t in taxonomy_list}
