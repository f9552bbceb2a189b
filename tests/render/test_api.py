"""``/api/postmortems.json`` and one file per postmortem, valid against the shipped JSON Schema."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from pmsite.cli import cli
from pmsite.config import load_config
from pmsite.pipeline import build
from pmsite.resources import data_dir
from tests.render.site_fixture import make_site

AS_OF = dt.date(2024, 7, 15)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("api")
    make_site(root)
    build(load_config(root), as_of=AS_OF)
    return root


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def validator() -> jsonschema.Draft202012Validator:
    schema = load(data_dir("schema") / "api.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_index_and_files_follow_the_schema_shipped_with_the_site(site):
    out = site / "site" / "api"
    check = validator()
    index = load(out / "postmortems.json")
    check.validate(index)
    assert index["schema_version"] == 1 and index["as_of"] == "2024-07-15"
    assert (out / "schema.json").read_bytes() == (data_dir("schema") / "api.schema.json").read_bytes()
    assert {p["status"] for p in index["postmortems"]} == {"published"}  # as on the site: no drafts
    for record in index["postmortems"]:
        single = load(out / "postmortems" / (record["json_url"].rsplit("/", 1)[1]))
        check.validate(single)
        assert single["postmortem"] == record
        assert (site / "site" / record["url"].lstrip("/") / "index.html").is_file()


def test_action_items_are_those_the_tracker_and_the_cli_report(site, runner):
    index = load(site / "site" / "api" / "postmortems.json")
    from_api = {(p["id"], i["id"]): (i["status"], i["due"], i["overdue"]) for p in index["postmortems"]
                for i in p["action_items"]}
    result = runner.invoke(cli, ["-C", str(site), "actions", "--format", "json", "--as-of", AS_OF.isoformat()])
    from_cli = {(i["postmortem_id"], i["id"]): (i["status"], i["due"], i["overdue"])
                for i in json.loads(result.stdout)["action_items"]}
    assert from_api == from_cli and from_api


def test_a_record_missing_a_required_field_is_rejected_by_the_schema(site):
    index = load(site / "site" / "api" / "postmortems.json")
    del index["postmortems"][0]["action_items"]
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(index)
