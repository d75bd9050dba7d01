"""Free-text matcher: places a resident's own words (Russian or Kyrgyz) into a problem category."""

# Russian stemming uses snowballstemmer (pure Python, already a pinned dependency). Keyword
# matching only needs word forms to meet at a common stem, not true lemmas, so pymorphy3's large
# dictionaries (and their load time and memory) buy nothing here, and neither it nor Snowball
# knows Kyrgyz anyway. Snowball costs ~30 µs per word in pure Python, so stems are memoised
# (lru_cache): residents' vocabulary is small and repeats. PyStemmer runs the same algorithm in
# C and could replace it without changing any result.
#
# How a statement is read (keyword data: flows/data/keywords.{ru,ky}.toml, schema at their top):
# 1. It is cut into clauses at punctuation and at "и" / "жана" ..., because residents often name
#    two problems in one line and a phrase must not span two of them.
# 2. Phrases (keyword entries of several words, all present in one clause in any order) are
#    matched first, most specific first; the words a phrase uses are taken away from other
#    categories. This is how the overlaps are resolved: "вода" + "подвал" is groundwater,
#    "свет" + "отключают" is electricity, "завод" + "дым" is air pollution.
# 3. Every remaining word is looked up as a Russian Snowball stem, as a Kyrgyz prefix
#    (agglutinative suffixes: жол -> жолдорубуз) and as a whole word up to Kyrgyz endings. If
#    several keywords match one word, only the longest counts (жолбун beats жол).
# 4. Words that match nothing are compared with the keywords by edit distance (rapidfuzz), for
#    typos; words shorter than 5 letters and frequent non-keywords are never matched fuzzily.
# 5. Each category's evidence e (strong word 1, ambiguous word 0.5, phrases a bit more, typo
#    matches less) becomes a score: (1 - exp(-2e)) * e / (e + 0.25 * r), r being the evidence of
#    the strongest other category. One clear keyword scores 0.86, a word shared by two
#    categories ~0.5 each, and a line naming two problems ~0.69 for each (below CONFIDENT: the
#    survey shows both as candidates).

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from flows.catalogue import OTHER, Category, ExtraCategory
from flows.text import normalise

# A score at or above this is confident enough to propose the category to the resident.
CONFIDENT = 0.75
_WEAK = 0.5  # weight of an ambiguous keyword
_PHRASE_BONUS = 0.25  # extra weight per additional word of a phrase
_FUZZY_WEIGHT = 0.8  # a typo match with one wrong letter counts this much, 0.1 less per extra
_FUZZY_MIN_LEN = 5  # shorter words are never matched fuzzily: too many near neighbours
_FUZZY_TWO_EDITS = 9  # words this long may have two wrong letters, shorter ones one
_SATURATION = 2.0  # score = 1 - exp(-2 * evidence) before competition
_COMPETITION = 0.25  # how much the strongest other category's evidence lowers a score
_CACHE_LIMIT = 50_000  # per-matcher token caches are cleared beyond this (long-running bots)

_DATA = Path(__file__).parent / "data"
_Lang = Literal["ru", "ky"]
_Mode = Literal["stem", "prefix", "whole"]
_Term = tuple[_Mode, str]
_LANGS: tuple[_Lang, ...] = ("ru", "ky")
# Tables of the keyword files that are not categories.
_IGNORE, _STOPWORDS, _ENDINGS = "_ignore", "_stopwords", "_endings"

# Clause boundaries: punctuation, a spaced dash ("1 - ...") and words joining two problems.
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]{}\n\r…]+|\s[-–—]+\s|^\s*[-–—]+\s")
_CONJUNCTIONS = frozenset({"и", "а", "также", "плюс", "жана", "дагы"})

_STEMMER = snowballstemmer.stemmer("russian")
_FLEETING_VOWEL = re.compile(r"..[^аеиоуыэюяй][ое]к$")


@dataclass(frozen=True, slots=True)
class Match:
    category: str  # a category id, or "other"
    score: float  # 0..1; >= 0.75 means "confident enough to propose this category to the resident"


