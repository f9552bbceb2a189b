"""DOM clobbering: a postmortem body cannot take the ids the theme's pages and scripts rely on.

Ids the author chose (raw HTML, footnotes) take a ``user-content-`` prefix as on GitHub,
``<a name>`` is prefixed too (other ``name`` attributes are dropped), a heading never takes an
id the theme uses, and only the classes mistune writes survive (so no body poses as an element
a script finds by class). The ids under test are read from the default theme itself (its scripts' lookups and the ids of the
templates a postmortem page is drawn from), so a new lookup is covered without editing this file.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pmsite.config import load_config
from pmsite.pipeline import build
from pmsite.render.markdown import THEME_IDS, USER_ID_PREFIX, render_markdown
from tests.render.site_fixture import POSTMORTEMS, make_site

THEME = Path(__file__).resolve().parents[2] / "themes" / "default"
#: The templates every postmortem page is drawn from.
POSTMORTEM_PAGE_TEMPLATES = ("base.html", "postmortem.html", "partials/decision_map.html", "partials/macros.html")


def _script_ids() -> set[str]:
    """Every id the theme's JavaScript looks up: getElementById("x"), querySelector("#x"), element: "#x"."""
    ids = set()
    for script in (THEME / "static").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        ids |= set(re.findall(r"getElementById\(\s*[\"']([^\"']+)[\"']", text))
        ids |= set(re.findall(r"[\"']#([A-Za-z][\w-]*)[\"']", text))
    return ids


def _script_classes() -> set[str]:
    """Every class the theme's JavaScript looks elements up by, in its selectors (".filters-toggle")."""
    classes = set()
    for script in (THEME / "static").glob("*.js"):
        for selector in re.findall(r"querySelector(?:All)?\(\s*[\"']([^\"']+)[\"']", script.read_text(encoding="utf-8")):
            classes |= set(re.findall(r"\.([A-Za-z_][\w-]*)", selector))
    return classes


def _page_ids() -> set[str]:
    """Every literal id the templates of a postmortem page put on it."""
    ids = set()
    for name in POSTMORTEM_PAGE_TEMPLATES:
        ids |= set(re.findall(r'\sid="([a-z][a-z0-9-]*)"', (THEME / name).read_text(encoding="utf-8")))
    return ids


SCRIPT_IDS = _script_ids()
SCRIPT_CLASSES = _script_classes()
PAGE_IDS = _page_ids()


