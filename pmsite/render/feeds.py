"""The Atom feed (postmortems and digests) and ``sitemap.xml``.

Both are built from plain values so the output is byte-identical for the same
inputs: dates come from the content, never from the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from pmsite.render.site import Page, SiteInfo

FEED_LIMIT = 50


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


def atom_feed(site: SiteInfo, entries: list[FeedEntry]) -> str:
    """Newest first, at most ``FEED_LIMIT`` entries."""
    chosen = sorted(entries, key=lambda e: (e.updated, e.key), reverse=True)[:FEED_LIMIT]
    updated = chosen[0].updated if chosen else dt.date(1970, 1, 1)
    feed_id = site.canonical_root or f"urn:pmsite:{escape(site.title)}"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(site.title)}</title>",
        f"  <subtitle>{escape(site.description)}</subtitle>",
        f"  <id>{escape(feed_id)}</id>",
        f"  <updated>{_timestamp(updated)}</updated>",
        f"  <link rel=\"self\" href={quoteattr(_absolute(site, 'feed.xml'))}/>",
        f"  <link href={quoteattr(_absolute(site, ''))}/>",
        "  <generator>pmsite</generator>",
    ]
    for entry in chosen:
        lines += [
            "  <entry>",
            f"    <title>{escape(entry.title)}</title>",
            f"    <id>{escape(_absolute(site, entry.url) if site.canonical_root else 'urn:pmsite:' + entry.key)}</id>",
            f"    <link href={quoteattr(_absolute(site, entry.url))}/>",
            f"    <updated>{_timestamp(entry.updated)}</updated>",
            *(f"    <author><name>{escape(name)}</name></author>" for name in entry.authors or (site.title,)),
            f"    <summary>{escape(entry.summary)}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def sitemap(site: SiteInfo, pages: list[Page]) -> str:
    """Every page meant for search engines, sorted by URL."""
    urls = sorted(_absolute(site, page.url) for page in pages if page.in_sitemap)
    body = "".join(f"  <url><loc>{escape(url)}</loc></url>\n" for url in urls)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + body + "</urlset>\n")
