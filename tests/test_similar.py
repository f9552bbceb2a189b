"""Similar past incidents: ranking quality on the sample corpus, the CLI, new, validate and the site box."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pmsite import similar
from pmsite.cli import cli
from pmsite.config import load_config
from pmsite.load import load_corpus
from tests.conftest import REPO_ROOT, write

SAMPLE = REPO_ROOT / "content" / "postmortems"


def sample_repo(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLE, tmp_path / "content" / "postmortems")
    (tmp_path / "pmsite.yaml").write_text("title: Sample\n", encoding="utf-8")
    return tmp_path


def test_postmortems_sharing_a_fingerprint_find_each_other(tmp_path):
    """Recall over the sample corpus: each of the 7 postmortems that share a fingerprint finds one of its own
    first (bench/similar_recall.py prints the margins, and recall on hand-labelled DFDS postmortems)."""
    corpus = load_corpus(load_config(sample_repo(tmp_path)))
    fingerprint = {pm.display_path: pm.meta.get("fingerprint") for pm in corpus}
    found = similar.site_similar(corpus, None, limit=3)
    recurring = [path for path, fp in fingerprint.items() if fp and list(fingerprint.values()).count(fp) > 1]
    hits = [[fingerprint[s.path] == fingerprint[path] for s in found[path]] for path in recurring]
    assert len(recurring) == 7
    assert [h[:1] for h in hits] == [[True]] * 7  # recall@1 7/7


def test_the_story_of_the_response_does_not_make_two_problems_alike(tmp_path):
    """Same responders, same chronology, same customer impact, different causes: not similar.

    C shares A's timeline, impact and people word for word; B shares only A's cause (an expired
    credential, in other words). B is A's most similar postmortem all the same.
    """
    (tmp_path / "pmsite.yaml").write_text("title: t\n", encoding="utf-8")
    response = ("## Impact\n\nCustomers could not sign in or refresh sessions for ninety minutes; support "
                "answered 1,200 chats and the mobile app showed an error banner.\n\n"
                "## Timeline\n\n| Time | Event |\n|---|---|\n| 09:04 | Hannah posts in #incidents; Ravi "
                "acknowledges and rolls back the morning deploy. |\n| 09:40 | Ravi and Hannah restart every "
                "pod in batches. |\n\n### Paging\n\nHannah paged Ravi twice before the rollback.\n\n"
                "## What went well\n\nHannah and Ravi kept the status page current.\n\n")
    causes = {
        "a": "The client certificate auth presents to the signing service was issued by hand a year ago, "
             "had no owner and no expiry alert, and expired.",
        "b": "The API token the publisher uses was created by hand with a one-year lifetime, had no owner "
             "and no expiry alert, and expired.",
        "c": "A disk on the database primary filled with write-ahead log after replication to a replica "
             "stalled, and the database stopped accepting writes.",
    }
    for name, cause in causes.items():
        story = response if name != "b" else "## Timeline\n\n| Time | Event |\n|---|---|\n| 11:35 | Sofia " \
                                               "issues a new token. |\n\n"
        people = "[hannah, ravi]" if name != "b" else "[sofia]"
        write(tmp_path / "content" / "postmortems" / f"{name}.md",
              f"---\nid: PM-2024-00{ord(name) - 96}\ntitle: Incident {name}\nstatus: published\nseverity: SEV3\n"
              f"type: availability\ndate: 2024-01-0{ord(name) - 96}\nauthors: {people}\n---\n\n"
              f"## Summary\n\nSomething broke.\n\n{story}## Contributing factors\n\n{cause}\n", dedent=False)
    corpus = load_corpus(load_config(tmp_path))
    found = similar.site_similar(corpus, None, limit=2)
    assert [s.id for s in found["content/postmortems/a.md"]][:1] == ["PM-2024-002"]
    assert all("hannah" not in s.why and "ravi" not in s.why for s in found["content/postmortems/a.md"])


def test_a_response_heading_is_a_short_one_and_never_the_documents_title(tmp_path):
    (tmp_path / "pmsite.yaml").write_text("title: t\n", encoding="utf-8")
    write(tmp_path / "content" / "postmortems" / "pm.md", """\
        ---
        id: PM-2024-001
        title: Checkout impact
        status: published
        severity: SEV3
        type: availability
        date: 2024-01-01
        ---

        # Checkout impact from a resolver change

        ## What happened

        A resolver upgrade dropped search domains.

        ## Timeline (all times in Central European Summer Time)

        Pagers went off.

        ```
        ## Impact
        resolver logs kept
        ```

        ### Customers

        Orders queued.

        ## How the impact of a resolver change was hidden from monitoring

        Synthetic probes used literal addresses.
        """)
    [pm] = load_corpus(load_config(tmp_path))
    body = set(similar.tokens(pm)) - set(similar.words("Checkout impact"))
    assert {"resolver", "upgrade", "search", "domain", "synthetic", "probe", "literal", "address"} <= body
    assert not {"pager", "went", "log", "kept", "order", "queued", "customer"} & body


def test_plurals_in_es_meet_their_singular():
    assert similar.words("refreshes fixes patches branches processes caches sizes services policies") == \
        ["refresh", "fix", "patch", "branch", "process", "cache", "size", "service", "policy"]
    assert similar.words("gitops devops stops laptops") == ["gitops", "devops", "stop", "laptop"]


def test_similar_json_is_best_first_and_leaves_the_file_out(runner, tmp_path):
    root = sample_repo(tmp_path)
    path = "content/postmortems/2024-01-18-checkout-503s-after-payments-pool-resize.md"
    result = runner.invoke(cli, ["-C", str(root), "similar", path, "--format", "json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["similar"]
    assert [set(entry) for entry in found] == [{"id", "title", "path", "score", "why"}] * 3
    assert path not in [entry["path"] for entry in found]
    assert [entry["score"] for entry in found] == sorted((entry["score"] for entry in found), reverse=True)
    assert {entry["id"] for entry in found[:2]} == {"PM-2024-041", "PM-2026-002"}  # its fingerprint's recurrences
    assert "shared services: checkout, payments-api, postgres" in found[0]["why"]


def test_similar_text_query_and_nothing_found(runner, tmp_path):
    root = sample_repo(tmp_path)
    result = runner.invoke(cli, ["-C", str(root), "similar", "promo codes rejected after a feature flag rollout"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].endswith(
        "PM-2026-029: Promo codes rejected after the new promotions engine flag went to 100% "
        "(content/postmortems/2026-10-14-promo-codes-rejected-after-flag-rollout.md)")
    none = runner.invoke(cli, ["-C", str(root), "similar", "zebra giraffe"])
    assert none.output == "no similar postmortems (none scores above the floor)\n"


@pytest.mark.parametrize("query, says", [
    ("content/postmortems/no-such.md", "content/postmortems/no-such.md: no such file"),
    ("notes.markdown", "notes.markdown: no such file"),
    ("content/postmortems", "content/postmortems: a folder"),
    ("   ", "give a text to search for, or a Markdown file"),
])
def test_similar_refuses_a_missing_file_instead_of_searching_for_its_name(runner, tmp_path, query, says):
    root = sample_repo(tmp_path)
    result = runner.invoke(cli, ["-C", str(root), "similar", query])
    assert result.exit_code == 2 and says in result.output and "Traceback" not in result.output


def test_new_prints_similar_postmortems_and_suggests_a_fingerprint(runner, tmp_path):
    root = sample_repo(tmp_path)
    result = runner.invoke(cli, ["-C", str(root), "new", "Checkout 503s after connection pool resize",
                                 "--severity", "SEV2", "--type", "availability", "--date", "2026-11-30"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == "similar past postmortems (read them before you write):"
    assert "PM-2024-003: Checkout 503s after payments-api connection pool resize" in lines[2]
    assert lines[-2].startswith("suggested fingerprint: connection-pool-exhaustion (as PM-2024-003)")


def test_validate_says_when_two_postmortems_look_like_one_problem(runner, tmp_path):
    root = tmp_path
    (root / "pmsite.yaml").write_text("title: t\n", encoding="utf-8")
    body = ("## Summary\n\nThe {what} certificate expired at midnight and every login failed with 401 until it "
            "was renewed by hand. Nobody owned the certificate and no alert watched its expiry date.\n\n"
            "## Timeline\n\nThe on-call engineer saw support tickets pile up, checked the gateway dashboards, "
            "found handshake errors in the auth service logs, issued a fresh certificate from the internal CA, "
            "restarted three pods and confirmed that customers could sign in again before breakfast.\n")
    for number, what, extra in ((1, "signing", ""), (2, "client", ""), (3, "unrelated", "")):
        text = body.format(what=what) if number < 3 else "## Summary\n\nA disk filled with logs on the build " \
                                                        "agents and jobs queued for an hour.\n"
        write(root / "content" / "postmortems" / f"pm{number}.md",
              f"---\nid: PM-2024-00{number}\ntitle: Login outage {number}\nstatus: published\nseverity: SEV3\n"
              f"type: availability\ndate: 2024-0{number}-01\nservices: [auth]\n{extra}---\n\n" + text)
    result = runner.invoke(cli, ["-C", str(root), "validate"])
    assert result.exit_code == 0
    same = [line for line in result.output.splitlines() if "consistency/same-problem" in line]
    assert len(same) == 2 and all("PM-2024-003" not in line for line in same)
    assert "looks like the same problem as PM-2024-002" in same[0]
    # a shared fingerprint (or a related link) answers the question
    for number in (1, 2):
        path = root / "content" / "postmortems" / f"pm{number}.md"
        path.write_text(path.read_text().replace("services: [auth]\n", "services: [auth]\nfingerprint: cert\n"))
    again = runner.invoke(cli, ["-C", str(root), "validate"])
    assert "consistency/same-problem" not in again.output


def test_the_site_ranking_is_cached_as_json_and_survives_a_damaged_cache(tmp_path):
    config = load_config(sample_repo(tmp_path))
    corpus = load_corpus(config)
    first = similar.site_similar(corpus, config)
    cache = config.cache_dir("similar")
    assert sorted(p.name for p in cache.iterdir()) == ["site-candidates.json", "site-weights.npz", "site.json",
                                                       "tokens.json"]
    assert similar.site_similar(corpus, config) == first
    (cache / "site.json").write_text('{"key": "x", "similar": {"a": [{"bad": 1}]}}', encoding="utf-8")
    (cache / "tokens.json").write_bytes(b"\x80\x04not json")
    assert similar.site_similar(corpus, config) == first


def test_every_postmortem_page_has_the_box_with_reasons(runner, tmp_path):
    root = sample_repo(tmp_path)
    result = runner.invoke(cli, ["-C", str(root), "build"])
    assert result.exit_code == 0, result.output
    pages = sorted((root / "site" / "postmortems").glob("*/index.html"))
    assert pages and all("<h2 id=\"similar-incidents\">Similar past incidents</h2>" in p.read_text() for p in pages)
    page = (root / "site" / "postmortems" / "2024-01-18-checkout-503s-after-payments-pool-resize" / "index.html")
    box = page.read_text().split('id="similar-incidents"')[1].split("</section>")[0]
    assert box.count("<li>") == 3
    assert 'href="/postmortems/2024-11-29-black-friday-checkout-pgbouncer-client-limit/"' in box
    assert "shared services: checkout, payments-api, postgres" in box


def forty_postmortems(root: Path) -> Path:
    """The sample's published bodies as 40 files: enough that one changed file is updated, not re-ranked."""
    import re

    (root / "pmsite.yaml").write_text("title: t\n", encoding="utf-8")
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.md"))]
    for number in range(40):
        text = re.sub(r"^id: .*$", f"id: PM-2030-{number:03d}", texts[number % len(texts)], count=1, flags=re.M)
        text = re.sub(r"^title: (.*)$", rf"title: \1 ({number})", text, count=1, flags=re.M)
        write(root / "content" / "postmortems" / f"pm-{number:02d}.md", text + f"\nCopy {number}.\n", dedent=False)
    return root


