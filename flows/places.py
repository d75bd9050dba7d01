"""Which district a resident means: typed district names, streets and landmarks, or a shared
location inside the city's district boundaries. Pure: no I/O (the GeoJSON arrives parsed).

Typed text (`districts_named`) is read in three tiers:

1. exact: the normalised words of a name, alias, street or landmark appear in the text, in
   order ("ул. Ленина 12" names "Ленина"; "Токтогул көчөсү" is listed as "Токтогул");
2. word forms: the same, up to Russian endings (Snowball stems, as flows/matcher.py uses) and
   Kyrgyz case endings: "возле рынка" names "Рынок", "базардын жанында" names "Базар";
3. typos: rapidfuzz ratio against the listed names, with flows/choices.py's thresholds; words
   shorter than 4 letters and numbers must be typed exactly ("школа 6" never names "Школа №5").

Word forms only fill in words that no exact name took ("Советская" names the street
"Советская", not also "Советский переулок"; "Ленина и Токтогулдун" names both streets). Typos
are tried only when neither found a place: an exact name always beats a misspelt one.

What residents put around an address is ignored: street types ("ул.", "көчөсү", "мкр", "кичи
район"...), house and flat numbers ("12/3", "дом 5 кв 7"), "возле", "около", "жанында", the
city's own name and a few more (`_TYPE_WORDS`, `_AROUND`). The text names a place only when its
place words are at least as many as its other words: "Ленина возле аптеки" names Ленина, "ямы на
новой дороге" does not name the street "Новая". A name that is only a number is never matched
here: a typed number is an option number (flows/choices.py).

Boundaries: a point on the outer edge of a district is inside it; a point on an edge shared by
two districts (or in a tolerated sliver of overlap) belongs to the district listed first in the
city's file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from flows.catalogue import City
from flows.matcher import _ky_stems, _ru_stems
from flows.text import normalise

if TYPE_CHECKING:
    from shapely import Geometry

# The project's typo thresholds (flows/choices.py): a typo is tolerated only in words of 4
# letters or more, a fuzzy match needs a ratio of 84, and candidates within 4 points of the best
# one are equally likely (returned together, so the resident chooses).
_FUZZY_MIN_LEN = 4
_FUZZY_CUTOFF = 84.0
_FUZZY_MARGIN = 4.0

# Street and area types, stripped from both ends of a listed name and ignored in typed text
# (normalised: lower case, ө/ү/ң folded to о/у/н, punctuation gone: "пр-т" is "пр т").
_TYPE_WORDS = frozenset(
    {
        # Russian
        "ул", "улица", "улицы", "улице", "улицу", "улицей",
        "пр", "прт", "просп", "проспект", "проспекта", "проспекте",
        "пер", "переулок", "переулка", "переулке",
        "бул", "бульв", "бульвар", "бульвара", "бульваре",
        "пл", "площадь", "площади",
        "проезд", "проезда", "проезде", "тупик", "тупика",
        "мкр", "мкрн", "микрорайон", "микрорайона", "микрорайоне",
        "жилмассив", "жилмассива", "жилмассиве", "квартал", "квартала", "квартале",
        # Kyrgyz (folded: көчөсү -> кочосу)
        "коч", "кочо", "кочосу", "кочосунун", "кочосундо", "кочосуно", "кочосунон",
        "проспектиси", "проспектисинде", "аянты", "аянтында", "кичирайон", "конуш", "конушу",
    }
)  # fmt: skip
# Several-word types: "кичи район" (микрорайон), "жаңы конуш" (жилмассив), "м-н", "ж/м", "б-р".
_TYPE_SEQUENCES = (
    ("кичи", "район"),
    ("кичи", "району"),
    ("кичи", "районунда"),
    ("жаны", "конуш"),
    ("жаны", "конушу"),
    ("пр", "т"),
    ("м", "н"),
    ("ж", "м"),
    ("б", "р"),
    ("кв", "л"),
)
# Words around a place in typed text: prepositions and postpositions, house and flat, "I live".
_AROUND = frozenset(
    {
        # Russian
        "возле", "около", "рядом", "напротив", "недалеко", "близко", "у", "с", "со", "за",
        "перед", "на", "в", "во", "по", "к", "от", "до", "между", "угол", "углу", "угла",
        "пересечение", "пересечении", "район", "районе", "района", "мту", "маб",
        "дом", "дома", "доме", "кв", "квартира", "квартиры", "корпус", "корп", "подъезд",
        "этаж", "я", "мы", "живу", "живем", "проживаю", "нахожусь", "адрес", "мой", "моя",
        "наш", "наша", "г", "город", "города", "городе", "и", "или", "не", "знаю", "помню",
        "точно", "где", "то", "это", "там", "тут", "здесь", "вот",
        # Kyrgyz (folded)
        "жанында", "жанындагы", "жанына", "жанынан", "жакын", "жакында", "манында",
        "манындагы", "алдында", "каршысында", "каршы", "артында", "ортосунда", "тушунда",
        "тарабында", "уй", "уйу", "уйум", "батир", "батирим", "кабат", "мен", "биз", "турам",
        "турабыз", "жашайм", "жашайбыз", "дарек", "дарегим", "шаар", "шаары", "шаарында",
        "жана", "билбейм", "району", "районунда",
    }
)  # fmt: skip
_DIGIT_EDGE = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")


def _words(text: str) -> tuple[str, ...]:
    """Normalised words, with numbers cut off letters ("12а" -> "12 а", "мкр5" -> "мкр 5")."""
    return tuple(_DIGIT_EDGE.sub(" ", normalise(text)).split())


def _short(word: str) -> bool:
    """Words that must be typed exactly: short ones and anything with a digit."""
    return len(word) < _FUZZY_MIN_LEN or not word.isalpha()


def _strip_types(words: tuple[str, ...]) -> tuple[str, ...]:
    """A listed name without its street type at either end ("Токтогул көчөсү" -> токтогул),
    unless nothing with a letter would be left ("Проспект" stays)."""
    out = words
    changed = True
    while changed and out:
        changed = False
        for seq in _TYPE_SEQUENCES:
            n = len(seq)
            if out[:n] == seq and len(out) > n:
                out, changed = out[n:], True
            elif out[-n:] == seq and len(out) > n:
                out, changed = out[:-n], True
        if len(out) > 1 and out[0] in _TYPE_WORDS:
            out, changed = out[1:], True
        if len(out) > 1 and out[-1] in _TYPE_WORDS:
            out, changed = out[:-1], True
    return out if any(w.isalpha() for w in out) else words


@lru_cache(maxsize=65536)
def _forms(word: str) -> frozenset[str]:
    """What a typed word may stand for: itself, its Russian stems, its Kyrgyz stems."""
    out = {word}
    if word.isalpha():
        out.update(s for _, s in _ru_stems(word) if len(s) >= 3)
        out.update(s for s in _ky_stems(word) if len(s) >= 3)
    return frozenset(out)


@lru_cache(maxsize=65536)
def _keys(word: str) -> frozenset[str]:
    """What a listed word is matched by in the word-forms tier (short words: only itself)."""
    if _short(word):
        return frozenset({word})
    return frozenset({word, *(s for _, s in _ru_stems(word) if len(s) >= 3)})


def _same_form(typed: str, listed: str) -> bool:
    if typed == listed:
        return True
    return not _short(listed) and bool(_forms(typed) & _keys(listed))


@dataclass(frozen=True, slots=True)
class _Index:
    # listed words -> the districts they name, best first (name/alias, street, landmark; then
    # the city file's order)
    places: dict[tuple[str, ...], tuple[str, ...]]
    by_first: dict[str, tuple[tuple[str, ...], ...]]  # first word -> listed words
    by_form: dict[str, tuple[tuple[str, ...], ...]]  # a key of the first word -> listed words
    by_length: dict[int, tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]]  # for rapidfuzz
    around: frozenset[str]  # words ignored around a place (incl. the city's own names)


_INDEXES: dict[int, tuple[City, _Index]] = {}  # id(city) -> (the city, its index)


def _index(city: City) -> _Index:
    """The city's index, built once per City object (a World keeps its cities for its life)."""
    hit = _INDEXES.get(id(city))
    if hit is not None and hit[0] is city:
        return hit[1]
    if len(_INDEXES) >= 64:
        _INDEXES.clear()
    index = _build_index(city)
    _INDEXES[id(city)] = (city, index)
    return index


