"""Similar past incidents: BM25 over title, summary, lessons, services, tags and body.

The BM25 weights (Lucene's form: idf × tf / (tf + k1 × (1 - b + b × length /
average)), k1 1.2, b 0.75) are one scipy sparse document-by-term matrix; every
postmortem is scored against all others at once with one sparse matrix
product. (``bm25s`` builds the same matrix, but took 0.78 s for 1,000
postmortems against 0.34 s here: bench/similar.py.) A score is the BM25 score
of B for query A divided by the geometric mean of A's and B's scores against
themselves (a cosine of BM25 weights), so it lies in 0..1 and one floor serves
every query:

- ``SCORE_FLOOR`` (0.15): below it a postmortem is not shown as similar;
- ``SAME_PROBLEM`` (0.35): at or above it, two postmortems look like the same
  problem (``pmsite validate`` says so when they share no fingerprint and no
  ``related`` link, and both bodies have at least ``MIN_WORDS_TO_JUDGE`` (40)
  distinct words: a stub says too little to judge).

A short text (``pmsite similar "checkout latency"``, the title and services of
``pmsite new``) is scored by its coverage instead: the BM25 sum divided by the
most its terms could score (the sum of their idf), shown from ``TEXT_FLOOR``
(0.18); ``pmsite new`` suggests the best match's fingerprint when it scores at
least ``SUGGEST`` (0.33) and 1.5 times any rival.

Title, summary and lessons count double, services and tags count as their own
terms (``service:checkout``) as well as words; the body counts without the
story of the response (timeline, impact, ...) and the names of the people in it.
Tokens are cached by each file's
content digest and the site's result by the digest of all of them, in JSON
under the cache folder (never pickle: caches are untrusted input); when a few
files changed, ``similar_state`` scores only them again.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from pmsite.cache import digest, source_salt, write_atomically
from pmsite.model import Finding, Postmortem
from pmsite.sections import heading_spans

if TYPE_CHECKING:
    from pmsite.config import Config
    from pmsite.parallel import Ahead

SCORE_FLOOR = 0.15
SAME_PROBLEM = 0.35
TEXT_FLOOR = 0.18
SUGGEST = 0.33
#: A body with fewer distinct words than this is too short to call two postmortems one problem.
MIN_WORDS_TO_JUDGE = 40
SHOWN = 3
K1, B = 1.2, 0.75
#: At most this many changed files are scored again by themselves (``similar_state``); more rank every pair.
MAX_CHANGED = 5
#: Files changed since the last full ranking before the next one (and at most 5 % of the files).
MAX_STALE = 50
#: Candidates kept per postmortem between builds: those shown, and enough to replace what changed files displace.
KEEP = SHOWN + MAX_CHANGED
#: From this many postmortems on, the site's ranking leaves out of its queries the terms in more than half of them.
COMMON_MIN_DOCUMENTS = 100
#: Headings of sections that tell how the response went rather than what the problem was: the chronology,
#: the effects, what went well or lucky, the decisions taken, who took part. (bench/similar_recall.py
#: measures recall; leaving them out took the sample's recall@1 from 6/7 to 7/7.)
RESPONSE_SECTIONS = re.compile(r"\b(timeline|chronology|sequence of events|impact|went (well|right)|lucky"
                               r"|decision points?|attendees?|atendees|participants|people involved|stats|statistics)\b",
                               re.IGNORECASE)
#: A response heading is short: "Timeline (all times UTC)", "Things that went well".
RESPONSE_HEADING_WORDS = 6
#: Front-matter fields naming people, whose names say who responded, not what failed.
PEOPLE_FIELDS = ("authors", "reviewers", "approved_by", "participants")

@lru_cache(maxsize=1)
def _version() -> str:
    """The caches are salted with this module's source: a change to how it ranks recomputes them."""
    return source_salt(Path(__file__))

