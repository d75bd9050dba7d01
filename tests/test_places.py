"""Districts by street, landmark and location: flows/places.py, World.locate, the GeoJSON
file beside a city's TOML, and `config_warnings`. The test city is tests/data/cities/ozerny.*
(made up: streets, landmarks and rectangles are invented)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from bot.config import ConfigError, config_warnings, load_city, load_world
from flows.catalogue import City, District
from flows.places import Boundaries, districts_named
from flows.world import World

DATA = Path(__file__).resolve().parent / "data" / "cities"
TOML = DATA / "ozerny.toml"
GEOJSON = DATA / "ozerny.geojson"


@pytest.fixture(scope="module")
def ozerny() -> City:
    return load_city(TOML)


@pytest.fixture(scope="module")
def geojson() -> dict:
    return json.loads(GEOJSON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bounds(ozerny: City, geojson: dict) -> Boundaries:
    return Boundaries.from_geojson(geojson, ozerny)


# --- typed names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Russian streets: bare, with a type, with house and flat numbers, with a typo
        ("Токтогула", ["north"]),
        ("ул. Токтогула", ["north"]),
        ("улица Токтогула, д. 5, кв. 12", ["north"]),
        ("Абдрахманова 12/3", ["south"]),
        ("абдрахманава 7", ["south"]),  # typo
        ("токтгула", ["north"]),  # typo
        ("улица 8 Марта", ["north"]),  # a number in the name is kept
        ("8 марта 12а", ["north"]),
        ("пр. Манаса", ["east"]),
        ("Манаса", ["east"]),  # listed as "проспект Манаса"
        ("Садовая", ["west"]),
        ("на садовой", ["west"]),  # a Russian word form
        ("Гагарин", ["east"]),
        # Kyrgyz: the listed "Токтогула" named the Kyrgyz way, ө/ү/ң typed as о/у/н
        ("Токтогул көчөсү", ["north"]),
        ("токтогул кочосу 5", ["north"]),
        ("Жеңиш көчөсү 3", ["east"]),
        ("жениш кочосу", ["east"]),
        ("Жениш", ["east"]),
        ("Учкун", ["west"]),
        ("Үчкүн көч. 14", ["west"]),
        ("Ак-Тилек кичи району", ["west"]),
        ("кичи район Ак Тилек", ["west"]),
        ("мкр Ак-Тилек", ["west"]),
        # landmarks, also inflected after "возле" / before "жанында"
        ("Центральный рынок", ["north"]),
        ("возле центрального рынка", ["north"]),
        ("около автовокзала", ["south"]),
        ("базардын жанында", ["south"]),
        ("Школа №5", ["north"]),
        ("возле школы 6", ["south"]),
        ("мечети жанында", ["west"]),
        ("Дом культуры", ["east"]),
        # district names and aliases
        ("МТУ 2", ["south"]),
        ("мту1", ["north"]),
        ("Северный", ["north"]),
        ("Чыгыш", ["east"]),
        # the city's own name and a few words around the address are ignored
        ("Озёрный, ул. Токтогула 5", ["north"]),
        ("я живу на Абдрахманова", ["south"]),
        ("Абдрахманова возле аптеки", ["south"]),
    ],
)
def test_a_typed_street_landmark_or_name_names_its_district(
    ozerny: City, typed: str, expected: list[str]
) -> None:
    assert districts_named(ozerny, typed) == expected


def test_a_street_in_two_districts_names_both_in_file_order(ozerny: City) -> None:
    assert districts_named(ozerny, "Ленина") == ["north", "south"]
    assert districts_named(ozerny, "ул. Ленина 12") == ["north", "south"]
    assert districts_named(ozerny, "Лениа") == ["north", "south"]  # a typo too


def test_two_streets_name_both_districts(ozerny: City) -> None:
    assert districts_named(ozerny, "угол Гагарина и Токтогула") == ["east", "north"]
    # an exact name and a Kyrgyz word form ("Токтогулдун") in one line
    assert districts_named(ozerny, "Гагарина и Токтогулдун") == ["east", "north"]


@pytest.mark.parametrize(
    "typed",
    [
        "ямы на дорогах",
        "привет",
        "12",
        "12/3",
        "",
        "  ,. ",
        "ул.",
        "возле",
        "не знаю",
        "нет света на улице Ленина",  # a problem that mentions a street: not an address
        "рынок",  # only "Центральный рынок" is listed
        "школа 7",  # numbers are never typos: not Школа №5 or №6
        "мту",
        "мту 3",
    ],
)
def test_unrelated_text_names_nothing(ozerny: City, typed: str) -> None:
    assert districts_named(ozerny, typed) == []


def test_short_words_must_be_exact(ozerny: City) -> None:
    # "Мира" is listed; one letter off in a 3-4 letter word could be another word entirely
    assert districts_named(ozerny, "Мира") == ["south"]
    assert districts_named(ozerny, "мра") == []
    assert districts_named(ozerny, "Мина") == []
    assert districts_named(ozerny, "мирра") == ["south"]  # 5 letters: a typo is tolerated


def _city(*districts: District) -> City:
    return City(id="t", ru="Т", ky="Т", districts=districts)


def test_an_exact_name_beats_a_word_form_and_a_typo() -> None:
    city = _city(
        District(id="a", ru="А", ky="А", streets=("Токтогула", "Советская")),
        District(id="b", ru="Б", ky="Б", streets=("Токтогулова", "Советский пер.")),
    )
    assert districts_named(city, "Токтогула") == ["a"]  # "Токтогулова" is a fuzzy 90
    assert districts_named(city, "Токтогулова") == ["b"]
    assert districts_named(city, "ул. Советская 3") == ["a"]  # "Советский" shares its stem
    assert districts_named(city, "Советский") == ["b"]
    assert districts_named(city, "Советской") == ["a", "b"]  # only word forms: both


def test_a_name_that_is_only_a_number_is_left_to_option_numbers() -> None:
    city = _city(District(id="a", ru="1", ky="1"), District(id="b", ru="2", ky="2"))
    assert districts_named(city, "1") == []
    assert districts_named(city, "ул. Ленина 2") == []


def test_bundled_cities_names_and_aliases(world: World) -> None:
    karakol, manas = world.cities["karakol"], world.cities["manas"]
    assert districts_named(karakol, "МТУ №3") == ["mtu3"]
    assert districts_named(karakol, "биринчи") == ["mtu1"]
    assert districts_named(karakol, "3") == []
    assert districts_named(manas, "ул. Айтматова 5") == ["aitmatov"]
    assert districts_named(manas, "курманбек кичи району") == ["kurmanbek"]


def test_streets_and_landmarks_are_validated() -> None:
    base = {"id": "a", "ru": "А", "ky": "А"}
    assert District(**base, streets=(" Ленина ",)).streets == ("Ленина",)
    for bad in ("", "   ", "x" * 65, "12"):
        with pytest.raises(ValueError):
            District(**base, streets=(bad,))
        with pytest.raises(ValueError):
            District(**base, landmarks=(bad,))
    with pytest.raises(ValueError, match="Extra inputs"):
        District(**base, street=("Ленина",))


# --- boundaries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "district"),
    [
        (42.51, 78.39, "north"),
        (42.49, 78.39, "south"),
        (42.50, 78.41, "east"),
        (42.495, 78.455, "east"),  # the MultiPolygon's second part
        (42.49, 78.362, "west"),
        (42.50, 78.37, None),  # the hole in west
        (42.50, 78.50, None),  # outside every district
        (42.60, 78.39, None),
        (float("nan"), 78.39, None),
        # Edges: a point on a district's outer edge is inside it; on an edge shared by two
        # districts it belongs to the one listed first in the city file.
        (42.52, 78.39, "north"),  # north's outer edge
        (42.50, 78.39, "north"),  # north/south: north is listed first
        (42.51, 78.40, "north"),  # north/east
        (42.49, 78.40, "south"),  # south/east
        (42.50, 78.40, "north"),  # the corner of north, south and east
        (42.49, 78.38, "south"),  # south/west
    ],
)
def test_locate(bounds: Boundaries, lat: float, lon: float, district: str | None) -> None:
    assert bounds.locate(lat, lon) == district


def test_a_shared_edge_follows_the_file_order(ozerny: City, geojson: dict) -> None:
    reordered = ozerny.model_copy(update={"districts": tuple(reversed(ozerny.districts))})
    bounds = Boundaries.from_geojson(geojson, reordered)
    assert bounds.districts == ("west", "east", "south", "north")
    assert bounds.locate(42.50, 78.39) == "south"
    assert bounds.locate(42.51, 78.40) == "east"


def _rectangle(did: str, west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {
        "type": "Feature",
        "properties": {"district": did},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_several_features_of_one_district_are_joined(ozerny: City) -> None:
    data = {
        "type": "FeatureCollection",
        "features": [
            _rectangle("north", 78.38, 42.50, 78.39, 42.52),
            _rectangle("north", 78.39, 42.50, 78.40, 42.52),
            _rectangle("north", 78.385, 42.51, 78.395, 42.515),  # overlapping its own part
        ],
    }
    bounds = Boundaries.from_geojson(data, ozerny)
    assert bounds.districts == ("north",)
    assert bounds.locate(42.51, 78.39) == "north"
    assert bounds.locate(42.49, 78.39) is None


def test_a_sliver_of_overlap_is_tolerated(ozerny: City) -> None:
    data = {
        "type": "FeatureCollection",
        "features": [
            _rectangle("north", 78.38, 42.50, 78.40, 42.52),
            _rectangle("south", 78.38, 42.48, 78.40, 42.50001),  # ~1 m drawn twice
        ],
    }
    assert Boundaries.from_geojson(data, ozerny).locate(42.500005, 78.39) == "north"


def _other_city() -> tuple[City, Boundaries]:
    city = City(
        id="dalniy",
        ru="Дальний",
        ky="Дальний",
        districts=(District(id="centre", ru="Центр", ky="Борбор"),),
    )
    data = {"type": "FeatureCollection", "features": [_rectangle("centre", 74.5, 42.8, 74.7, 42.9)]}
    return city, Boundaries.from_geojson(data, city)


def test_world_locates_across_cities(ozerny: City, bounds: Boundaries, world: World) -> None:
    other, other_bounds = _other_city()
    cities = [world.cities["karakol"], ozerny, other]
    areas = {"ozerny": bounds, "dalniy": other_bounds}
    both = World.build(cities, boundaries=areas)
    assert both.locate(42.51, 78.39) == ("ozerny", "north")
    assert both.locate(42.85, 74.6) == ("dalniy", "centre")
    assert both.locate(0.0, 0.0) is None
    fixed = World.build(cities, fixed_city="dalniy", boundaries=areas)
    assert fixed.locate(42.85, 74.6) == ("dalniy", "centre")
    assert fixed.locate(42.51, 78.39) is None  # another city's district
    assert World.build(cities).locate(42.51, 78.39) is None  # no boundaries at all
    assert World.build(cities).boundaries == {}


def test_world_refuses_boundaries_of_another_city(ozerny: City, bounds: Boundaries) -> None:
    other, _ = _other_city()
    with pytest.raises(ValueError, match="not a configured city"):
        World.build([other], boundaries={"ozerny": bounds})
    with pytest.raises(ValueError, match="given for 'dalniy' were built for 'ozerny'"):
        World.build([ozerny, other], boundaries={"dalniy": bounds})
    fewer = ozerny.model_copy(update={"districts": ozerny.districts[:2]})
    with pytest.raises(ValueError, match=r"unknown districts \['east', 'west'\]"):
        World.build([fewer], boundaries={"ozerny": bounds})


# --- loading -------------------------------------------------------------------------------


def test_the_geojson_beside_the_toml_is_loaded() -> None:
    for source in (DATA, TOML):
        world = load_world(source)
        assert world.boundaries["ozerny"].districts == ("north", "south", "east", "west")
        assert world.locate(42.51, 78.39) == ("ozerny", "north")
    assert load_world().boundaries == {}  # the bundled cities have no boundaries yet


def _broken(geojson: dict, change) -> str:
    data = copy.deepcopy(geojson)
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        (json.dumps({"type": "Feature"}), "expected a GeoJSON FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "has no features"),
        (
            lambda g: g["features"][1]["properties"].update(district="mtu9"),
            "feature 2: unknown district 'mtu9': ozerny's district ids are north, south, east",
        ),
        (
            lambda g: g["features"][0].update(properties={"name": "МТУ №1"}),
            "feature 1: properties.district is missing",
        ),
        (
            lambda g: g["features"][2].update(
                geometry={"type": "Point", "coordinates": [78.41, 42.5]}
            ),
            "feature 3 (district 'east'): the geometry is Point: a district needs a Polygon",
        ),
        (
            lambda g: g["features"][1]["geometry"].update(
                coordinates=[[[78.38, 42.48], [78.40, 42.50], [78.40, 42.48], [78.38, 42.50]]]
            ),
            "feature 2 (district 'south'): the Polygon is invalid: Self-intersection at lat",
        ),
        (
            lambda g: g["features"][1]["geometry"].update(
                coordinates=[[[78.38, 42.48], [78.40, 42.48], [78.40, 42.51], [78.38, 42.51]]]
            ),
            "districts 'north' and 'south' overlap",
        ),
        (
            lambda g: g["features"][1]["geometry"].update(
                coordinates=[[[42.48, 78.38], [42.48, 78.40], [42.50, 78.40], [42.50, 78.38]]]
            ),
            "district 'south' lies far from the others",
        ),
        (
            lambda g: g["features"][1]["geometry"].update(
                coordinates=[[[178.38, 92.48], [78.40, 42.48], [78.40, 42.50]]]
            ),
            "is out of range: GeoJSON positions are [longitude, latitude]",
        ),
        (
            lambda g: g["features"][1]["geometry"].update(coordinates=[[[78.38, 42.48]]]),
            "a ring needs at least 3 corners",
        ),
    ],
)
def test_a_bad_geojson_is_a_config_error_naming_the_file(
    tmp_path: Path, geojson: dict, content, message: str
) -> None:
    shutil.copy(TOML, tmp_path / "ozerny.toml")
    bad = tmp_path / "ozerny.geojson"
    if callable(content):
        content = _broken(geojson, content)
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_world(tmp_path)
    assert str(bad) in str(exc.value)
    assert message in str(exc.value)


def test_a_bad_street_is_a_config_error_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "ozerny.toml"
    path.write_text(TOML.read_text(encoding="utf-8").replace('"Садовая"', '""'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"field districts\.3\.streets\.0") as exc:
        load_world(tmp_path)
    assert str(path) in str(exc.value)


# --- warnings ------------------------------------------------------------------------------


def test_warnings_for_the_bundled_cities(world: World) -> None:
    warnings = config_warnings(world)
    assert all("\n" not in w for w in warnings)
    for cid in ("karakol", "manas", "kara_balta"):
        mine = [w for w in warnings if w.startswith(f"{cid}: ")]
        assert any("no admins" in w and "telegram_user_ids" in w for w in mine)
        assert any("no working-group chats" in w and f"/bind {cid}" in w for w in mine)
        assert any("summary_time is not set" in w for w in mine)
    numbered = [w for w in warnings if "named only by number" in w]
    assert len(numbered) == 1  # Manas and Kara-Balta have names
    assert numbered[0].startswith("karakol: districts mtu1, mtu2, mtu3, mtu4, mtu5, mtu6")
    assert "streets = [...]" in numbered[0] and "landmarks = [...]" in numbered[0]


def test_no_warnings_for_a_complete_city() -> None:
    # ozerny's МТУ №1 and №2 are numbered but list streets and landmarks
    assert config_warnings(load_world(DATA)) == []


def test_a_district_without_an_area_is_a_warning(tmp_path: Path, geojson: dict) -> None:
    shutil.copy(TOML, tmp_path / "ozerny.toml")
    data = copy.deepcopy(geojson)
    data["features"] = data["features"][:2]
    (tmp_path / "ozerny.geojson").write_text(json.dumps(data), encoding="utf-8")
    assert config_warnings(load_world(tmp_path)) == [
        "ozerny: the boundaries file has no area for east, west: add them, else a location "
        "shared there selects no district"
    ]
