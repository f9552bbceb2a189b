"""Markdown rendering: GitHub-flavoured features, heading anchors, TOC, sanitising, cache."""

from __future__ import annotations

import pytest

from pmsite import parallel
from pmsite.render.markdown import RenderCache, render_markdown
from pmsite.slugs import slugify
from tests.processes import no_child_processes


def test_tables_task_lists_footnotes_and_strikethrough():
    html = render_markdown(
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\nText[^n] ~~old~~\n\n[^n]: The note.\n"
    ).html
    assert '<th style="text-align:left">a</th>' in html
    assert '<input class="task-list-item-checkbox" type="checkbox" disabled="" aria-label="done" checked="">done' in html
    assert '<sup class="footnote-ref" id="user-content-fnref-1"><a href="#user-content-fn-1"' in html
    assert '<li id="user-content-fn-1"><p>The note.' in html
    assert "<del>old</del>" in html


def test_headings_get_readable_unique_anchors_and_a_toc():
    rendered = render_markdown("## The second story\n\ntext\n\n### Why *now*?\n\n## The second story\n\n#### Deep\n")
    assert '<h2 id="the-second-story">The second story</h2>' in rendered.html
    assert '<h2 id="the-second-story-2">' in rendered.html
    assert '<h3 id="why-now">Why <em>now</em>?</h3>' in rendered.html
    assert [(e.level, e.anchor, e.text) for e in rendered.toc] == [
        (2, "the-second-story", "The second story"), (3, "why-now", "Why now?"),
        (2, "the-second-story-2", "The second story"),
    ]


def test_slugify_is_ascii_and_never_empty():
    assert slugify("Déjà vu: cache/flush ../x") == "deja-vu-cache-flush-x"
    assert slugify("***") == "section"
    assert slugify("..", fallback="item") == "item"


def test_code_blocks_keep_their_language_class_and_escape_content():
    html = render_markdown("```python\nprint('<b>')\n```\n").html
    assert '<pre><code class="language-python">print(\'&lt;b&gt;\')' in html


def test_cache_renders_each_body_once_and_survives_a_restart(tmp_path):
    path = tmp_path / "render.pickle"
    cache = RenderCache(path)
    first = cache.render("## A\n\ntext\n")
    cache.render("## A\n\ntext\n")
    assert (cache.hits, cache.misses) == (1, 1)
    cache.save()
    again = RenderCache(path)
    assert again.render("## A\n\ntext\n") == first
    assert (again.hits, again.misses) == (1, 0)


def test_cache_drops_entries_no_longer_used(tmp_path):
    path = tmp_path / "render.pickle"
    cache = RenderCache(path)
    cache.render("old body\n")
    cache.save()
    cache.render("new body\n")
    cache.save()
    reloaded = RenderCache(path)
    reloaded.render("old body\n")
    assert reloaded.misses == 1


def test_a_corrupt_cache_file_is_ignored(tmp_path):
    path = tmp_path / "render.pickle"
    path.write_text("{not json", encoding="utf-8")
    assert RenderCache(path).render("x\n").html == "<p>x</p>\n"


def test_bare_urls_become_links_and_texts_without_them_render_alike_with_either_parser():
    from pmsite.render.markdown import _parser, _parser_without_bare_urls

    html = render_markdown("See https://status.example/x for the status.\n").html
    assert '<a href="https://status.example/x" rel="noopener noreferrer">https://status.example/x</a>' in html
    for text in ("## Why *now*?\n\nThe h&hellip; hook, `h`, **h**ello, ~~h~~ and [h](x \"h\").\n",
                 "| h | i |\n|---|---|\n| <b>h</b> | &#104; |\n\n- [x] h\n\nh[^h]\n\n[^h]: h\n"):
        with_rule, without_rule = _parser.parse(text), _parser_without_bare_urls.parse(text)
        assert with_rule[0] == without_rule[0] and with_rule[1].env["toc"] == without_rule[1].env["toc"]


