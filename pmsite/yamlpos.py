"""YAML parsing that keeps source positions and leaves dates as text.

Front-matter dates stay strings (``2024-03-07``) so the JSON Schema sees exactly
what the author wrote and can say "not a real date" instead of PyYAML raising on
``2024-02-30``; ``pmsite.model.parse_date`` turns them into dates later.

YAML from a repository is untrusted: before anything is built from it, one pass
over the parser's events (no recursion) measures how deep the document nests
and how many values it holds once its aliases are expanded. A document past
``MAX_DEPTH`` or ``MAX_VALUES`` is refused like a syntax error, so a few hundred
bytes of nested brackets or aliases of aliases ("billion laughs") cost nothing
downstream: no RecursionError, no walk over an exponential number of paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from pmsite.model import Position

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
#: Levels of nested mappings and sequences a document may have (front-matter needs three or four).
MAX_DEPTH = 32
#: Values (scalars and collections) a document may hold with every alias expanded.
MAX_VALUES = 20_000


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
    """YAML that does not parse (or is refused); ``position`` is 1-based and relative to the parsed text."""

    def __init__(self, message: str, position: Position, rule: str = "syntax/yaml",
                 suggestion: str = "check indentation, colons and quotes; quote values that contain ': ' or '#'"):
        super().__init__(message)
        self.message = message
        self.position = position
        self.rule = rule
        self.suggestion = suggestion

    def located(self, display: str) -> str:
        """'FILE:LINE:COLUMN: what is wrong', for a one-line error naming a YAML file."""
        return f"{display}:{self.position.line}:{self.position.column}: {self.message}"


def _check_shape(text: str, loader_class: type, first_line: int) -> None:
    """Refuse a document nested past ``MAX_DEPTH`` or holding more than ``MAX_VALUES`` with aliases expanded.

    Walks the parser's events once, keeping per anchor the size and depth of
    its node, so an alias costs what it names without being expanded.
    """
    loader = loader_class(text)
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (values, depth) of its node
    open_: list[list] = []  # per open collection: [anchor, values, depth of its deepest child, start mark]
    total = 0

    def refuse(mark: yaml.Mark, message: str, rule: str, suggestion: str) -> None:
        raise YamlSyntaxError(message, Position(mark.line + first_line, mark.column + 1), rule, suggestion)

    def add(values: int, depth: int, mark: yaml.Mark) -> None:
        nonlocal total
        if len(open_) + depth > MAX_DEPTH:
            refuse(mark, f"the YAML nests deeper than {MAX_DEPTH} levels", "syntax/yaml-too-deep",
                   "front-matter needs a few levels at most: look for unclosed brackets or runaway indentation")
        if open_:
            open_[-1][1] += values
            open_[-1][2] = max(open_[-1][2], depth)
        total += values
        if total > MAX_VALUES:
            refuse(mark, f"the YAML holds more than {MAX_VALUES:,} values once its aliases are expanded",
                   "syntax/yaml-too-large", "write the values out instead of aliases (*name) of aliases")

    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, yaml.ScalarEvent):
                add(1, 0, event.start_mark)
                if event.anchor:
                    anchors[event.anchor] = (1, 0)
            elif isinstance(event, yaml.AliasEvent):
                add(*anchors.get(event.anchor, (1, 0)), event.start_mark)
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(open_) >= MAX_DEPTH:
                    add(0, 1, event.start_mark)  # refuses
                open_.append([event.anchor, 0, 0, event.start_mark])
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, values, depth, mark = open_.pop()
                total -= values  # counted again, with the collection, in its parent
                add(values + 1, depth + 1, mark)
                if anchor:
                    anchors[anchor] = (values + 1, depth + 1)
    finally:
        loader.dispose()


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


_LEADING = re.compile(r"^[ ?-]*", re.MULTILINE)


def _may_be_unbounded(text: str) -> bool:
    """Whether ``text`` might nest past ``MAX_DEPTH`` or use aliases: over-estimates that cost ~10 µs.

    Each flow level needs a bracket; a block collection nested in another starts
    further right, but for a sequence under a mapping key, so block levels are at
    most twice the widest run of spaces, dashes and question marks opening a line.
    Front-matter as people write it passes, and ``_check_shape`` (half a
    millisecond) runs only on the rest.
    """
    if "*" in text:
        return True
    flow = text.count("[") + text.count("{")
    block = max(map(len, _LEADING.findall(text)), default=0)
    return flow + 2 * (block + 1) > MAX_DEPTH


def _checked_compose(text: str, first_line: int) -> tuple[yaml.Node | None, Any]:
    unbounded = _may_be_unbounded(text)
    try:
        if unbounded:
            _check_shape(text, _FastTextDateLoader, first_line)
        return _compose(text, _FastTextDateLoader)
    except yaml.YAMLError:
        try:  # the pure-Python loader says what is wrong in words users understand
            if unbounded:
                _check_shape(text, _TextDateLoader, first_line)
            return _compose(text, _TextDateLoader)
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, first_line) from None


def parse_yaml(text: str, first_line: int = 1) -> ParsedYaml:
    """Parse one YAML document; positions are shifted so line 1 of ``text`` is ``first_line``."""
    node, data = _checked_compose(text, first_line)

    positions: dict[tuple, tuple[int, int]] = {}
    duplicates: list[tuple[tuple, Position]] = []

    def at(mark: yaml.Mark) -> tuple[int, int]:
        return mark.line + first_line, mark.column + 1

    walked: set[int] = set()  # positions are recorded once per node: an alias's inside is not walked again

    def walk(current: yaml.Node, path: tuple) -> None:
        if id(current) in walked:
            return
        walked.add(id(current))
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

    if node is not None:
        walk(node, ())
    return ParsedYaml(data, positions, duplicates)


def load_plain(text: str) -> Any:
    """Parse YAML without positions, for bulk reads that only need values.

    Used for every past revision in git history. Raises ``YamlSyntaxError``
    (position relative to ``text``) like ``parse_yaml``.
    """
    return _checked_compose(text, 1)[1]
