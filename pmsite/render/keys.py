"""Page keys: a hash of everything a page is drawn from, so unchanged pages are not drawn again.

A page's key covers the theme's templates, the code and library versions that
draw it, the page itself (path, template, title) and its context, and the
site-wide template globals. The previous build's keys are kept in its manifest;
a page whose key is unchanged is hard-linked from the previous site instead of
rendered, which gives the same bytes a full build would.

What is hashed:

- a postmortem (``PostmortemView``) in a page's context is hashed whole: file
  path and text, URL, history, incident figures, action items, score; the views
  it links to (related, recurring) by their own fields, not by their links;
- the globals (``taxonomies``, ``postmortems_by_id``, ...) hold every
  postmortem: there a postmortem counts by its URL, id, title, date, severity
  and status, so editing one body does not redraw every page. A theme that
  shows more of *other* postmortems through the globals than that should render
  those pages with ``cacheable=False`` (as the report pages are).

Data is hashed as pickled (without the memo, so only values count); anything
that does not pickle (a function) makes the page uncacheable: it is then always
rendered.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pmsite import load, model, yamlpos
from pmsite.aggregate import Incident
from pmsite.model import Postmortem
from pmsite.render.site import Page, PostmortemView

#: Template globals that are not data (functions); what they compute is covered by ``site``.
_CALLABLE_GLOBALS = ("url",)
_LIBRARIES = ("jinja2", "markupsafe", "mistune", "nh3")
#: View fields drawn from the postmortem's text (hashed through it) or links (hashed by their own fields).
_DERIVED_VIEW_FIELDS = ("body", "toc", "related", "recurring")


class Uncacheable(Exception):
    """The page's data holds something that cannot be hashed reliably."""


def code_salt(template_dirs: Iterable[Path]) -> bytes:
    """The templates, pmsite's render code and the libraries that draw pages."""
    digest = hashlib.blake2b(digest_size=16)
    for path in [*sorted(Path(__file__).parent.glob("*.py")), *(Path(m.__file__) for m in (load, model, yamlpos))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        digest.update(f"{name}={version(name)}\0".encode())
    for position, folder in enumerate(template_dirs):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"{position}:{path.relative_to(folder).as_posix()}\0".encode() + path.read_bytes())
    return digest.digest()


class PageKeys:
    """Computes page keys for one build (each postmortem and taxonomy is hashed once)."""

    def __init__(self, template_dirs: Iterable[Path], globals_: Mapping[str, Any]) -> None:
        self._hashes: dict[tuple[int, bool], bytes] = {}
        data = {name: value for name, value in globals_.items() if name not in _CALLABLE_GLOBALS}
        self._base = hashlib.blake2b(code_salt(template_dirs) + self._dump(data, refs=True)).digest()

    def key(self, page: Page) -> str | None:
        """The page's key, or None when it is always rendered or its data cannot be hashed."""
        if not page.cacheable:
            return None
        try:
            data = self._dump((page.path, page.template, page.title, page.in_sitemap, page.context), refs=False)
        except Uncacheable:
            return None
        return hashlib.blake2b(self._base + data, digest_size=20).hexdigest()

    def _dump(self, value: Any, refs: bool) -> bytes:
        """Pickle ``value`` with postmortems, views and site-model objects replaced by their hashes."""
        return _plain_dump(value, lambda buffer: _Pickler(buffer, self, refs))

    def reference(self, obj: Any, refs: bool) -> Any:
        if isinstance(obj, Postmortem):  # what it holds is read from its text
            return ("pm", obj.display_path, obj.text)
        if isinstance(obj, PostmortemView):
            if refs:
                return ("view", obj.url, obj.id, obj.title, obj.date, obj.severity, obj.status)
            return ("view", self._hash(obj, False, self._view_fields))
        return ("model", self._hash(obj, refs, lambda o: self._dump(_fields(o), refs)))  # they hold views

    def data_hash(self, obj: Any) -> bytes:
        return self._hash(obj, False, lambda o: _plain_dump(o))

    def _view_fields(self, view: PostmortemView) -> bytes:
        """A view's own fields (its body comes from its text) and those of the views it links to."""
        linked = [[_own(other) for other in group] for group in (view.related, view.recurring)]
        return _plain_dump((_own(view), linked))

    def _hash(self, obj: Any, refs: bool, dump: Callable[[Any], bytes]) -> bytes:
        cached = self._hashes.get((id(obj), refs))
        if cached is None:
            data = dump(obj)
            cached = self._hashes[id(obj), refs] = hashlib.blake2b(data, digest_size=16).digest()
        return cached


class _Pickler(pickle.Pickler):
    """Replaces the objects ``PageKeys.reference`` knows by their hashes; the rest pickles as usual."""

    def __init__(self, buffer: io.BytesIO, keys: PageKeys, refs: bool) -> None:
        super().__init__(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self.fast = True
        self.keys = keys
        self.refs = refs

    def persistent_id(self, obj: Any) -> Any:
        kind = _KINDS.get(type(obj))
        if kind is None:
            kind = _KINDS[type(obj)] = _kind(type(obj))
        if kind == _PICKLED:
            return None
        if kind == _DATA:  # aggregates hold no views: pickled whole, at C speed
            return ("data", self.keys.data_hash(obj))
        return self.keys.reference(obj, self.refs)


_PICKLED, _DATA, _REFERENCE = 0, 1, 2
_KINDS: dict[type, int] = {}


def _kind(cls: type) -> int:
    if cls in (Postmortem, PostmortemView) or (dataclasses.is_dataclass(cls) and cls.__module__ == Page.__module__):
        return _REFERENCE  # postmortems, and the site-model objects (taxonomies, terms) that hold views
    return _DATA if dataclasses.is_dataclass(cls) else _PICKLED


def _fields(obj: Any) -> tuple:
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj))


def _own(view: PostmortemView) -> tuple:
    """A view's fields without the ones drawn from others, with its postmortem as path and text."""
    def plain(value: Any) -> Any:
        if isinstance(value, Postmortem):
            return ("pm", value.display_path, value.text)
        if isinstance(value, Incident):
            return dataclasses.replace(value, postmortem=plain(value.postmortem))
        return value
    return tuple(plain(getattr(view, f.name)) for f in dataclasses.fields(view) if f.name not in _DERIVED_VIEW_FIELDS)


def _plain_dump(value: Any, make_pickler: Callable[[io.BytesIO], pickle.Pickler] | None = None) -> bytes:
    """Pickle without the memo, so the bytes depend on the values only, not on which objects are shared."""
    buffer = io.BytesIO()
    if make_pickler is None:
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = True
    else:
        pickler = make_pickler(buffer)
    try:
        pickler.dump(value)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError, ValueError) as exc:
        raise Uncacheable(str(exc)) from None
    return buffer.getvalue()
