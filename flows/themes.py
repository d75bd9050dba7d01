"""Own-words answers grouped into themes by similarity (pure and deterministic)."""

# How: identical wordings (normalised, phones masked) are one point; each point's text is
# folded as the matcher reads it (stopwords out, Russian and Kyrgyz stems), turned into TF-IDF
# over character n-grams within words (robust to typos, to Kyrgyz endings the stemmer misses
# and to ө/о spellings), and points are merged by agglomerative clustering (cosine distance,
# average linkage) up to THRESHOLD. Average linkage never merges two groups unless some pair
# across them is within the threshold, so the points are first split into the connected
# components of the "within threshold" graph (computed a block of rows at a time) and each
# component is clustered alone: the same result as clustering everything at once, with only
# a component's distances in memory (condensed: n²/2 doubles). bench/themes.py measures it.

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from flows.facts import UnplacedItem
from flows.matcher import Matcher, fold
from flows.text import mask_phones, normalise

# Cosine distance at or above which two groups of wordings stay apart; tuned on
# tests/data/themes_labelled.tsv (tests/test_themes_quality.py prints purity and coverage).
THRESHOLD = 0.8
NGRAMS = (2, 4)  # character n-grams within words (char_wb pads each word with spaces)
# N-grams found in more wordings than this share (and at least _COMMON_MIN of them) are left
# out: they say little (idf) but make every pair of wordings share something, which makes
# the similarity products dense (4x slower on 6,000 wordings, the same groups on the
# labelled set, which is too small for it to apply).
MAX_DF = 0.1
_COMMON_MIN = 500
SAMPLES = 3  # texts as written kept per theme
_BLOCK = 1024  # rows of the similarity matrix computed at a time
_SUGGEST_SHARE = 0.5  # a category is suggested when it is the matcher's guess for this share


@dataclass(frozen=True, slots=True)
class Theme:
    """Answers in residents' own words that say much the same thing."""

    # A short hash of the most frequent wording: the same across runs and as the theme grows
    # (a new id only if another of its wordings overtakes that one).
    id: str
    size: int  # answers
    wordings: tuple[str, ...]  # the distinct normalised wordings, most frequent first
    samples: tuple[str, ...]  # texts as residents wrote them (phone numbers masked)
    items: tuple[tuple[str, tuple[UnplacedItem, ...]], ...]  # per wording, its answers' items
    suggested: str | None = None  # the nearest catalogue category, only a suggestion


def wording_key(text: str) -> str:
    """What makes two answers the same wording (as review groups them)."""
    return normalise(mask_phones(text))


def theme_id(top_wording: str) -> str:
    """Ten hex digits, like a review wording's tag (fits in button data)."""
    return hashlib.sha1(top_wording.encode()).hexdigest()[:10]


def cluster(keys: Sequence[str], threshold: float = THRESHOLD) -> list[list[int]]:
    """Indices of `keys` (distinct normalised wordings) grouped by similarity: groups in
    order of their first index, indices ascending within a group."""
    if not keys:
        return []
    docs = [" ".join(fold(key)) or key for key in keys]
    # A wording of stopwords only ("нет") keeps its own text: never an empty document.
    unique = sorted(set(docs))
    if len(unique) == 1:
        return [list(range(len(keys)))]
    # Imported here: scikit-learn takes ~1 s to import and only review and the CLI need it.
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAMS,
        sublinear_tf=True,
        max_df=max(_COMMON_MIN, int(MAX_DF * len(unique))),
        dtype=np.float32,
    ).fit_transform(unique)  # rows are L2-normalised: a dot product is the cosine
    labels = _labels(vectors, threshold)
    # Wordings that fold to the same text are one point (the same theme).
    of_doc = {doc: int(labels[i]) for i, doc in enumerate(unique)}
    groups: dict[int, list[int]] = {}
    for index, doc in enumerate(docs):
        groups.setdefault(of_doc[doc], []).append(index)
    return sorted(groups.values(), key=lambda g: g[0])


