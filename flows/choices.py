"""Resolve what a resident typed to one of the options on screen (number, label or alias)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from flows.session import Msg, Option
from flows.text import normalise

# Typos are tolerated only in words long enough that one wrong letter cannot make another
# option: "да"/"дa" must match exactly, "Курманбек"/"курманбэк" may be fuzzy.
_FUZZY_MIN_LEN = 4
_FUZZY_CUTOFF = 84.0
_FUZZY_MARGIN = 4.0
# Words that turn an answer into its opposite, in both languages (folded).
_NEGATIONS = frozenset({"не", "нет", "ни", "жок", "эмес"})


@dataclass(frozen=True, slots=True)
class Choice:
    """An option on screen plus every word that may select it when typed (both languages).

    `code` is what selecting it means: a typed button (flows/buttons.py) in the survey, a
    string in the announcement flow.
    """

    code: Hashable
    label: Msg | str
    words: tuple[str, ...] = ()

    def option(self) -> Option:
        assert isinstance(self.code, str)
        return Option(self.code, self.label)


def resolve(text: str, choices: Sequence[Choice]) -> Hashable | None:
    """The code of the choice the text names, or None when it names none (or is ambiguous)."""
    typed = normalise(text)
    if not typed:
        return None
    number = typed.removeprefix("№").strip()
    if number.isdigit() and not text.strip().startswith(("-", "−", "–")):  # "-1" is not 1
        index = int(number) - 1
        return choices[index].code if 0 <= index < len(choices) else None
    exact = {c.code for c in choices for w in c.words if normalise(w) == typed}
    if len(exact) == 1:
        return exact.pop()
    if exact or len(typed) < _FUZZY_MIN_LEN:
        return None
    negated = _NEGATIONS & set(typed.split())
    best: dict[Hashable, float] = {}
    for c in choices:
        for w in c.words:
            word = normalise(w)
            if len(word) < _FUZZY_MIN_LEN:
                continue
            if negated - set(word.split()):
                continue  # "не подтверждаю" must never fuzzily become "подтверждаю"
            score = fuzz.ratio(typed, word)
            if score > best.get(c.code, 0.0):
                best[c.code] = score
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] < _FUZZY_CUTOFF:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < _FUZZY_MARGIN:
        return None
    return ranked[0][0]


def negated(text: str, choices: Sequence[Choice]) -> Hashable | None:
    """The code a negated answer names once its negation is dropped ("не подтверждаю" -> ok).

    Only for yes/no style screens: the caller must treat the result as "not this", never as
    this. "неверно" counts as "не верно"; Kyrgyz verb negation (-бай-) is not recognised.
    """
    words = normalise(text).split()
    kept: list[str] = []
    found = False
    for word in words:
        if word in _NEGATIONS:
            found = True
        elif word.startswith("не") and len(word) > 4 and resolve(word[2:], choices):
            found = True
            kept.append(word[2:])
        else:
            kept.append(word)
    if not found or not kept:
        return None
    return resolve(" ".join(kept), choices)