def test_bodies_rendered_ahead_in_worker_processes_match_a_serial_render(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    texts = [f"## Part {n}\n\nBody {n} with https://example.com/{n} and *emphasis*.\n" for n in range(6)]
    cache = RenderCache(tmp_path / "render.pickle")
    with cache.rendering_ahead([*texts, texts[0]]):
        assert [cache.render(text) for text in texts] == [render_markdown(text) for text in texts]
    assert (cache.hits, cache.misses) == (0, 6)
    cache.save()
    again = RenderCache(tmp_path / "render.pickle")
    with again.rendering_ahead(texts):  # everything is cached: nothing to render ahead
        assert again.render(texts[3]) == render_markdown(texts[3]) and again.misses == 0


def test_leaving_the_block_unused_stops_the_workers(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    cache = RenderCache()
    with cache.rendering_ahead([f"text {n}\n" for n in range(8)]):
        pass
    assert no_child_processes()
    assert cache.render("text 1\n").html == "<p>text 1</p>\n" and cache.misses == 1


def test_a_body_rendered_later_is_read_when_wanted_and_kept_for_the_next_build(tmp_path, monkeypatch):
    """Pages of unchanged postmortems are linked, not drawn: their bodies need not be read at all."""
    from pmsite.cache import PickleCache

    path = tmp_path / "render.pickle"
    first = RenderCache(path)
    expected = first.render("## A\n\ntext\n")
    first.save()
    reads = []
    original_get = PickleCache.get
    monkeypatch.setattr(PickleCache, "get", lambda self, key: reads.append(key) or original_get(self, key))
    second = RenderCache(path)
    later = second.render_later("## A\n\ntext\n")
    assert reads == [] and second.misses == 0
    second.save()  # never read, still used: kept
    assert later() == expected and len(reads) == 1
    third = RenderCache(path)
    assert third.render("## A\n\ntext\n") == expected and third.misses == 0


def test_equal_headings_get_numbered_ids_in_linear_work():
    """40,000 equal headings took 97 s: each counted up from -2 past every id taken before it."""
    from pmsite.slugs import UniqueNames

    class CountingSet(set):
        checks = 0

        def __contains__(self, item):
            CountingSet.checks += 1
            return super().__contains__(item)

    names = UniqueNames()
    names._used = CountingSet()
    given = [names("summary") for _ in range(40_000)] + [names("summary-7")]  # a literal that was handed out
    assert given[:3] == ["summary", "summary-2", "summary-3"] and given[-2] == "summary-40000"
    assert given[-1] == "summary-7-2" and len(set(given)) == len(given)
    assert CountingSet.checks < 3 * len(given)


def test_rendering_four_times_the_headings_takes_about_four_times_as_long():
    """End to end through the renderer, generously: with quadratic anchors it took sixteen times (26 measured)."""
    import time

    def seconds(count: int) -> float:
        text = "## Same\n\n" * count
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            render_markdown(text)
            best = min(best, time.perf_counter() - started)
        return best

    seconds(500)  # warm up
    small, large = seconds(2_000), seconds(8_000)
    assert large < 8 * small, (small, large)
    rendered = render_markdown("## Same\n\n" * 20_000)
    assert rendered.toc[-1].anchor == "same-20000"


def test_html_nested_past_the_limit_is_shown_as_text_in_linear_time():
    """html5ever (the sanitiser's parser) did work in proportion to the depth for every element."""
    from pmsite.render.markdown import MAX_HTML_DEPTH

    shallow = "<div>" * MAX_HTML_DEPTH + "fine" + "</div>" * MAX_HTML_DEPTH
    assert "&lt;div&gt;" not in render_markdown(shallow).html
    deep = "## Deep\n\n" + "<div>" * 30_000 + "x" + "</div>" * 30_000 + "\n\n<b>bold</b> and *emphasis*\n"
    html = render_markdown(deep).html
    assert html.count("&lt;div&gt;") == 30_000 and "<div>" not in html
    assert '<h2 id="deep">Deep</h2>' in html and "&lt;b&gt;bold&lt;/b&gt; and <em>emphasis</em>" in html


@pytest.mark.parametrize("nested", [
    "- " * 10_000 + "x\n",  # 10,000 list levels on one line
    "> " * 10_000 + "x\n",  # 10,000 quote levels
    ">" * 10_000 + " x\n",
    "".join("  " * level + "- x\n" for level in range(1_500)),  # a line a level
    "".join(">" * level + " x\n" for level in range(1, 1_500)),
])
def test_markdown_nesting_cannot_build_deep_html(nested):
    """mistune stops nesting blocks after a few levels (deeper markers stay text), so no Markdown
    reaches the sanitiser as deep HTML, whose parser would do work in proportion to the depth.
    bench/nested_markdown.py measures the time: linear in the input, 10,000 levels in 0.05 s."""
    from pmsite.render.markdown import _TAG

    depth = deepest = 0
    for closing, name, _ in _TAG.findall(render_markdown(nested).html):
        if name not in ("br", "hr", "img", "input", "wbr"):
            depth += -1 if closing else 1
            deepest = max(deepest, depth)
    assert 10 < deepest <= 64