def test_one_changed_file_is_scored_again_by_itself_and_agrees_with_a_full_ranking(tmp_path):
    config = load_config(forty_postmortems(tmp_path))
    similar.site_similar(load_corpus(config), config)
    changed = tmp_path / "content" / "postmortems" / "pm-05.md"
    changed.write_text(changed.read_text() + "\nA pgbouncer pool limit and a checkout connection storm.\n")
    corpus = load_corpus(config)
    updated = similar.site_similar(corpus, config)
    stored = json.loads((config.cache_dir("similar") / "site-candidates.json").read_text())
    assert stored["stale"] == 1  # updated, not ranked again
    full = similar.site_similar(corpus, None)
    assert {path: [s.id for s in found] for path, found in updated.items()} == \
           {path: [s.id for s in found] for path, found in full.items()}
    assert max(abs(a.score - b.score) for path in full for a, b in zip(updated[path], full[path])) < 0.01
    assert [s.why for s in updated["content/postmortems/pm-05.md"]] == [s.why for s in full["content/postmortems/pm-05.md"]]


def test_damaged_saved_weights_mean_a_full_ranking(tmp_path):
    config = load_config(forty_postmortems(tmp_path))
    similar.site_similar(load_corpus(config), config)
    (config.cache_dir("similar") / "site-weights.npz").write_bytes(b"PK\x03\x04 not an archive")
    changed = tmp_path / "content" / "postmortems" / "pm-07.md"
    changed.write_text(changed.read_text() + "\nMore words.\n")
    corpus = load_corpus(config)
    assert similar.site_similar(corpus, config) == similar.site_similar(corpus, None)
    assert json.loads((config.cache_dir("similar") / "site-candidates.json").read_text())["stale"] == 0
