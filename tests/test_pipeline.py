"""The whole pipeline: pages of every type, drafts, failures that keep the old site, reproducibility."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from pmsite.config import load_config
from pmsite.errors import BuildError
from pmsite.pipeline import InvalidContent, build
from pmsite import parallel
from pmsite.render.output import MANIFEST_NAME
from tests.processes import no_child_processes
from tests.render.site_fixture import make_site

AS_OF = dt.date(2024, 7, 15)
STAGES = ["load", "validate", "lint", "history", "aggregate", "similar", "render", "index"]
#: Pages drawn from site-wide aggregates, rendered on every build.
ALWAYS_RENDERED = {"index.html", "actions/index.html", "metrics/index.html", "misled/index.html", "digests/index.html"}


@pytest.fixture
def site(tmp_path):
    make_site(tmp_path)
    return tmp_path


def _html_digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.suffix in (".html", ".xml")}


def test_build_writes_every_page_type(site):
    result = build(load_config(site), as_of=AS_OF)
    out = site / "site"
    assert result.out_dir == out
    assert list(result.timings) == STAGES
    assert result.render.postmortems == 3 and result.excluded == 1 and result.loaded == 4
    for page in ("index.html", "404.html", "search/index.html", "postmortems/index.html",
                 "postmortems/2024-03-07-checkout-latency-after-cache-flush/index.html",
                 "actions/index.html", "metrics/index.html", "misled/index.html", "digests/index.html",
                 "digests/2024-03/index.html",
                 "tags/cache/index.html", "services/redis/index.html", "teams/payments/index.html",
                 "severities/sev2/index.html", "types/availability/index.html", "years/2024/index.html",
                 "feed.xml", "sitemap.xml", "assets/style.css", "assets/search.js", "pagefind/pagefind-ui.js",
                 MANIFEST_NAME):
        assert (out / page).is_file(), page
    assert result.indexed_pages == 3
    assert not (out / "postmortems" / "2024-07-01-draft-queue-backlog").exists()


def test_drafts_are_included_on_request(site):
    result = build(load_config(site), drafts=True, as_of=AS_OF)
    page = site / "site" / "postmortems" / "2024-07-01-draft-queue-backlog" / "index.html"
    assert result.excluded == 0
    assert "draft: not published" in page.read_text(encoding="utf-8")


def test_same_inputs_give_byte_identical_html(site, tmp_path_factory):
    other = tmp_path_factory.mktemp("other")
    build(load_config(site), as_of=AS_OF)
    build(load_config(site), out_dir=other / "site", as_of=AS_OF)
    first, second = _html_digests(site / "site"), _html_digests(other / "site")
    assert first == second and len(first) > 30


def test_source_date_epoch_sets_the_as_of_day(site, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(dt.datetime(2024, 7, 20, tzinfo=dt.timezone.utc).timestamp())))
    assert build(load_config(site)).as_of == dt.date(2024, 7, 20)


def test_invalid_content_lists_every_error_and_keeps_the_previous_site(site):
    config = load_config(site)
    build(config, as_of=AS_OF)
    before = _html_digests(site / "site")
    bad = site / "content" / "postmortems" / "2024-06-11-login-outage-expired-certificate.md"
    bad.write_text(bad.read_text().replace("severity: SEV4", "severity: SEV9").replace("type: security", "type: oops"))
    with pytest.raises(InvalidContent) as caught:
        build(config, as_of=AS_OF)
    assert [f.rule for f in caught.value.errors] == ["schema/enum", "schema/enum"]
    assert caught.value.errors[0].path == "content/postmortems/2024-06-11-login-outage-expired-certificate.md"
    assert "2 errors in 1 file" in caught.value.message
    assert _html_digests(site / "site") == before
    assert not list(site.glob(".site.*"))


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and two cores")
def test_invalid_content_stops_the_work_started_on_other_cores(site, monkeypatch):
    """History mining and Markdown rendering start before validation ends; an error must stop them."""
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    bad = site / "content" / "postmortems" / "2024-06-11-login-outage-expired-certificate.md"
    bad.write_text(bad.read_text().replace("severity: SEV4", "severity: SEV9"))
    with pytest.raises(InvalidContent):
        build(load_config(site), as_of=AS_OF)
    assert no_child_processes() and not (site / "site").exists()


def test_errors_in_an_excluded_draft_do_not_stop_the_build(site):
    draft = site / "content" / "postmortems" / "2024-07-01-draft-queue-backlog.md"
    draft.write_text(draft.read_text().replace("type: capacity", "type: oops"))
    result = build(load_config(site), as_of=AS_OF)
    assert result.findings_by_severity["error"] == 1


@pytest.mark.parametrize("workers", ["serial", "parallel"])
def test_a_template_error_keeps_the_previous_site(site, workers, monkeypatch):
    config = load_config(site)
    build(config, as_of=AS_OF)
    before = _html_digests(site / "site")
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text("{% extends 'base.html' %}{% block content %}{{ nope.x }}{% endblock %}")
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1 if workers == "parallel" else 10**6)
    with pytest.raises(BuildError, match=r"templates/404.html:1: 'nope' is undefined"):
        build(load_config(site), as_of=AS_OF)
    assert _html_digests(site / "site") == before
    assert not list(site.glob(".site.*")) and no_child_processes()


def test_a_template_error_after_the_search_index_started_stops_it_and_writes_nothing(site, monkeypatch):
    """The postmortem pages are drawn first and Pagefind starts on them; a later page's error must stop it."""
    (site / "templates").mkdir()
    (site / "templates" / "list.html").write_text("{% extends 'base.html' %}{% block content %}{{ nope.x }}{% endblock %}")
    with pytest.raises(BuildError, match=r"templates/list.html:1: 'nope' is undefined"):
        build(load_config(site), as_of=AS_OF)
    assert not (site / "site").exists() and not list(site.glob(".site.*")) and no_child_processes()


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and two cores")
def test_pages_drawn_in_worker_processes_match_a_serial_build(site, tmp_path_factory, monkeypatch):
    serial = tmp_path_factory.mktemp("serial") / "site"
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10**6)
    build(load_config(site), out_dir=serial, as_of=AS_OF)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    shutil.rmtree(load_config(site).cache_dir("render"))  # so the bodies are rendered ahead, in workers too
    drawn = build(load_config(site), as_of=AS_OF)
    assert _html_digests(site / "site") == _html_digests(serial) and len(drawn.render.rendered) > 30
    def pages(folder):  # the search index's files differ in inode and time, not in what they say
        return {k: v for k, v in json.loads((folder / MANIFEST_NAME).read_text())["manifest"].items()
                if k != "folder_files"}

    assert pages(site / "site") == pages(serial)
    again = build(load_config(site), as_of=AS_OF)  # keys taken in the workers let the next build reuse every page
    assert again.render.changed == 0 and set(again.render.rendered) == ALWAYS_RENDERED


