"""Vote-farming signals: who may be farmed, as a share, with the ranking with and without them.

Nobody is ever dropped: the plain ranking stays the headline and a signal is a visible note
beside it ("12 of 140 (9%) — without them: ..."). A signal is a suspicion, not a verdict: a
diaspora resident with a Russian number or a real neighbourhood meeting can raise one, which
is exactly why it is shown as a share and a second ranking instead of being filtered away.

The rules (thresholds below, each with its why):

- ``same_words``: at least BURST_MIN residents created within BURST_WINDOW of each other
  who wrote the same own words (normalised: case, look-alikes, Kyrgyz letters, punctuation)
  of at least MIN_WORDS words. One typed word ("дороги") is what everyone writes; the same
  sentence from five brand-new residents in a quarter of an hour is a script.
- ``foreign_whatsapp``: WhatsApp numbers outside +996. The survey is about Kyrgyz cities;
  numbers abroad (diaspora, or bought numbers) are counted apart, never alone.
- ``new_telegram``: brand-new Telegram accounts arriving in a burst. Telegram hands out user
  ids in increasing order, so a high id means a young account. There is no official id to
  date table, so the rule is relative to the city itself: an id in the top NEW_ACCOUNT_SHARE
  of the city's Telegram respondents' ids (once there are NEW_ACCOUNT_MIN_IDS of them) is
  "new"; it is flagged when at least NEW_BURST_MIN such residents were created within
  NEW_BURST_WINDOW and they are at least NEW_BURST_DOMINANCE of the Telegram residents
  created in that window (a busy day brings young ids too, in the usual mix). A farm much
  larger than a tenth of the city is only partly flagged: the share is a lower bound, never
  an overcount.
- ``any``: flagged by at least one of the above (the ranking without all of them).

Pure: rows in, figures out. A row carries no resident id and the output carries neither ids
nor anyone's words: only counts, shares and category rankings.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.catalogue import OTHER
from flows.ranking import Ranking, Tally, rank, weight
from flows.text import normalise

# Five residents is the smallest group the bot ever reports on (/results), and a coordinated
# push smaller than that cannot move a ranking anyone acts on.
BURST_MIN = 5
# A quarter of an hour: a script pasted by a group of accounts lands within minutes; real
# residents who happen to write the same sentence spread over days.
BURST_WINDOW = timedelta(minutes=15)
# Shorter wordings are category names everyone types ("дороги", "нет воды").
MIN_WORDS = 3
# The youngest tenth of the city's Telegram ids counts as "new" ...
NEW_ACCOUNT_SHARE = 0.10
# ... once the city has enough ids for a tenth to mean something.
NEW_ACCOUNT_MIN_IDS = 20
# Accounts registered for a campaign arrive together; an hour covers a slow operator.
NEW_BURST_MIN = 5
NEW_BURST_WINDOW = timedelta(hours=1)
# ... and make up most of the Telegram residents who arrived in that window: on a busy day
# the city's usual mix also brings its tenth of young ids in every hour, which is no farm.
NEW_BURST_DOMINANCE = 0.5
# A signal is worth a note in the working group's summary from this share of respondents on:
# below it, even removing everyone flagged cannot reorder a ranking by much.
NOTICE_SHARE = 0.05

SAME_WORDS = "same_words"
FOREIGN_WHATSAPP = "foreign_whatsapp"
NEW_TELEGRAM = "new_telegram"
ANY = "any"
NAMES = (SAME_WORDS, FOREIGN_WHATSAPP, NEW_TELEGRAM)


@dataclass(frozen=True, slots=True)
class SignalRow:
    """One current answer as the signals see it (storage builds it; no id, no name).

    `categories`: the answer's categories, 1st to 5th. `words`: its own-words items,
    normalised. `foreign_number`: a WhatsApp number outside +996. `new_account`: a Telegram
    id among the city's youngest (`new_accounts`)."""

    created_at: datetime  # when the resident first wrote to the bot
    answered_at: datetime  # when the current answer was given
    channel: str
    categories: tuple[str, ...]
    words: tuple[str, ...] = ()
    foreign_number: bool = False
    new_account: bool = False


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal: how many respondents it flags, their share, the ranking without them."""

    name: str
    flagged: int
    share: float
    without: Ranking


@dataclass(frozen=True, slots=True)
class SignalReport:
    """Every signal of a city, beside the ranking with everyone (the headline's)."""

    respondents: int
    with_all: Ranking
    signals: tuple[Signal, ...]  # NAMES in order, then ANY

    def noticeable(self, share: float = NOTICE_SHARE) -> tuple[Signal, ...]:
        """The named signals (not ANY) worth a note: flagging at least `share`."""
        return tuple(s for s in self.signals if s.name != ANY and s.flagged and s.share >= share)


def new_accounts(ids: Sequence[int]) -> list[bool]:
    """Per Telegram id, whether it is among the city's youngest (see the module's rule). Storage
    calls this with the ids it read and keeps only the flags."""
    if len(ids) < NEW_ACCOUNT_MIN_IDS:
        return [False] * len(ids)
    youngest = max(1, math.floor(len(ids) * NEW_ACCOUNT_SHARE))
    cutoff = sorted(ids, reverse=True)[youngest - 1]
    return [i >= cutoff for i in ids]


def foreign_whatsapp(number: str) -> bool:
    """A WhatsApp id (Twilio's WaId: digits with the country code) outside Kyrgyzstan."""
    return not number.lstrip("+").startswith("996")


def fingerprint(words: str) -> str | None:
    """Own words as compared across residents: normalised, or None when too short to tell."""
    normal = normalise(words)
    return normal if len(normal.split()) >= MIN_WORDS else None


def _bursts(
    moments: Sequence[tuple[datetime, int]],
    window: timedelta,
    least: int,
    arrivals: Sequence[datetime] | None = None,
) -> set[int]:
    """Indices of rows in some window of `window` holding at least `least` of them; with
    `arrivals` (sorted), only where they are at least NEW_BURST_DOMINANCE of the arrivals in
    that window."""
    ordered = sorted(moments)
    flagged: set[int] = set()
    start = 0
    for end in range(len(ordered)):
        while ordered[end][0] - ordered[start][0] > window:
            start += 1
        count = end - start + 1
        if count < least:
            continue
        if arrivals is not None:
            first, last = ordered[start][0], ordered[end][0]
            everyone = bisect_right(arrivals, last) - bisect_left(arrivals, first)
            if count < NEW_BURST_DOMINANCE * everyone:
                continue
        flagged.update(i for _, i in ordered[start : end + 1])
    return flagged


def flag(rows: Sequence[SignalRow]) -> dict[str, set[int]]:
    """Per signal name, the indices of the rows it flags."""
    by_words: dict[str, list[tuple[datetime, int]]] = {}
    for i, row in enumerate(rows):
        for key in {f for w in row.words if (f := fingerprint(w))}:
            by_words.setdefault(key, []).append((row.created_at, i))
    same: set[int] = set()
    for moments in by_words.values():
        if len(moments) >= BURST_MIN:
            same |= _bursts(moments, BURST_WINDOW, BURST_MIN)
    young = [(row.created_at, i) for i, row in enumerate(rows) if row.new_account]
    arrivals = sorted(row.created_at for row in rows if row.channel == "tg")
    flagged = {
        SAME_WORDS: same,
        FOREIGN_WHATSAPP: {i for i, row in enumerate(rows) if row.foreign_number},
        NEW_TELEGRAM: _bursts(young, NEW_BURST_WINDOW, NEW_BURST_MIN, arrivals),
    }
    flagged[ANY] = set().union(*flagged.values())
    return flagged


def tally(rows: Iterable[SignalRow]) -> Tally:
    """The citywide tally of these rows, as the summary ranks it: `other` waits for review
    and is not ranked; a respondent is a row that names anything."""
    respondents = 0
    counts: dict[str, int] = {}
    scores: dict[str, int] = {}
    for row in rows:
        if not row.categories:
            continue
        respondents += 1
        for position, category in enumerate(row.categories, 1):
            if category == OTHER:
                continue
            counts[category] = counts.get(category, 0) + 1
            scores[category] = scores.get(category, 0) + weight(position)
    return Tally(respondents, counts, scores)


def signals(rows: Sequence[SignalRow], order: Sequence[str] = ()) -> SignalReport:
    """Every signal over a city's current answers, with the ranking without those flagged."""
    rows = [row for row in rows if row.categories]
    everyone = tally(rows)
    n = everyone.respondents
    found = []
    for name, flagged in flag(rows).items():
        rest = tally(row for i, row in enumerate(rows) if i not in flagged)
        found.append(
            Signal(name, len(flagged), len(flagged) / n if n else 0.0, rank(rest, order=order))
        )
    return SignalReport(n, rank(everyone, order=order), tuple(found))


def as_json(report: SignalReport, top: int = 10) -> dict[str, object]:
    """Machine-readable: per signal its count, share and the top of the ranking without it."""

    def rows(ranking: Ranking) -> list[dict[str, object]]:
        return [
            {"category": r.category, "position": r.position, "count": r.count}
            for r in ranking.rows[:top]
        ]

    return {
        "respondents": report.respondents,
        "notice_share": NOTICE_SHARE,
        "with": rows(report.with_all),
        "signals": {
            s.name: {
                "flagged": s.flagged,
                "share": round(s.share, 4),
                "respondents_without": s.without.respondents,
                "without": rows(s.without),
            }
            for s in report.signals
        },
    }