@dataclass(frozen=True, slots=True)
class _Entry:
    category: str | None  # None: an _ignore word, which hides the shorter keywords it starts with
    weight: float
    elements: tuple[frozenset[_Term], ...]  # one set of alternative terms per word


@dataclass(frozen=True, slots=True)
class _Data:
    entries: dict[str, tuple[_Entry, ...]]  # category id (or _IGNORE) -> entries, both languages
    stopwords: frozenset[str]  # normalised words
    stopword_keys: frozenset[str]  # the same, plus their stems: to spot "нет" inside a phrase


@dataclass(frozen=True, slots=True)
class _Phrase:
    category: str
    weight: float
    elements: tuple[frozenset[int], ...]  # term ids per word


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Russian Snowball stem of a normalised word (memoised: the stemmer is pure Python)."""
    return _STEMMER.stemWord(word)


@lru_cache(maxsize=1)
def _load_toml() -> dict[_Lang, dict[str, dict[str, list[str]]]]:
    out: dict[_Lang, dict[str, dict[str, list[str]]]] = {}
    for lang in _LANGS:
        with (_DATA / f"keywords.{lang}.toml").open("rb") as fh:
            out[lang] = tomllib.load(fh)
    return out


@lru_cache(maxsize=1)
def _ky_endings() -> tuple[str, ...]:
    """Kyrgyz plural, case and possessive endings (folded), longest first."""
    words = {normalise(w) for w in _load_toml()["ky"].get(_ENDINGS, {}).get("words", ())}
    return tuple(sorted(words, key=len, reverse=True))


@lru_cache(maxsize=65536)
def _ky_stems(word: str) -> tuple[str, ...]:
    """The word, then the word with Kyrgyz endings peeled off one at a time (үйлөрдө -> үй)."""
    out = [word]
    endings = _ky_endings()
    while True:
        for ending in endings:
            if word.endswith(ending) and len(word) - len(ending) >= 2:
                word = word[: -len(ending)]
                out.append(word)
                break
        else:
            return tuple(out)


def _parse_word(raw: str, lang: _Lang | None) -> tuple[_Term, ...]:
    """Terms for one keyword word: "x*" prefix, "=x" whole word, else the language's default.

    Russian words default to Snowball stems; Kyrgyz ones to prefixes (agglutinative suffixes),
    or whole words when shorter than 3 letters. lang None (learned wordings, language unknown)
    gives both readings.
    """
    mode: _Mode | None = None
    core = raw
    if raw.endswith("*"):
        mode, core = "prefix", raw[:-1]
    elif raw.startswith("="):
        mode, core = "whole", raw[1:]
    words = normalise(core).split()
    if len(words) != 1:
        raise ValueError(f"keyword {raw!r} is not one word")
    word = words[0]
    if mode == "prefix" and len(word) < 3:
        raise ValueError(f"prefix {raw!r} is shorter than 3 letters")
    if mode is not None:
        return ((mode, word),)
    ky: _Term = ("prefix", word) if len(word) >= 3 else ("whole", word)
    if lang == "ky":
        return (ky,)
    stems = _ru_stems(word)
    if lang == "ru":
        return stems
    return (*stems, ky if len(word) >= 4 else ("whole", word))


def _ru_stems(word: str) -> tuple[_Term, ...]:
    """Stem terms of a Russian keyword, with the fleeting vowel dropped where Snowball keeps it.

    "паводок" stems to "паводок" but "паводки" to "паводк" (likewise площадок, табличек).
    """
    stem = _stem(word)
    if _FLEETING_VOWEL.search(stem):
        return (("stem", stem), ("stem", stem[:-2] + "к"))
    return (("stem", stem),)


def _parse_entry(
    raw: str, lang: _Lang | None, drop: frozenset[str] = frozenset()
) -> tuple[frozenset[_Term], ...]:
    """A keyword entry as a sequence of words, each a set of alternative terms.

    Words in `drop` are left out (function words, for labels and learned wordings).
    """
    elements: list[frozenset[_Term]] = []
    for item in raw.replace("-", " ").split():
        if "|" in item or item.endswith("*") or item.startswith("="):
            terms: set[_Term] = set()
            for alt in item.split("|"):
                terms.update(_parse_word(alt, lang))
            elements.append(frozenset(terms))
            continue
        # Plain text (labels, learned wordings): punctuation is dropped like in statements.
        for word in normalise(item).split():
            if word not in drop:
                elements.append(frozenset(_parse_word(word, lang)))
    return tuple(elements)


@lru_cache(maxsize=1)
def _keyword_data() -> _Data:
    """flows/data/keywords.*.toml, parsed once."""
    stopwords: set[str] = set()
    entries: dict[str, list[_Entry]] = {}
    for lang, tables in _load_toml().items():
        stopwords.update(normalise(w) for w in tables.get(_STOPWORDS, {}).get("words", ()))
        for cid, table in tables.items():
            if cid in (_STOPWORDS, _ENDINGS):
                continue
            unknown = set(table) - {"words", "weak"}
            if unknown:
                raise ValueError(f"keywords.{lang}.toml [{cid}]: unknown keys {sorted(unknown)}")
            category = None if cid == _IGNORE else cid
            for key, weight in (("words", 1.0), ("weak", _WEAK)):
                for raw in table.get(key, ()):
                    elements = _parse_entry(raw, lang)
                    if category is None and len(elements) != 1:
                        raise ValueError(f"keywords.{lang}.toml [{cid}]: {raw!r} is not one word")
                    entries.setdefault(cid, []).append(_Entry(category, weight, elements))
    return _Data(
        entries={cid: tuple(e) for cid, e in entries.items()},
        stopwords=frozenset(stopwords),
        stopword_keys=frozenset(stopwords | {_stem(w) for w in stopwords}),
    )


def keyword_categories() -> frozenset[str]:
    """Category ids that have keywords in the data files (for consistency checks)."""
    return frozenset(cid for cid in _keyword_data().entries if cid != _IGNORE)


def fold(text: str) -> list[str]:
    """The content words of a text as the matcher reads them, for grouping by similarity:
    normalised, stopwords and bare numbers dropped, each word reduced to its Russian Snowball
    stem, or where Snowball leaves it as it is (a Kyrgyz word, usually) to its Kyrgyz stem
    (endings peeled: тыгындар -> тыгын). Peeling Kyrgyz endings off Russian words cuts too
    much ("интернета" -> "интерне"), hence Snowball first."""
    stopwords = _keyword_data().stopwords
    out: list[str] = []
    for token in normalise(text).split():
        if token in stopwords or token.isdigit():
            continue
        stem = _stem(token)
        out.append(stem if stem != token else _ky_stems(token)[-1])
    return out


def _saturate(evidence: float) -> float:
    return 1.0 - math.exp(-_SATURATION * evidence)


class Matcher:
    """Classifies free text into one of a fixed set of categories (a city's shown categories)."""

    def __init__(self, entries: Mapping[str | None, Iterable[_Entry]], order: list[str]) -> None:
        """Use for_categories(); this indexes already-parsed entries."""
        data = _keyword_data()
        self._stopwords = data.stopwords
        self._order = {cid: i for i, cid in enumerate(order)}
        self._term_ids: dict[_Term, int] = {}
        self._lookup: dict[_Mode, dict[str, list[int]]] = {"stem": {}, "prefix": {}, "whole": {}}
        # term id -> (category, weight, key length) for single-word keywords
        self._singles: dict[int, list[tuple[str, float, int]]] = {}
        self._ignored: set[int] = set()
        ranked: list[tuple[tuple[int, float, int], _Phrase]] = []
        for category, cat_entries in entries.items():
            for entry in cat_entries:
                if len(entry.elements) == 1:
                    for term in entry.elements[0]:
                        tid = self._term_id(term)
                        if category is None:
                            self._ignored.add(tid)
                        else:
                            hit = (category, entry.weight, len(term[1]))
                            self._singles.setdefault(tid, []).append(hit)
                elif category is not None and entry.elements:
                    n = len(entry.elements)
                    weight = entry.weight * (1.0 + _PHRASE_BONUS * (n - 1))
                    # Most specific first: more content words (a negation such as "нет" says
                    # nothing about what the phrase is about), then stronger, then longer.
                    content = sum(1 for el in entry.elements if not _function_word(el, data))
                    size = sum(min(len(t[1]) for t in el) for el in entry.elements)
                    ids = tuple(frozenset(self._term_id(t) for t in el) for el in entry.elements)
                    ranked.append(((-content, -weight, -size), _Phrase(category, weight, ids)))
        ranked.sort(key=lambda r: r[0])
        self._phrases = tuple(phrase for _, phrase in ranked)
        self._phrases_by_term: dict[int, list[int]] = {}
        for index, phrase in enumerate(self._phrases):
            for tid in {tid for el in phrase.elements for tid in el}:
                self._phrases_by_term.setdefault(tid, []).append(index)
        # term id -> categories it is evidence for (alone or in a phrase)
        self._term_cats: dict[int, set[str]] = {tid: set() for tid in self._term_ids.values()}
        for tid, hits in self._singles.items():
            self._term_cats[tid].update(category for category, _, _ in hits)
        for phrase in self._phrases:
            for element in phrase.elements:
                for tid in element:
                    self._term_cats[tid].add(phrase.category)
        self._max_prefix = max((len(k) for k in self._lookup["prefix"]), default=0)
        self._fuzzy = self._fuzzy_index()
        self._token_cache: dict[str, frozenset[int]] = {}
        self._fuzzy_cache: dict[str, tuple[int, int] | None] = {}

    @classmethod
    def for_categories(
        cls,
        categories: Iterable[Category],
        extra_keywords: Mapping[str, Iterable[str]] | None = None,
    ) -> Matcher:
        """Matcher over these categories only (a city's shown categories). Keywords come from
        flows/data/keywords.*.toml; ExtraCategory.keywords_ru/keywords_ky are added for a city's own
        categories; extra_keywords (category id -> words/phrases) are added too (later: wordings
        learned from human review). The 'other' category is never a match target."""
        data = _keyword_data()
        entries: dict[str | None, list[_Entry]] = {None: list(data.entries.get(_IGNORE, ()))}
        order: list[str] = []
        for cat in categories:
            if cat.id == OTHER or cat.id in entries:
                continue
            order.append(cat.id)
            own = entries[cat.id] = list(data.entries.get(cat.id, ()))
            # The labels themselves, so that a resident retyping a button label is understood.
            labels: tuple[tuple[str, _Lang], ...] = ((cat.ru, "ru"), (cat.ky, "ky"))
            for label, lang in labels:
                elements = _parse_entry(label, lang, data.stopwords)
                if elements:
                    own.append(_Entry(cat.id, 1.0, elements))
            if isinstance(cat, ExtraCategory):
                for raw in cat.keywords_ru:
                    own.append(_Entry(cat.id, 1.0, _parse_entry(raw, "ru")))
                for raw in cat.keywords_ky:
                    own.append(_Entry(cat.id, 1.0, _parse_entry(raw, "ky")))
        for cid, wordings in (extra_keywords or {}).items():
            if cid not in order:  # a category this city does not show
                continue
            for raw in wordings:
                elements = _parse_entry(raw, None, data.stopwords)
                if elements:
                    entries[cid].append(_Entry(cid, 1.0, elements))
        return cls(entries, order)

    @property
    def categories(self) -> list[str]:
        """The category ids this matcher can return (besides "other")."""
        return list(self._order)

    def classify(self, text: str) -> Match:
        """Best match, or Match("other", 0.0) when nothing fits.

        Any keyword evidence at all scores about 0.5 or more (a lone ambiguous word), so there is
        no separate floor: the caller's CONFIDENT threshold decides what to propose.
        """
        found = self.candidates(text, limit=1)
        return found[0] if found else Match(OTHER, 0.0)

    def candidates(self, text: str, limit: int = 3) -> list[Match]:
        """Best first, real categories only, score > 0."""
        evidence = self._evidence(text)
        scored: list[tuple[float, float, int, str]] = []
        for cid, e in evidence.items():
            # The strongest other category competes (a shared weak qualifier such as
            # "благоустроен" counts once, not once per category it could belong to).
            rival = max((v for k, v in evidence.items() if k != cid), default=0.0)
            score = round(_saturate(e) * e / (e + _COMPETITION * rival), 3)
            if score > 0:
                # Ties: more evidence first, then catalogue order (deterministic).
                scored.append((-score, -e, self._order[cid], cid))
        scored.sort()
        return [Match(cid, -neg) for neg, _, _, cid in scored[:limit]]

    # -- internals ---------------------------------------------------------------------------

    def _term_id(self, term: _Term) -> int:
        tid = self._term_ids.get(term)
        if tid is None:
            tid = self._term_ids[term] = len(self._term_ids)
            self._lookup[term[0]].setdefault(term[1], []).append(tid)
        return tid

    def _fuzzy_index(self) -> dict[int, tuple[list[str], list[int]]]:
        """For each word length n: single-word keys within two letters of n, with term ids."""
        keys = [(t[1], tid) for t, tid in self._term_ids.items() if tid in self._singles]
        keys = [(k, tid) for k, tid in keys if len(k) >= _FUZZY_MIN_LEN - 1]
        longest = max((len(k) for k, _ in keys), default=0)
        index: dict[int, tuple[list[str], list[int]]] = {}
        for n in range(_FUZZY_MIN_LEN, longest + 3):
            near = [(k, tid) for k, tid in keys if abs(len(k) - n) <= 2]
            index[n] = ([k for k, _ in near], [tid for _, tid in near])
        return index

    def _terms(self, token: str) -> frozenset[int]:
        """Ids of every keyword term this token matches (memoised per matcher)."""
        cached = self._token_cache.get(token)
        if cached is not None:
            return cached
        found: list[tuple[int, int]] = []  # (term id, length of the matched key)
        prefixes = self._lookup["prefix"]
        for k in range(3, min(len(token), self._max_prefix) + 1):
            found.extend((tid, k) for tid in prefixes.get(token[:k], ()))
        stem = _stem(token)
        found.extend((tid, len(stem)) for tid in self._lookup["stem"].get(stem, ()))
        whole = self._lookup["whole"]
        for ky_stem in _ky_stems(token):
            found.extend((tid, len(ky_stem)) for tid in whole.get(ky_stem, ()))
        # The longest match wins, in phrases as well as alone: "светофор" cannot serve as the
        # "свет" of a phrase, and an _ignore word ("абал") hides the shorter keywords it starts
        # with ("аба").
        blocked = max((n for tid, n in found if tid in self._ignored), default=0)
        found = [(tid, n) for tid, n in found if n > blocked and tid not in self._ignored]
        best = max((n for tid, n in found if tid in self._singles), default=0)
        # A shorter match survives if it belongs to the same category as the longest one
        # ("вод" of "вода" is drinking water's, and irrigation's phrases need it).
        winners = frozenset(c for tid, n in found if n == best for c in self._term_cats[tid])
        result = frozenset(
            tid for tid, n in found if n >= best or not winners.isdisjoint(self._term_cats[tid])
        )
        if len(self._token_cache) > _CACHE_LIMIT:
            self._token_cache.clear()
        self._token_cache[token] = result
        return result

    def _single_hits(self, terms: Iterable[int]) -> dict[str, float]:
        """Categories of the longest single-word keywords among these terms."""
        best = -1
        hits: list[tuple[str, float]] = []
        for tid in terms:
            for category, weight, length in self._singles.get(tid, ()):
                if length > best:
                    best, hits = length, [(category, weight)]
                elif length == best:
                    hits.append((category, weight))
        out: dict[str, float] = {}
        for category, weight in hits:
            out[category] = max(weight, out.get(category, 0.0))
        return out

    def _fuzzy_hits(self, token: str) -> dict[str, float]:
        """Categories of the keyword nearest to a mistyped word, if one is near enough."""
        if token in self._fuzzy_cache:
            found = self._fuzzy_cache[token]
        else:
            found = None
            # The word itself, its Russian stem, and its Kyrgyz stems (a typo before an ending).
            for candidate in {token, _stem(token), *_ky_stems(token)[1:]}:
                if len(candidate) < _FUZZY_MIN_LEN:
                    continue
                keys, tids = self._fuzzy.get(len(candidate), ([], []))
                limit = 2 if len(candidate) >= _FUZZY_TWO_EDITS else 1
                # Levenshtein, not ratio: a transposed or doubled letter pair ("жакшы" ~
                # "жашыл") is two edits, a wrong vowel ("мусар") one.
                best = process.extractOne(
                    candidate, keys, scorer=Levenshtein.distance, score_cutoff=limit
                )
                if best is not None and (found is None or best[1] < found[1]):
                    found = (tids[best[2]], int(best[1]))
            if len(self._fuzzy_cache) > _CACHE_LIMIT:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[token] = found
        if found is None:
            return {}
        tid, distance = found
        factor = _FUZZY_WEIGHT - 0.1 * (distance - 1)
        return {cat: w * factor for cat, w in self._single_hits((tid,)).items()}

    def in_text_order(self, text: str, categories: Iterable[str]) -> list[str]:
        """The categories in the order the text names them (a resident lists their most
        important problem first); those it does not name go last, in the given order."""
        first: dict[str, int] = {}
        self._evidence(text, first)
        given = list(categories)
        return sorted(given, key=lambda cid: (first.get(cid, 1 << 30), given.index(cid)))

    def _evidence(self, text: str, first: dict[str, int] | None = None) -> dict[str, float]:
        """Category id -> evidence found in the text; `first` gets the word position where
        each category's evidence starts."""
        evidence: dict[str, float] = {}
        position = 0
        for clause in _clauses(text):
            start = position
            position += len(clause)
            infos = [self._terms(tok) for tok in clause]
            consumed: set[int] = set()
            # Phrases, most specific first; each word serves at most one phrase.
            indices = {p for ts in infos for t in ts for p in self._phrases_by_term.get(t, ())}
            for index in sorted(indices):
                phrase = self._phrases[index]
                used: list[int] = []
                for element in phrase.elements:
                    for i, ts in enumerate(infos):
                        if i not in consumed and i not in used and not element.isdisjoint(ts):
                            used.append(i)
                            break
                    else:
                        break
                else:
                    consumed.update(used)
                    evidence[phrase.category] = evidence.get(phrase.category, 0.0) + phrase.weight
                    if first is not None:
                        at = start + min(used)
                        first[phrase.category] = min(first.get(phrase.category, at), at)
            for i, token in enumerate(clause):
                if i in consumed:
                    continue
                if infos[i]:
                    hits = self._single_hits(infos[i])
                elif len(token) >= _FUZZY_MIN_LEN and token not in self._stopwords:
                    hits = self._fuzzy_hits(token)
                else:
                    continue
                for category, weight in hits.items():
                    evidence[category] = evidence.get(category, 0.0) + weight
                    if first is not None:
                        first[category] = min(first.get(category, 1 << 30), start + i)
        return evidence


def _function_word(element: frozenset[_Term], data: _Data) -> bool:
    """Whether a phrase word is only a function word such as "нет" or "жок"."""
    return all(term[1] in data.stopword_keys for term in element)


def _clauses(text: str) -> list[list[str]]:
    """Normalised words of a statement, cut into clauses (one problem each, usually)."""
    out: list[list[str]] = []
    for piece in _CLAUSE_BREAK.split(text):
        current: list[str] = []
        for token in normalise(piece).split():
            if token in _CONJUNCTIONS:
                if current:
                    out.append(current)
                current = []
            elif not token.isdigit():  # list numbers ("1 - ...") and house numbers say nothing
                current.append(token)
        if current:
            out.append(current)
    return out
