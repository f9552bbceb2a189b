"""What changed between two versions of one big git folder, read from the raw tree objects.

The history walk compares the content folder's tree at every commit that
touched it. libgit2's tree diff costs ~0.3 ms for a folder of 2,000 files on
top of reading the trees, and most commits change one entry: an action item's
status. A raw tree is a sorted run of ``<mode> <name>\\0<20-byte id>`` entries,
so when both versions have the same layout, the differing bytes can be found
by comparing slices (C speed) and only the entries around them are read.

``FolderSteps`` covers the common cases: entries whose blob changed, one entry
added, one entry removed. Anything else (renames, several files added, a
sub-folder changed, a mode change) returns None and the caller uses libgit2,
which also finds renames.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

_ID_SIZE = 20
_TREE_MODE = b"40000"


@dataclass(frozen=True)
class EntryChange:
    """One file entry of the folder that changed; ``old_id``/``new_id`` are hex, "" when absent."""

    name: str
    old_id: str
    new_id: str


class RawTree:
    """A raw tree object and the offsets where its entries start (read on demand)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            starts, position, data = [], 0, self.data
            while position < len(data):
                starts.append(position)
                position = data.index(b"\0", position) + 1 + _ID_SIZE
            self._starts = starts
        return self._starts

    def end(self, index: int) -> int:
        starts = self.starts
        return starts[index + 1] if index + 1 < len(starts) else len(self.data)

    def entry(self, index: int) -> tuple[bytes, bytes]:
        """(mode and name, id) of an entry, as raw bytes."""
        end = self.end(index)
        return self.data[self.starts[index]:end - _ID_SIZE - 1], self.data[end - _ID_SIZE:end]

    def index_at(self, offset: int) -> int:
        """The entry holding byte ``offset`` (len(starts) at the very end)."""
        return len(self.starts) if offset >= len(self.data) else bisect_right(self.starts, offset) - 1


def _common_length(a: bytes, b: bytes, *, from_end: bool = False) -> int:
    """How many bytes ``a`` and ``b`` share at the start (or the end), by binary search on slices."""
    def same(low: int, high: int) -> bool:  # bytes low..high counted from the start (or the end)
        if from_end:
            return a[len(a) - high:len(a) - low] == b[len(b) - high:len(b) - low]
        return a[low:high] == b[low:high]

    low, high = 0, min(len(a), len(b))
    if same(low, high):
        return high
    while high - low > 1:  # the first ``low`` bytes agree, the first ``high`` do not
        middle = (low + high) // 2
        if same(low, middle):
            low = middle
        else:
            high = middle
    return low


def _name(header: bytes) -> tuple[bytes, str]:
    mode, _, name = header.partition(b" ")
    return mode, name.decode("utf-8", "surrogateescape")


def compare(old: RawTree, new: RawTree) -> list[EntryChange] | None:
    """File entries that changed from ``old`` to ``new``, or None when this needs a real diff.

    On success ``new`` learns its entry offsets from ``old`` without parsing.
    """
    a, b = old.data, new.data
    if len(a) == len(b):
        return _modified(old, new)
    if len(b) > len(a):
        found = _inserted(old, new)
        return None if found is None else [EntryChange(found[0], "", found[1])]
    found = _inserted(new, old)
    return None if found is None else [EntryChange(found[0], found[1], "")]


def _modified(old: RawTree, new: RawTree) -> list[EntryChange] | None:
    """Same layout, different ids: every differing entry must keep its mode and name."""
    first = _common_length(old.data, new.data)
    if first == len(old.data):
        new._starts = old.starts
        return []
    last = len(old.data) - _common_length(old.data, new.data, from_end=True)  # just past the last difference
    changes = []
    for index in range(old.index_at(first), old.index_at(last - 1) + 1):
        header, old_id = old.entry(index)
        start = old.starts[index]
        if new.data[start:start + len(header)] != header:
            return None  # renamed in place or a mode change
        end = old.end(index)
        new_id = new.data[end - _ID_SIZE:end]
        if new_id != old_id:
            mode, name = _name(header)
            if mode == _TREE_MODE:
                return None  # a sub-folder changed
            changes.append(EntryChange(name, old_id.hex(), new_id.hex()))
    new._starts = old.starts
    return changes


def _inserted(shorter: RawTree, longer: RawTree) -> tuple[str, str] | None:
    """(name, hex id) of the one entry ``longer`` has on top of ``shorter``, if that is all.

    The first differing byte lies inside that entry, so the offsets of
    whichever tree knows them locate it; the other tree's offsets follow.
    """
    a, b = shorter.data, longer.data
    known = shorter if shorter._starts is not None else longer
    index = known.index_at(_common_length(a, b))
    start = known.starts[index] if index < len(known.starts) else len(a)
    size = len(b) - len(a)
    nul = b.find(b"\0", start, start + size)
    if nul < 0 or nul + 1 + _ID_SIZE != start + size or b[start + size:] != a[start:]:
        return None
    mode, name = _name(b[start:nul])
    if mode == _TREE_MODE:
        return None
    if known is shorter:
        longer._starts = known.starts[:index] + [start] + [s + size for s in known.starts[index:]]
    else:
        shorter._starts = known.starts[:index] + [s - size for s in known.starts[index + 1:]]
    return name, b[nul + 1:nul + 1 + _ID_SIZE].hex()
