"""Names of the demo population, following Kazakh and Russian naming conventions.

Kazakh families write their names in Kazakh letters (Нұрлан, Әлия). A Kazakh patronymic is
either the father's name with ұлы / қызы (Серікұлы, Серікқызы) or its Russian form (Серикович,
Сериковна), more often among the older generation. Surnames end in -ов / -ев (female -ова /
-ева); some younger people carry their father's name with ұлы / қызы as a surname and no
patronymic, and some carry a surname without an ending. Russian names follow the Russian
rules: patronymics in -ович / -евич / -ич and female surnames in -ова / -ева / -ина / -ская.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

KAZAKH, RUSSIAN, UZBEK, AFGHAN = "kazakh", "russian", "uzbek", "afghan"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_KK_MALE = _words(
    "Нұрлан Ерлан Серік Қанат Ғалым Асқар Бауыржан Мұрат Ержан Дәулет Талғат Әділ Арман "
    "Нұржан Бақытжан Жандос Айдос Ерболат Руслан Марат Самат Ерасыл Нұрсұлтан Әлихан "
    "Ернұр Алмас Жасұлан Мейрам Дархан Темірлан Санжар Әлішер Ақжол Мирас Нұрбек Бекзат "
    "Сұңқар Ілияс Шаһмардан Өмірзақ Үсен Төлеген Болат Қайрат Ғабит Мұхтар Рүстем Тимур "
    "Азамат Жеңіс Қуаныш Сәбит Ерғали Еркебұлан Айбек Бекжан Әбілқайыр Ғани Жұмабек "
    "Төрехан Ұлан Нұрым Әмір Ақылбек Дінмұхамед Ерсұлтан Мағжан Бейбіт Сырым Абылай Елдос"
)
_KK_FEMALE = _words(
    "Әлия Айгүл Гүлнара Жанар Айнұр Динара Сәуле Ақмарал Аружан Айым Гүлмира Жұлдыз "
    "Мөлдір Назерке Ақбота Әсел Баян Дана Дариға Жібек Зарина Зуһра Қарлығаш Күлпаш "
    "Ләззат Мәдина Нұрсұлу Перизат Раушан Сымбат Томирис Ұлжан Ұлпан Үміт Шынар Аяжан "
    "Аида Ақерке Інжу Іңкәр Әйгерім Гүлжан Бибігүл Салтанат Меруерт Құралай Шаһарбану "
    "Ботагөз Гүлназ Әйжан Жансая Сая Маржан Ғалия Айсұлу Балжан Күнсұлу Ұлбике Торғын "
    "Нәзира Қымбат Дәмеш"
)
_KK_SURNAMES = _words(
    "Әбдірахманов Ахметов Байжанов Бекмұхамбетов Ғабдуллин Дүйсенов Есенов Жақсыбеков "
    "Жұмабаев Ибраев Қасымов Қайырбеков Құрманов Мұқанов Нұрмағамбетов Оспанов Өтебаев "
    "Сейітов Сәрсенбаев Төлеубаев Тоқтаров Ұзақов Үсенов Шәріпов Ысқақов Әлімжанов "
    "Бейсенов Мұратов Сүлейменов Қожахметов Кенжебаев Әміров Жанғабылов Тұрсынов Ержанов "
    "Исабаев Сағынтаев Бөкейханов Мамырбаев Нұрғалиев Смағұлов Әубәкіров Байғабылов "
    "Молдабеков Қалиев Рахымжанов Тілеубердиев Ермеков Зейнуллин Шайхысламов "
    "Құдайбергенов Оразов"
)
_KK_BARE_SURNAMES = _words(
    "Сәрсенбай Бекмұхамбет Жақсыбек Нұрмағамбет Тоқтар Ерғали Әбдіраш Қуандық Байжан "
    "Төлеубай Есембай Нұрлыбай Сейітқали Дүйсенбай Мұхамеджан Қожахмет"
)

_RU_MALE: dict[str, tuple[str, str]] = {
    name: (male, female)
    for name, male, female in (
        line.split()
        for line in [
            "Александр Александрович Александровна",
            "Сергей Сергеевич Сергеевна",
            "Андрей Андреевич Андреевна",
            "Алексей Алексеевич Алексеевна",
            "Дмитрий Дмитриевич Дмитриевна",
            "Николай Николаевич Николаевна",
            "Владимир Владимирович Владимировна",
            "Виктор Викторович Викторовна",
            "Евгений Евгеньевич Евгеньевна",
            "Игорь Игоревич Игоревна",
            "Михаил Михайлович Михайловна",
            "Павел Павлович Павловна",
            "Юрий Юрьевич Юрьевна",
            "Олег Олегович Олеговна",
            "Иван Иванович Ивановна",
            "Артём Артёмович Артёмовна",
            "Максим Максимович Максимовна",
            "Роман Романович Романовна",
            "Вячеслав Вячеславович Вячеславовна",
            "Константин Константинович Константиновна",
            "Геннадий Геннадьевич Геннадьевна",
            "Валерий Валерьевич Валерьевна",
            "Анатолий Анатольевич Анатольевна",
            "Пётр Петрович Петровна",
            "Никита Никитич Никитична",
            "Илья Ильич Ильинична",
            "Кирилл Кириллович Кирилловна",
            "Денис Денисович Денисовна",
            "Владислав Владиславович Владиславовна",
            "Станислав Станиславович Станиславовна",
            "Василий Васильевич Васильевна",
            "Григорий Григорьевич Григорьевна",
            "Фёдор Фёдорович Фёдоровна",
            "Егор Егорович Егоровна",
            "Тимофей Тимофеевич Тимофеевна",
        ]
    )
}
_RU_FEMALE = _words(
    "Елена Ольга Татьяна Наталья Ирина Светлана Анна Мария Екатерина Юлия Людмила Галина "
    "Надежда Валентина Оксана Марина Дарья Анастасия Виктория Полина Ксения Алёна Софья "
    "Вера Любовь Лариса Нина Алина Кристина Елизавета"
)
_RU_SURNAMES = _words(
    "Иванов Петров Смирнов Кузнецов Попов Соколов Лебедев Козлов Новиков Морозов Волков "
    "Соловьёв Васильев Зайцев Павлов Семёнов Голубев Виноградов Богданов Воробьёв Фёдоров "
    "Михайлов Беляев Тарасов Белов Комаров Орлов Киселёв Макаров Андреев Ковалёв Ильин "
    "Гусев Титов Кузьмин Кудрявцев Баранов Куликов Алексеев Степанов Яковлев Сорокин "
    "Сергеев Романов Захаров Борисов Королёв Герасимов Пономарёв Григорьев Лазарев "
    "Медведев Ершов Никитин Соболев Рябов Поляков Цветков Данилов Жуков Фролов Журавлёв "
    "Николаев Крылов Максимов Сидоров Осипов Белоусов Федотов Егоров Матвеев Бобров "
    "Дмитриев Калинин Антонов Тимофеев Филиппов Марков Миронов Александров Коновалов "
    "Казаков Денисов Громов Фомин Давыдов Мельников Щербаков Колесников Вишневский "
    "Покровский Высоцкий Толстой Шевченко Бондаренко Коваленко Ткаченко Кравченко "
    "Ковальчук Шмидт Миллер Вагнер Шульц Хабибуллин Сафин Галиев Гайнуллин"
)

_UZ_MALE = _words("Жасур Бахтиёр Шерзод Улугбек Азиз Фаррух Отабек Рустам Илхом Нодир")
_UZ_FEMALE = ("Дилноза", "Гулнора", "Нилуфар", "Мадина", "Шахноза", "Феруза", "Зулфия", "Малика")
_UZ_SURNAMES = _words("Рахимов Каримов Юсупов Алиев Турсунов Назаров Холматов Эргашев")
_AF_MALE = ("Ахмад", "Мохаммад", "Фарид", "Хамид", "Навид", "Джавид")
_AF_FEMALE = ("Захра", "Марьям", "Фатима", "Шабнам", "Парвин")
_AF_SURNAMES = ("Ахмади", "Хайдари", "Рахими", "Карими", "Нури", "Сафи")

_RUSSIFY = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")

MALE_NAMES = {
    KAZAKH: _KK_MALE,
    RUSSIAN: tuple(_RU_MALE),
    UZBEK: _UZ_MALE,
    AFGHAN: _AF_MALE,
}
FEMALE_NAMES = {KAZAKH: _KK_FEMALE, RUSSIAN: _RU_FEMALE, UZBEK: _UZ_FEMALE, AFGHAN: _AF_FEMALE}
SURNAMES = {KAZAKH: _KK_SURNAMES, RUSSIAN: _RU_SURNAMES, UZBEK: _UZ_SURNAMES, AFGHAN: _AF_SURNAMES}


@dataclass(frozen=True)
class Lineage:
    """How one family names its members: by ethnicity, surname (male form) and style.

    Styles: "ov" (Ахметов / Ахметова), "bare" (Сәрсенбай for both sexes), "uly" (children
    take the father's name with ұлы / қызы as surname and have no patronymic).
    """

    ethnicity: str
    surname: str
    style: str = "ov"


def russified(name: str) -> str:
    """A Kazakh name in Russian spelling (Нұрлан → Нурлан), as Russian-style documents have it."""
    return name.translate(_RUSSIFY)


def female_surname(male: str) -> str:
    """The female form of a surname: -ова, -ева, -ина, -ская; others do not change."""
    if male.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return male + "а"
    if male.endswith(("ский", "цкий")):
        return male[:-2] + "ая"
    if male.endswith("ой"):
        return male[:-2] + "ая"
    return male


def patronymic(ethnicity: str, father: str, sex: str, *, kazakh_form: bool) -> str:
    """The patronymic from the father's given name, in the family's convention."""
    if ethnicity == AFGHAN:
        return ""
    if ethnicity == KAZAKH and kazakh_form:
        return father + ("ұлы" if sex == "male" else "қызы")
    if father in _RU_MALE:
        return _RU_MALE[father][0 if sex == "male" else 1]
    base = russified(father)
    if base.endswith("й"):
        return base[:-1] + ("евич" if sex == "male" else "евна")
    return base + ("ович" if sex == "male" else "овна")


def surname(lineage: Lineage, sex: str, father: str, *, uly_allowed: bool) -> str:
    """A member's surname: the lineage's, or the father's name with ұлы / қызы."""
    if lineage.style == "uly" and uly_allowed:
        return father + ("ұлы" if sex == "male" else "қызы")
    if lineage.style == "bare" or sex == "male":
        return lineage.surname
    return female_surname(lineage.surname)


def given_name(rng: random.Random, ethnicity: str, sex: str) -> str:
    """A given name of the ethnicity and sex."""
    pool = MALE_NAMES[ethnicity] if sex == "male" else FEMALE_NAMES[ethnicity]
    return rng.choice(pool)


def new_lineage(rng: random.Random, ethnicity: str) -> Lineage:
    """A family's naming: Kazakh families use the three styles, others "ov"."""
    if ethnicity != KAZAKH:
        return Lineage(ethnicity, rng.choice(SURNAMES[ethnicity]))
    draw = rng.random()
    if draw < 0.12:
        return Lineage(ethnicity, rng.choice(_KK_BARE_SURNAMES), "bare")
    style = "uly" if draw < 0.32 else "ov"
    return Lineage(ethnicity, rng.choice(_KK_SURNAMES), style)


def doctor_name(rng: random.Random, kazakh_share: float) -> str:
    """A doctor's full name: surname, given name, patronymic."""
    ethnicity = KAZAKH if rng.random() < kazakh_share else RUSSIAN
    sex = "female" if rng.random() < 0.7 else "male"
    lineage = new_lineage(rng, ethnicity)
    father = given_name(rng, ethnicity, "male")
    parts = (
        surname(lineage, sex, father, uly_allowed=False),
        given_name(rng, ethnicity, sex),
        patronymic(ethnicity, father, sex, kazakh_form=rng.random() < 0.4),
    )
    return " ".join(p for p in parts if p)
