"""YAML with positions: the values are exactly what PyYAML's safe loader gives (with dates as text)."""

from __future__ import annotations

import math

import pytest
import yaml

from pmsite.yamlpos import YamlSyntaxError, _TextDateLoader, parse_yaml

DOCUMENTS = {
    "plain": "id: PM-2024-001\ntitle: 'Quoted: yes'\nseverity: SEV2\n",
    "dates stay text": "date: 2024-03-07\nstarted_at: 2024-03-07T13:55:00Z\nbad: 2024-02-30\n",
    "numbers": "a: 0x1F\nb: 0o17\nc: 1_000\nd: 1.5e3\ne: .inf\nf: -.inf\ng: 190:20:30\nh: 017\n",
    "booleans and nulls": "a: yes\nb: No\nc: on\nd: ~\ne: null\nf:\ng: 'yes'\n",
    "nesting": "items:\n  - id: AI-1\n    tags: [a, b]\n  - id: AI-2\n    owner: {team: x}\nempty: []\n",
    "keys that are not text": "1: one\n2.5: two\ntrue: three\n~: four\n",
    "anchors and aliases": "base: &b {kind: systemic}\nitems: [*b, *b]\nlist: &l [1, 2]\nagain: *l\n",
    "merge keys": "base: &b {kind: systemic, priority: P2}\nitem:\n  <<: *b\n  priority: P1\n",
    "explicit tags": "a: !!str 12\nb: !!int '7'\nc: !!float '1'\nd: !!set {x, y}\ne: !!binary aGk=\nf: !!timestamp 2024-03-07\n",
    "duplicate keys": "a: 1\na: 2\n",
    "recursion": "a: &a [1, *a]\n",
}


def _same(a, b) -> bool:
    """Equal values of equal types (nan equal to itself; a recursive list compared by its shape)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(x is a or _same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_values_are_what_pyyaml_gives(text):
    assert _same(parse_yaml(text).data, yaml.load(text, Loader=_TextDateLoader))


@pytest.mark.parametrize("text", ["a: !!str {x: 1}\n", "a: !!map [1, 2]\n", "a: !!seq {x: 1}\n", "? [a]\n: 1\n"])
def test_what_pyyaml_refuses_is_a_syntax_error(text):
    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=_TextDateLoader)
    with pytest.raises(YamlSyntaxError):
        parse_yaml(text)


def test_nan_and_dates_as_text():
    data = parse_yaml("n: .nan\nd: 2024-03-07\n").data
    assert math.isnan(data["n"]) and data["d"] == "2024-03-07"


def test_an_alias_gives_the_same_object_as_pyyaml_does():
    data = parse_yaml(DOCUMENTS["anchors and aliases"]).data
    assert data["items"][0] is data["items"][1] is data["base"]


def test_positions_and_duplicate_keys():
    parsed = parse_yaml("id: PM-1\nitems:\n  - id: AI-1\n  - id: AI-2\nid: PM-2\n", first_line=2)
    assert parsed.positions[("items", 1, "id")] == (5, 5)
    assert [(path, position.line) for path, position in parsed.duplicate_keys] == [(("id",), 6)]
    assert parsed.data["id"] == "PM-2"
