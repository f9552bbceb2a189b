"""Markdown body -> safe HTML plus a table of contents.

mistune renders GitHub-flavoured Markdown (tables, task lists, footnotes,
strikethrough, bare URLs) with raw HTML passed through, then nh3 (ammonia)
keeps only an allow-list of tags, attributes and URL schemes. Sanitising the
rendered HTML, not the Markdown, means no Markdown trick can smuggle a script,
an event handler or a ``javascript:``/``data:`` URL past it. Ids the author
chose (raw HTML, footnotes) then take a ``user-content-`` prefix, as on GitHub,
so a body cannot clobber the ids the theme's pages and scripts rely on.

Rendering is the costliest step of a build, so results are cached by the hash
of the Markdown text (``RenderCache``) and a warm rebuild re-renders only the
bodies that changed; a cold build renders them on every core, ahead of the
render stage (``RenderCache.rendering_ahead``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import mistune
import nh3

from pmsite import slugs
from pmsite.cache import PickleCache, digest, source_salt
from pmsite.parallel import OrderedMap
from pmsite.slugs import UniqueNames, slugify

#: Headings at these levels appear in the table of contents.
TOC_LEVELS = (2, 3)

#: Ids the default theme gives its own elements on a postmortem page (``base.html``,
#: ``postmortem.html``, ``partials/decision_map.html``) or looks up in its scripts (``search.js``):
#: a heading never takes one (``## Search`` gets ``search-2``), so a body cannot shadow them.
#: ``action-items`` is left out on purpose: the page replaces the body's own "Action items" heading.
THEME_IDS = frozenset({
    "decision-map", "main", "related-incidents", "search", "similar-incidents", "site-search",
    "tracked-action-items",
})
#: Every id (and ``<a name>``) the author chose gets this prefix, as GitHub does (``<a id="search">``
#: becomes ``id="user-content-search"``); same-page links to such ids follow it.
USER_ID_PREFIX = "user-content-"

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "input", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u",
    "ul", "var", "wbr",
})
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir"},
    "a": {"href", "name"},  # an old-style anchor, <a name="x">: prefixed like an id
    "img": {"src", "alt", "width", "height"},
    "code": {"class"},
    "ol": {"start"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "time": {"datetime"},
    "abbr": {"title"},
    "details": {"open"},
    "input": {"disabled", "checked", "aria-label"},
}
#: The classes mistune writes (task lists, footnotes), and no others: a body cannot pose as an element
#: the theme's scripts find by class (``.filters-toggle``). ``code`` keeps only ``language-*`` classes.
ALLOWED_CLASSES = {
    "li": {"task-list-item"},
    "input": {"task-list-item-checkbox"},
    "sup": {"footnote-ref"},
    "section": {"footnotes"},
}
#: Task-list checkboxes are the only form control that survives, and only as a disabled checkbox.
ALLOWED_ATTRIBUTE_VALUES = {"input": {"type": {"checkbox"}}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: Tags removed together with their content (their text is never useful on the page).
REMOVED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template"})


@dataclass(frozen=True)
class TocEntry:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc: tuple[TocEntry, ...]


def _heading_ids(md: mistune.Markdown, state: mistune.BlockState) -> None:
    """Give every heading a readable, unique id and record the table of contents."""
    anchors = UniqueNames(taken=THEME_IDS)
    toc = []
    heading_ids = set()
    for token in state.tokens:
        if token["type"] != "heading":
            continue
        text = _plain_text(token.get("text", ""))
        anchor = anchors(slugify(text))
        token["attrs"]["id"] = anchor
        heading_ids.add(anchor)
        if token["attrs"]["level"] in TOC_LEVELS:
            toc.append(TocEntry(token["attrs"]["level"], anchor, text))
    state.env["toc"] = tuple(toc)
    state.env["heading_ids"] = heading_ids


def _plain_text(markdown_inline: str) -> str:
    """Heading text without inline Markdown or HTML markup, for ids and the TOC."""
    text = re.sub(r"<[^>]*>", "", markdown_inline)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[`*_~]", "", text).strip()


def _task_list_item(renderer: mistune.HTMLRenderer, text: str, checked: bool = False) -> str:
    """mistune's task-list item, with an accessible name on its checkbox."""
    checkbox = ('<input class="task-list-item-checkbox" type="checkbox" disabled '
                f'aria-label="{"done" if checked else "not done"}"{" checked" if checked else ""}>')
    if text.startswith("<p>"):
        return '<li class="task-list-item"><p>' + checkbox + text[3:] + "</li>\n"
    return '<li class="task-list-item">' + checkbox + text + "</li>\n"


def _make_parser(bare_urls: bool, escape: bool = False) -> mistune.Markdown:
    md = mistune.create_markdown(
        escape=escape,
        plugins=["table", "task_lists", "footnotes", "strikethrough", *(["url"] if bare_urls else [])],
    )
    md.renderer.register("task_list_item", _task_list_item)
    md.before_render_hooks.append(_heading_ids)
    return md