def _build_index(city: City) -> _Index:
    ranked: dict[tuple[str, ...], list[tuple[int, int, str]]] = {}
    for order, d in enumerate(city.districts):
        kinds = ((0, (d.ru, d.ky, *d.aliases)), (1, d.streets), (2, d.landmarks))
        for kind, names in kinds:
            for name in names:
                words = _strip_types(_words(name))
                if not words or all(w.isdigit() for w in words):
                    continue  # a bare number is an option number, not a place
                ranked.setdefault(words, []).append((kind, order, d.id))
    places: dict[tuple[str, ...], tuple[str, ...]] = {}
    for words, found in ranked.items():
        ids = [did for _, _, did in sorted(found)]
        places[words] = tuple(dict.fromkeys(ids))
    by_first: dict[str, list[tuple[str, ...]]] = {}
    by_form: dict[str, list[tuple[str, ...]]] = {}
    by_len: dict[int, list[tuple[str, ...]]] = {}
    for words in places:
        by_first.setdefault(words[0], []).append(words)
        for key in _keys(words[0]):
            by_form.setdefault(key, []).append(words)
        by_len.setdefault(len(words), []).append(words)
    around = set(_AROUND) | _TYPE_WORDS
    for name in (city.ru, city.ky, *city.aliases):
        around.update(_words(name))
    return _Index(
        places,
        {k: tuple(v) for k, v in by_first.items()},
        {k: tuple(v) for k, v in by_form.items()},
        {n: (tuple(v), tuple(" ".join(w) for w in v)) for n, v in by_len.items()},
        frozenset(around),
    )


