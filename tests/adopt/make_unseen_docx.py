"""Build dns-resolver-docx.docx with python-docx: Word heading styles, a table timeline,
bulleted action items with owners and due dates. Run: python3 tests/adopt/make_unseen_docx.py."""

from pathlib import Path

import docx

document = docx.Document()
document.core_properties.author = "Fixture"
document.add_paragraph("Internal DNS resolver saturation", style="Title")
fields = document.add_paragraph()
fields.add_run("Incident date: ").bold = True
fields.add_run("2024-05-02")
priority = document.add_paragraph()
priority.add_run("Priority: ").bold = True
priority.add_run("critical")
document.add_heading("Summary", level=1)
document.add_paragraph("Internal name lookups timed out for 41 minutes after a batch job started resolving "
                       "a million unique host names, filling the resolvers' caches and query queues.")
document.add_heading("Timeline", level=1)
table = document.add_table(rows=1, cols=2)
table.style = "Table Grid"
table.rows[0].cells[0].text = "Time (UTC)"
table.rows[0].cells[1].text = "Event"
for when, event in (("2024-05-02 07:14", "Batch job starts resolving partner host names"),
                    ("2024-05-02 07:19", "DNS latency alert fires"),
                    ("2024-05-02 07:44", "Batch job paused; mitigated"),
                    ("2024-05-02 07:55", "Resolver queues empty; resolved")):
    row = table.add_row()
    row.cells[0].text, row.cells[1].text = when, event
document.add_heading("Contributing factors", level=1)
document.add_paragraph("The resolvers had no per-client query limit.", style="List Bullet")
document.add_paragraph("The batch job bypassed the local cache.", style="List Bullet")
document.add_heading("Action items", level=1)
for text in ("Add a per-client query rate limit to the resolvers (owner: Ines Duarte, due 2024-06-01)",
             "Route batch jobs through a caching stub resolver (owner: Kofi Mensah, due 2024-06-15)",
             "Document DNS capacity in the platform handbook (owner: Ines Duarte)"):
    document.add_paragraph(text, style="List Bullet")
document.add_heading("Lessons learned", level=1)
document.add_paragraph("Shared infrastructure needs limits per client, not just in total.", style="List Bullet")
document.save(Path(__file__).parents[1] / "fixtures" / "adopt-unseen" / "dns-resolver-docx.docx")

# A second document as many are written: no heading styles, just bold paragraphs, and a table of actions.
plain = docx.Document()
plain.add_paragraph().add_run("Postmortem: VPN gateway certificate expired").bold = True
plain.add_paragraph("Date of incident: 12 February 2024")
plain.add_paragraph("Severity: Critical")
plain.add_paragraph().add_run("Summary").bold = True
plain.add_paragraph("Remote staff could not connect to the VPN for 95 minutes because the gateway's server "
                    "certificate expired overnight and nobody was alerted.")
plain.add_paragraph().add_run("Timeline (CET)").bold = True
for line in ("08:05 First helpdesk tickets about VPN errors", "08:30 Network team notified",
             "09:40 New certificate installed; VPN access restored"):
    plain.add_paragraph(line)
plain.add_paragraph().add_run("Action items").bold = True
actions = plain.add_table(rows=1, cols=3)
actions.rows[0].cells[0].text, actions.rows[0].cells[1].text, actions.rows[0].cells[2].text = "Action", "Owner", "Due"
for row_text in (("Monitor certificate expiry on every gateway", "Network team", "2024-03-01"),
                 ("Automate certificate renewal", "Platform team", "2024-04-01")):
    cells = actions.add_row().cells
    for cell, text in zip(cells, row_text):
        cell.text = text
plain.save(Path(__file__).parents[1] / "fixtures" / "adopt-unseen" / "vpn-certificate-bold-headings.docx")
