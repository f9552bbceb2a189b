"""Hostile content: nothing executable survives, front-matter is escaped, slugs stay inside the site."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from pmsite import validate as validate_stage
from pmsite.config import load_config
from pmsite.errors import BuildError
from pmsite.pipeline import build
from pmsite.render.markdown import render_markdown
from pmsite.render.output import SiteWriter
from tests.render.site_fixture import make_site

HOSTILE_BODY = """
## Summary <script>alert('heading')</script>

<script>alert(1)</script>
<img src="x.png" onerror="alert(2)" onload="alert(3)">
<a href="javascript:alert(4)">click</a>
<a href="JaVaScRiPt:alert(5)">mixed case</a>
<a href="&#106;avascript:alert(6)">entity</a>
[markdown link](javascript:alert(7))
![image](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)
<a href="data:text/html,<script>alert(8)</script>">data</a>
<iframe src="https://evil.example"></iframe>
<div style="background:url(javascript:alert(9))" onclick="alert(10)">styled</div>
<svg onload="alert(11)"><circle/></svg>
<form action="https://evil.example"><input name="password"></form>
<style>body { display: none }</style>
<a href="https://example.com/ok">safe link</a>
"""


EXECUTABLE = (r"<script", r"<[^>]*\son[a-z]+\s*=", r"(href|src)\s*=\s*[\"']?\s*(javascript|data):")
#: Also never allowed in a postmortem body (the theme itself draws SVG charts and a search form).
FOREIGN = (r"<iframe", r"<style", r"<form", r"<svg", r"style=\"background")


def _executable_bits(html: str, patterns: tuple[str, ...] = EXECUTABLE + FOREIGN) -> list[str]:
    return [p for p in patterns if re.search(p, html, re.IGNORECASE)]


def test_markdown_links_with_dangerous_schemes_lose_their_url():
    html = render_markdown("[a](javascript:alert(1)) ![b](data:image/png;base64,AAAA) [c](vbscript:x)\n").html
    assert _executable_bits(html) == []
    assert "vbscript" not in html


def test_sanitiser_removes_scripts_handlers_and_dangerous_urls():
    html = render_markdown(HOSTILE_BODY).html
    assert _executable_bits(html) == []
    assert '<a href="https://example.com/ok" rel="noopener noreferrer">safe link</a>' in html
    assert "alert(1)" not in html  # script content goes with the tag


HOSTILE_POSTMORTEM = """---
id: PM-2024-666
title: "<script>alert('title')</script> Hostile"
status: published
severity: SEV4
type: other
date: 2024-06-20
services: ["<img src=x onerror=alert(1)>"]
teams: ["../../etc"]
tags: ["../../../outside", "<b>bold</b>"]
summary: "\\"><script>alert('summary')</script>"
lessons: ["<svg onload=alert(1)>"]
---
""" + HOSTILE_BODY


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """Built with validation switched off: the schema refuses markup in names, the pages must not need it to."""
    root = tmp_path_factory.mktemp("hostile")
    make_site(root, {"../../escape.md".replace("../", ""): HOSTILE_POSTMORTEM,
                     "2024-06-20-..%2F..%2Fslug.md": HOSTILE_POSTMORTEM.replace("PM-2024-666", "PM-2024-667")})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate_stage, "validate", lambda *args, **kwargs: [])
        result = build(load_config(root), as_of=dt.date(2024, 7, 15))
    return root, result


def test_the_schema_refuses_markup_in_tag_service_and_team_names(tmp_path):
    make_site(tmp_path, {"2024-06-20-hostile.md": HOSTILE_POSTMORTEM})
    with pytest.raises(BuildError) as stopped:
        build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    refused = {(e.message.split(" ")[0], e.line) for e in stopped.value.errors if e.rule == "schema/pattern"}
    assert refused == {("services[0]", 8), ("tags[1]", 10)}  # '../../etc' and '../../../outside' are fine names
    assert all("not < > & \" ' `" in e.suggestion for e in stopped.value.errors if e.rule == "schema/pattern")


def test_no_page_of_a_hostile_site_carries_executable_content(hostile_site):
    root, result = hostile_site
    for page in (root / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if page.parts[-2:] == ("search", "index.html"):
            continue  # the search page loads the site's own scripts
        body = re.sub(r'<script src="/(assets|pagefind)/[a-z-]+\.js"></script>', "", text)
        assert "<script" not in body, page
        assert _executable_bits(body, EXECUTABLE) == [], page


def test_front_matter_values_are_escaped(hostile_site):
    root, _ = hostile_site
    page = (root / "site" / "postmortems" / "escape" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Hostile" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_slugs_cannot_leave_the_output_folder(hostile_site):
    root, _ = hostile_site
    site = (root / "site").resolve()
    for path in root.rglob("*"):
        if path.suffix in (".html", ".xml") and ".pmsite-cache" not in path.parts:
            assert site in path.resolve().parents, path
    assert (site / "tags" / "outside" / "index.html").is_file()
    assert (site / "teams" / "etc" / "index.html").is_file()


def test_writer_refuses_paths_that_escape(tmp_path):
    writer = SiteWriter(tmp_path / "site")
    for bad in ("../evil.html", "/etc/passwd", "a/../../b.html", "a\\..\\b.html", ""):
        with pytest.raises(BuildError, match="must stay inside the output folder"):
            writer.write(bad, "x")
    writer.abort()
    assert not (tmp_path / "evil.html").exists()


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", " JavaScript:alert(1)"])
def test_action_item_links_that_are_not_web_urls_stop_the_build(tmp_path, link):
    """Action-item links go into href attributes: the schema's http(s) rule is the gate, so it must hold."""
    hostile = HOSTILE_POSTMORTEM.replace(
        "lessons:", f'action_items:\n  - {{id: AI-1, title: Rotate keys, owner: sec, status: open, link: "{link}"}}\nlessons:')
    make_site(tmp_path, {"2024-06-20-link.md": hostile})
    with pytest.raises(BuildError) as stopped:
        build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    assert any(e.rule in ("schema/format", "schema/pattern") and e.path.endswith("2024-06-20-link.md")
               for e in stopped.value.errors)
    assert not (tmp_path / "site").exists()