def _labels(vectors: Any, threshold: float) -> np.ndarray:
    """A cluster label per row (agglomerative, cosine, average linkage)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = vectors.shape[0]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, n, _BLOCK):
        # Only the upper triangle: the graph is undirected.
        similar = (vectors[start : start + _BLOCK] @ vectors[start:].T).toarray()
        r, c = np.nonzero(similar >= 1.0 - threshold)
        rows.append(r + start)
        cols.append(c + start)
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n)).tocsr()
    count, component = connected_components(graph, directed=False)
    labels = np.empty(n, dtype=np.int64)
    next_label = 0
    for members in _members(component, count):
        found = _average_linkage(vectors[members], threshold) if len(members) > 1 else [0]
        labels[members] = np.asarray(found) + next_label
        next_label += int(max(found)) + 1
    return labels


def _average_linkage(part: Any, threshold: float) -> np.ndarray:
    """Labels from 0 of one component's rows. SciPy's linkage is what scikit-learn's
    AgglomerativeClustering(linkage="average", metric="precomputed") runs; called directly it
    takes the condensed distances (n²/2 doubles) instead of a square matrix and copies of it:
    ~180 MB instead of ~1 GB at 6,700 wordings."""
    from scipy.cluster.hierarchy import fcluster, linkage

    m = part.shape[0]
    condensed = np.empty(m * (m - 1) // 2, dtype=np.float64)
    at = 0
    for start in range(0, m, _BLOCK):
        block = (part[start : start + _BLOCK] @ part[start:].T).toarray()
        for k in range(block.shape[0]):
            row = block[k, k + 1 :]  # the pairs (start + k, j) for j > start + k
            condensed[at : at + len(row)] = row
            at += len(row)
    np.subtract(1.0, condensed, out=condensed)
    np.clip(condensed, 0.0, 2.0, out=condensed)
    tree = linkage(condensed, method="average")
    # Merged while the average distance stays below the threshold (scikit-learn's rule).
    flat = fcluster(tree, t=np.nextafter(threshold, 0.0), criterion="distance")
    return np.unique(flat, return_inverse=True)[1]


def _members(component: np.ndarray, count: int) -> list[np.ndarray]:
    order = np.argsort(component, kind="stable")
    bounds = np.searchsorted(component[order], np.arange(count + 1))
    return [order[bounds[k] : bounds[k + 1]] for k in range(count)]


def group(
    items: Sequence[UnplacedItem], matcher: Matcher | None = None, threshold: float = THRESHOLD
) -> list[Theme]:
    """Themes of these own-words items, the largest first (then by id); a wording nothing
    resembles is a theme of its own. With a matcher, each theme gets the category most of
    its answers would be guessed into, if one is guessed for at least half of them."""
    by_key: dict[str, list[UnplacedItem]] = {}
    for item in items:
        key = wording_key(item.text)
        if key:
            by_key.setdefault(key, []).append(item)
    # Most frequent first, then alphabetical: the order every theme lists its wordings in.
    keys = sorted(by_key, key=lambda k: (-len(by_key[k]), k))
    themes = [
        _theme([(k, by_key[k]) for k in (keys[i] for i in g)], matcher)
        for g in cluster(keys, threshold)
    ]
    return sorted(themes, key=lambda t: (-t.size, t.id))


def _theme(wordings: list[tuple[str, list[UnplacedItem]]], matcher: Matcher | None) -> Theme:
    wordings.sort(key=lambda kv: (-len(kv[1]), kv[0]))
    size = sum(len(found) for _, found in wordings)
    samples: list[str] = []
    for _, found in wordings:
        text = mask_phones(found[0].text)
        if text not in samples:
            samples.append(text)
    return Theme(
        id=theme_id(wordings[0][0]),
        size=size,
        wordings=tuple(key for key, _ in wordings),
        samples=tuple(samples[:SAMPLES]),
        items=tuple((key, tuple(found)) for key, found in wordings),
        suggested=suggest(matcher, [(key, len(found)) for key, found in wordings]),
    )


def suggest(matcher: Matcher | None, counted: Sequence[tuple[str, int]]) -> str | None:
    """The category the matcher guesses (at any score) for at least half of the answers."""
    if matcher is None:
        return None
    votes: Counter[str] = Counter()
    for key, count in counted:
        found = matcher.classify(key)
        if found.score > 0:
            votes[found.category] += count
    if not votes:
        return None
    # Ties: the category first in the catalogue order of the matcher (deterministic).
    order = {cid: i for i, cid in enumerate(matcher.categories)}
    category, count = min(votes.items(), key=lambda kv: (-kv[1], order.get(kv[0], 1 << 30)))
    return category if count >= _SUGGEST_SHARE * sum(c for _, c in counted) else None
