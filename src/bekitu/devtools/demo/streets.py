"""Street names of the demo oblast in Kazakh, Russian and English.

Streets named after people keep the Kazakh spelling in Kazakh (Әуезов, Сәтбаев) and the
Russian one in Russian (Ауэзова, Сатпаева); streets named after things are translated.
"""

from __future__ import annotations

import random

# (Kazakh, Russian, English). Avenues and embankments come first: only cities have them.
_AVENUES: tuple[tuple[str, str, str], ...] = (
    ("Абай даңғылы", "проспект Абая", "Abai Avenue"),
    ("Тәуелсіздік даңғылы", "проспект Независимости", "Tauelsizdik Avenue"),
    ("Қаныш Сәтбаев даңғылы", "проспект Каныша Сатпаева", "Kanysh Satbayev Avenue"),
    ("Ертіс жағалауы", "Иртышская набережная", "Irtysh Embankment"),
    ("Үлбі жағалауы", "Ульбинская набережная", "Ulba Embankment"),
)

_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("Қазыбек би", "Казыбек би", "Kazybek Bi"),
    ("Қабанбай батыр", "Кабанбай батыра", "Kabanbai Batyr"),
    ("Мұхтар Әуезов", "Мухтара Ауэзова", "Mukhtar Auezov"),
    ("Жамбыл", "Жамбыла", "Zhambyl"),
    ("Шоқан Уәлиханов", "Шокана Уалиханова", "Shokan Ualikhanov"),
    ("Ыбырай Алтынсарин", "Ибрая Алтынсарина", "Ybyrai Altynsarin"),
    ("Мағжан Жұмабаев", "Магжана Жумабаева", "Magzhan Zhumabayev"),
    ("Ахмет Байтұрсынұлы", "Ахмета Байтурсынулы", "Akhmet Baitursynuly"),
    ("Әлихан Бөкейхан", "Алихана Букейхана", "Alikhan Bokeikhan"),
    ("Қасым Қайсенов", "Касыма Кайсенова", "Kasym Kaisenov"),
    ("Бауыржан Момышұлы", "Бауыржана Момышулы", "Baurzhan Momyshuly"),
    ("Шәкәрім", "Шакарима", "Shakarim"),
    ("Құрманғазы", "Курмангазы", "Kurmangazy"),
    ("Махамбет", "Махамбета", "Makhambet"),
    ("Әл-Фараби", "аль-Фараби", "Al-Farabi"),
    ("Төле би", "Толе би", "Tole Bi"),
    ("Әйтеке би", "Айтеке би", "Aiteke Bi"),
    ("Кенесары", "Кенесары", "Kenesary"),
    ("Абылай хан", "Абылай хана", "Abylai Khan"),
    ("Сәкен Сейфуллин", "Сакена Сейфуллина", "Saken Seifullin"),
    ("Ілияс Есенберлин", "Ильяса Есенберлина", "Ilyas Yesenberlin"),
    ("Ғабит Мүсірепов", "Габита Мусрепова", "Gabit Musrepov"),
    ("Мұқағали Мақатаев", "Мукагали Макатаева", "Mukagali Makatayev"),
    ("Ғани Мұратбаев", "Гани Муратбаева", "Gani Muratbayev"),
    ("Әлия Молдағұлова", "Алии Молдагуловой", "Aliya Moldagulova"),
    ("Мәншүк Мәметова", "Маншук Маметовой", "Manshuk Mametova"),
    ("Ахмет Жұбанов", "Ахмета Жубанова", "Akhmet Zhubanov"),
    ("Сұлтанмахмұт Торайғыров", "Султанмахмута Торайгырова", "Sultanmakhmut Toraigyrov"),
    ("Шәмші Қалдаяқов", "Шамши Калдаякова", "Shamshi Kaldayakov"),
    ("Дінмұхамед Қонаев", "Динмухамеда Кунаева", "Dinmukhamed Konayev"),
    ("Біржан сал", "Биржан сала", "Birzhan Sal"),
    ("Ақан сері", "Акан серы", "Akan Seri"),
    ("Жұмабек Тәшенов", "Жумабека Ташенова", "Zhumabek Tashenov"),
    ("Нұрмақов", "Нурмакова", "Nurmakov"),
    ("Пушкин", "Пушкина", "Pushkin"),
    ("Гоголь", "Гоголя", "Gogol"),
    ("Лермонтов", "Лермонтова", "Lermontov"),
    ("Чехов", "Чехова", "Chekhov"),
    ("Толстой", "Толстого", "Tolstoy"),
    ("Горький", "Горького", "Gorky"),
    ("Гагарин", "Гагарина", "Gagarin"),
    ("Виноградов", "Виноградова", "Vinogradov"),
    ("Протозанов", "Протозанова", "Protozanov"),
    ("Ломоносов", "Ломоносова", "Lomonosov"),
    ("Менделеев", "Менделеева", "Mendeleyev"),
    ("Ушанов", "Ушанова", "Ushanov"),
    ("Бажов", "Бажова", "Bazhov"),
    ("Островский", "Островского", "Ostrovsky"),
    ("Чайковский", "Чайковского", "Tchaikovsky"),
    ("Мичурин", "Мичурина", "Michurin"),
    ("Тургенев", "Тургенева", "Turgenev"),
    ("Некрасов", "Некрасова", "Nekrasov"),
    ("Крылов", "Крылова", "Krylov"),
    ("Есенин", "Есенина", "Yesenin"),
    ("Шевченко", "Шевченко", "Shevchenko"),
    ("Достоевский", "Достоевского", "Dostoevsky"),
    ("Кутузов", "Кутузова", "Kutuzov"),
    ("Суворов", "Суворова", "Suvorov"),
    ("Жуков", "Жукова", "Zhukov"),
)