def _noise(words: tuple[str, ...], around: frozenset[str]) -> list[bool]:
    """Which typed words are only around a place (types, prepositions, numbers, letters)."""
    noise = [w in around or w.isdigit() or len(w) == 1 for w in words]
    for seq in _TYPE_SEQUENCES:
        n = len(seq)
        for i in range(len(words) - n + 1):
            if words[i : i + n] == seq:
                noise[i : i + n] = [True] * n
    return noise


def _occurrences(
    words: tuple[str, ...], index: _Index, covered: list[bool], forms: bool
) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, length, listed words) of listed names found in uncovered typed words."""
    found = []
    for i, word in enumerate(words):
        if covered[i]:
            continue
        if forms:
            candidates = {c for key in _forms(word) for c in index.by_form.get(key, ())}
            candidates.update(index.by_first.get(word, ()))
        else:
            candidates = set(index.by_first.get(word, ()))
        for listed in candidates:
            n = len(listed)
            span = words[i : i + n]
            if len(span) != n or any(covered[i : i + n]):
                continue
            if forms and not all(map(_same_form, span, listed)):
                continue
            if not forms and span != listed:
                continue
            found.append((i, n, listed))
    return found


def _take(
    found: list[tuple[int, int, tuple[str, ...]]], covered: list[bool]
) -> list[tuple[int, int, tuple[str, ...]]]:
    """Non-overlapping occurrences, longest first (the same words may name several places)."""
    taken = []
    spans: set[tuple[int, int]] = set()
    for i, n, listed in sorted(found, key=lambda f: (-f[1], f[0], f[2])):
        # A span taken already may name another listed place too ("советская" is a form of
        # both "Советская" and "Советский"): keep both; any other overlap loses.
        if any(covered[i : i + n]) and (i, n) not in spans:
            continue
        covered[i : i + n] = [True] * n
        spans.add((i, n))
        taken.append((i, n, listed))
    return taken


def districts_named(city: City, text: str) -> list[str]:
    """District ids whose name, alias, street or landmark the text names, best first; [] when
    it names none. A street listed in several districts gives all of them (ask the resident).
    Exact names come first, then word forms of the words left over; typos only when neither
    named a place. Longer names come before shorter ones, then the city file's order."""
    words = _words(text)
    if not words:
        return []
    index = _index(city)
    noise = _noise(words, index.around)
    covered = [False] * len(words)
    exact = _take(_occurrences(words, index, covered, forms=False), covered)
    by_form = _take(_occurrences(words, index, covered, forms=True), covered)
    matched = sum(covered)
    other = sum(1 for c, n in zip(covered, noise, strict=True) if not c and not n)
    if matched and matched >= other:
        return _ids(index, (listed for _, _, listed in (*exact, *by_form)))
    return _ids(index, _typos(words, noise, index))


