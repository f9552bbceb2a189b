"""The loader keeps every file readable and every position true to the original file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsite.config import load_config
from pmsite.errors import ContentError
from pmsite.load import collect_paths, decode, load, load_corpus, parse_postmortem, read_file
from pmsite.model import Position
from tests.conftest import write

FIXTURES = Path(__file__).parent / "fixtures" / "validate"


def parse(text: str):
    return parse_postmortem(text, Path("x.md"), "x.md")


def test_key_positions_point_at_original_lines():
    pm, findings = parse("---\nid: PM-2024-001\naction_items:\n  - id: AI-1\n    owner: ops\n---\nbody\n")
    assert findings == []
    assert pm.position_of(("id",)) == Position(2, 1)
    assert pm.position_of(("action_items", 0, "owner")) == Position(5, 5)
    # an unknown key falls back to its deepest known parent
    assert pm.position_of(("action_items", 0, "due")) == Position(4, 5)
    assert pm.body == "body\n" and pm.body_line == 7
    assert pm.text[pm.body_offset:] == pm.body


def test_dates_stay_text_so_the_schema_sees_what_was_written():
    pm, _ = parse("---\ndate: 2024-03-07\nstarted_at: 2024-03-07T13:55:00Z\n---\n")
    assert pm.meta["date"] == "2024-03-07"
    assert pm.date("date").isoformat() == "2024-03-07"
    assert pm.timestamp("started_at").isoformat() == "2024-03-07T13:55:00+00:00"


def test_impossible_date_does_not_crash_the_parser():
    pm, findings = parse("---\ndate: 2024-02-30\n---\n")
    assert findings == [] and pm.meta["date"] == "2024-02-30" and pm.date("date") is None


def test_file_without_front_matter_is_all_body():
    pm, findings = parse("# Just notes\n\nNo front-matter here.\n")
    assert findings == [] and pm.meta == {} and pm.front_matter_lines is None
    assert pm.body_line == 1 and pm.body.startswith("# Just notes")


def test_unclosed_front_matter_is_reported_at_line_1():
    _, findings = parse("---\nid: PM-2024-001\ntitle: never closed\n\n## Summary\n")
    assert [(f.rule, f.line) for f in findings] == [("syntax/unclosed-front-matter", 1)]
    assert "---" in findings[0].suggestion


def test_yaml_syntax_error_names_the_line_in_the_file():
    _, findings = parse("---\nid: PM-2024-001\ntitle: [unclosed\nstatus: draft\n---\n")
    assert len(findings) == 1 and findings[0].rule == "syntax/yaml"
    assert findings[0].line >= 3  # never line 1 of the YAML block: lines count from the file's top


def test_tab_indentation_error_points_at_the_tab():
    _, findings = parse("---\nid: PM-2024-001\naction_items:\n\t- id: AI-1\n---\n")
    assert findings[0].rule == "syntax/yaml" and findings[0].line == 4


def test_duplicate_key_is_reported_where_it_is_written_again():
    _, findings = parse("---\nid: PM-2024-001\ntitle: a\nid: PM-2024-002\n---\n")
    assert [(f.rule, f.line) for f in findings] == [("syntax/duplicate-key", 4)]


def test_front_matter_must_be_a_mapping():
    _, findings = parse("---\n- a\n- b\n---\n")
    assert findings[0].rule == "syntax/front-matter-not-mapping"


def test_bom_and_crlf_keep_line_numbers():
    text, problem = decode(b"\xef\xbb\xbf---\r\nid: X\r\n---\r\nline four\r\n", "x.md")
    assert problem is None and text == "---\nid: X\n---\nline four\n"


def test_non_utf8_byte_is_located():
    _, problem = decode("---\nid: X\n---\nabc".encode() + b"\xff" + b"\n", "x.md")
    assert problem.rule == "syntax/encoding" and (problem.line, problem.column) == (4, 4)
    assert "UTF-8" in problem.suggestion


def test_binary_file_is_named_binary():
    _, problem = decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "x.md")
    assert problem.rule == "syntax/binary"


def test_read_file_uses_paths_relative_to_the_root(config, site_root):
    path = write(site_root / "content" / "postmortems" / "a.md", "---\nid: PM-2024-001\n---\n")
    pm, findings = read_file(path, config)
    assert findings == [] and pm.display_path == "content/postmortems/a.md"


def test_good_fixtures_load_identically_with_bom_and_crlf(config):
    plain, _ = read_file(FIXTURES / "good.md", config)
    windows, findings = read_file(FIXTURES / "good-bom-crlf.md", config)
    assert findings == []
    assert windows.key_positions == plain.key_positions
    assert windows.body == plain.body


def test_folders_expand_to_sorted_markdown_skipping_underscore_and_dot_files(config, site_root):
    folder = site_root / "content" / "postmortems"
    for name in ("b.md", "a.md", "_index.md", ".draft.md", "notes.txt", "2024/c.md"):
        write(folder / name, "x\n")
    found = [p.relative_to(folder).as_posix() for p in collect_paths([folder], config)]
    assert found == ["2024/c.md", "a.md", "b.md"]


def test_named_file_is_read_whatever_its_extension(config, site_root):
    path = write(site_root / "notes.txt", "hello\n")
    assert collect_paths([path], config) == [path.resolve()]


def test_missing_path_and_empty_folder_are_clear_errors(config, site_root):
    with pytest.raises(ContentError, match="no such file or folder"):
        collect_paths([site_root / "nope.md"], config)
    with pytest.raises(ContentError, match=r"content/postmortems: no Markdown \(\.md\) files"):
        collect_paths([], config)


def test_load_keeps_going_after_a_bad_file(config, site_root):
    folder = site_root / "content" / "postmortems"
    (folder / "a-binary.md").write_bytes(b"\x00\x01\x02")
    write(folder / "b-good.md", "---\nid: PM-2024-001\n---\n")
    result = load([], config)
    assert [pm.display_path for pm in result.postmortems] == ["content/postmortems/b-good.md"]
    assert [f.rule for f in result.findings] == ["syntax/binary"]


def test_load_corpus_is_empty_without_content(config):
    assert load_corpus(config) == []


def test_warm_load_from_the_parse_cache_equals_a_fresh_parse(config, site_root):
    folder = site_root / "content" / "postmortems"
    write(folder / "a.md", "---\nid: PM-2024-001\naction_items:\n  - id: AI-1\n    owner: ops\n---\nbody\n")
    fresh = load([], config, use_cache=False).postmortems[0]
    load([], config)  # fills the cache
    assert (config.cache_dir("load") / "front-matter.pickle").is_file()
    warm = load([], config).postmortems[0]
    for name in ("meta", "key_positions", "front_matter_lines", "body", "body_line", "body_offset", "text"):
        assert getattr(warm, name) == getattr(fresh, name), name
    assert warm.position_of(("action_items", 0, "owner")) == Position(5, 5)


def test_cached_entries_are_not_shared_between_files_with_equal_content(config, site_root):
    folder = site_root / "content" / "postmortems"
    for name in ("a.md", "b.md"):
        write(folder / name, "---\nid: PM-2024-001\ntags: [x]\n---\n")
    load([], config)
    first, second = load([], config).postmortems
    first.meta["tags"].append("y")
    assert second.meta["tags"] == ["x"]
    assert (first.display_path, second.display_path) == ("content/postmortems/a.md", "content/postmortems/b.md")


def test_edited_file_is_parsed_again_and_broken_yaml_is_always_reported(config, site_root):
    path = write(site_root / "content" / "postmortems" / "a.md", "---\nid: PM-2024-001\n---\n")
    load([], config)
    path.write_text("---\nid: PM-2024-002\n---\n", encoding="utf-8")
    assert load([], config).postmortems[0].meta["id"] == "PM-2024-002"
    path.write_text("---\nid: [\n---\n", encoding="utf-8")
    for _ in range(2):
        assert [f.rule for f in load([], config).findings] == ["syntax/yaml"]


def test_a_corrupt_cache_file_is_ignored(config, site_root):
    write(site_root / "content" / "postmortems" / "a.md", "---\nid: PM-2024-001\n---\n")
    cache_file = config.cache_dir("load") / "front-matter.pickle"
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(b"not a pickle")
    assert load([], config).postmortems[0].meta["id"] == "PM-2024-001"


def test_links_out_of_the_repository_are_refused_with_a_finding_and_links_inside_are_followed(tmp_path):
    """A link in a pull request to /etc/passwd or a home folder would publish (or print) what it points at."""
    root, outside = tmp_path / "repo", tmp_path / "outside"
    content = root / "content" / "postmortems"
    write(outside / "secret.md", "---\nid: PM-2024-999\ntitle: AWS_SECRET_ACCESS_KEY=abc\n---\n")
    write(root / "docs" / "shared.md", "---\nid: PM-2024-002\ntitle: Shared\n---\n")
    write(content / "2024-01-01-real.md", "---\nid: PM-2024-001\ntitle: Real\n---\n")
    (content / "2024-01-02-leak.md").symlink_to(outside / "secret.md")
    (content / "archive").symlink_to(outside, target_is_directory=True)
    (content / "2024-01-03-shared.md").symlink_to(root / "docs" / "shared.md")
    (content / "loop").symlink_to(content, target_is_directory=True)  # inside: followed, walked once
    write(root / ".git" / "config", "[remote]\n  url = https://token@git.example/\n")
    (content / "2024-01-04-git.md").symlink_to(root / ".git" / "config")
    result = load([], load_config(root))
    assert sorted(pm.display_path for pm in result.postmortems) == [
        "content/postmortems/2024-01-01-real.md", "content/postmortems/2024-01-03-shared.md"]
    assert [(f.path, f.rule) for f in result.findings] == [
        ("content/postmortems/2024-01-02-leak.md", "syntax/link-outside-repository"),
        ("content/postmortems/2024-01-04-git.md", "syntax/link-outside-repository"),
        ("content/postmortems/archive", "syntax/link-outside-repository")]
    assert str(outside / "secret.md") in result.findings[0].message


def test_a_content_folder_that_links_out_of_the_repository_is_refused(tmp_path):
    from pmsite.errors import ConfigError

    (tmp_path / "repo" / "content").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "repo" / "content" / "postmortems").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(ConfigError, match="the content folder is a symbolic link to .*outside the repository"):
        load_config(tmp_path / "repo")
