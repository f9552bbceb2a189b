"""Page keys: a hash of everything a page is drawn from, so unchanged pages are not drawn again.

A page's key covers the theme's templates, the code and library versions that
draw it, the page itself (path, template, title) and its context, and the
site-wide template globals. The previous build's keys are kept in its manifest;
a page whose key is unchanged is hard-linked from the previous site instead of
rendered, which gives the same bytes a full build would.

What is hashed of a postmortem (a ``PostmortemView``):

- the page's own postmortem (a view that is itself a value of the page's
  context, ``pm`` of a postmortem page) whole: file path and text (by its hash), URL,
  history, incident figures, action items, score;
- every other postmortem the page reaches (the entries of a list page, the
  terms of a taxonomy page, related and recurring incidents, the globals
  ``taxonomies`` and ``postmortems_by_id``) only by its *listed fields*:
  ``LISTED_FIELDS`` plus the ``listed_fields`` of the theme. So editing a body
  redraws that postmortem's page alone, while editing a title redraws every
  page that may show it. A theme that shows more of listed postmortems names
  those fields in its ``theme.yml``; pages drawn from site-wide aggregates are
  rendered with ``cacheable=False`` (the report pages).

Each view and each incident is hashed once per process that keys pages (the
build's, or each of its workers), however many pages show it. Data is hashed as pickled (without the memo, so only values count);
anything that does not pickle (a function) makes the page uncacheable: it is
then always rendered.
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

from pmsite import load, model, slugs, yamlpos
from pmsite.aggregate import Incident
from pmsite.decisions import model as decision_model
from pmsite.model import Postmortem
from pmsite.render.site import Page, PostmortemView

#: What the default theme shows of a postmortem it lists or links to (cards of the
#: home page aside, which always renders); a theme adds to it with ``listed_fields``.
LISTED_FIELDS = ("url", "id", "title", "status", "date", "severity", "type", "duration")
#: Template globals that are not data (functions); what they compute is covered by ``site``.
_CALLABLE_GLOBALS = ("url",)
_LIBRARIES = ("jinja2", "markupsafe", "mistune", "nh3")
#: View fields drawn from the postmortem's text (hashed through it) or from other views.
_DERIVED_VIEW_FIELDS = ("markdown", "incident", "related", "recurring")
#: What a digest was taken of (a view has two).
_LISTED, _WHOLE, _OWN = range(3)


class Uncacheable(Exception):
    """The page's data holds something that cannot be hashed reliably."""


def code_salt(template_dirs: Iterable[Path]) -> bytes:
    """The templates, pmsite's render code and the libraries that draw pages."""
    digest = hashlib.blake2b(digest_size=16)
    for path in [*sorted(Path(__file__).parent.glob("*.py")), *(Path(m.__file__) for m in (load, model, slugs, yamlpos, decision_model))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        digest.update(f"{name}={version(name)}\0".encode())
    for position, folder in enumerate(template_dirs):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"{position}:{path.relative_to(folder).as_posix()}\0".encode() + path.read_bytes())
    return digest.digest()


class PageKeys:
    """Computes page keys for one build."""

    def __init__(self, template_dirs: Iterable[Path], globals_: Mapping[str, Any],
                 listed_fields: Iterable[str] = LISTED_FIELDS) -> None:
        self.listed_fields = tuple(dict.fromkeys(listed_fields))
        #: (id of the object, what of it) -> (the object, kept so that its id stays its own; digest)
        self._digests: dict[tuple[int, int], tuple[Any, bytes]] = {}
        data = {name: value for name, value in globals_.items() if name not in _CALLABLE_GLOBALS}
        self._base = hashlib.blake2b(code_salt(template_dirs) + self._dump((self.listed_fields, data))).digest()

    def key(self, page: Page) -> str | None:
        """The page's key, or None when it is always rendered or its data cannot be hashed."""
        if not page.cacheable:
            return None
        try:
            context = {name: ("own postmortem", self._digest(value, _WHOLE, self._whole))
                       if isinstance(value, PostmortemView) else value for name, value in page.context.items()}
            data = self._dump((page.path, page.template, page.title, page.in_sitemap, context))
        except Uncacheable:
            return None
        return hashlib.blake2b(self._base + data, digest_size=20).hexdigest()

    def _dump(self, value: Any) -> bytes:
        """Pickle ``value`` with postmortems, views, incidents and site-model objects replaced by references."""
        return _plain_dump(value, lambda buffer: _Pickler(buffer, self))

    def reference(self, obj: Any) -> tuple:
        """What stands for ``obj`` in a key (after its type's name)."""
        if isinstance(obj, Postmortem):  # what it holds is read from its text
            return (obj.display_path, obj.text_digest)
        if isinstance(obj, PostmortemView):
            return (self._digest(obj, _LISTED, self._listed),)
        if isinstance(obj, Incident):  # on its postmortem's page and its month's digest
            return (self._digest(obj, _OWN, _incident_dump),)
        return (self._digest(obj, _OWN, lambda o: self._dump(_fields(o))),)  # a taxonomy or a term: they hold views

    def _listed(self, view: PostmortemView) -> bytes:
        return self._dump(tuple(getattr(view, name) for name in self.listed_fields))

    def _whole(self, view: PostmortemView) -> bytes:
        """A view's own fields (its body comes from its text) and the listed fields of the views it links to."""
        own = [(view.pm.display_path, view.pm.text_digest) if f.name == "pm" else getattr(view, f.name)
               for f in dataclasses.fields(view) if f.name not in _DERIVED_VIEW_FIELDS]
        linked = [[self._digest(other, _LISTED, self._listed) for other in group]
                  for group in (view.related, view.recurring)]
        return _plain_dump((own, self.reference(view.incident), linked))  # at C speed: no references left

    def _digest(self, obj: Any, what: int, dump: Callable[[Any], bytes]) -> bytes:
        cached = self._digests.get((id(obj), what))
        if cached is None:
            cached = self._digests[id(obj), what] = (obj, hashlib.blake2b(dump(obj), digest_size=16).digest())
        return cached[1]


class _Pickler(pickle.Pickler):
    """Replaces the objects ``PageKeys.reference`` knows by their references; the rest pickles as usual."""

    def __init__(self, buffer: io.BytesIO, keys: PageKeys) -> None:
        super().__init__(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self.fast = True
        self.keys = keys

    def reducer_override(self, obj: Any) -> Any:
        """Called for objects of other than the built-in types; aggregates other than incidents pickle as usual."""
        referenced = _REFERENCED.get(type(obj))
        if referenced is None:
            referenced = _REFERENCED[type(obj)] = type(obj) in (Postmortem, Incident) or (
                dataclasses.is_dataclass(type(obj)) and type(obj).__module__ == Page.__module__)
        return (type(obj), self.keys.reference(obj)) if referenced else NotImplemented


#: Whether objects of a type are replaced by a reference when pickled for a key: postmortems, incidents,
#: views and the site-model objects that hold views (taxonomies, terms).
_REFERENCED: dict[type, bool] = {}


def _fields(obj: Any) -> tuple:
    return tuple(getattr(obj, f.name) for f in dataclasses.fields(obj))


def _incident_dump(incident: Incident) -> bytes:
    """An incident with its postmortem as path and text hash (both its fields and its history pickle at C speed)."""
    postmortem = incident.postmortem
    return _plain_dump(dataclasses.replace(incident, postmortem=(postmortem.display_path, postmortem.text_digest)))


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
