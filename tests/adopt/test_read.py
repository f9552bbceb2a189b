"""Reading old postmortems: HTML exports (Confluence, Google Docs), .docx and bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from pmsite.adopt.read import NotConvertible, read_document
from tests.conftest import write

CONFLUENCE = """\
<!DOCTYPE html>
<html><head><title>Ops : Search outage after index alias swap</title>
<style>.x { color: red } SECRETSTYLE</style>
<script>window.trackMe = "SECRETSCRIPT";</script></head>
<body><div id="page"><div id="main-header"><div id="breadcrumb-section"><ol id="breadcrumbs">
<li><a href="index.html">Ops</a></li></ol></div>
<h1 id="title-heading" class="pagetitle"><span id="title-text">Ops : Search outage after index alias swap</span></h1></div>
<div id="content" class="view"><div class="page-metadata">Created by Dana Ruiz, last modified on Mar 14, 2024</div>
<div id="main-content" class="wiki-content group">
<h2 id="S-Summary">Summary</h2><p>On 7 March 2024 search returned no results for 40 minutes.</p>
<h2>Timeline</h2><p>All times in UTC.</p>
<div class="table-wrap"><table class="confluenceTable"><tbody>
<tr><th class="confluenceTh">Time</th><th class="confluenceTh">Event</th></tr>
<tr><td class="confluenceTd">2024-03-07 13:55</td><td class="confluenceTd">Alias swapped to an empty index</td></tr>
<tr><td class="confluenceTd">2024-03-07 14:02</td><td class="confluenceTd">Alert fired for zero-result rate</td></tr>
</tbody></table></div>
<h2>Action items</h2><ul><li>Check document count before swapping (<a href="https://jira.example/SRCH-12">SRCH-12</a>)</li></ul>
<pre><code>curl -XPOST /_aliases</code></pre>
</div></div>
<div id="footer"><section class="footer-body"><p>Printed by Atlassian Confluence</p></section></div></div>
<script>alert("SECRETSCRIPT2")</script></body></html>
"""


def test_confluence_export_keeps_content_and_drops_chrome_scripts_and_styles(tmp_path):
    document = read_document(write(tmp_path / "Search outage.html", CONFLUENCE))
    text = document.markdown
    assert text.startswith("# Search outage after index alias swap\n")  # the page title, space name dropped
    assert "## Summary" in text and "## Timeline" in text
    assert "| 2024-03-07 13:55 | Alias swapped to an empty index |" in text
    assert "[SRCH-12](https://jira.example/SRCH-12)" in text
    assert "```\ncurl -XPOST /_aliases\n```" in text
    for chrome in ("SECRETSCRIPT", "SECRETSTYLE", "Printed by Atlassian", "breadcrumbs", "Created by"):
        assert chrome not in text
    assert document.kind == "html"
    assert document.changed == dt.date(2024, 3, 14)
    assert document.changed_from == "the export's 'last modified' line"
    assert any("script/style" in note for note in document.notes)


GOOGLE_DOCS = """\
<html><head><meta content="text/html; charset=UTF-8" http-equiv="content-type">
<style type="text/css">.c1{font-weight:700}</style></head>
<body class="c9 doc-content"><p class="c2 title"><span class="c1">Checkout retries</span></p>
<h1 class="c4"><span>Checkout retries doubled load</span></h1>
<h2><span>Summary</span></h2><p class="c2"><span>Retries from the app doubled the load on payments.</span></p>
<h2><span>Action items</span></h2>
<table><tr><td rowspan="2"><p>Cap retries</p></td><td><p>owner: payments</p></td></tr>
<tr><td><p>due 2024-05-01</p></td></tr></table>
</body></html>
"""


def test_google_docs_export_expands_merged_cells_and_says_so(tmp_path):
    document = read_document(write(tmp_path / "retries.html", GOOGLE_DOCS))
    assert "# Checkout retries doubled load" in document.markdown
    assert ".c1" not in document.markdown
    rows = [line for line in document.markdown.splitlines() if line.startswith("| Cap")]
    assert rows == ["| Cap retries | owner: payments |", "| Cap retries | due 2024-05-01 |"]
    assert any("merged cells" in note for note in document.notes)


def test_docx_headings_lists_tables_and_links_become_markdown(tmp_path):
    docx = pytest.importorskip("docx")  # in the test extra: a failed import is a broken install
    document = docx.Document()
    document.add_heading("Queue backlog after consumer deploy", level=1)
    document.add_heading("Summary", level=2)
    document.add_paragraph("On 2 April 2024 the order queue backed up for an hour.")
    document.add_heading("Action items", level=2)
    document.add_paragraph("Add a lag alert", style="List Bullet")
    document.add_paragraph("Canary the consumer", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Time", "Event"
    table.cell(1, 0).text, table.cell(1, 1).text = "10:05", "Deploy"
    path = tmp_path / "backlog.docx"
    document.save(path)
    text = read_document(path).markdown
    assert text.startswith("# Queue backlog after consumer deploy")
    assert "## Summary" in text and "## Action items" in text
    assert "- Add a lag alert" in text and "- Canary the consumer" in text
    assert "| 10:05 | Deploy |" in text


@pytest.mark.parametrize(("name", "data", "message"), [
    ("notes.md", "Déjà vu".encode("latin-1"), "line 1: byte 0xe9 is not valid UTF-8"),
    ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary file"),
    ("broken.docx", b"not a zip", "not a Word document"),
])
def test_unreadable_files_raise_a_clear_reason(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(NotConvertible, match=message):
        read_document(path)


def test_markdown_front_matter_of_another_tool_is_set_apart_and_setext_headings_found(tmp_path):
    source = write(tmp_path / "2023-05-02-queue.md", """\
        ---
        title: Queue backlog
        date: 2023-05-02
        tags: [kafka, Consumer Lag]
        ---
        Queue backlog
        =============

        Summary
        -------

        Consumers stalled.

        Action items
        ------------

        - Alert on consumer lag
        """)
    document = read_document(source)
    assert document.front_matter["title"] == "Queue backlog"
    assert document.markdown.startswith("# Queue backlog\n\n## Summary\n\nConsumers stalled.")
    from pmsite.adopt.infer import infer

    found = infer(document, {})
    assert (found.meta["date"], found.meta["tags"]) == ("2023-05-02", ["kafka", "consumer-lag"])
    assert found.sources["date"] == "the source's front-matter"


def test_google_docs_title_style_is_the_title_when_sections_are_level_one(tmp_path):
    html = ('<html><head><title>untitled</title></head><body><p class="c3 title"><span>Login outage</span></p>'
            "<h1>Summary</h1><p>On 2 June 2024 nobody could log in.</p><h1>Timeline</h1><p>All times in UTC.</p>"
            "</body></html>")
    text = read_document(write(tmp_path / "login.html", html)).markdown
    assert text.startswith("# Login outage\n\n# Summary\n")
    from pmsite.adopt.infer import infer
    from pmsite.adopt.read import Document

    assert infer(Document(tmp_path / "x.md", "markdown", "# Summary\n\nDisk full.\n\n# Timeline\n\n- x\n"),
                 {}).meta["title"] == "x.md"  # a section heading is not a title: the file name is (whole: 'x' is
    # shorter than the three characters the schema asks of a title)


def test_confluence_task_lists_keep_their_checkbox_state(tmp_path):
    html = ('<html><body><div id="main-content"><h1>Cache stampede</h1><h2>Summary</h2><p>On 1 May 2024 the cache '
            'emptied.</p><h2>Action items</h2><ul class="inline-task-list"><li class="checked">Add jitter</li>'
            '<li>Warm the cache on deploy</li></ul></div></body></html>')
    document = read_document(write(tmp_path / "stampede.html", html))
    from pmsite.adopt.infer import infer

    items = infer(document, {}).meta["action_items"]
    assert [(item["title"], item["status"]) for item in items] == [("Add jitter", "done"),
                                                                   ("Warm the cache on deploy", "open")]


def test_a_front_matter_alias_bomb_is_refused_and_the_text_still_imports(tmp_path):
    """Another tool's front-matter is untrusted YAML: it goes through the bounded reader."""
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]" for previous, name in zip("abcdef", "bcdefg")]
    source = write(tmp_path / "bomb.md", "---\n" + "\n".join(levels) + "\n---\n# Queue backlog\n\n## Summary\n\nStalled.\n",
                   dedent=False)
    document = read_document(source)
    assert document.front_matter == {}
    assert any("not read" in note and "aliases" in note for note in document.notes)
    assert document.markdown.startswith("# Queue backlog")


