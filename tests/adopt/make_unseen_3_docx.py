"""Build tests/fixtures/adopt-unseen-3/docx-field-table.docx with python-docx: a Title paragraph, then a
two-column field/value table (no header row) instead of 'Label: value' lines, Heading 1 sections, a timeline
of bullets without a day, and an action table whose Owner cell is merged over two rows (Word's vMerge).
Run: python3 tests/adopt/make_unseen_3_docx.py."""

from pathlib import Path

import docx

TARGET = Path(__file__).resolve().parents[1] / "fixtures" / "adopt-unseen-3" / "docx-field-table.docx"

document = docx.Document()
document.core_properties.author = "Fixture"
document.add_paragraph("Incident report: Warehouse label printing stopped", style="Title")
fields = document.add_table(rows=0, cols=2)
fields.style = "Table Grid"
for label, value in (("Incident reference", "WH-2024-017"), ("Date of incident", "14/05/2024"),
                     ("Severity", "P2"), ("Start of impact", "14/05/2024 06:20 BST"),
                     ("Time detected", "14/05/2024 06:41 BST"), ("Service restored", "14/05/2024 09:05 BST"),
                     ("Report author", "Gareth Evans"), ("Affected systems", "label-printing, wms")):
    row = fields.add_row()
    row.cells[0].text, row.cells[1].text = label, value
    row.cells[0].paragraphs[0].runs[0].bold = True
document.add_heading("Summary", level=1)
document.add_paragraph("Shipping labels stopped printing at the Bristol warehouse for two hours and 45 minutes "
                       "after the print server's disk filled with spooled jobs. Parcels missed the first two "
                       "carrier collections.")
document.add_heading("Timeline", level=1)
document.add_paragraph("All times BST.")
for entry in ("06:20 – Print queue stops; label printers idle", "06:41 – Shift lead reports no labels printing",
              "07:30 – Spool folder cleared; printing resumes for new jobs",
              "09:05 – Backlog of labels printed; service restored"):
    document.add_paragraph(entry, style="List Bullet")
document.add_heading("Root cause", level=1)
document.add_paragraph("Failed jobs were never removed from the spool folder; after eight months it filled the disk.")
document.add_heading("Actions", level=1)
actions = document.add_table(rows=1, cols=3)
actions.style = "Table Grid"
for cell, name in zip(actions.rows[0].cells, ("Action", "Owner", "Due")):
    cell.text = name
for action, owner, due in (("Purge failed print jobs nightly", "Site IT", "31/05/2024"),
                           ("Alert on print server disk usage above 80%", "", "14/06/2024"),
                           ("Add a manual label fallback to the shift runbook", "Gareth Evans", "")):
    row = actions.add_row()
    row.cells[0].text, row.cells[1].text, row.cells[2].text = action, owner, due
actions.cell(1, 1).merge(actions.cell(2, 1))  # one Owner cell over the first two actions
TARGET.parent.mkdir(parents=True, exist_ok=True)
document.save(TARGET)
