"""The published schema is a usable contract: valid, documented, with working examples."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pmsite.resources import schema_path

SCHEMA = json.loads(schema_path().read_text(encoding="utf-8"))
CONTRACT_FIELDS = {
    "id", "title", "status", "severity", "type", "date", "started_at", "detected_at", "mitigated_at",
    "resolved_at", "detection", "services", "teams", "tags", "authors", "participants", "summary", "lessons",
    "related", "fingerprint", "action_items",
}
ACTION_ITEM_FIELDS = {"id", "title", "category", "kind", "priority", "owner", "due", "status", "link", "completed"}


def all_properties():
    yield from SCHEMA["properties"].items()
    yield from (("action_items." + k, v) for k, v in SCHEMA["$defs"]["actionItem"]["properties"].items())


def test_schema_is_valid_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_schema_covers_the_whole_v1_contract():
    assert CONTRACT_FIELDS <= set(SCHEMA["properties"])
    assert ACTION_ITEM_FIELDS <= set(SCHEMA["$defs"]["actionItem"]["properties"])


@pytest.mark.parametrize(("name", "prop"), list(all_properties()))
def test_every_field_has_a_description_and_an_example_that_validates(name, prop):
    assert prop.get("description"), name
    assert prop.get("examples"), name
    subschema = {"$defs": SCHEMA["$defs"], **prop}
    for example in prop["examples"]:
        jsonschema.Draft202012Validator(subschema).validate(example)