#: The bare-URL rule makes mistune stop at every "h" of a text (a fifth of its time), and it
#: can only match at "http://" or "https://": a text without "://" gives the same HTML without it.
_parser = _make_parser(bare_urls=True)
_parser_without_bare_urls = _make_parser(bare_urls=False)
#: For a body whose own HTML nests deeper than ``MAX_HTML_DEPTH``: its tags are shown as text.
_escaping_parser = _make_parser(bare_urls=True, escape=True)

#: Levels of nested HTML elements a body's own markup may open. The sanitiser's HTML parser
#: (html5ever) does work in proportion to the depth for every element: 10,000 nested <div>
#: took 2 s to sanitise, 100,000 more than a minute. Markdown itself nests a few levels.
MAX_HTML_DEPTH = 512
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr"})


def _nests_too_deep(html: str) -> bool:
    depth = 0
    for closing, name, self_closing in _TAG.findall(html):
        if closing:
            depth = max(depth - 1, 0)
        elif not self_closing and name.lower() not in _VOID:
            depth += 1
            if depth > MAX_HTML_DEPTH:
                return True
    return False


#: The allow-list, built once (``nh3.clean`` builds it anew on every call: a fifth of its time).
_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(REMOVED_WITH_CONTENT),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    allowed_classes={tag: set(classes) for tag, classes in ALLOWED_CLASSES.items()},
    tag_attribute_values={tag: {a: set(v) for a, v in values.items()} for tag, values in ALLOWED_ATTRIBUTE_VALUES.items()},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    filter_style_properties={"text-align"},
    link_rel="noopener noreferrer",
)


_CODE_CLASS = re.compile(r'<code class="([^"]*)"')
_LANGUAGE_CLASS = re.compile(r"(?<!\S)language-\S+")


def sanitise(html: str) -> str:
    """Keep only allow-listed tags, attributes, classes and URL schemes (``code`` only ``language-*``)."""
    html = _cleaner.clean(html)
    if '<code class="' not in html:
        return html
    return _CODE_CLASS.sub(lambda code: f'<code class="{" ".join(_LANGUAGE_CLASS.findall(code[1]))}"', html)


#: An attribute as the sanitiser writes it: a lowercase name, always a value, always in double
#: quotes, with ``"`` escaped inside. Text has ``<`` escaped and comments are gone, so on its
#: output these patterns find exactly the tags (no attribute value can hide ``id="``).
_ATTRIBUTE = r'\s[a-z-]+="[^"]*"'
_TAG_WITH_ID_OR_FRAGMENT = re.compile(
    rf'<([a-z][a-z0-9]*)(?=(?:{_ATTRIBUTE})*?\s(?:id="|name="|href="#))((?:{_ATTRIBUTE})+)>')
_ID = re.compile(r'\sid="([^"]*)"')
_NAME = re.compile(r'\sname="([^"]*)"')
_ANY_ID = re.compile(r' id="([^"]*)"')
_ID_OR_FRAGMENT = re.compile(r'(\s)(id="|name="|href="#)([^"]*)"')
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def prefix_author_ids(html: str, heading_ids: set[str]) -> str:
    """Prefix every id of sanitised ``html`` but the headings' own; same-page links follow.

    ``heading_ids`` are the ids pmsite gave the Markdown headings: the first heading
    carrying each keeps it, so readers' anchors and the table of contents still work.
    Any other id (raw HTML, footnotes) and every ``<a name>`` gets ``USER_ID_PREFIX`` unless
    it has it already, and an ``href="#x"`` pointing at such an id or name points at the prefixed one.
    """
    if 'href="#' not in html and ' name="' not in html:
        # Most bodies: every id is a different heading's (text may hold ' id="' too: then look closer).
        ids = _ANY_ID.findall(html)
        if len(ids) == len(heading_ids) and heading_ids.issuperset(ids):
            return html
    unclaimed = set(heading_ids)
    kept = set()  # where the headings that keep their id start
    author_ids = set()
    for tag in _TAG_WITH_ID_OR_FRAGMENT.finditer(html):
        author_ids.update(_NAME.findall(tag[2]))
        if (found := _ID.search(tag[2])) is None:
            continue
        if tag[1] in _HEADINGS and found[1] in unclaimed:
            unclaimed.discard(found[1])
            kept.add(tag.start())
        else:
            author_ids.add(found[1])
    author_ids -= heading_ids  # a link to a heading's id keeps going to the heading

    def prefixed(name: str) -> str:
        return name if name.startswith(USER_ID_PREFIX) else USER_ID_PREFIX + name

    def rewrite_tag(tag: re.Match) -> str:
        def rewrite(attribute: re.Match) -> str:
            space, kind, value = attribute.groups()
            if kind == 'id="':
                return attribute[0] if tag.start() in kept else f'{space}id="{prefixed(value)}"'
            if kind == 'name="':
                return f'{space}name="{prefixed(value)}"'
            return f'{space}href="#{prefixed(value)}"' if value in author_ids else attribute[0]

        return f"<{tag[1]}{_ID_OR_FRAGMENT.sub(rewrite, tag[2])}>"

    return _TAG_WITH_ID_OR_FRAGMENT.sub(rewrite_tag, html)


