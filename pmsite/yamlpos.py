"""YAML parsing that keeps source positions and leaves dates as text.

Front-matter dates stay strings (``2024-03-07``) so the JSON Schema sees exactly
what the author wrote and can say "not a real date" instead of PyYAML raising on
``2024-02-30``; ``pmsite.model.parse_date`` turns them into dates later.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from pmsite.model import Position

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _TextDateLoader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp resolver."""


_TextDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _FastTextDateLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's safe loader when PyYAML has it (about eight times faster), same text dates.

    Its nodes carry the same marks; its error messages are terser, so a document
    it rejects is read again by the pure-Python loader for the message users see.
    """

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        return _resolve(kind, value, implicit)


@lru_cache(maxsize=4096)
def _resolve(kind: type, value: Any, implicit: Any) -> str:
    """The tag of a node, by its kind and text: libyaml asks Python for every key and value, and the
    same keys come back in every file (a tenth of parsing; no path resolvers are used, so the text decides)."""
    return _RESOLVER.resolve(kind, value, implicit)


_FastTextDateLoader.yaml_implicit_resolvers = _TextDateLoader.yaml_implicit_resolvers
_RESOLVER = _TextDateLoader("")  # only its resolve() is used


class YamlSyntaxError(Exception):
    """YAML that does not parse; ``position`` is 1-based and relative to the parsed text."""

    def __init__(self, message: str, position: Position):
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass
class ParsedYaml:
    data: Any
    #: KeyPath -> Position of the key (mappings) or item (sequences), 1-based.
    positions: dict[tuple, tuple[int, int]]
    #: (KeyPath, Position) of keys written twice in one mapping; YAML keeps the last one.
    duplicate_keys: list[tuple[tuple, Position]]


def _syntax_error(exc: yaml.YAMLError, first_line: int) -> YamlSyntaxError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line if mark else 0) + first_line
        column = (mark.column if mark else 0) + 1
        problem = exc.problem or exc.context or "invalid YAML"
        return YamlSyntaxError(f"YAML syntax error: {problem}", Position(line, column))
    # e.g. a reader error on control characters
    return YamlSyntaxError(f"YAML error: {exc}", Position(first_line, 1))


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
#: Scalar tags built by the loader's own constructors (they parse 0x1F, 1_000, .inf, yes/no, ~).
_SCALARS = {"tag:yaml.org,2002:int": "construct_yaml_int", "tag:yaml.org,2002:float": "construct_yaml_float",
            "tag:yaml.org,2002:bool": "construct_yaml_bool", "tag:yaml.org,2002:null": "construct_yaml_null"}
_PLAIN_KEY_TYPES = (str, int, float, bool, type(None))


class _Unusual(Exception):
    """A node ``_construct`` leaves to PyYAML: an alias, a merge key, an explicit tag such as ``!!set``."""


def _construct(loader: Any, node: yaml.Node, seen: set[int]) -> Any:
    """The value of ``node``, as PyYAML's safe constructor gives it for the tags front-matter uses.

    PyYAML's generic construction (a state machine for recursive and shared
    objects) was two fifths of parsing a front-matter; this is a plain recursion.
    """
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _STR:
            return node.value
        if tag not in _SCALARS:  # a merge key "<<" too
            raise _Unusual
        return getattr(loader, _SCALARS[tag])(node)
    if id(node) in seen:  # an alias: PyYAML shares the object (and handles recursion)
        raise _Unusual
    seen.add(id(node))
    if tag == _SEQ and isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, seen) for item in node.value]
    if tag == _MAP and isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            key = _construct(loader, key_node, seen)
            if not isinstance(key, _PLAIN_KEY_TYPES):
                raise _Unusual
            result[key] = _construct(loader, value_node, seen)
        return result
    raise _Unusual  # another tag, or a tag on the wrong kind of node (PyYAML says what is wrong)


def _compose(text: str, loader_class: type) -> tuple[yaml.Node | None, Any]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        try:
            return node, _construct(loader, node, set())
        except _Unusual:
            return node, loader.construct_document(node)
    finally:
        loader.dispose()


def parse_yaml(text: str, first_line: int = 1) -> ParsedYaml:
    """Parse one YAML document; positions are shifted so line 1 of ``text`` is ``first_line``."""
    try:
        node, data = _compose(text, _FastTextDateLoader)
    except yaml.YAMLError:
        try:
            node, data = _compose(text, _TextDateLoader)
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, first_line) from None

    positions: dict[tuple, tuple[int, int]] = {}
    duplicates: list[tuple[tuple, Position]] = []

    def at(mark: yaml.Mark) -> tuple[int, int]:
        return mark.line + first_line, mark.column + 1

    inside: set[int] = set()  # the collections being walked: an alias may point back at one of them

    def walk(current: yaml.Node, path: tuple) -> None:
        if id(current) in inside:
            return
        inside.add(id(current))
        if isinstance(current, yaml.MappingNode):
            seen: set = set()
            for key_node, value_node in current.value:
                key = key_node.value
                child = path + (key,)
                if key in seen:
                    duplicates.append((child, Position(*at(key_node.start_mark))))
                seen.add(key)
                positions[child] = at(key_node.start_mark)
                walk(value_node, child)
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                positions[path + (index,)] = at(item.start_mark)
                walk(item, path + (index,))
        inside.discard(id(current))

    if node is not None:
        walk(node, ())
    return ParsedYaml(data, positions, duplicates)


def load_plain(text: str) -> Any:
    """Parse YAML without positions, for bulk reads that only need values.

    Used for every past revision in git history. Raises ``YamlSyntaxError``
    (position relative to ``text``) like ``parse_yaml``.
    """
    try:
        return yaml.load(text, Loader=_FastTextDateLoader)
    except yaml.YAMLError:
        try:
            return yaml.load(text, Loader=_TextDateLoader)
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, 1) from None