def _typos(words: tuple[str, ...], noise: list[bool], index: _Index) -> list[tuple[str, ...]]:
    """Listed names typed with a typo, best first (those within the margin of the best)."""
    best: dict[tuple[str, ...], float] = {}
    meaningful = sum(1 for n in noise if not n)
    for n, (listed_all, strings) in index.by_length.items():
        for i in range(len(words) - n + 1):
            span = words[i : i + n]
            if sum(len(w) for w in span) < _FUZZY_MIN_LEN or all(noise[i : i + n]):
                continue
            outside = meaningful - sum(1 for x in noise[i : i + n] if not x)
            if outside > n:
                continue  # the place would be the smaller part of the text
            typed = " ".join(span)
            hits = process.extract(
                typed, strings, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=None
            )
            for _, score, k in hits:
                listed = listed_all[k]
                pairs = zip(span, listed, strict=True)
                if any((_short(a) or _short(b)) and a != b for a, b in pairs):
                    continue  # short words and numbers are never typos of each other
                if score > best.get(listed, 0.0):
                    best[listed] = score
    if not best:
        return []
    top = max(best.values())
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    return [listed for listed, score in ranked if score >= top - _FUZZY_MARGIN]


def _ids(index: _Index, found: Iterable[tuple[str, ...]]) -> list[str]:
    out: dict[str, None] = {}
    for listed in found:
        for did in index.places[listed]:
            out.setdefault(did, None)
    return list(out)


# --- boundaries ----------------------------------------------------------------------------

# Overlap between two districts up to this share of the smaller one is tolerated (slivers of a
# border drawn twice by hand); a point there goes to the district listed first.
OVERLAP_TOLERANCE = 0.001
# One city's districts fit in this many degrees (~110 km of latitude) each way.
MAX_SPREAD = 1.0
_M_PER_DEGREE = 111_320.0
_AREA_TYPES = ("Polygon", "MultiPolygon")
_AT = re.compile(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)\]")


class Boundaries:
    """One city's district polygons (prepared for fast point tests).

    Build it with `Boundaries.from_geojson(data, city)`; `locate(lat, lon)` gives the district
    a point is in, or None. GeoJSON lists positions as [longitude, latitude].
    """

    __slots__ = ("_hit", "_shapes", "city")

    def __init__(self, city: str, shapes: Sequence[tuple[str, Geometry]]) -> None:
        """`shapes`: (district id, valid prepared polygonal geometry), in the city's order."""
        import shapely

        self.city = city
        self._shapes = tuple((did, shape, shape.bounds) for did, shape in shapes)
        self._hit = shapely.intersects_xy

    @property
    def districts(self) -> tuple[str, ...]:
        """The districts that have a boundary, in the city's order."""
        return tuple(did for did, _, _ in self._shapes)

    def locate(self, lat: float, lon: float) -> str | None:
        """The district containing the point (edges included; a shared edge goes to the
        district listed first in the city's file), or None outside all of them."""
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return None
        for did, shape, (west, south, east, north) in self._shapes:
            if west <= lon <= east and south <= lat <= north and self._hit(shape, lon, lat):
                return did
        return None

    @classmethod
    def from_geojson(cls, data: Mapping[str, Any], city: City) -> Boundaries:
        """Validate parsed GeoJSON (a FeatureCollection of Polygon/MultiPolygon features with
        `properties.district` = a district id of `city`). Several features of one district are
        joined. Raises ValueError with a message for the operator."""
        import shapely
        from shapely.geometry import shape as to_shape

        ids = [d.id for d in city.districts]
        known = ", ".join(ids)
        if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
            got = data.get("type") if isinstance(data, Mapping) else type(data).__name__
            raise ValueError(f"expected a GeoJSON FeatureCollection, got {got!r}")
        features = data.get("features")
        if not isinstance(features, list) or not features:
            raise ValueError(
                "the FeatureCollection has no features: add one Polygon per district "
                "or delete the file"
            )
        pieces: dict[str, list[Geometry]] = {}
        for n, feature in enumerate(features, 1):
            where = f"feature {n}"
            if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
                raise ValueError(f"{where}: expected a GeoJSON Feature")
            props = feature.get("properties")
            did = props.get("district") if isinstance(props, Mapping) else None
            if did is None:
                raise ValueError(
                    f"{where}: properties.district is missing: set it to the district id ({known})"
                )
            if did not in ids:
                raise ValueError(
                    f"{where}: unknown district {did!r}: {city.id}'s district ids are {known}"
                )
            where = f"feature {n} (district {did!r})"
            geometry = feature.get("geometry")
            kind = geometry.get("type") if isinstance(geometry, Mapping) else None
            if kind not in _AREA_TYPES:
                raise ValueError(
                    f"{where}: the geometry is {kind or 'missing'}: a district needs a Polygon "
                    "or MultiPolygon"
                )
            _check_positions(where, kind, geometry.get("coordinates"))
            try:
                shape = to_shape(geometry)
            except Exception as exc:  # shapely raises several kinds for malformed input
                raise ValueError(f"{where}: not a valid {kind}: {exc}") from exc
            if not shape.is_valid:
                reason = _AT.sub(_at, shapely.is_valid_reason(shape))
                raise ValueError(
                    f"{where}: the {kind} is invalid: {reason} (rings must not cross "
                    "themselves or each other; holes lie inside their outer ring)"
                )
            if shape.is_empty or shape.area <= 0:
                raise ValueError(f"{where}: the {kind} has no area")
            pieces.setdefault(did, []).append(shape)
        joined = [(did, shapely.union_all(pieces[did])) for did in ids if did in pieces]
        _check_spread(joined)
        _check_overlaps(joined)
        for _, shape in joined:
            shapely.prepare(shape)
        return cls(city.id, joined)