def test_warm_rebuild_reuses_pages_and_search_index(site):
    config = load_config(site)
    build(config, as_of=AS_OF)
    again = build(config, as_of=AS_OF)
    assert again.render.changed == 0 and not again.render.html_changed
    assert again.index_reused and (site / "site" / "pagefind" / "pagefind-entry.json").is_file()


def test_one_changed_file_rewrites_few_pages_and_reindexes(site):
    config = load_config(site)
    build(config, as_of=AS_OF)
    path = site / "content" / "postmortems" / "2024-06-11-login-outage-expired-certificate.md"
    path.write_text(path.read_text().replace("Logins failed for nine minutes.", "Logins failed for ten minutes."))
    result = build(config, as_of=AS_OF)
    assert result.render.changed == 1 and not result.index_reused
    page = site / "site" / "postmortems" / "2024-06-11-login-outage-expired-certificate" / "index.html"
    assert "ten minutes" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("out", [".", "content", "content/postmortems", "content/postmortems/site", ".."])
def test_output_folder_may_not_hold_the_repository_or_content(site, out):
    with pytest.raises(BuildError, match="output folder cannot"):
        build(load_config(site), out_dir=site / out, as_of=AS_OF)


def test_a_folder_pmsite_did_not_write_is_never_replaced(site):
    (site / "docs").mkdir()
    (site / "docs" / "handbook.md").write_text("mine")
    with pytest.raises(BuildError, match="holds files pmsite did not write"):
        build(load_config(site), out_dir=site / "docs", as_of=AS_OF)
    assert (site / "docs" / "handbook.md").read_text() == "mine"