# Streets named after things: the Kazakh word and the Russian adjective or noun.
_THINGS: tuple[tuple[str, str, str], ...] = (
    ("Бейбітшілік", "улица Мира", "Beibitshilik"),
    ("Достық", "улица Дружбы", "Dostyk"),
    ("Бірлік", "улица Единства", "Birlik"),
    ("Жастар", "улица Молодёжная", "Zhastar"),
    ("Наурыз", "улица Наурыз", "Nauryz"),
    ("Көктем", "улица Весенняя", "Koktem"),
    ("Жеңіс", "улица Победы", "Zhenis"),
    ("Еңбек", "улица Трудовая", "Enbek"),
    ("Қаһарман", "улица Героев", "Kaharman"),
    ("Шығыс", "улица Восточная", "Shygys"),
    ("Орталық", "улица Центральная", "Ortalyk"),
    ("Мектеп", "улица Школьная", "Mektep"),
    ("Бақша", "улица Садовая", "Baksha"),
    ("Өзен", "улица Речная", "Ozen"),
    ("Тау", "улица Горная", "Tau"),
    ("Жаңа", "улица Новая", "Zhana"),
    ("Орман", "улица Лесная", "Orman"),
    ("Зауыт", "улица Заводская", "Zauyt"),
    ("Құрылысшылар", "улица Строителей", "Kurylysshylar"),
    ("Геологтар", "улица Геологов", "Geologtar"),
    ("Кеншілер", "улица Шахтёров", "Kenshiler"),
    ("Металлургтер", "улица Металлургов", "Metallurgter"),
    ("Энергетиктер", "улица Энергетиков", "Energetikter"),
    ("Студенттер", "улица Студенческая", "Studentter"),
    ("Космонавтар", "улица Космонавтов", "Kosmonavtar"),
    ("Жұмысшылар", "улица Рабочая", "Zhumysshylar"),
    ("Дала", "улица Полевая", "Dala"),
    ("Көл", "улица Озёрная", "Kol"),
    ("Күн", "улица Солнечная", "Kun"),
    ("Шалғын", "улица Луговая", "Shalgyn"),
    ("Қайың", "улица Берёзовая", "Kaiyn"),
    ("Самырсын", "улица Кедровая", "Samyrsyn"),
    ("Терек", "улица Тополиная", "Terek"),
    ("Вокзал", "улица Вокзальная", "Vokzal"),
    ("Шекара", "улица Пограничная", "Shekara"),
    ("Алтай", "улица Алтайская", "Altai"),
    ("Ертіс", "улица Иртышская", "Ertis"),
    ("Үлбі", "улица Ульбинская", "Ulbi"),
    ("Бұқтырма", "улица Бухтарминская", "Buktyrma"),
    ("Нарын", "улица Нарымская", "Naryn"),
    ("Мұзтау", "улица Белуха", "Muztau"),
    ("Ақбұлақ", "улица Акбулак", "Akbulak"),
    ("Сарыарқа", "улица Сарыарка", "Saryarka"),
    ("Тұран", "улица Туран", "Turan"),
    ("Әсем", "улица Асем", "Asem"),
    ("Гүлдер", "улица Цветочная", "Gulder"),
    ("Жайлау", "улица Жайлау", "Zhailau"),
    ("Ынтымақ", "улица Ынтымак", "Yntymak"),
    ("Іргетас", "улица Иргетас", "Irgetas"),
)


def _person_street(kk: str, ru: str, en: str) -> tuple[str, str, str]:
    return f"{kk} көшесі", f"улица {ru}", f"{en} Street"


def _thing_street(kk: str, ru: str, en: str) -> tuple[str, str, str]:
    return f"{kk} көшесі", ru, f"{en} Street"


ORDINARY: tuple[tuple[str, str, str], ...] = tuple(
    [_person_street(*p) for p in _PEOPLE] + [_thing_street(*t) for t in _THINGS]
)


def street_names(count: int, *, urban: bool, rng: random.Random) -> list[tuple[str, str, str]]:
    """`count` distinct (kk, ru, en) street names; cities and towns also get avenues."""
    pool = list(ORDINARY)
    rng.shuffle(pool)
    chosen = (list(_AVENUES) if urban else []) + pool
    return chosen[: min(count, len(chosen))]
