"""YAML with positions: the values are exactly what PyYAML's safe loader gives (with dates as text)."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest
import yaml

from pmsite.yamlpos import MAX_DEPTH, YamlSyntaxError, _TextDateLoader, load_plain, parse_yaml
from tests.conftest import REPO_ROOT

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


# -- hostile documents: the work is bounded ---------------------------------------------------------------

def _laughs(levels: int, fan_out: int = 10) -> str:
    """Aliases of aliases: ``fan_out ** levels`` values from a few hundred bytes."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * fan_out) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * fan_out) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_aliases_of_aliases_are_refused_before_anything_expands_them():
    with pytest.raises(YamlSyntaxError) as refused:
        parse_yaml(_laughs(9), first_line=2)  # a billion values
    assert refused.value.rule == "syntax/yaml-too-large"
    assert refused.value.position.line == 2 + 4  # where the count passes the limit: l4 holds 100,000
    with pytest.raises(YamlSyntaxError, match="once its aliases are expanded"):
        load_plain(_laughs(9))  # the history's reader too


def test_positions_are_recorded_once_per_node_not_once_per_path():
    parsed = parse_yaml(_laughs(4, fan_out=8))  # 5,353 values (below the limit), 4,096 paths to l3's leaves
    assert len(parsed.data["l3"]) == 8 and parsed.data["l3"][7][7][7] == ["lol"] * 8
    assert len(parsed.positions) < 100  # 4 keys, 8 items each, the aliases' insides not walked again


@pytest.mark.parametrize("depth, refused", [(MAX_DEPTH, False), (MAX_DEPTH + 1, True), (500, True)])
def test_nesting_deeper_than_the_limit_is_a_syntax_error_with_a_position(depth, refused):
    flow = "x: " + "[" * (depth - 1) + "]" * (depth - 1)  # the top-level mapping is the first level
    block = "".join("  " * level + "k:\n" for level in range(depth - 1)) + "  " * (depth - 1) + "k: 1\n"
    for text in (flow, block):
        if not refused:
            assert parse_yaml(text).data
            continue
        with pytest.raises(YamlSyntaxError) as error:
            parse_yaml(text, first_line=2)
        assert error.value.rule == "syntax/yaml-too-deep" and error.value.position.line >= 2


def test_nesting_that_would_crash_the_c_parser_is_refused_in_time():
    """libyaml's composer recurses in C: 100,000 brackets overflowed the stack (a segfault) before."""
    script = ("from pmsite.yamlpos import parse_yaml, YamlSyntaxError\n"
              "try:\n    parse_yaml('x: ' + '[' * 100000 + ']' * 100000)\n"
              "except YamlSyntaxError as e:\n    print(e.rule)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert (done.returncode, done.stdout.strip()) == (0, "syntax/yaml-too-deep")
