"""The Atom feed (postmortems and digests) and ``sitemap.xml``.

Both are built from plain values so the output is byte-identical for the same
inputs: dates come from the content, never from the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import escape as _escape

from pmsite.render.site import Page, SiteInfo

FEED_LIMIT = 50


#: Characters XML 1.0 forbids even escaped; one would make the whole feed unreadable. Validation
#: refuses them in front-matter; the feed drops any that arrive another way (a theme, a config value).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> str:
    """XML character data (xml.sax.saxutils would import urllib and http.client: 20 ms a build)."""
    return _escape(_NOT_XML.sub("", value), quote=False)


def _attribute(value: str) -> str:
    """A double-quoted XML attribute value."""
    return f'"{_escape(_NOT_XML.sub("", value))}"'


@dataclass(frozen=True)
class FeedEntry:
    key: str
    title: str
    url: str
    updated: dt.date
    summary: str
    authors: tuple[str, ...] = ()


def _absolute(site: SiteInfo, url: str) -> str:
    return (site.canonical_root or site.base_url) + url


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def atom_feed(site: SiteInfo, entries: list[FeedEntry], path: str = "feed.xml", title: str = "",
              page_url: str = "") -> str:
    """Newest first, at most ``FEED_LIMIT`` entries; ``path`` is where the feed is written (the main
    feed, or one per service, team and tag with its ``title`` and the ``page_url`` of its list)."""
    chosen = sorted(entries, key=lambda e: (e.updated, e.key), reverse=True)[:FEED_LIMIT]
    updated = chosen[0].updated if chosen else dt.date(1970, 1, 1)
    feed_id = (_absolute(site, path) if site.canonical_root and path != "feed.xml"
               else site.canonical_root or f"urn:pmsite:{_text(site.title)}" + ("" if path == "feed.xml" else f":{path}"))
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{_text(title or site.title)}</title>",
        f"  <subtitle>{_text(site.description)}</subtitle>",
        f"  <id>{_text(feed_id)}</id>",
        f"  <updated>{_timestamp(updated)}</updated>",
        f"  <link rel=\"self\" href={_attribute(_absolute(site, path))}/>",
        f"  <link href={_attribute(_absolute(site, page_url))}/>",
        "  <generator>pmsite</generator>",
    ]
    for entry in chosen:
        lines += [
            "  <entry>",
            f"    <title>{_text(entry.title)}</title>",
            f"    <id>{_text(_absolute(site, entry.url) if site.canonical_root else 'urn:pmsite:' + entry.key)}</id>",
            f"    <link href={_attribute(_absolute(site, entry.url))}/>",
            f"    <updated>{_timestamp(entry.updated)}</updated>",
            *(f"    <author><name>{_text(name)}</name></author>" for name in entry.authors or (site.title,)),
            f"    <summary>{_text(entry.summary)}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def sitemap(site: SiteInfo, pages: list[Page]) -> str:
    """Every page meant for search engines, sorted by URL."""
    urls = sorted(_absolute(site, page.url) for page in pages if page.in_sitemap)
    body = "".join(f"  <url><loc>{_text(url)}</loc></url>\n" for url in urls)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + body + "</urlset>\n")