def test_raw_html_tables_in_markdown_are_read_as_tables_and_code_keeps_its_own(tmp_path):
    """Confluence-to-Markdown converters keep tables with merged or multi-line cells as HTML."""
    source = write(tmp_path / "2024-05-02-search.md", """\
        # Search outage

        ## Summary

        Search failed for 40 minutes after the alias moved to an empty index.

        ## Action items
        <table class="confluenceTable">
          <tr><th>Action</th><th>Owner</th><th>Due</th><th>Status</th></tr>
          <tr><td>Check the new index is <b>not empty</b> before moving the alias<script>alert(1)</script></td>
              <td>@mara</td><td>2024-05-20</td><td>Done</td></tr>
          <tr><td rowspan="1">Alert on an empty alias</td><td>@theo</td><td>2024-06-01</td><td>Open</td></tr>
        </table>
        ## How the rollover works

        ```html
        <table><tr><td>kept as code</td></tr></table>
        ```

        <table><tr><td>never closed
        """)
    document = read_document(source)
    assert "<table class" not in document.markdown and "alert(1)" not in document.markdown
    assert "| Alert on an empty alias | @theo | 2024-06-01 | Open |" in document.markdown
    assert "## Action items\n\n| Action |" in document.markdown  # a blank line, then the table
    assert "```html\n<table><tr><td>kept as code</td></tr></table>\n```" in document.markdown
    assert "<table><tr><td>never closed" in document.markdown
    assert "1 HTML table in the Markdown written as a Markdown table, so its rows are read" in document.notes
    from pmsite.adopt.infer import infer

    items = infer(document, {}).meta["action_items"]
    assert [(item["owner"], item["due"], item["status"]) for item in items] == \
        [("mara", "2024-05-20", "done"), ("theo", "2024-06-01", "open")]
    assert items[0]["title"] == "Check the new index is not empty before moving the alias"
