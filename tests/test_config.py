"""``pmsite.yaml``: defaults, root discovery and located errors."""

from __future__ import annotations

import pytest

from pmsite.config import find_root, load_config
from pmsite.errors import ConfigError
from tests.conftest import write


def test_defaults_without_a_file(tmp_path):
    config = load_config(tmp_path)
    assert config.path is None and config.base_url == "/"
    assert config.content_dir == tmp_path.resolve() / "content" / "postmortems"
    assert config.section("lint") == {}


def test_values_and_sections_are_read(tmp_path):
    write(tmp_path / "pmsite.yaml", """
        title: Ops
        base_url: /postmortems
        content_dir: docs/incidents
        lint:
          person_nouns: [sre]
    """)
    config = load_config(tmp_path)
    assert config.title == "Ops"
    assert config.base_url == "/postmortems/"  # always ends with a slash
    assert config.content_dir == tmp_path.resolve() / "docs" / "incidents"
    assert config.section("lint") == {"person_nouns": ["sre"]}


def test_wrong_type_names_the_line(tmp_path):
    write(tmp_path / "pmsite.yaml", "title: Ops\nlint: [a, b]\n")
    with pytest.raises(ConfigError, match=r"pmsite\.yaml:2:1: 'lint' must be a mapping, got list"):
        load_config(tmp_path)


def test_config_that_is_not_a_mapping(tmp_path):
    write(tmp_path / "pmsite.yaml", "- a\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(tmp_path)


def test_every_problem_is_listed_at_once(tmp_path):
    write(tmp_path / "pmsite.yaml", "titel: x\nbase_url: 3\n")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    message = str(raised.value.message)
    assert "pmsite.yaml:1:1: unknown key 'titel'; did you mean 'title'?" in message
    assert "pmsite.yaml:2:1: 'base_url' must be text, got int" in message


def test_empty_file_means_defaults(tmp_path):
    write(tmp_path / "pmsite.yaml", "# nothing yet\n")
    assert load_config(tmp_path).title == "Postmortems"


def test_root_is_found_from_a_sub_folder(tmp_path):
    write(tmp_path / "pmsite.yaml", "title: x\n")
    deep = tmp_path / "content" / "postmortems" / "2024"
    deep.mkdir(parents=True)
    assert find_root(deep) == tmp_path.resolve()


def test_root_without_config_falls_back_to_content_folder_then_git(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "site" / "content" / "postmortems").mkdir(parents=True)
    assert find_root(tmp_path / "repo" / "site" / "content") == (tmp_path / "repo" / "site").resolve()
    (tmp_path / "repo" / "other").mkdir()
    assert find_root(tmp_path / "repo" / "other") == (tmp_path / "repo").resolve()


@pytest.mark.parametrize("setting, line", [
    ("repo_url: javascript:alert(1)", "2:1: repo_url 'javascript:alert(1)' must be an http:// or https:// URL"),
    ("edit_url: 'data:text/html,<script>x</script>{path}'", "2:1: edit_url 'data:text/html,<script>x</script>{path}'"),
    ("site:\n  url: JavaScript://x.example/%0aalert(1)", "3:3: site.url 'JavaScript://x.example/%0aalert(1)' must"),
    ("repo_url: \"java\\tscript:alert(1)\"", "2:1: repo_url 'java\\tscript:alert(1)' must not contain spaces"),
    ("base_url: //evil.example/", "2:1: base_url '//evil.example/' must be an http:// or https:// URL or a path"),
])
def test_urls_that_become_links_must_be_http_or_https(tmp_path, setting, line):
    write(tmp_path / "pmsite.yaml", f"title: T\n{setting}\n")
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path)
    assert f"pmsite.yaml:{line}" in str(error.value)


def test_web_urls_and_a_path_base_url_are_accepted(tmp_path):
    write(tmp_path / "pmsite.yaml", "repo_url: https://git.example/pm\nedit_url: http://git.example/edit/{path}\n"
                                   "base_url: /sub/\nsite:\n  url: https://pm.example\n")
    assert load_config(tmp_path).repo_url == "https://git.example/pm"
