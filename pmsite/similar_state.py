"""The site's BM25 weights kept between builds, so that a build where few files changed re-ranks only those.

A full ranking (``similar.Index``, with scipy) saves its weights as numpy arrays
(``site-weights.npz``, read back with ``allow_pickle=False``: numbers and strings,
nothing a repository could make run) and, for every postmortem, its ``KEEP``
best candidates. When at most ``MAX_CHANGED`` files changed (the same files,
in the same order; ``similar._update``), ``update`` weighs the changed files again with numpy
alone: document frequencies and idf become exact again (every stored weight is
rescaled by its term's new idf), the changed rows are replaced, and the changed
files are scored against all others, both ways. Scores between two unchanged
files are not recomputed (they moved only as far as a few idf values did), nor
is the average length: after ``MAX_STALE`` such updates, or when more changed,
the next build ranks everything again.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pmsite.cache import write_atomically

from pmsite.similar import B, K1


@dataclass
class Weights:
    """BM25 weights of a document-by-term matrix as compressed rows (what scipy's csr_matrix holds)."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    terms: list[str]
    frequency: np.ndarray
    lengths: np.ndarray
    average_length: float

    @property
    def idf(self) -> np.ndarray:
        n = len(self.lengths)
        return np.log(1 + (n - self.frequency + 0.5) / (self.frequency + 0.5))

    @property
    def is_label(self) -> np.ndarray:
        return np.array([":" in term for term in self.terms], dtype=bool)

    def row(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.indptr[index], self.indptr[index + 1]
        return self.indices[start:end], self.data[start:end]

    def row_sums(self, values: np.ndarray) -> np.ndarray:
        """Per-row sums of ``values`` (one per stored weight), empty rows included."""
        running = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
        return running[self.indptr[1:]] - running[self.indptr[:-1]]


def save(file: Path, weights: Weights) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, data=weights.data, indices=weights.indices, indptr=weights.indptr,
             terms=np.array(weights.terms, dtype=str), frequency=weights.frequency, lengths=weights.lengths,
             average_length=np.array([weights.average_length]))
    try:
        write_atomically(file, buffer.getvalue())
    except OSError:
        pass  # a read-only checkout: the next build ranks everything


def load(file: Path, documents: int) -> Weights | None:
    """The saved weights, or None when missing, damaged or not of ``documents`` rows."""
    try:
        with np.load(file, allow_pickle=False) as stored:
            weights = Weights(stored["data"].astype(np.float32), stored["indices"].astype(np.int64),
                              stored["indptr"].astype(np.int64), [str(t) for t in stored["terms"]],
                              stored["frequency"].astype(np.int64), stored["lengths"].astype(np.float64),
                              float(stored["average_length"][0]))
    except (OSError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile):
        return None
    consistent = (len(weights.indptr) == documents + 1 and len(weights.lengths) == documents
                  and len(weights.frequency) == len(weights.terms) and weights.indptr[-1] == len(weights.data)
                  == len(weights.indices) and (not len(weights.indices) or weights.indices.max() < len(weights.terms)))
    return weights if consistent else None


def update(weights: Weights, changed: dict[int, list[str]]) -> None:
    """Weigh the changed documents' new tokens into ``weights`` (in place)."""
    old_idf = weights.idf
    vocab = {term: i for i, term in enumerate(weights.terms)}
    rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for index, tokens in changed.items():
        np.subtract.at(weights.frequency, weights.row(index)[0], 1)
        ids = np.array([vocab.setdefault(t, len(vocab)) for t in tokens], dtype=np.int64)
        if len(vocab) > len(weights.terms):
            weights.terms += list(vocab)[len(weights.terms):]
            weights.frequency = np.concatenate([weights.frequency, np.zeros(len(vocab) - len(weights.frequency),
                                                                            dtype=np.int64)])
        unique, counts = np.unique(ids, return_counts=True)
        weights.frequency[unique] += 1
        weights.lengths[index] = len(tokens)
        rows[index] = (unique, counts.astype(np.float64))
    idf = weights.idf
    weights.data = (weights.data * (idf[: len(old_idf)] / old_idf)[weights.indices]).astype(np.float32)
    for index in sorted(rows):
        unique, tf = rows[index]
        norm = K1 * (1 - B + B * weights.lengths[index] / weights.average_length)
        start, end = weights.indptr[index], weights.indptr[index + 1]
        weights.data = np.concatenate([weights.data[:start], (idf[unique] * tf / (tf + norm)).astype(np.float32),
                                       weights.data[end:]])
        weights.indices = np.concatenate([weights.indices[:start], unique, weights.indices[end:]])
        weights.indptr[index + 1:] += len(unique) - (end - start)


def query_mask(weights: Weights, common_min_documents: int) -> np.ndarray:
    """Terms a document query keeps: all, less those in more than half of a large corpus."""
    n = len(weights.lengths)
    return weights.frequency <= n / 2 if n >= common_min_documents else np.ones(len(weights.terms), dtype=bool)


def rescore(weights: Weights, changed: list[int], candidates: list[list[list[float]]], keep_terms: np.ndarray,
            keep: int) -> None:
    """Score each changed document against all others, both ways, and update every candidate list (in place)."""
    self_scores = np.maximum(weights.row_sums(weights.data), 1e-12)
    kept = keep_terms[weights.indices]
    for index in changed:
        ids, data = weights.row(index)
        as_query = np.zeros(len(weights.terms), dtype=bool)
        as_query[ids[keep_terms[ids]]] = True
        dense = np.zeros(len(weights.terms), dtype=np.float64)
        dense[ids] = data
        norms = np.sqrt(self_scores * self_scores[index])
        outgoing = weights.row_sums(weights.data * as_query[weights.indices]) / norms  # this file as the query
        incoming = weights.row_sums(dense[weights.indices] * kept) / norms  # every other file as the query
        outgoing[index] = -1
        order = np.argsort(-outgoing, kind="stable")[:keep]
        candidates[index] = [[int(j), float(outgoing[j])] for j in order]
        for other, found in enumerate(candidates):
            if other == index:
                continue
            found = [c for c in found if int(c[0]) != index] + [[index, float(incoming[other])]]
            found.sort(key=lambda c: (-c[1], c[0]))
            candidates[other] = found[:keep]


def why(weights: Weights, is_label: np.ndarray, query_ids: np.ndarray, index: int) -> str:
    """Shared services and tags, and the shared words that weigh most in the match."""
    ids, data = weights.row(index)
    shared, _, positions = np.intersect1d(query_ids, ids, assume_unique=True, return_indices=True)
    found = data[positions]
    labels = is_label[shared]
    reasons = []
    for prefix, label in (("service:", "services"), ("tag:", "tags")):
        names = sorted(weights.terms[i].removeprefix(prefix) for i in shared[labels]
                       if weights.terms[i].startswith(prefix))
        if names:
            reasons.append(f"shared {label}: {', '.join(names)}")
    words = shared[~labels][np.argsort(-found[~labels], kind="stable")[:4]]
    if len(words):
        reasons.append(f"terms: {', '.join(weights.terms[i] for i in words)}")
    return "; ".join(reasons)
