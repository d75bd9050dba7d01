"""Text normalisation shared by option matching and the free-text matcher."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Look-alikes seen on Kyrgyz sites and keyboards, mapped to the proper Kyrgyz letter first.
_LOOKALIKES = str.maketrans(
    {
        "ɵ": "ө",  # U+0275 latin barred o
        "Ɵ": "ө",
        "ʏ": "ү",  # U+028F latin small capital y
        "ӊ": "ң",  # U+04CA en with tail
        "ҥ": "ң",  # U+04A5 ligature en ghe (Altai/Yakut keyboards)
        "ё": "е",
    }
)

# People typing on a Russian keyboard write о, у, н for ө, ү, ң: fold so both match.
_KYRGYZ_FOLD = str.maketrans({"ө": "о", "ү": "у", "ң": "н"})

# Latin letters that look like Cyrillic ones, typed by mixed keyboards ("Kapaкол").
_LATIN_TO_CYRILLIC = str.maketrans(
    {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "k": "к", "m": "м"}
)

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_HAS_CYRILLIC = re.compile(r"[а-яёөүң]", re.IGNORECASE)


@lru_cache(maxsize=16384)  # option words and labels repeat on every turn
def normalise(text: str) -> str:
    """Casefold, unify look-alikes, fold Kyrgyz letters, turn punctuation into single spaces."""
    text = unicodedata.normalize("NFC", text).casefold().translate(_LOOKALIKES)
    text = text.translate(_KYRGYZ_FOLD)
    words = []
    for word in _NON_WORD.sub(" ", text.replace("_", " ")).split():
        # Only repair Latin look-alikes inside words that are otherwise Cyrillic.
        if _HAS_CYRILLIC.search(word):
            word = word.translate(_LATIN_TO_CYRILLIC)
        words.append(word)
    return " ".join(words)


def tokens(text: str) -> list[str]:
    """Normalised words of a text."""
    return normalise(text).split()
