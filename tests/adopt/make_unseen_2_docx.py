"""Build tests/fixtures/adopt-unseen-2/word-tracked-changes.docx with python-docx: a header and
footer, a table-of-contents field, a two-column timeline table, a reviewer's comment and tracked
changes (an insertion and a deletion). Run: python3 tests/adopt/make_unseen_2_docx.py."""

from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

TARGET = Path(__file__).resolve().parents[1] / "fixtures" / "adopt-unseen-2" / "word-tracked-changes.docx"

document = docx.Document()
document.core_properties.author = "Fixture"
section = document.sections[0]
section.header.paragraphs[0].text = "CONFIDENTIAL - Internal use only - 2019-01-01"
section.footer.paragraphs[0].text = "Page 1 of 2 - Printed 2019-02-02 08:00"
document.add_paragraph("Postmortem: Message broker disk exhaustion", style="Title")
# A table of contents as Word writes it: a 'TOC Heading' paragraph, then one 'toc 1' paragraph per heading
# holding the TOC field's cached result (the heading's text and its page number).
for name in ("TOC Heading", "toc 1"):
    if name not in [style.name for style in document.styles]:
        document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
document.add_paragraph("Contents", style="TOC Heading")
for number, (heading, page) in enumerate((("Summary", 1), ("Timeline", 1), ("Action items", 2))):
    entry = document.add_paragraph(style="toc 1")
    if number == 0:
        entry._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>'))
        entry._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h '
                                  '</w:instrText></w:r>'))
        entry._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))
    entry.add_run(f"{heading}\t{page}")
    if number == 2:
        entry._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
fields = document.add_paragraph()
fields.add_run("Date of incident: ").bold = True
fields.add_run("2024-11-19")
severity = document.add_paragraph()
severity.add_run("Severity: ").bold = True
commented = severity.add_run("SEV1")
document.add_comment(commented, text="Was this not SEV2 under the new scale? 2024-11-20", author="Reviewer")
document.add_heading("Summary", level=1)
summary = document.add_paragraph("The message broker stopped accepting messages for ")
# Tracked changes: the author replaced "an hour" with "38 minutes".
summary._p.append(parse_xml(
    f'<w:del {nsdecls("w")} w:id="91" w:author="Editor" w:date="2024-11-20T10:00:00Z">'
    '<w:r><w:delText>an hour</w:delText></w:r></w:del>'))
summary._p.append(parse_xml(
    f'<w:ins {nsdecls("w")} w:id="92" w:author="Editor" w:date="2024-11-20T10:00:00Z">'
    '<w:r><w:t>38 minutes</w:t></w:r></w:ins>'))
summary.add_run(" after its data disk filled with unacknowledged messages from a stalled consumer.")
document.add_heading("Timeline", level=1)
document.add_paragraph("All times UTC.")
table = document.add_table(rows=1, cols=2)
table.style = "Table Grid"
table.rows[0].cells[0].text = "When"
table.rows[0].cells[1].text = "What happened"
for when, event in (("2024-11-19 16:02", "Broker disk reaches 100%; publishes rejected"),
                    ("2024-11-19 16:07", "Publish error alert fires"),
                    ("2024-11-19 16:31", "Stalled consumer restarted; queue draining"),
                    ("2024-11-19 16:40", "Disk below 70%; publishes accepted again")):
    row = table.add_row()
    row.cells[0].text, row.cells[1].text = when, event
document.add_heading("Action items", level=1)
for text in ("Alert on unacknowledged message age (owner: Rosa Diaz, due 2024-12-06)",
             "Set a disk quota per queue (owner: Emeka Obi)"):
    document.add_paragraph(text, style="List Bullet")
TARGET.parent.mkdir(parents=True, exist_ok=True)
document.save(TARGET)
