"""Theme lookup: site templates override the theme; theme: picks a folder; extends: chains themes."""

from __future__ import annotations

import datetime as dt

import pytest

from pmsite.config import load_config
from pmsite.errors import ConfigError
from pmsite.pipeline import build
from pmsite.render.theme import load_theme, make_environment, static_files
from pmsite.resources import themes_dir
from tests.conftest import write
from tests.render.site_fixture import make_site

AS_OF = dt.date(2024, 7, 15)


def test_default_theme_is_bundled(site_root, config):
    theme = load_theme(config)
    assert theme.template_dirs == (themes_dir() / "default",)
    assert {"style.css", "print.css", "search.js"} <= set(static_files(theme))


def test_autoescape_is_on(config):
    env = make_environment(load_theme(config))
    assert env.from_string("{{ v }}").render(v="<b>") == "&lt;b&gt;"


def test_site_templates_override_theme_templates(tmp_path):
    make_site(tmp_path)
    write(tmp_path / "templates" / "404.html", """
        {% extends "base.html" %}
        {% block content %}<h1>Lost? Ask #incidents.</h1>{% endblock %}
    """)
    build(load_config(tmp_path), as_of=AS_OF)
    page = (tmp_path / "site" / "404.html").read_text(encoding="utf-8")
    assert "Lost? Ask #incidents." in page and 'href="/assets/style.css"' in page


def test_theme_setting_selects_a_repository_theme_that_extends_default(tmp_path):
    make_site(tmp_path, config="theme: brand\n")
    write(tmp_path / "themes" / "brand" / "theme.yml", "extends: default\n")
    write(tmp_path / "themes" / "brand" / "static" / "style.css", "body { color: rebeccapurple; }\n")
    write(tmp_path / "themes" / "brand" / "static" / "logo.svg", "<svg/>")
    theme = load_theme(load_config(tmp_path))
    assert theme.template_dirs == (tmp_path / "themes" / "brand", themes_dir() / "default")
    build(load_config(tmp_path), as_of=AS_OF)
    assert "rebeccapurple" in (tmp_path / "site" / "assets" / "style.css").read_text()
    assert (tmp_path / "site" / "assets" / "logo.svg").is_file()
    assert (tmp_path / "site" / "assets" / "print.css").is_file()


def test_unknown_theme_is_a_one_line_error(site_root):
    (site_root / "pmsite.yaml").write_text("theme: nope\n")
    with pytest.raises(ConfigError, match="theme 'nope' not found"):
        load_theme(load_config(site_root))


def test_theme_loops_are_refused(site_root):
    (site_root / "pmsite.yaml").write_text("theme: a\n")
    write(site_root / "themes" / "a" / "theme.yml", "extends: b\n")
    write(site_root / "themes" / "b" / "theme.yml", "extends: a\n")
    with pytest.raises(ConfigError, match="loop of themes"):
        load_theme(load_config(site_root))


@pytest.mark.parametrize("settings, says", [
    ("extends: default\nfields: [title\n", r"theme\.yml:\d+:\d+: "),  # a syntax error names its line and column
    ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdef", "bcdefg")), "aliases"),
])
def test_a_broken_or_exploding_theme_file_is_a_one_line_error(site_root, settings, says):
    """theme.yml is something a pull request can carry: it is read with the bounded YAML reader."""
    (site_root / "pmsite.yaml").write_text("theme: brand\n")
    write(site_root / "themes" / "brand" / "theme.yml", settings, dedent=False)
    with pytest.raises(ConfigError, match=says):
        load_theme(load_config(site_root))


def test_a_theme_names_the_listed_fields_it_shows_so_lists_follow_their_edits(tmp_path):
    make_site(tmp_path, config="theme: brand\n")
    write(tmp_path / "themes" / "brand" / "theme.yml", "extends: default\nlisted_fields: [summary]\n")
    write(tmp_path / "themes" / "brand" / "list.html", """
        {% extends "base.html" %}
        {% block content %}
        {% for view in entries %}<p>{{ view.title }}: {{ view.summary }}</p>{% endfor %}
        {% endblock %}
    """)
    assert load_theme(load_config(tmp_path)).listed_fields == ("summary",)
    build(load_config(tmp_path), as_of=AS_OF)
    path = tmp_path / "content" / "postmortems" / "2024-06-11-login-outage-expired-certificate.md"
    path.write_text(path.read_text().replace("summary: The signing client certificate expired",
                                             "summary: The signing certificate ran out"))
    result = build(load_config(tmp_path), as_of=AS_OF)
    assert "tags/certificates/index.html" in result.render.rendered
    assert "The signing certificate ran out" in (tmp_path / "site" / "tags" / "certificates" / "index.html").read_text()


@pytest.mark.parametrize("setting, message", [
    ("listed_fields: [sumary]", "listed_fields: 'sumary' is not a field of a postmortem; choose from"),
    ("listed_fields: summary", "listed_fields must be a list of field names"),
])
def test_unknown_listed_fields_are_a_one_line_error(site_root, setting, message):
    (site_root / "pmsite.yaml").write_text("theme: brand\n")
    write(site_root / "themes" / "brand" / "theme.yml", f"extends: default\n{setting}\n")
    with pytest.raises(ConfigError, match=message):
        load_theme(load_config(site_root))


def test_compiled_templates_are_kept_between_builds_and_follow_edits(tmp_path):
    make_site(tmp_path)
    write(tmp_path / "templates" / "404.html", '{% extends "base.html" %}{% block content %}<h1>First</h1>{% endblock %}')
    build(load_config(tmp_path), as_of=AS_OF)
    assert list((load_config(tmp_path).cache_dir("render") / "templates").glob("*.cache"))
    write(tmp_path / "templates" / "404.html", '{% extends "base.html" %}{% block content %}<h1>Second</h1>{% endblock %}')
    build(load_config(tmp_path), as_of=AS_OF)
    assert "<h1>Second</h1>" in (tmp_path / "site" / "404.html").read_text(encoding="utf-8")


def test_a_template_cache_that_cannot_be_written_only_costs_time(tmp_path):
    make_site(tmp_path)
    write(load_config(tmp_path).cache_dir("render") / "templates", "a file where the folder would go")
    build(load_config(tmp_path), as_of=AS_OF)
    assert "<h1>" in (tmp_path / "site" / "404.html").read_text(encoding="utf-8")


def test_compiled_templates_this_user_did_not_write_are_never_run(tmp_path):
    """Compiled templates are code: a forged one (planted by a commit, say) is compiled anew, not loaded."""
    import marshal
    import pickle
    import shutil

    import jinja2

    make_site(tmp_path)
    write(tmp_path / "templates" / "404.html", '{% extends "base.html" %}{% block content %}<h1>Ours</h1>{% endblock %}')
    build(load_config(tmp_path), as_of=AS_OF)
    forged = jinja2.Environment().compile("<h1>PWNED</h1>", "404.html", "404.html")
    for cached in (load_config(tmp_path).cache_dir("render") / "templates").glob("*.cache"):
        data = cached.read_bytes()
        start = data.index(jinja2.bccache.bc_magic)  # the checksum of the real source follows: Jinja accepts the file
        checksum = pickle.loads(data[start + len(jinja2.bccache.bc_magic):])
        cached.write_bytes(jinja2.bccache.bc_magic + pickle.dumps(checksum, 2) + marshal.dumps(forged))
    shutil.rmtree(tmp_path / "site")  # so every page is drawn again, with the compiled templates
    build(load_config(tmp_path), as_of=AS_OF)
    assert "PWNED" not in (tmp_path / "site" / "404.html").read_text(encoding="utf-8")