class _Elements(HTMLParser):
    """(tag, attributes) of every element, as a browser's parser reads them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def _ids(html: str) -> list[str]:
    return [attrs["id"] for _, attrs in _Elements(html).elements if "id" in attrs]


def _clobbering_body(name: str) -> str:
    """Every way a body can declare ``name``: raw HTML ids and names, a heading, a footnote."""
    words = name.replace("-", " ").capitalize()
    return (f"## {words}\n\n"
            f'<a id="{name}" name="{name}" href="#{name}">link</a> <img name="{name}" id="{name}" src="x.png">\n\n'
            f'<div id="{name}"><form name="{name}"><input name="{name}" id="{name}"></form></div>\n\n'
            f'<h2 id="{name}">{words}</h2>\n\nA note[^{name}].\n\n[^{name}]: about {name}\n')


def test_the_theme_ids_are_found_and_reserved():
    # The derivation must see what it is meant to see (search.js finds its box by id) ...
    assert "search" in SCRIPT_IDS and {"main", "site-search", "similar-incidents", "decision-map"} <= PAGE_IDS
    # ... and every id the theme uses on a postmortem page is one no heading may take, except the
    # "Action items" heading, which the page replaces by its own.
    assert (SCRIPT_IDS | PAGE_IDS) - {"action-items"} <= THEME_IDS


@pytest.mark.parametrize("name", sorted(SCRIPT_IDS | PAGE_IDS - {"action-items"}))
def test_a_body_declaring_a_theme_id_does_not_carry_it(name):
    html = render_markdown(_clobbering_body(name)).html
    elements = _Elements(html).elements
    assert [tag for tag, attrs in elements if attrs.get("id") == name] == []
    named = [(tag, attrs["name"]) for tag, attrs in elements if "name" in attrs]
    assert named == [("a", f"{USER_ID_PREFIX}{name}")]  # no img, form or input name (document.<name>)
    assert f'id="{USER_ID_PREFIX}{name}"' in html  # the author's ids are kept, prefixed
    # The heading keeps a readable anchor of its own, listed in the table of contents.
    heading = render_markdown(_clobbering_body(name)).toc[0]
    assert heading.anchor == f"{name}-2" and f'<h2 id="{name}-2">' in html


def test_the_body_cannot_change_what_the_search_script_finds():
    """search.js runs document.getElementById("search") and PagefindUI({element: "#search"})."""
    for name in SCRIPT_IDS:
        for tag, attrs in _Elements(render_markdown(_clobbering_body(name)).html).elements:
            assert attrs.get("id") != name, (name, tag)


@pytest.mark.parametrize("name", sorted(SCRIPT_CLASSES))
def test_a_body_cannot_pose_as_an_element_the_scripts_find_by_class(name):
    assert {"filters-toggle", "pagefind-ui__search-input"} <= SCRIPT_CLASSES
    body = "".join(f'<{tag} class="{name}">x</{tag}>\n' for tag in ("section", "li", "sup", "code", "span", "div"))
    body += f'<input class="{name}" type="checkbox">\n\n```{name}\ncode\n```\n\n- [ ] a task[^n]\n\n[^n]: a note\n'
    elements = _Elements(render_markdown(body).html).elements
    assert [tag for tag, attrs in elements if name in attrs.get("class", "").split()] == []
    # mistune's own classes stay: task lists, footnotes, a fenced block's language.
    classes = {c for _, attrs in elements for c in attrs.get("class", "").split()}
    assert classes == {"task-list-item", "task-list-item-checkbox", "footnote-ref", "footnotes", f"language-{name}"}


def test_heading_anchors_and_the_toc_are_unchanged():
    rendered = render_markdown("# Title\n\n## Summary\n\n## What went well\n\n### Why *now*?\n\n## Summary\n")
    assert _ids(rendered.html) == ["title", "summary", "what-went-well", "why-now", "summary-2"]
    assert [entry.anchor for entry in rendered.toc] == ["summary", "what-went-well", "why-now", "summary-2"]


def test_same_page_links_follow_the_prefixed_ids():
    html = render_markdown(
        "## Summary\n\nSee [the summary](#summary), [my anchor](#mine), [elsewhere](#nowhere) and a note[^1].\n\n"
        '<span id="mine">here</span> <a id="user-content-kept" href="#user-content-kept">self</a>\n\n'
        "[^1]: The note.\n"
    ).html
    hrefs = [attrs["href"] for tag, attrs in _Elements(html).elements if attrs.get("href", "").startswith("#")]
    assert hrefs == ["#summary", "#user-content-mine", "#nowhere", "#user-content-fn-1", "#user-content-kept",
                     "#user-content-fnref-1"]
    ids = _ids(html)
    assert ids == ["summary", "user-content-fnref-1", "user-content-mine", "user-content-kept", "user-content-fn-1"]
    # Every link to something in the body still reaches it (footnotes both ways).
    assert {href[1:] for href in hrefs} - set(ids) == {"nowhere"}


def test_an_old_style_named_anchor_is_prefixed_and_still_reached():
    html = render_markdown('<a name="rollback"></a>Rolled back. See [above](#rollback).\n').html
    assert '<a name="user-content-rollback"' in html and 'href="#user-content-rollback"' in html


def test_an_id_in_an_attribute_value_is_not_rewritten():
    html = render_markdown('<span title=\'a> id="search" href="#x"\' id="x">t</span> <a href="#x">x</a>\n').html
    assert 'title="a&gt; id=&quot;search&quot; href=&quot;#x&quot;"' in html
    assert 'id="user-content-x"' in html and 'href="#user-content-x"' in html


def test_a_built_postmortem_page_keeps_each_theme_id_on_the_theme_element(tmp_path):
    """A page built from a clobbering body has each theme id exactly where a clean page has it."""
    name, clean = next(iter(POSTMORTEMS.items()))
    hostile = clean.replace("PM-2024-017", "PM-2024-099").replace("## Impact", "".join(
        _clobbering_body(theme_id) for theme_id in sorted(SCRIPT_IDS | PAGE_IDS)) + "\n## Impact")
    make_site(tmp_path, {name.replace("checkout", "hostile"): hostile})
    build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    pages = tmp_path / "site" / "postmortems"

    def owners(page: Path) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for tag, attrs in _Elements(page.read_text(encoding="utf-8")).elements:
            if attrs.get("id") in SCRIPT_IDS | PAGE_IDS:
                found.setdefault(attrs["id"], []).append(tag)
        return found

    def page_of(pm_id: str) -> Path:
        page, = (page for page in pages.glob("*/index.html")
                 if f'<p class="pm-id muted">{pm_id}</p>' in page.read_text(encoding="utf-8"))
        return page

    clean_page, hostile_page = page_of("PM-2024-017"), page_of("PM-2024-099")
    assert {"main", "site-search", "similar-incidents", "action-items"} <= owners(clean_page).keys()
    assert owners(hostile_page) == owners(clean_page)
    assert all(len(tags) == 1 for tags in owners(hostile_page).values())