_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other
our ours out over own same she should so some such than that the their theirs them then there these they this
those through to too under until up very was we were what when where which while who whom why will with would
you your yours yes via per within without across around again onto upon whether us got get gets getting
incident incidents postmortem summary timeline action actions items item lessons learned section sections
""".split())


#: Plurals made with "es" after a hissing sound ("refreshes", "fixes", "patches", "branches", "processes");
#: "caches", "sizes" and "services" only take an "s".
_ES_PLURAL = re.compile(r"(?:sh|x|tch|[^aeiou]ch|ss)es$")


#: Compounds of "ops" that are singular: "gitops" must not become "gitop" ("stops", "laptops" still do).
_OPS_COMPOUND = re.compile(r"(?:git|dev|devsec|sec|fin|chat|ml|ai|data|net|sys|cloud|biz|no|it)ops")


def _stem(word: str) -> str:
    """Plurals to singular ('pools' meets 'pool'): light enough that a term shown as a reason is still a word."""
    if _OPS_COMPOUND.fullmatch(word):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if _ES_PLURAL.search(word) and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 17)
def _term(word: str) -> str:
    """A word as it is indexed ("" for a stop word). Cached: a corpus repeats a few thousand words."""
    return "" if word in _STOPWORDS else _stem(word)


def words(text: str) -> list[str]:
    return list(filter(None, map(_term, _WORD.findall(text.lower()))))


def tokens(pm: Postmortem) -> list[str]:
    """The terms a postmortem is indexed by, its weighted fields repeated.

    The body counts without the sections that tell the story of the response
    (``RESPONSE_SECTIONS``) and without the names of the people involved: two
    incidents are the same problem when their causes match, not their
    responders, chronology or customer impact.
    """
    meta = pm.meta
    lessons = " ".join(item for item in pm.str_list("lessons") if item)  # any shape: validation reports it
    weighted = " ".join([pm.title, str(meta.get("summary") or ""), lessons])
    labels = [f"service:{s.lower()}" for s in pm.str_list("services")] + [f"tag:{t.lower()}" for t in pm.str_list("tags")]
    plain_labels = " ".join(pm.str_list("services") + pm.str_list("tags"))
    people = set(words(" ".join(name for field in PEOPLE_FIELDS for name in pm.str_list(field))))
    body = [term for term in words(_strip_markup(_without_response(pm.body))) if term not in people]
    return words(weighted) * 2 + labels * 2 + words(plain_labels) + body


def _without_response(body: str) -> str:
    """The body less every section (with its subsections) whose heading names a part of the response.

    A heading names one when it is short ("Timeline (UTC)", "Customer impact"); a longer one, or the
    document's one top heading over all the others (its title), says what the text is about instead.
    """
    headings = heading_spans(body)
    top_level = min((heading.level for heading in headings), default=0)
    top = [heading for heading in headings if heading.level == top_level]
    title = headings[0] if len(top) == 1 and top[0] is headings[0] and len(headings) > 1 else None
    lines = body.split("\n")
    kept, start, dropped_from = [], 0, None  # dropped_from: level of the response heading being skipped
    for heading in headings:
        if dropped_from is None:
            kept += lines[start:heading.line]
        if dropped_from is not None and heading.level <= dropped_from:
            dropped_from = None
        named = re.sub(r"\(.*?\)", "", heading.text)  # "Timeline (all times in Central European Time)"
        if dropped_from is None and heading is not title and len(named.split()) <= RESPONSE_HEADING_WORDS \
                and RESPONSE_SECTIONS.search(named):
            dropped_from = heading.level
        start = heading.line
    if dropped_from is None:
        kept += lines[start:]
    return "\n".join(kept)


def _strip_markup(body: str) -> str:
    body = re.sub(r"<!--.*?-->", " ", body, flags=re.DOTALL)
    return re.sub(r"\]\([^)]*\)|https?://\S+", " ", body)


@dataclass(frozen=True)
class Similar:
    """One similar postmortem and why it was chosen."""

    id: str
    title: str
    path: str
    score: float
    why: str

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "path": self.path, "score": self.score, "why": self.why}


class Index:
    """BM25 weights of a set of postmortems as a sparse matrix; queries are scored in one sparse product."""

    def __init__(self, postmortems: list[Postmortem], documents: list[list[str]]) -> None:
        import numpy as np
        import scipy.sparse as sparse

        self.postmortems = postmortems
        self._np, self._sparse = np, sparse
        self.vocab: dict[str, int] = {}
        frequencies = [Counter(doc) for doc in documents]  # each distinct term of a document looked up once
        ids = [np.fromiter(map(self._term_id, found), dtype=np.int64, count=len(found)) for found in frequencies]
        lengths = np.array([len(doc) for doc in documents], dtype=np.float64)
        indptr = np.concatenate([[0], np.cumsum([len(found) for found in frequencies])])
        tf = np.fromiter((n for found in frequencies for n in found.values()), dtype=np.float32, count=indptr[-1])
        counts = sparse.csr_matrix((tf, np.concatenate(ids or [np.zeros(0, dtype=np.int64)]), indptr),
                                   shape=(len(documents), max(len(self.vocab), 1)))
        counts.sort_indices()
        n = len(documents)
        self.frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = np.log(1 + (n - self.frequency + 0.5) / (self.frequency + 0.5))
        self.average_length = max(float(lengths.mean()), 1.0) if n else 1.0
        length_norm = K1 * (1 - B + B * lengths / self.average_length)
        row_of = np.repeat(np.arange(n), np.diff(counts.indptr))
        tf = counts.data
        counts.data = (self.idf[counts.indices] * tf / (tf + length_norm[row_of])).astype(np.float32)
        self.weights = counts
        #: Each document scored against itself: the norm of its side of a score.
        self.self_scores = np.asarray(self.weights.sum(axis=1)).ravel()
        self.terms = list(self.vocab)
        self.is_label = np.array([":" in term for term in self.terms], dtype=bool)
        from pmsite.similar_state import Weights

        #: The same weights as plain arrays: what ``similar_state`` saves and updates between builds.
        self.state = Weights(self.weights.data, self.weights.indices.astype(np.int64),
                             self.weights.indptr.astype(np.int64), self.terms, self.frequency.astype(np.int64),
                             lengths, self.average_length)

    def _term_id(self, term: str) -> int:
        return self.vocab.setdefault(term, len(self.vocab))

    def _queries(self, queries: list[list[str]]):
        """Queries as rows of term presence."""
        np = self._np
        rows, cols = [], []
        for row, query in enumerate(queries):
            ids = sorted({self.vocab[t] for t in query if t in self.vocab})
            rows += [row] * len(ids)
            cols += ids
        return self._sparse.csr_matrix((np.ones(len(rows), dtype="float32"), (rows, cols)),
                                       shape=(len(queries), self.weights.shape[1]))

    def _own_queries(self):
        """Every indexed document as a query: its terms, less those in more than half of a large corpus
        (they add little to a score and cost most of the product)."""
        np = self._np
        matrix = self.weights.copy()
        matrix.data = np.ones_like(matrix.data)
        if len(self.postmortems) >= COMMON_MIN_DOCUMENTS:
            matrix.data[self.frequency[matrix.indices] > len(self.postmortems) / 2] = 0
            matrix.eliminate_zeros()
        return matrix

    def _self_score(self, query: list[str]) -> float:
        """What a query would score against itself as a document (BM25 with this index's idf and lengths)."""
        counts: dict[int, int] = {}
        for term in query:
            if term in self.vocab:
                counts[self.vocab[term]] = counts.get(self.vocab[term], 0) + 1
        norm = K1 * (1 - B + B * len(query) / self.average_length)
        return float(sum(self.idf[i] * tf / (tf + norm) for i, tf in counts.items()))

    def rank(self, queries: list[list[str]], exclude: list[int | None], limit: int,
             floor: float = SCORE_FLOOR, text: bool = False) -> list[list[Similar]]:
        """For each query, up to ``limit`` postmortems scoring at least ``floor``, best first.

        ``exclude[i]`` is the index of query i's own document (left out), or None.
        A document query is scored as a cosine; a short ``text`` query by its coverage.
        """
        np = self._np
        matrix = self._queries(queries)
        raw = (matrix @ self.weights.T).toarray()
        if text:
            scores = raw / np.maximum(matrix @ self.idf, 1e-12)[:, None]
        else:
            query_norms = np.array([self.self_scores[own] if own is not None else self._self_score(query)
                                    for query, own in zip(queries, exclude)])
            scores = raw / np.sqrt(np.maximum(np.outer(query_norms, self.self_scores), 1e-12))
        return self._best(matrix, scores, exclude, limit, floor)

    def candidates_all(self, keep: int) -> list[list[list[float]]]:
        """For every indexed postmortem, its ``keep`` best others as ``[index, score]``, best first (no floor)."""
        np = self._np
        self._own = matrix = self._own_queries()
        scores = (matrix @ self.weights.T).toarray()
        scores /= np.sqrt(np.maximum(np.outer(self.self_scores, self.self_scores), 1e-12))
        np.fill_diagonal(scores, -1)
        found = []
        for row_scores in scores:
            top = np.argpartition(-row_scores, keep)[:keep] if len(row_scores) > keep else np.arange(len(row_scores))
            order = top[np.lexsort((top, -row_scores[top]))]  # best first; equal scores in corpus order
            found.append([[int(i), float(row_scores[i])] for i in order])
        return found

    def shown(self, row: int, candidates: list[list[float]], limit: int, floor: float = SCORE_FLOOR) -> list[Similar]:
        """The candidates a page shows, with why (after ``candidates_all``)."""
        query_ids = self._own.indices[self._own.indptr[row]:self._own.indptr[row + 1]]
        return [self._similar(query_ids, int(i), score) for i, score in _shown(candidates, limit, floor)]

    def _best(self, matrix, scores, exclude: list[int | None], limit: int, floor: float) -> list[list[Similar]]:
        np = self._np
        results = []
        for row in range(scores.shape[0]):
            if exclude[row] is not None:
                scores[row, exclude[row]] = -1
            row_scores = scores[row]
            top = np.argpartition(-row_scores, limit)[:limit] if len(row_scores) > limit else np.arange(len(row_scores))
            order = top[np.lexsort((top, -row_scores[top]))]  # best first; equal scores in corpus order
            query_ids = matrix.indices[matrix.indptr[row]:matrix.indptr[row + 1]]
            results.append([self._similar(query_ids, int(i), float(scores[row, i])) for i in order
                            if scores[row, i] >= floor])
        return results

    def _similar(self, query_ids, index: int, score: float) -> Similar:
        pm = self.postmortems[index]
        return Similar(pm.id, pm.title, pm.display_path, round(score, 3), self._why(query_ids, index))

    def _why(self, query_ids, index: int) -> str:
        from pmsite.similar_state import why

        return why(self.state, self.is_label, query_ids, index)


def _shown(candidates: list[list[float]], limit: int, floor: float = SCORE_FLOOR) -> list[list[float]]:
    """The best ``limit`` candidates (``[index, score]``, best first) that reach the floor: what a page shows."""
    return [candidate for candidate in candidates if candidate[1] >= floor][:limit]


def _result_key(postmortems: list[Postmortem], limit: int) -> str:
    return digest(_version(), str(limit), *(f"{pm.display_path}\0{pm.text_digest}" for pm in postmortems))


def _cached(stored: dict, key: str) -> dict[str, list[Similar]] | None:
    """The stored ranking when it was made for these very files (``key``), else None."""
    if stored.get("key") == key and isinstance(stored.get("similar"), dict):
        try:
            return {path: [Similar(**entry) for entry in entries] for path, entries in stored["similar"].items()}
        except TypeError:  # not what this version wrote: compute again
            pass
    return None


def _documents(postmortems: list[Postmortem], config: Config | None) -> list[list[str]]:
    """Tokens of each postmortem, from the cache when its content digest is known.

    Kept as one space-joined string per file: JSON reads strings far faster than lists.
    """
    file = config.cache_dir("similar") / "tokens.json" if config else None
    stored = _read_json(file) if file is not None else {}
    cached = stored.get("tokens") if stored.get("version") == _version() and isinstance(stored.get("tokens"), dict) else {}
    documents, fresh = [], {}
    for pm in postmortems:
        found = cached.get(pm.text_digest)
        if not isinstance(found, str):
            found = " ".join(tokens(pm))
        fresh[pm.text_digest] = found
        documents.append(found.split())
    if file is not None and fresh.keys() != cached.keys():
        _write_json(file, {"version": _version(), "tokens": fresh})
    return documents


def start_site_similar(postmortems: list[Postmortem], config: Config) -> Ahead[dict[str, list[Similar]]]:
    """``site_similar`` begun now: from the cache at once, or ranked in a forked worker while a build
    validates, lints and aggregates (1,000 postmortems take about a second of one core)."""
    from pmsite.parallel import Ahead

    cached = _cached(_read_json(config.cache_dir("similar") / "site.json"), _result_key(postmortems, SHOWN))
    return Ahead(cached) if cached is not None else Ahead.start(lambda ranked: site_similar(ranked, config),
                                                               postmortems)


def site_similar(postmortems: list[Postmortem], config: Config | None, limit: int = SHOWN,
                 name: str = "site") -> dict[str, list[Similar]]:
    """display_path -> its most similar other postmortems, for every postmortem of the site.

    The result is cached by the digest of every file's path and content: a
    build where nothing changed reads one JSON file and imports nothing. When
    a few files changed, only they are weighed and scored again
    (``similar_state``); otherwise every pair is ranked. ``name`` keeps apart the
    caches of different sets of postmortems (the site's, validate's).
    """
    paths = [pm.display_path for pm in postmortems]
    digests = [pm.text_digest for pm in postmortems]
    key = _result_key(postmortems, limit)
    folder = config.cache_dir("similar") if config else None
    stored = _read_json(folder / f"{name}.json") if folder is not None else {}
    cached = _cached(stored, key)
    if cached is not None:
        return cached
    if len(postmortems) < 2:
        return {path: [] for path in paths}
    updated = None
    if folder is not None:
        state = _read_json(folder / f"{name}-candidates.json")
        updated = _update(state, stored.get("similar"), folder / f"{name}-weights.npz", postmortems, limit)
    if updated is not None:
        result, candidates, stale = updated
    else:
        index = Index(postmortems, _documents(postmortems, config))
        candidates = index.candidates_all(KEEP)
        result = {path: index.shown(row, candidates[row], limit) for row, path in enumerate(paths)}
        stale = 0
        if folder is not None:
            from pmsite.similar_state import save

            save(folder / f"{name}-weights.npz", index.state)
    if folder is not None:  # the result alone (a build where nothing changed reads only it), then the candidates
        _write_json(folder / f"{name}.json", {"key": key,
                                           "similar": {p: [s.to_dict() for s in found] for p, found in result.items()}})
        _write_json(folder / f"{name}-candidates.json", {"version": _version(), "limit": limit, "paths": paths,
                                                 "digests": digests, "stale": stale, "candidates": candidates})
    return result


def _update(stored: dict, previous: object, weights_file, postmortems: list[Postmortem], limit: int):
    """The previous ranking brought up to date when at most a few files changed; None when it cannot be."""
    from pmsite import similar_state

    paths = [pm.display_path for pm in postmortems]
    candidates = stored.get("candidates")
    if stored.get("version") != _version() or stored.get("limit") != limit or stored.get("paths") != paths \
            or not isinstance(candidates, list) or len(candidates) != len(paths) \
            or not isinstance(stored.get("digests"), list) or len(stored["digests"]) != len(paths):
        return None
    changed = [row for row, (old, pm) in enumerate(zip(stored["digests"], postmortems)) if old != pm.text_digest]
    stale = int(stored.get("stale") or 0) + len(changed)
    if not changed or len(changed) > MAX_CHANGED or stale > min(MAX_STALE, 0.05 * len(paths)):
        return None
    try:
        candidates = [[[int(j), float(score)] for j, score in found] for found in candidates]
    except (TypeError, ValueError):
        return None
    if any(not 0 <= j < len(paths) for found in candidates for j, _ in found):
        return None
    weights = similar_state.load(weights_file, len(paths))
    if weights is None:
        return None
    similar_state.update(weights, {row: tokens(postmortems[row]) for row in changed})
    keep_terms = similar_state.query_mask(weights, COMMON_MIN_DOCUMENTS)
    similar_state.rescore(weights, changed, candidates, keep_terms, KEEP)
    similar_state.save(weights_file, weights)
    is_label = weights.is_label
    previous = previous if isinstance(previous, dict) else {}
    result = {}
    for row, pm in enumerate(postmortems):
        reasons = {entry.get("path"): entry.get("why") for entry in previous.get(pm.display_path) or []
                   if isinstance(entry, dict)}
        ids = weights.row(row)[0]
        query_ids = ids[keep_terms[ids]]
        shown = []
        for j, score in _shown(candidates[row], limit):
            other = postmortems[j]
            reason = reasons.get(other.display_path)
            if reason is None or row in changed or j in changed:
                reason = similar_state.why(weights, is_label, query_ids, j)
            shown.append(Similar(other.id, other.title, other.display_path, round(score, 3), str(reason)))
        result[pm.display_path] = shown
    return result, candidates, stale


def query_similar(corpus: list[Postmortem], query: list[str], *, text: bool, exclude_path: str | None = None,
                  limit: int = SHOWN, config: Config | None = None) -> list[Similar]:
    """Postmortems of ``corpus`` most like ``query`` (a document's tokens, or the words of a short ``text``)."""
    if not corpus or not query:
        return []
    index = Index(corpus, _documents(corpus, config))
    exclude = next((i for i, pm in enumerate(corpus) if pm.display_path == exclude_path), None)
    return index.rank([query], [exclude], limit, TEXT_FLOOR if text else SCORE_FLOOR, text=text)[0]


def suggested_fingerprint(found: list[Similar], corpus: list[Postmortem]) -> tuple[str, Similar] | None:
    """The best match's fingerprint when it clearly leads: a score of at least ``SUGGEST`` and
    1.5 times that of the best match with another fingerprint (or none)."""
    fingerprints = {pm.display_path: str(pm.meta.get("fingerprint") or "") for pm in corpus}
    if not found or found[0].score < SUGGEST or not fingerprints.get(found[0].path):
        return None
    fingerprint = fingerprints[found[0].path]
    rival = next((s.score for s in found[1:] if fingerprints.get(s.path) != fingerprint), 0.0)
    return (fingerprint, found[0]) if found[0].score >= 1.5 * rival else None


def same_problem_findings(corpus: list[Postmortem], targets: Iterable[Postmortem], config: Config | None) -> list[Finding]:
    """Info when a target and another postmortem look like one problem but share no fingerprint or link."""
    published = [pm for pm in corpus if pm.id]
    wanted = {pm.display_path for pm in targets}
    if len(published) < 2 or not wanted:
        return []
    by_path = {pm.display_path: pm for pm in published}
    findings = []
    for path, found in site_similar(published, config, name="validate").items():
        pm = by_path[path]
        if path not in wanted or len(_words_of(pm)) < MIN_WORDS_TO_JUDGE:
            continue
        for other in found:
            if other.score < SAME_PROBLEM or _linked(pm, by_path[other.path]) or \
                    len(_words_of(by_path[other.path])) < MIN_WORDS_TO_JUDGE:
                continue
            findings.append(Finding(
                path=pm.display_path, line=pm.position_of(("title",)).line, column=1,
                rule="consistency/same-problem", category="consistency", severity="info",
                message=f"looks like the same problem as {other.id} ({other.title}; similarity {other.score:.2f}, "
                        f"{other.why}) but they share no fingerprint or related link",
                suggestion=f"if it is a recurrence, give both the same 'fingerprint:'; if not, add 'related: "
                           f"[{other.id}]' or leave it",
            ))
    return findings


def _words_of(pm: Postmortem) -> set[str]:
    return set(words(_strip_markup(pm.body)))


def _linked(a: Postmortem, b: Postmortem) -> bool:
    fingerprint = a.meta.get("fingerprint")
    return bool(fingerprint and fingerprint == b.meta.get("fingerprint")) or b.id in a.str_list("related") \
        or a.id in b.str_list("related")


def _read_json(file) -> dict:
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_json(file, value: dict) -> None:
    try:
        write_atomically(file, json.dumps(value, separators=(",", ":")).encode("utf-8"))
    except OSError:
        pass  # a read-only checkout: the next run computes again