def test_base_url_prefixes_every_link(site):
    build(load_config(site), base_url="https://org.example.io/project/", as_of=AS_OF)
    home = (site / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="/project/assets/style.css"' in home and 'data-base="/project/"' in home
    assert 'href="/index.html"' not in home and 'href="/postmortems/' not in home
    sitemap = (site / "site" / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://org.example.io/project/postmortems/</loc>" in sitemap


def test_validation_cache_gives_the_findings_of_an_uncached_run_and_follows_edits(site):
    from pmsite.load import load
    from pmsite.validate import findings_cache, validate

    config = load_config(site)
    path = site / "content" / "postmortems" / "2024-06-11-login-outage-expired-certificate.md"

    def run_both() -> list:
        postmortems = load([config.content_dir], config).postmortems
        cache = findings_cache(config)
        cached = validate(postmortems, postmortems, cache)
        cache.save()
        assert cached == validate(postmortems, postmortems)
        return cached

    assert run_both() == run_both()  # filled, then read back from the file
    path.write_text(path.read_text().replace("severity: SEV4", "severity: SEV9"))
    after_edit = run_both()
    assert [f.rule for f in after_edit if f.path.endswith(path.name)] == ["schema/enum"]


def _files(folder: Path) -> dict[str, str]:
    """Every file of a built site and its sha256; of the search index, which Pagefind does not write
    byte for byte the same twice, only how many files of each kind each of its folders has."""
    files = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if not path.is_file():
            continue
        if name.startswith("pagefind/"):
            kind = f"{path.parent.relative_to(folder).as_posix()}/*{path.suffix}"
            files[kind] = str(int(files.get(kind, "0")) + 1)
        elif name == MANIFEST_NAME:  # the same pages; the index's files by inode and time, and the seal, differ
            manifest = json.loads(path.read_text())["manifest"]
            files[name] = json.dumps({k: v for k, v in manifest.items() if k != "folder_files"}, sort_keys=True)
        else:
            files[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def _matches_a_full_build(site: Path, other: Path) -> None:
    """The site as built so far (pages reused, an earlier site recycled) is file for file the site a build
    from scratch gives: the same repository copied without its site and caches."""
    shutil.copytree(site, other, dirs_exist_ok=True, ignore=shutil.ignore_patterns("site"))
    build(load_config(other), as_of=AS_OF)
    assert _files(site / "site") == _files(other / "site")


def _rebuild_matches_a_full_build(site: Path, other: Path) -> None:
    """Build again into the same folder (reusing pages) and into a new one; the HTML must be the same."""
    build(load_config(site), as_of=AS_OF)
    _matches_a_full_build(site, other)


def test_page_keys_are_kept_in_the_manifest_and_reused_pages_match_a_full_build(site, tmp_path_factory):
    build(load_config(site), as_of=AS_OF)
    manifest = json.loads((site / "site" / MANIFEST_NAME).read_text())["manifest"]
    page = "postmortems/2024-03-07-checkout-latency-after-cache-flush/index.html"
    assert page in manifest["keys"] and "index.html" not in manifest["keys"]  # the home page always renders
    # a title shows on the related postmortem's page: that page must be redrawn, not reused
    path = site / "content" / "postmortems" / "2024-03-07-checkout-latency-after-cache-flush.md"
    path.write_text(path.read_text().replace("title: Checkout latency after cache flush",
                                             "title: Checkout latency after a cache flush"))
    _rebuild_matches_a_full_build(site, tmp_path_factory.mktemp("full"))
    related = site / "site" / "postmortems" / "2024-05-02-search-slow-after-synonym-deploy" / "index.html"
    assert "Checkout latency after a cache flush" in related.read_text(encoding="utf-8")


CERTIFICATE_PAGE = "postmortems/2024-06-11-login-outage-expired-certificate/index.html"
#: The list pages that show the certificate postmortem.
CERTIFICATE_LISTS = {"postmortems/index.html", "severities/sev4/index.html", "types/security/index.html",
                     "services/identity/index.html", "teams/identity/index.html", "tags/certificates/index.html",
                     "years/2024/index.html"}


def test_a_body_edit_redraws_only_its_own_page_while_a_title_edit_redraws_the_lists(site, tmp_path_factory):
    build(load_config(site), as_of=AS_OF)
    path = site / "content" / "postmortems" / "2024-06-11-login-outage-expired-certificate.md"
    path.write_text(path.read_text().replace("Logins failed for nine minutes.", "Logins failed for ten minutes."))
    body_edit = set(build(load_config(site), as_of=AS_OF).render.rendered)
    assert CERTIFICATE_PAGE in body_edit and not body_edit & CERTIFICATE_LISTS
    assert not any(page.startswith(("postmortems/", "tags/")) for page in body_edit - {CERTIFICATE_PAGE})
    _matches_a_full_build(site, tmp_path_factory.mktemp("after-body-edit"))

    path.write_text(path.read_text().replace("title: Login outage", "title: Sign-in outage"))
    title_edit = set(build(load_config(site), as_of=AS_OF).render.rendered)
    assert CERTIFICATE_LISTS <= title_edit
    assert "Sign-in outage" in (site / "site" / "tags" / "certificates" / "index.html").read_text(encoding="utf-8")
    _matches_a_full_build(site, tmp_path_factory.mktemp("after-title-edit"))


def test_lists_are_redrawn_when_a_field_they_show_changes(site, tmp_path_factory):
    build(load_config(site), as_of=AS_OF)
    path = site / "content" / "postmortems" / "2024-03-07-checkout-latency-after-cache-flush.md"
    path.write_text(path.read_text().replace("resolved_at: 2024-03-07T15:02:00Z", "resolved_at: 2024-03-07T16:02:00Z"))
    rendered = build(load_config(site), as_of=AS_OF).render.rendered
    assert {"postmortems/index.html", "services/redis/index.html", "tags/retry-storm/index.html"} <= set(rendered)
    assert "2 h 07 min" in (site / "site" / "services" / "redis" / "index.html").read_text(encoding="utf-8")
    _matches_a_full_build(site, tmp_path_factory.mktemp("full"))


def test_a_changed_template_redraws_the_pages_that_use_it(site, tmp_path_factory):
    build(load_config(site), as_of=AS_OF)
    (site / "templates").mkdir()
    (site / "templates" / "list.html").write_text(
        "{% extends 'base.html' %}{% block content %}<p>custom list</p>{% endblock %}")
    _rebuild_matches_a_full_build(site, tmp_path_factory.mktemp("full"))
    assert "custom list" in (site / "site" / "tags" / "cache" / "index.html").read_text(encoding="utf-8")


def test_a_recycled_site_matches_a_full_build_and_the_live_site_is_never_written_into(site, tmp_path_factory):
    """The second build keeps the replaced site as a spare; the third starts from it. Its files are hard
    links shared with the live site, so a file written in place would change the live site too."""
    build(load_config(site), as_of=AS_OF)
    build(load_config(site), as_of=AS_OF)  # nothing changed: every page and the search index are hard links
    spare = load_config(site).cache_dir("site") / "replaced"
    assert (spare / MANIFEST_NAME).is_file()
    live = {p: p.read_bytes() for p in (site / "site").rglob("*") if p.is_file()}
    (spare / "tags" / "stray.html").write_text("not from a build")
    postmortems = site / "content" / "postmortems"
    path = postmortems / "2024-06-11-login-outage-expired-certificate.md"
    path.write_text(path.read_text().replace("Logins failed for nine minutes.", "Logins failed for ten minutes."))
    path.rename(postmortems / "2024-06-11-sign-in-outage.md")  # its page moves: the old folder must go
    result = build(load_config(site), as_of=AS_OF)
    assert not result.index_reused and "postmortems/2024-06-11-sign-in-outage/index.html" in result.render.rendered
    # the site the third build replaced is the spare now, every byte as it was while it was live
    assert {p: p.read_bytes() for p in spare.rglob("*") if p.is_file() and p.name != MANIFEST_NAME} == {
        spare / p.relative_to(site / "site"): data for p, data in live.items() if p.name != MANIFEST_NAME}
    assert not (site / "site" / "postmortems" / "2024-06-11-login-outage-expired-certificate").exists()
    assert not (site / "site" / "tags" / "stray.html").exists()
    _matches_a_full_build(site, tmp_path_factory.mktemp("full"))


def test_an_unreadable_manifest_key_only_costs_a_render(site):
    from pmsite.cache import seal

    build(load_config(site), as_of=AS_OF)
    manifest_path = site / "site" / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text())
    manifest["manifest"]["keys"] = {path: "stale" for path in manifest["manifest"]["keys"]}
    manifest["seal"] = seal(json.dumps(manifest["manifest"], sort_keys=True).encode("utf-8"))  # as an older pmsite
    manifest_path.write_text(json.dumps(manifest))
    before = _html_digests(site / "site")
    result = build(load_config(site), as_of=AS_OF)
    assert result.render.changed == 0 and _html_digests(site / "site") == before


def test_a_committed_site_with_a_consistent_forged_manifest_is_not_reused(site):
    """An output folder can arrive in a commit: its manifest (hashes and keys that match its pages) is believed
    only when sealed with this user's key, so a hostile page there is drawn again from the content."""
    from pmsite.cache import seal

    build(load_config(site), as_of=AS_OF)
    page = site / "site" / "postmortems" / "2024-03-07-checkout-latency-after-cache-flush" / "index.html"
    honest = page.read_bytes()
    hostile = honest.replace(b"<h1>", b"<h1><script>alert(1)</script>", 1)
    page.unlink()
    page.write_bytes(hostile)
    manifest_path = site / "site" / MANIFEST_NAME
    stored = json.loads(manifest_path.read_text())
    rel = page.relative_to(site / "site").as_posix()
    stored["manifest"]["files"][rel] = hashlib.sha256(hostile).hexdigest()
    stored["seal"] = seal(b"something else")  # what a forger without the key can do
    manifest_path.write_text(json.dumps(stored))
    build(load_config(site), as_of=AS_OF)
    assert page.read_bytes() == honest


def test_a_search_index_changed_after_its_build_is_not_reused(site):
    build(load_config(site), as_of=AS_OF)
    bundle = site / "site" / "pagefind"
    fragment = next((bundle / "fragment").iterdir())
    fragment.unlink()
    fragment.write_bytes(b"planted")  # e.g. a git pull of a committed site
    result = build(load_config(site), as_of=AS_OF)
    assert not result.index_reused and result.indexed_pages > 0
    assert all(p.read_bytes() != b"planted" for p in (bundle / "fragment").iterdir())
