"""Markdown body -> safe HTML plus a table of contents.

mistune renders GitHub-flavoured Markdown (tables, task lists, footnotes,
strikethrough, bare URLs) with raw HTML passed through, then nh3 (ammonia)
keeps only an allow-list of tags, attributes and URL schemes. Sanitising the
rendered HTML, not the Markdown, means no Markdown trick can smuggle a script,
an event handler or a ``javascript:``/``data:`` URL past it.

Rendering is the costliest step of a build, so results are cached by the hash
of the Markdown text (``RenderCache``) and a warm rebuild re-renders only the
bodies that changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import mistune
import nh3

#: Bump when the HTML this module produces changes, so stale cache entries are ignored.
RENDERER_VERSION = "2"

#: Headings at these levels appear in the table of contents.
TOC_LEVELS = (2, 3)

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "input", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u",
    "ul", "var", "wbr",
})
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "code": {"class"},
    "li": {"class"},
    "sup": {"class"},
    "section": {"class"},
    "ol": {"start"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "time": {"datetime"},
    "abbr": {"title"},
    "details": {"open"},
    "input": {"class", "disabled", "checked", "aria-label"},
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


def slugify(text: str, fallback: str = "section") -> str:
    """ASCII, lowercase, hyphen-separated: safe in a URL path segment and an HTML id."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].rstrip("-") or fallback


def _heading_ids(md: mistune.Markdown, state: mistune.BlockState) -> None:
    """Give every heading a readable, unique id and record the table of contents."""
    used: set[str] = set()
    toc = []
    for token in state.tokens:
        if token["type"] != "heading":
            continue
        text = _plain_text(token.get("text", ""))
        anchor = base = slugify(text)
        counter = 1
        while anchor in used:
            counter += 1
            anchor = f"{base}-{counter}"
        used.add(anchor)
        token["attrs"]["id"] = anchor
        if token["attrs"]["level"] in TOC_LEVELS:
            toc.append(TocEntry(token["attrs"]["level"], anchor, text))
    state.env["toc"] = tuple(toc)


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


def _make_parser() -> mistune.Markdown:
    md = mistune.create_markdown(
        escape=False,
        plugins=["table", "task_lists", "footnotes", "strikethrough", "url"],
    )
    md.renderer.register("task_list_item", _task_list_item)
    md.before_render_hooks.append(_heading_ids)
    return md


_parser = _make_parser()


def sanitise(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        tag_attribute_values={tag: {a: set(v) for a, v in values.items()}
                              for tag, values in ALLOWED_ATTRIBUTE_VALUES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )


def render_markdown(text: str) -> RenderedMarkdown:
    """Render one postmortem body (front-matter already removed)."""
    html, state = _parser.parse(text)
    return RenderedMarkdown(html=sanitise(html), toc=state.env.get("toc", ()))


class RenderCache:
    """Rendered bodies by content hash, kept in memory and in one JSON file between builds."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._entries: dict[str, RenderedMarkdown] = {}
        self._used: set[str] = set()
        self.hits = 0
        self.misses = 0
        if path is not None:
            self._entries = self._read(path)

    @staticmethod
    def _read(path: Path) -> dict[str, RenderedMarkdown]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != RENDERER_VERSION:
            return {}
        entries = {}
        for key, entry in (data.get("entries") or {}).items():
            try:
                toc = tuple(TocEntry(int(level), str(anchor), str(text)) for level, anchor, text in entry["toc"])
                entries[key] = RenderedMarkdown(str(entry["html"]), toc)
            except (KeyError, TypeError, ValueError):
                continue
        return entries

    def render(self, text: str) -> RenderedMarkdown:
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self._used.add(key)
        cached = self._entries.get(key)
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
        rendered = self._entries[key] = render_markdown(text)
        return rendered

    def save(self) -> None:
        """Write the entries used since the last save (older ones are dropped), if anything changed."""
        unused = set(self._entries) - self._used
        changed = self.misses or unused
        for key in unused:
            del self._entries[key]
        self._used = set()
        self.hits = self.misses = 0
        if self.path is None or not changed:
            return
        data = {
            "version": RENDERER_VERSION,
            "entries": {
                key: {"html": entry.html, "toc": [[t.level, t.anchor, t.text] for t in entry.toc]}
                for key, entry in sorted(self._entries.items())
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)
