"""Text normalisation shared by option matching and the free-text matcher; cleaning of
a resident's typed text and masking of the phone numbers in it."""

from __future__ import annotations

import itertools
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


# Characters no XLSX (XML 1.0) file can hold or that only ever arrive as junk: C0 controls
# but tab, newline and carriage return; DEL and the C1 controls; lone surrogates; the 66
# noncharacters (U+FDD0..U+FDEF and the last two code points of every plane).
_NONCHARACTERS = "".join(f"\\U{p << 16 | 0xFFFE:08x}\\U{p << 16 | 0xFFFF:08x}" for p in range(17))
_CONTROLS = re.compile(
    rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}]"
)


def drop_controls(text: str) -> str:
    """The text without control characters, lone surrogates and noncharacters; tab,
    newline and carriage return stay, and so does everything else (a spreadsheet cell can
    hold the result)."""
    return _CONTROLS.sub("", text)


_JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ: emoji sequences and some scripts need them
_BLANK_LETTERS = frozenset("\u3164\uffa0")  # Hangul fillers: letters that show nothing
# A subdivision flag (🏴 + tag letters + cancel tag) is the one use of tag characters.
_TAGS = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)|[\U000e0000-\U000e007f]")


def _visible(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "Cf":  # format characters: invisible (bidi marks, ZWSP, BOM, soft hyphen)
        return char in _JOINERS or "\U000e0000" <= char <= "\U000e007f"
    return char not in _BLANK_LETTERS


def clean(text: str) -> str:
    """A resident's typed text as one tidy line: control characters, lone surrogates,
    noncharacters and invisible format characters dropped (but the joiners of emoji
    sequences), line breaks, tabs and every other kind of space turned into single spaces,
    NFC, stripped. Letters of every script, digits, punctuation and emoji stay as typed."""
    text = _CONTROLS.sub(lambda m: " " if m.group().isspace() else "", text)
    text = "".join(char for char in text if _visible(char))
    text = _TAGS.sub(lambda m: m.group(1) or "", text)
    return " ".join(unicodedata.normalize("NFC", text).split())


# Phone numbers as residents type them: digit groups joined by a space, a dash, a dot or
# brackets ("+996 555 123 456", "0 (555) 12-34-56", "8-912-345-67-89", "996555123456").
_SPACE = "[ \u00a0\u202f]"
_DASH = "[-\u2010\u2011\u2013\u2014]"
_PHONE_SEPARATOR = (
    rf"(?:{_SPACE}?(?:{_DASH}|\.){_SPACE}?|{_SPACE}?\){_SPACE}?\(?{_SPACE}?"
    rf"|{_SPACE}?\({_SPACE}?|{_SPACE})"
)
_PHONE_LIKE = re.compile(rf"(?:\+{_SPACE}?)?\(?\d+(?:{_PHONE_SEPARATOR}\d+)*")
_DIGITS = re.compile(r"\d+")
# Numbers that are no phone even in a phone's shape: dates and ranges of clock times.
_DAY, _MONTH = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])"
_CLOCK = r"(?:[01]?\d|2[0-4])[.:][0-5]\d"
_NOT_PHONE = re.compile(
    rf"(?<!\d)(?:{_DAY}(?P<sep>[./-]){_MONTH}(?P=sep)(?:19|20)\d\d|{_DAY}\.{_MONTH}\.\d\d"
    rf"|(?:19|20)\d\d-{_MONTH}-{_DAY}|{_CLOCK}{_SPACE}?{_DASH}{_SPACE}?{_CLOCK})(?!\d)"
)
# An amount of money or a count after the number ("150 000 000 сом", "2 000 000 миң").
_AMOUNT = re.compile(
    rf"{_SPACE}*(?:сом|som|kgs|руб|₽|\$|usd|долл|евро|eur|€|тенге|тг|тыйын|тыс|миң|млн"
    r"|миллион|млрд|миллиард)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_NUMBERED = re.compile(rf"№{_SPACE}*\Z")  # "школа № 123456789": a number, not a phone
_FULL_LENGTH = {"996": 12, "7": 11}  # digits after "+": Kyrgyzstan, Russia and Kazakhstan


# An e-mail address: as personal as a phone number, and as useless to a ranking.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_phones(text: str) -> str:
    """Every digit of a phone number replaced by `*`, its `+`, spaces, dashes, dots and
    brackets kept ("+996 555 123 456" -> "+*** *** *** ***"); an e-mail address becomes
    "***@***".

    A phone: 8 to 15 digits after a `+` (exactly 12 after +996 and 11 after +7 when the
    groups allow); else 9 or 10 digits, 11 starting with 7 or 8, 12 starting with 996, 13
    to 15 starting with 00, or 7 to 8 in three groups or more ending like 67-89. Never a
    phone: 6 digits or fewer, a date (12.05.2024, 12-05-2024, 12/05/2024, 12.05.24,
    2024-05-12), a range of clock times, a number after "№", one that starts with a year, a
    decimal (two groups joined by a dot), a sum in thousands ("150 000 000"), a round
    figure of several groups ("10000-20000"), a number followed by a currency or
    "тыс"/"млн"/"миң", single digits in a row ("1 2 3 ...")."""
    if "@" in text:
        text = _EMAIL.sub("***@***", text)
    if not any(char.isdigit() for char in text):
        return text
    protected = {i for m in _NOT_PHONE.finditer(text) for i in range(m.start(), m.end())}
    return _PHONE_LIKE.sub(lambda m: _mask_match(m, protected), text)


def _mask_match(match: re.Match[str], protected: set[int]) -> str:
    text, start = match.string, match.start()
    groups = [(start + g.start(), start + g.end()) for g in _DIGITS.finditer(match.group())]
    plus = match.group().startswith("+")
    if not plus and _sum_of_money(text, groups, match.end()):
        return match.group()
    masked = list(match.group())
    # The longest run of groups from the first that is a phone, else from the next group.
    first = 1 if _NUMBERED.search(text, max(0, start - 8), start) else 0
    while first < len(groups):
        last = _longest_phone(text, groups, first, plus and first == 0, protected)
        if last is None:
            first += 1
            continue
        for k in range(groups[first][0], groups[last][1]):
            if text[k].isdigit():
                masked[k - start] = "*"
        first = last + 1
    return "".join(masked)


def _sum_of_money(text: str, groups: list[tuple[int, int]], end: int) -> bool:
    """Thousands in groups of three ("12 500 000"), round or followed by a currency."""
    if len(groups) < 2 or not 1 <= groups[0][1] - groups[0][0] <= 3:
        return False
    digits = "".join(str(int(char)) for begin, end in groups for char in text[begin:end])
    separators = {text[a:b] for (_, a), (b, _) in itertools.pairwise(groups)}
    return (
        len(separators) == 1
        and separators <= {" ", "\u00a0", "\u202f", "."}
        and all(b - a == 3 for a, b in groups[1:])
        and (bool(_AMOUNT.match(text, end)) or (digits.endswith("000") and not _dialled(digits)))
    )


def _dialled(digits: str) -> bool:
    """A number only a phone has: 0 and nine digits, 996 and nine, 00 and more."""
    n = len(digits)
    return (
        (n == 10 and digits[0] == "0")
        or (n == 12 and digits.startswith("996"))
        or (13 <= n <= 15 and digits.startswith("00"))
    )


def _longest_phone(
    text: str, groups: list[tuple[int, int]], first: int, plus: bool, protected: set[int]
) -> int | None:
    found = exact = None
    digits = ""
    for last in range(first, len(groups)):
        begin, end = groups[last]
        if begin in protected:
            break
        digits += "".join(str(int(char)) for char in text[begin:end])  # any script's digits
        if len(digits) > 15:
            break
        if _is_phone(text, groups[first : last + 1], digits, plus):
            found = last
            if plus and len(digits) == _FULL_LENGTH.get(digits[:3], _FULL_LENGTH.get(digits[:1])):
                exact = last
    return found if exact is None else exact


def _is_phone(text: str, groups: list[tuple[int, int]], digits: str, plus: bool) -> bool:
    n = len(digits)
    if plus:
        return 8 <= n <= 15
    sizes = [end - begin for begin, end in groups]
    if any(a == b == 1 for a, b in itertools.pairwise(sizes)):
        return False  # figures in a row ("1 2 3 4 5 6 7 8 9")
    if sizes[0] == 4 and _YEAR.fullmatch(digits[:4]):
        return False
    if len(groups) == 2 and "." in text[groups[0][1] : groups[1][0]]:
        return False  # a decimal number
    if _AMOUNT.match(text, groups[-1][1]):
        return False  # a sum of money
    if len(groups) > 1 and sizes[-1] >= 3 and digits.endswith("000") and not _dialled(digits):
        return False  # a round figure ("10000-20000")
    if n in (7, 8):
        return len(groups) >= 3 and sizes[-1] == sizes[-2] == 2
    return n in (9, 10) or (n == 11 and digits[0] in "78") or _dialled(digits)
