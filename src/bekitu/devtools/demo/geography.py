"""The East Kazakhstan oblast of the demo data: its units, settlements and PHC providers.

Codes are KATO-like (9 digits: oblast 63, unit, rural district, settlement), not the official
classifier. Shares are rough population weights (the oblast had about 730,000 residents in
2024); the generator scales them to the number of persons asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

REGION_KK = "Шығыс Қазақстан облысы"
REGION_RU = "Восточно-Казахстанская область"
REGION_POPULATION = 730_000


@dataclass(frozen=True)
class Settlement:
    kato: str
    kind: str  # Locality.Kind: city, town, village
    name_kk: str
    name_ru: str
    name_en: str
    share: float  # of its unit's population
    streets: int
    kazakh_share: float  # of households with Kazakh names
    flats: int = 0  # apartments per block on block streets; 0: private houses only
    block_streets: float = 0.0  # share of streets built up with apartment blocks


@dataclass(frozen=True)
class ProviderSpec:
    name_kk: str
    name_ru: str
    name_en: str
    weight: float = 1.0  # share of the unit's streets it serves, relative to its neighbours
    hours: tuple[dt.time, dt.time] = (dt.time(8, 0), dt.time(20, 0))
    urban: bool = True  # therapists and GPs; rural providers have GP districts only


@dataclass(frozen=True)
class Unit:
    """An administrative-territorial unit: a city of oblast significance or a district."""

    code: str
    name_kk: str
    name_ru: str
    share: float  # of the oblast's population
    phone_code: str
    settlements: tuple[Settlement, ...]
    providers: tuple[ProviderSpec, ...]


_RURAL_HOURS = (dt.time(8, 0), dt.time(18, 0))


def _city_clinic(number: int) -> ProviderSpec:
    return ProviderSpec(
        f"«Өскемен қаласының №{number} қалалық емханасы» ШЖҚ КМК",
        f"КГП на ПХВ «Городская поликлиника №{number} города Усть-Каменогорска»",
        f"City Polyclinic No. {number} of Oskemen",
    )


def _district_hospital(kk: str, ru: str, en: str) -> ProviderSpec:
    return ProviderSpec(
        f"«{kk} аудандық ауруханасы» ШЖҚ КМК",
        f"КГП на ПХВ «{ru} районная больница»",
        f"{en} District Hospital",
        hours=_RURAL_HOURS,
        urban=False,
    )


def _village(kato: str, kk: str, ru: str, en: str, share: float, kazakh: float) -> Settlement:
    return Settlement(kato, "village", kk, ru, en, share, 8, kazakh)


UNITS: tuple[Unit, ...] = (
    Unit(
        "631000000",
        "Өскемен қалалық әкімдігі",
        "Усть-Каменогорская городская администрация",
        0.51,
        "7232",
        (
            Settlement(
                "631010000",
                "city",
                "Өскемен",
                "Усть-Каменогорск",
                "Oskemen (Ust-Kamenogorsk)",
                0.97,
                96,
                0.55,
                60,
                0.6,
            ),
            _village("631040100", "Меновное", "Меновное", "Menovnoye", 0.03, 0.4),
        ),
        (
            _city_clinic(1),
            _city_clinic(2),
            _city_clinic(3),
            ProviderSpec(
                '«"Шипагер" отбасылық денсаулық орталығы» ЖШС',
                'ТОО «Центр семейного здоровья "Шипагер"»',
                "Shipager Family Health Centre LLP",
                weight=0.5,
                hours=(dt.time(9, 0), dt.time(19, 0)),
            ),
            _city_clinic(4),
        ),
    ),
    Unit(
        "632000000",
        "Риддер қалалық әкімдігі",
        "Риддерская городская администрация",
        0.07,
        "72336",
        (
            Settlement("632010000", "city", "Риддер", "Риддер", "Ridder", 0.94, 40, 0.2, 45, 0.5),
            _village("632030100", "Бутаково", "Бутаково", "Butakovo", 0.06, 0.1),
        ),
        (
            ProviderSpec(
                "«Риддер қалалық емханасы» ШЖҚ КМК",
                "КГП на ПХВ «Поликлиника города Риддер»",
                "Ridder City Polyclinic",
            ),
        ),
    ),
    Unit(
        "633400000",
        "Алтай ауданы",
        "район Алтай",
        0.08,
        "72335",
        (
            Settlement(
                "633420000",
                "city",
                "Алтай",
                "Алтай",
                "Altai (formerly Zyryanovsk)",
                0.7,
                36,
                0.25,
                40,
                0.45,
            ),
            Settlement(
                "633430000",
                "town",
                "Серебрянск",
                "Серебрянск",
                "Serebryansk",
                0.2,
                14,
                0.2,
                18,
                0.3,
            ),
            _village("633450100", "Парыгино", "Парыгино", "Parygino", 0.1, 0.15),
        ),
        (_district_hospital("Алтай", "Алтайская", "Altai"),),
    ),
    Unit(
        "633600000",
        "Глубокое ауданы",
        "Глубоковский район",
        0.075,
        "72331",
        (
            Settlement(
                "633620000",
                "town",
                "Глубокое",
                "Глубокое",
                "Glubokoye",
                0.45,
                24,
                0.2,
                18,
                0.3,
            ),
            _village("633640100", "Белоусовка", "Белоусовка", "Belousovka", 0.35, 0.15),
            _village("633650100", "Прапорщиково", "Прапорщиково", "Praporshchikovo", 0.2, 0.2),
        ),
        (_district_hospital("Глубокое", "Глубоковская", "Glubokoye"),),
    ),
    Unit(
        "634000000",
        "Зайсан ауданы",
        "Зайсанский район",
        0.05,
        "72340",
        (
            Settlement("634020000", "town", "Зайсан", "Зайсан", "Zaisan", 0.7, 26, 0.85, 16, 0.2),
            _village("634040100", "Шілікті", "Шиликти", "Shilikti", 0.18, 0.95),
            _village("634050100", "Қаратал", "Каратал", "Karatal", 0.12, 0.95),
        ),
        (_district_hospital("Зайсан", "Зайсанская", "Zaisan"),),
    ),
    Unit(
        "634400000",
        "Катонқарағай ауданы",
        "Катон-Карагайский район",
        0.023,
        "72341",
        (
            _village("634420100", "Үлкен Нарын", "Улкен Нарын", "Ulken Naryn", 0.6, 0.75),
            _village("634440100", "Катонқарағай", "Катон-Карагай", "Katonkaragai", 0.4, 0.8),
        ),
        (_district_hospital("Катонқарағай", "Катон-Карагайская", "Katonkaragai"),),
    ),
    Unit(
        "634800000",
        "Күршім ауданы",
        "Курчумский район",
        0.03,
        "72339",
        (
            _village("634820100", "Күршім", "Курчум", "Kurshim", 0.65, 0.9),
            _village("634840100", "Қалжыр", "Калжир", "Kalzhyr", 0.35, 0.95),
        ),
        (_district_hospital("Күршім", "Курчумская", "Kurshim"),),
    ),
    Unit(
        "635200000",
        "Самар ауданы",
        "Самарский район",
        0.017,
        "72348",
        (
            _village("635220100", "Самар", "Самарское", "Samar", 0.7, 0.6),
            _village("635240100", "Сарыбел", "Сарыбель", "Sarybel", 0.3, 0.9),
        ),
        (_district_hospital("Самар", "Самарская", "Samar"),),
    ),
    Unit(
        "635600000",
        "Тарбағатай ауданы",
        "Тарбагатайский район",
        0.045,
        "72346",
        (
            _village("635620100", "Ақжар", "Акжар", "Akzhar", 0.6, 0.95),
            _village("635640100", "Көктерек", "Коктерек", "Kokterek", 0.4, 0.95),
        ),
        (_district_hospital("Тарбағатай", "Тарбагатайская", "Tarbagatai"),),
    ),
    Unit(
        "636000000",
        "Ұлан ауданы",
        "Уланский район",
        0.05,
        "72338",
        (
            Settlement(
                "636020000",
                "town",
                "Қасым Қайсенов",
                "Касыма Кайсенова",
                "Kasym Kaisenov",
                0.5,
                18,
                0.5,
                24,
                0.3,
            ),
            _village("636040100", "Асубұлақ", "Асубулак", "Asubulak", 0.25, 0.6),
            _village("636050100", "Таврия", "Таврия", "Tavriya", 0.25, 0.3),
        ),
        (_district_hospital("Ұлан", "Уланская", "Ulan"),),
    ),
    Unit(
        "636400000",
        "Шемонаиха ауданы",
        "Шемонаихинский район",
        0.055,
        "72332",
        (
            Settlement(
                "636420000",
                "town",
                "Шемонаиха",
                "Шемонаиха",
                "Shemonaikha",
                0.6,
                28,
                0.12,
                24,
                0.3,
            ),
            _village("636440100", "Усть-Таловка", "Усть-Таловка", "Ust-Talovka", 0.25, 0.1),
            _village("636450100", "Верх-Уба", "Верх-Уба", "Verkh-Uba", 0.15, 0.1),
        ),
        (_district_hospital("Шемонаиха", "Шемонаихинская", "Shemonaikha"),),
    ),
)