def render_markdown(text: str) -> RenderedMarkdown:
    """Render one postmortem body (front-matter already removed)."""
    html, state = (_parser if "://" in text else _parser_without_bare_urls).parse(text)
    # A body with fewer tags than the limit cannot nest past it: most pay for one count, not the scan.
    if text.count("<") > MAX_HTML_DEPTH and _nests_too_deep(html):
        html, state = _escaping_parser.parse(text)
    html = prefix_author_ids(sanitise(html), state.env.get("heading_ids", set()))
    return RenderedMarkdown(html=html, toc=state.env.get("toc", ()))


class RenderCache:
    """Rendered bodies by content hash: in memory for ``pmsite serve``, on disk between builds.

    Salted with this module's source and the mistune and nh3 versions, so a
    change to the renderer or the sanitiser renders every body again.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._memory: dict[str, RenderedMarkdown] = {}
        self._used: set[str] = set()
        self._stored = PickleCache(path, _renderer_salt(), prune_unused=True) if path is not None else None
        #: Keys of the bodies being rendered ahead, and their results in that order.
        self._ahead: tuple[list[str], OrderedMap] | None = None
        self._rendered_ahead: dict[str, RenderedMarkdown] = {}
        self.hits = 0
        self.misses = 0

    def render(self, text: str, key: str | None = None) -> RenderedMarkdown:
        """The rendered ``text``; ``key`` stands for it in the cache (default: its hash)."""
        key = key or digest(text)
        self._used.add(key)
        cached = self._cached(key)
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
        rendered = self._memory[key] = self._take_ahead(key) or render_markdown(text)
        if self._stored is not None:
            self._stored.put(key, _plain(rendered))
        return rendered

    def render_later(self, text: str, key: str | None = None) -> Callable[[], RenderedMarkdown]:
        """``render``, except that a body the cache file holds is read from it only when first wanted.

        A warm build links the pages of unchanged postmortems from the previous
        site, so their bodies are never wanted; reading 1,000 of them took 0.05 s.
        The body is read in whichever process draws its page.
        """
        key = key or digest(text)
        if key not in self._memory and self._stored is not None and self._stored.keep(key):
            self._used.add(key)
            self.hits += 1
            return lambda: self._cached(key)
        rendered = self.render(text, key)
        return lambda: rendered

    @contextmanager
    def rendering_ahead(self, texts: Iterable[str], keys: Iterable[str] | None = None) -> Iterator[None]:
        """Render the texts missing from the cache in worker processes while the block runs.

        ``keys`` are what ``render`` will be given for them (default: their
        hashes). ``render`` takes the results when it first needs one; leaving the
        block stops the workers (a build that failed before rendering never waits for them).
        """
        texts = list(texts)
        keys = list(keys) if keys is not None else [digest(text) for text in texts]
        missing = {key: text for key, text in zip(keys, texts)
                   if key not in self._memory and (self._stored is None or key not in self._stored)}
        rendering = OrderedMap(_render_plain, missing.values())
        self._ahead = (list(missing), rendering)
        try:
            yield
        finally:
            self._ahead = None
            self._rendered_ahead = {}
            rendering.close()

    def _cached(self, key: str) -> RenderedMarkdown | None:
        cached = self._memory.get(key)
        if cached is None and self._stored is not None and (stored := self._stored.get(key)) is not None:
            cached = self._memory[key] = _from_plain(stored)
        return cached

    def _take_ahead(self, key: str) -> RenderedMarkdown | None:
        """The body rendered ahead for ``key``, if any (taking every result the first time)."""
        if self._ahead is not None:
            keys, results = self._ahead
            self._ahead = None
            with results:  # every result is in: reap the workers now
                self._rendered_ahead = {key: _from_plain(result) for key, result in zip(keys, results)}
        return self._rendered_ahead.pop(key, None)

    def save(self) -> None:
        """Forget the bodies this build did not use and write the rest, if anything changed."""
        self._memory = {key: value for key, value in self._memory.items() if key in self._used}
        self._used = set()
        self.hits = self.misses = 0
        if self._stored is not None:
            self._stored.save()


def _plain(rendered: RenderedMarkdown) -> tuple:
    """A rendered body as tuples of strings and numbers, as the cache stores it and workers send it.

    Unpickling 1,000 bodies as dataclasses took eight times as long.
    """
    return rendered.html, tuple((entry.level, entry.anchor, entry.text) for entry in rendered.toc)


def _from_plain(plain: tuple) -> RenderedMarkdown:
    html, toc = plain
    return RenderedMarkdown(html, tuple(TocEntry(*entry) for entry in toc))


def _render_plain(text: str) -> tuple:
    return _plain(render_markdown(text))


def _renderer_salt() -> str:
    from importlib.metadata import version

    return source_salt(Path(__file__), Path(slugs.__file__), extra=f"mistune {version('mistune')} nh3 {version('nh3')}")
