"""The attachment rules as effective-dated editions (DESIGN.md, "Rules"). No Django here.

The rules on how often a person may change provider, when, and with what effect changed over
the years; each edition holds them as data, with the act that enacted them, and the edition in
force on the application's date applies (a setting may pin one). The editions below are the
ones the service ships with; the running service reads its editions from the database
(`service.facts`, seeded from these, editable in the admin), so an administrator adds one
without a release. docs/policy.md describes the editions and their sources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Effect(StrEnum):
    IMMEDIATE = "immediate"  # the new attachment starts on the day of the decision
    NEXT_JANUARY = "next_january"  # a voluntary change starts on 1 January of the next year


@dataclass(frozen=True)
class Window:
    """A yearly window from (month, day) to (month, day), both days included."""

    opens: tuple[int, int]
    closes: tuple[int, int]

    def contains(self, day: dt.date) -> bool:
        """True when the day falls inside the window of its year."""
        return self.opens <= (day.month, day.day) <= self.closes


@dataclass(frozen=True)
class LegalAct:
    """The act that enacted an edition's rules, as it is cited: its full citation in each
    language (title, issuing authority, date and number as the act names itself), and its
    number and date apart. `paragraphs` gives, per refusal reason, the paragraph of the act
    that grounds it, only where the act's text is at hand (never invented)."""

    citation_kk: str
    citation_ru: str
    citation_en: str
    number: str
    date: dt.date
    source: str = ""
    paragraphs: dict[str, str] = field(default_factory=dict)

    def citation(self, lang: str) -> str:
        return {"kk": self.citation_kk, "ru": self.citation_ru}.get(lang, self.citation_en)


@dataclass(frozen=True)
class Policy:
    edition: str
    in_force_from: dt.date
    # Voluntary changes (reason "choice") allowed in any 12 months (365 days).
    max_voluntary_changes: int
    # Where the policy has an attachment campaign, voluntary changes only inside it.
    campaign: Window | None
    voluntary_effect: Effect
    # Statuses that give the right to attachment without conditions.
    eligible_statuses: frozenset[str]
    # Statuses that give the right only with compulsory social health insurance.
    insured_statuses: frozenset[str]
    act: LegalAct | None = None

    def effective_date(self, *, decided_on: dt.date, voluntary_change: bool) -> dt.date:
        """The day the new attachment takes effect."""
        if voluntary_change and self.voluntary_effect is Effect.NEXT_JANUARY:
            return dt.date(decided_on.year + 1, 1, 1)
        return decided_on


_RESIDENTS = frozenset({"citizen", "kandas", "refugee", "residence_permit"})

ORDER_281 = LegalAct(
    citation_kk=(
        "Қазақстан Республикасы Денсаулық сақтау және әлеуметтік даму министрінің 2015 жылғы "
        "28 сәуірдегі № 281 бұйрығымен бекітілген Медициналық-санитариялық алғашқы көмек "
        "ұйымдарына бекіту қағидалары"
    ),
    citation_ru=(
        "Правила прикрепления к организациям первичной медико-санитарной помощи, "
        "утверждённые приказом Министра здравоохранения и социального развития Республики "
        "Казахстан от 28 апреля 2015 года № 281"
    ),
    citation_en=(
        "Rules of attachment to primary health care organizations, approved by "
        "Order No. 281 of the Minister of Healthcare and Social Development of the Republic of "
        "Kazakhstan of 28 April 2015"
    ),
    number="281",
    date=dt.date(2015, 4, 28),
)

ORDER_194 = LegalAct(
    citation_kk=(
        "Қазақстан Республикасы Денсаулық сақтау министрінің 2020 жылғы 13 қарашадағы "
        "№ ҚР ДСМ-194/2020 бұйрығымен бекітілген Медициналық-санитариялық алғашқы көмек "
        "көрсететін денсаулық сақтау ұйымдарына жеке тұлғаларды бекіту қағидалары"
    ),
    citation_ru=(
        "Правила прикрепления физических лиц к организациям здравоохранения, оказывающим "
        "первичную медико-санитарную помощь, утверждённые приказом Министра здравоохранения "
        "Республики Казахстан от 13 ноября 2020 года № ҚР ДСМ-194/2020"
    ),
    citation_en=(
        "Rules of attachment of natural persons to healthcare organizations providing primary "
        "health care, approved by Order No. ҚР ДСМ-194/2020 of the Minister of Healthcare of "
        "the Republic of Kazakhstan of 13 November 2020"
    ),
    number="ҚР ДСМ-194/2020",
    date=dt.date(2020, 11, 13),
    source="https://adilet.zan.kz/rus/docs/V2000021642",
)

ORDER_194_AMENDED = LegalAct(
    citation_kk=ORDER_194.citation_kk + " (өзгерістерімен)",
    citation_ru=ORDER_194.citation_ru + " (с изменениями)",
    citation_en=ORDER_194.citation_en + " (as amended)",
    number=ORDER_194.number,
    date=ORDER_194.date,
    source=ORDER_194.source,
)

EDITION_2015 = Policy(
    edition="2015",
    in_force_from=dt.date(2015, 11, 24),
    max_voluntary_changes=1,
    campaign=None,
    voluntary_effect=Effect.IMMEDIATE,
    eligible_statuses=_RESIDENTS,
    # Before compulsory social health insurance (2020) temporary residents had no right.
    insured_statuses=frozenset(),
    act=ORDER_281,
)

# Order ҚР ДСМ-194/2020 (registered with the Ministry of Justice on 16 November 2020, No. 21642)
# takes effect ten calendar days after its first official publication (its paragraph 5): first
# published on 17 November 2020, so in force from 28 November 2020.
# docs/decisions/0007-policy-editions-by-their-acts.md.
EDITION_2020 = Policy(
    edition="2020",
    in_force_from=dt.date(2020, 11, 28),
    max_voluntary_changes=2,
    campaign=Window(opens=(9, 15), closes=(11, 15)),
    voluntary_effect=Effect.NEXT_JANUARY,
    eligible_statuses=_RESIDENTS,
    insured_statuses=frozenset({"temporary"}),
    act=ORDER_194,
)

# The 2025 campaign: 1 September to 1 November, the new attachment from 1 January.
EDITION_2025 = Policy(
    edition="2025",
    in_force_from=dt.date(2025, 9, 1),
    max_voluntary_changes=2,
    campaign=Window(opens=(9, 1), closes=(11, 1)),
    voluntary_effect=Effect.NEXT_JANUARY,
    eligible_statuses=_RESIDENTS,
    insured_statuses=frozenset({"temporary"}),
    act=ORDER_194_AMENDED,
)

EDITIONS: tuple[Policy, ...] = (EDITION_2015, EDITION_2020, EDITION_2025)


class UnknownEdition(ValueError):
    """The configured policy edition does not exist."""


def policy_get(edition: str, editions: tuple[Policy, ...] = EDITIONS) -> Policy:
    """The edition by its name."""
    for policy in editions:
        if policy.edition == edition:
            return policy
    raise UnknownEdition(edition)


def policy_for(on: dt.date, override: str = "", editions: tuple[Policy, ...] = EDITIONS) -> Policy:
    """The edition in force on a day (the earliest one before any), unless one is pinned."""
    if override:
        return policy_get(override, editions)
    if not editions:
        raise UnknownEdition("no edition at all")
    in_force = [p for p in editions if p.in_force_from <= on]
    if not in_force:
        return min(editions, key=lambda p: p.in_force_from)
    return max(in_force, key=lambda p: p.in_force_from)