def _at(m: re.Match[str]) -> str:
    return f" at lat {m.group(2)}, lon {m.group(1)}"


def _check_positions(where: str, kind: str, coordinates: object) -> None:
    """Positions are [lon, lat] numbers in range; rings have at least 3 corners."""
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list | tuple) or not polygons:
        raise ValueError(f"{where}: coordinates must be a list of {kind} rings")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValueError(f"{where}: a polygon must be a list of rings (outer ring first)")
        for ring in polygon:
            if not isinstance(ring, list | tuple) or len(ring) < 3:
                raise ValueError(f"{where}: a ring needs at least 3 corners")
            for pos in ring:
                if (
                    not isinstance(pos, list | tuple)
                    or len(pos) < 2
                    or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos)
                    or not all(math.isfinite(v) for v in pos)
                ):
                    raise ValueError(f"{where}: {pos!r} is not a [longitude, latitude] position")
                lon, lat = pos[0], pos[1]
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ValueError(
                        f"{where}: {pos!r} is out of range: GeoJSON positions are "
                        "[longitude, latitude]"
                    )


def _check_spread(shapes: list[tuple[str, Geometry]]) -> None:
    """A city's districts lie close together: one far away has its positions swapped."""
    west = min(s.bounds[0] for _, s in shapes)
    south = min(s.bounds[1] for _, s in shapes)
    east = max(s.bounds[2] for _, s in shapes)
    north = max(s.bounds[3] for _, s in shapes)
    if east - west <= MAX_SPREAD and north - south <= MAX_SPREAD:
        return
    centres = [(did, s.centroid) for did, s in shapes]
    mid_x = sorted(c.x for _, c in centres)[len(centres) // 2]
    mid_y = sorted(c.y for _, c in centres)[len(centres) // 2]
    far, _ = max(centres, key=lambda dc: abs(dc[1].x - mid_x) + abs(dc[1].y - mid_y))
    raise ValueError(
        f"district {far!r} lies far from the others (the districts span {east - west:.1f}° of "
        f"longitude and {north - south:.1f}° of latitude): are its positions [latitude, "
        "longitude]? GeoJSON lists [longitude, latitude]"
    )


def _check_overlaps(shapes: list[tuple[str, Geometry]]) -> None:
    """No place may belong to two districts (beyond OVERLAP_TOLERANCE of the smaller one)."""
    for i, (a, sa) in enumerate(shapes):
        for b, sb in shapes[i + 1 :]:
            if not sa.intersects(sb):
                continue
            overlap = sa.intersection(sb)
            if overlap.area <= OVERLAP_TOLERANCE * min(sa.area, sb.area):
                continue
            point = overlap.representative_point()
            lat = point.y
            m2 = overlap.area * _M_PER_DEGREE**2 * math.cos(math.radians(lat))
            raise ValueError(
                f"districts {a!r} and {b!r} overlap (about {m2:,.0f} m² around lat "
                f"{point.y:.5f}, lon {point.x:.5f}): a place must belong to one district, "
                "so make them share the border instead"
            )
