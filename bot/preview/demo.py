"""The preview's invented world: Karakol's streets, boundaries, admins, answers and hearings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import load_world
from flows.announce import make_content
from flows.catalogue import Admins
from flows.places import Boundaries
from flows.ranking import Tally
from flows.world import World

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # fixed, so the page is the same every run
CITY = "karakol"
ADMIN_ID, ADMIN_TWO_ID, MEMBER_ID = 777, 778, 888
RESIDENT = "tg:100"
BOT_USERNAME = "karakol_city_bot"
WHATSAPP_NUMBER = "996555123456"

# What residents and admins type in each language (each line is data, not locale text).
TYPED: dict[str, dict[str, str]] = {
    "ru": {
        "street": "ул. Ленина 5",
        "confident": "мусор не вывозят",
        "one": "шумно ночью",
        "many": "во дворе грязно",
        "two": "нет освещения на улицах и собаки бегают",
        "two_more": "нет детских площадок и мало деревьев",
        "none": "мэр не отвечает на письма",
        "html": "<b>жирный</b> и <i>курсив</i> & «кавычки»",
        "greeting": "привет",
        "negated": "не подтверждаю",
        "not_served": "Бишкек",
        "gibberish": "??",
        "replace": "нет остановок для маршруток",
        "sixth": "нет тротуаров",
        "switch": "кыргызча",
        "title": "Бюджет города на 2027 год",
        "place": "Мэрия, зал заседаний",
        "agenda": "Проект бюджета",
        "cancel": "отмена",
    },
    "ky": {
        "street": "Ленина көчөсү 5",
        "confident": "таштанды көп, эч ким чыгарбайт",
        "one": "түнкүсүн коркунучтуу",
        "many": "короодо таза эмес",
        "two": "иттер көп, таштанды көп",
        "two_more": "балдар аянтчасы жок, дарактар аз",
        "none": "депутаттар эч нерсе кылбайт",
        "html": "<b>калың</b> жана <i>жантык</i> & «тырмакча»",
        "greeting": "салам",
        "negated": "туура эмес",
        "not_served": "Бишкек",
        "gibberish": "??",
        "replace": "маршруткалар үчүн аялдама жок",
        "sixth": "тротуар жок",
        "switch": "русский",
        "title": "Шаардын 2027-жылга бюджети",
        "place": "Мэрия, жыйындар залы",
        "agenda": "Бюджеттин долбоору",
        "cancel": "жокко чыгаруу",
    },
}


def _square(lon: float, lat: float, size: float = 0.02) -> list[list[list[float]]]:
    return [
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    ]


def demo_world() -> World:
    """The bundled cities; Karakol with invented streets, boundaries, populations and admins
    (enough to reach every screen)."""
    world = load_world()
    base = world.cities[CITY]
    invented = {
        "mtu1": ("Ленина", "Токтогула"),
        "mtu2": ("Ленина", "Абдрахманова"),
    }
    districts = tuple(
        d.model_copy(
            update={
                "streets": invented.get(d.id, d.streets),
                "population": 9_000 + 1_500 * n,
            }
        )
        for n, d in enumerate(base.districts)
    )
    karakol = base.model_copy(
        update={
            "districts": districts,
            "admins": Admins(telegram_user_ids=(ADMIN_ID, ADMIN_TWO_ID)),
        }
    )
    others = [
        c.model_copy(update={"admins": Admins(telegram_user_ids=(ADMIN_TWO_ID,))})
        if c.id == "manas"
        else c
        for c in world.cities.values()
        if c.id != CITY
    ]
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"district": did},
                "geometry": {"type": "Polygon", "coordinates": _square(78.38, lat)},
            }
            for did, lat in (("mtu1", 42.50), ("mtu2", 42.48))
        ],
    }
    bounds = Boundaries.from_geojson(geojson, karakol)
    return World.build([karakol, *others], boundaries={CITY: bounds})


def demo_tallies() -> dict[str, Tally]:
    """Karakol's counters per district ("" = district not given)."""
    return {
        "mtu1": Tally(
            7,
            {"roads": 5, "waste": 4, "drinking_water": 3, "stray_dogs": 2, "other": 1},
            {"roads": 22, "waste": 15, "drinking_water": 11, "stray_dogs": 5, "other": 2},
        ),
        "mtu2": Tally(
            6,
            {"roads": 2, "street_lighting": 3, "kindergartens": 1},
            {"roads": 8, "street_lighting": 13, "kindergartens": 4},
        ),
        "": Tally(
            5, {"waste": 2, "heating": 1, "other": 1}, {"waste": 9, "heating": 3, "other": 1}
        ),
    }


def announced(world: World) -> list[dict[str, object]]:
    """Two hearings ahead, as announced; the first is the one the admin types in the
    announcement scenario."""
    city = world.cities[CITY]

    def typed(key: str) -> dict[str, str]:
        return {lang: TYPED[lang][key] for lang in ("ru", "ky")}

    return [
        make_content(
            city, NOW + timedelta(days=11, hours=3), typed("title"), typed("place"), typed("agenda")
        ),
        make_content(
            city,
            NOW + timedelta(days=25, hours=-2),
            {"ru": "Программа развития города", "ky": "Шаарды өнүктүрүү программасы"},
            {"ru": "Дом культуры", "ky": "Маданият үйү"},
            {"ru": "Приоритеты жителей", "ky": "Тургундардын артыкчылыктары"},
        ),
    ]
