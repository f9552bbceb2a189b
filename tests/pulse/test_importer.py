"""``pulse import``: canonical and form exports, respondent data never stored, all or nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pmsite.pulse.importer import PRESETS, Mapping, import_file, load_mapping
from pmsite.pulse.store import COLUMNS, PulseError, read_all


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def stored_rows(settings) -> list[list[str]]:
    rows = []
    for path in sorted(settings.folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += list(csv.reader(handle))
    return rows


CANONICAL = """team,submitted_at,question,answer,Email Address
payments,2026-03-02T09:15:00Z,ps1,2,ada@example.com
payments,2026-03-02T09:15:00Z,ps2,6,ada@example.com
search,2026-03-05 17:40,inc1,7,bob@example.com
search,2026-03-09,ps4,5,bob@example.com
"""


def test_canonical_import_keeps_team_week_question_answer_only(tmp_path, settings):
    outcome = import_file(write(tmp_path / "answers.csv", CANONICAL), settings)
    assert outcome.added == {"2026-W10": 3, "2026-W11": 1}
    assert outcome.dropped_columns == ["Email Address"]
    files = sorted(p.name for p in settings.folder.iterdir())
    assert files == ["2026-W10.csv", "2026-W11.csv", "imported.txt"]
    assert (settings.folder / "2026-W10.csv").read_text(encoding="utf-8") == (
        "team,week,question,answer\n"
        "payments,2026-W10,ps1,2\n"
        "payments,2026-W10,ps2,6\n"
        "search,2026-W10,inc1,7\n")
    everything = "".join(p.read_text(encoding="utf-8") for p in settings.folder.iterdir())
    for secret in ("ada@", "bob@", "09:15", "17:40", "2026-03-02"):
        assert secret not in everything


def test_rows_are_sorted_so_their_order_reveals_nothing(tmp_path, settings):
    first = "team,submitted_at,question,answer\nsearch,2026-03-02,ps1,7\npayments,2026-03-02,ps1,1\n"
    import_file(write(tmp_path / "a.csv", first), settings)
    import_file(write(tmp_path / "b.csv", "team,submitted_at,question,answer\npayments,2026-03-03,ps1,4\n"), settings)
    assert stored_rows(settings)[1:] == [["payments", "2026-W10", "ps1", "1"], ["payments", "2026-W10", "ps1", "4"],
                                         ["search", "2026-W10", "ps1", "7"]]


def test_every_bad_row_is_named_and_nothing_is_imported(tmp_path, settings):
    import_file(write(tmp_path / "good.csv", "team,submitted_at,question,answer\npayments,2026-03-02,ps1,3\n"), settings)
    before = (settings.folder / "2026-W10.csv").read_bytes()
    bad = write(tmp_path / "bad.csv", (
        "team,submitted_at,question,answer\n"
        "payments,2026-03-03,ps1,4\n"          # row 2 fine
        "payments,2026-03-03,ps2,0\n"          # row 3 out of range
        "payments,2026-03-03,ps9,5\n"          # row 4 unknown question
        "marketing,2026-03-03,ps1,5\n"         # row 5 unknown team
        "payments,yesterday,ps1,5\n"           # row 6 bad time stamp
        "payments,2026-03-03,ps1,4\n"          # row 7 duplicate of row 2
        "payments,2026-03-20,ps3,8\n"))        # row 8 out of range, another week
    with pytest.raises(PulseError) as raised:
        import_file(bad, settings)
    message = raised.value.message
    assert message.splitlines() == [
        "nothing was imported; fix these rows and import again:",
        "  bad.csv: row 3: answer '0' is outside 1-7 (1 strongly disagree ... 7 strongly agree)",
        ("  bad.csv: row 4: unknown question id 'ps9'; expected one of: "
         "ps1, ps2, ps3, ps4, ps5, ps6, ps7, inc1, inc2, inc3"),
        "  bad.csv: row 5: unknown team 'marketing'; expected one of: payments, search, platform",
        "  bad.csv: row 6: submitted_at 'yesterday' is not an ISO 8601 date/time (e.g. 2026-03-04T10:15:00)",
        "  bad.csv: row 7: repeats row 2; remove the duplicate row",
        "  bad.csv: row 8: answer '8' is outside 1-7 (1 strongly disagree ... 7 strongly agree)",
    ]
    assert (settings.folder / "2026-W10.csv").read_bytes() == before
    assert not (settings.folder / "2026-W12.csv").exists()


def test_not_utf8_is_refused(tmp_path, settings):
    path = write(tmp_path / "latin.csv", "team,submitted_at,question,answer\npayménts,2026-03-02,ps1,3\n", "latin-1")
    with pytest.raises(PulseError, match=r"latin.csv: row 2: not UTF-8 \(byte 38\); export or save the file as UTF-8"):
        import_file(path, settings)
    assert not settings.folder.exists()


@pytest.mark.parametrize("text", ["", "\n\n", ",,\n"])
def test_no_header_is_refused(tmp_path, settings, text):
    with pytest.raises(PulseError, match="empty.csv: the file is empty or has no header row"):
        import_file(write(tmp_path / "empty.csv", text), settings)


def test_wrong_header_without_mapping_points_at_mapping(tmp_path, settings):
    with pytest.raises(PulseError, match="row 1: expected the columns team,submitted_at,question,answer .*--mapping "
                                         "google-forms"):
        import_file(write(tmp_path / "x.csv", "Timestamp,Team\n2026-03-02,payments\n"), settings)


def test_same_export_twice_is_refused(tmp_path, settings):
    path = write(tmp_path / "a.csv", "team,submitted_at,question,answer\npayments,2026-03-02,ps1,3\n")
    import_file(path, settings)
    with pytest.raises(PulseError, match="imported before"):
        import_file(path, settings)
    assert len(read_all(settings)) == 1


GOOGLE = (
    "Timestamp,Email Address,Team,"
    "If you make a mistake on this team it is often held against you,"
    "\"If I caused an incident, I could say so without fear.\",Anything else?\n"
    "3/2/2026 9:15:00,ada@example.com,payments,2,7,my lead shouts\n"
    "3/3/2026 18:01:12,bob@example.com,payments,5 - Somewhat agree,,\n"
    "3/4/2026 8:00:00,ada@example.com,payments,3,6,\n"
)


def test_google_forms_export_with_preset_mapping(tmp_path, settings):
    outcome = import_file(write(tmp_path / "google.csv", GOOGLE), settings, Mapping.parse(PRESETS["google-forms"], "t"))
    assert outcome.dropped_columns == ["Email Address", "Anything else?"]
    assert outcome.skipped_blank == 1
    # ada answered twice in week 10: only her later answers count, so she cannot count as two people
    assert outcome.replaced == 2
    assert stored_rows(settings)[1:] == [["payments", "2026-W10", "inc1", "6"], ["payments", "2026-W10", "ps1", "3"],
                                         ["payments", "2026-W10", "ps1", "5"]]
    stored = (settings.folder / "2026-W10.csv").read_text(encoding="utf-8")
    assert "shouts" not in stored and "ada" not in stored


def test_mapping_file_with_labels_question_ids_and_fixed_team(tmp_path, settings):
    write(tmp_path / "ms.yaml", (
        "submitted_at: Completion time\n"
        "team_value: search\n"
        "timestamp_formats: ['%m/%d/%Y %H:%M']\n"
        "questions: {'How safe is it to take a risk here?': ps4}\n"
        "answers: {'Strongly agree': 7, 'Disagree': 2}\n"))
    export = write(tmp_path / "ms.csv", (
        "ID,Start time,Completion time,Email,Name,How safe is it to take a risk here?\n"
        "1,3/2/2026 9:00,3/2/2026 9:01,anonymous,,Strongly agree\n"
        "2,3/2/2026 9:00,3/2/2026 9:02,anonymous,,Disagree\n"))
    import_file(export, settings, load_mapping("ms.yaml", settings, tmp_path))
    assert stored_rows(settings)[1:] == [["search", "2026-W10", "ps4", "2"], ["search", "2026-W10", "ps4", "7"]]


def test_mapping_may_not_read_a_respondent_column(tmp_path, settings):
    export = write(tmp_path / "x.csv", "Timestamp,Email,ps1\n2026-03-02,payments,3\n")
    with pytest.raises(PulseError, match="'Email', a respondent column; pmsite never stores respondent data"):
        import_file(export, settings, Mapping(submitted_at="Timestamp", team="Email"))


def test_unknown_mapping_name_is_explained(tmp_path, settings):
    with pytest.raises(PulseError, match="neither a preset .*google-forms"):
        load_mapping("typeform", settings, tmp_path)


def test_stored_files_have_exactly_the_four_columns(tmp_path, settings):
    import_file(write(tmp_path / "google.csv", GOOGLE), settings, Mapping.parse(PRESETS["google-forms"], "t"))
    import_file(write(tmp_path / "answers.csv", CANONICAL), settings)
    rows = stored_rows(settings)
    assert {tuple(r) for r in rows if r[0] == "team"} == {COLUMNS}
    assert all(len(r) == 4 for r in rows)


def test_anonymous_identity_cells_and_free_text_never_merge_people(tmp_path, settings):
    export = write(tmp_path / "ms.csv", (
        "ID,Completion time,Email,Team name,It is safe to take a risk on this team,Comments\n"
        "1,3/2/2026 9:01:00,anonymous,search,7,n/a\n"
        "2,3/2/2026 9:02:00,anonymous,search,2,n/a\n"
        "3,3/2/2026 9:03:00,anonymous,search,4,n/a\n"))
    mapping = Mapping.parse({**PRESETS["microsoft-forms"], "team": "Team name"}, "t")
    outcome = import_file(export, settings, mapping)
    assert outcome.replaced == 0
    assert outcome.dropped_columns == ["ID", "Email", "Comments"]
    assert [r[3] for r in stored_rows(settings)[1:]] == ["2", "4", "7"]


@pytest.mark.parametrize(("stamp", "week"), [
    ("2026/03/02 9:15:00 AM GMT+1", "2026-W10"),    # Google Forms' own CSV download
    ("3/8/2026 23:59:59", "2026-W10"),               # Google Sheets, US order (the preset's format)
    ("2026-03-09T00:00:01+02:00", "2026-W11"),
    ("2026-W12", "2026-W12"),
])
def test_time_stamps_of_form_tools_become_iso_weeks(tmp_path, settings, stamp, week):
    export = write(tmp_path / "g.csv", f'Timestamp,Team,ps2\n"{stamp}",search,5\n')
    outcome = import_file(export, settings, Mapping.parse(PRESETS["google-forms"], "t"))
    assert outcome.added == {week: 1}
