"""Build the facts of an application's case (plain dataclasses of `rules.py`) from the
register and the population register, so the checks themselves stay pure.

The policy edition in force comes from the database the same way: `PolicyEdition` rows are the
editions an administrator keeps (docs/policy.md); each becomes the pure `Policy` the checks
take. The built-in editions of `service.policy` are the seed (a migration) and the fallback
when the table is empty.

Where the person lives (decision 0012): temporary residence, and the actual residence of a
pregnant woman or a child under five, are places where the person lives, so home visits and the
district follow the basis's address; any other basis (the registered residence, work, study)
leaves the registered address. `home_of` and `home_districts` decide it for the desk's intake
and its outlook, the provider's side of the portal, the portal's list of providers and the
re-attachment; the talon prints what was decided.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.transactions import mark_stands, mark_taken
from bekitu.core.vocabulary import RefusalCode, ResidentStatus
from bekitu.registry import selectors as registry
from bekitu.registry.population import PersonRecord, record_of
from bekitu.registry.selectors import (
    attachment_periods,
    district_sites,
    districts_attached,
    districts_covering,
)
from bekitu.service import requirements
from bekitu.service.case import (
    AttachmentFacts,
    AuthorityFacts,
    Case,
    DistrictFacts,
    PersonFacts,
    ProviderFacts,
    RegisterRecord,
)
from bekitu.service.models import Application, ApplicationDocument, PolicyEdition
from bekitu.service.policy import EDITIONS, Effect, LegalAct, Policy, Window, policy_for, policy_get
from bekitu.service.rules import RESIDENCE_BASES, lives_at_basis, loads_compared

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from bekitu.registry.models import Address, District, Person, Provider


@dataclass(frozen=True)
class CaseFacts:
    """A case with the register rows it was built from (to act on after the checks)."""

    case: Case
    policy: Policy
    districts: dict[int, District]


def application_day(application: Application) -> dt.date:
    """The application's date in the service's time zone: it selects the policy edition."""
    return timezone.localdate(application.submitted_at)


def policy_of(application: Application) -> Policy:
    """The policy edition of the application: the one recorded when it was received, chosen
    then by BEKITU_POLICY_EDITION or else by the application's date. Read once per instance
    (`Application.policy_read`): the edition recorded does not change in a transaction."""
    read = application.policy_read
    if read is not None and read.edition == application.policy_edition:
        return read
    if application.policy_edition:
        policy = policy_get(application.policy_edition, editions())
    else:
        policy = policy_in_force(application_day(application), settings.POLICY_EDITION)
    application.policy_read = policy
    return policy


def _person_facts(application: Application, record: PersonRecord | None) -> PersonFacts:
    person, source = application.recipient, record or application.recipient
    atu = None
    if record is not None and record.address is not None:
        atu = record.address.atu_code
    elif record is None and person.address is not None:
        atu = person.address.street.locality.atu_code
    return PersonFacts(
        iin=person.iin,
        surname=application.declared_surname,
        given_name=application.declared_given_name,
        patronymic=application.declared_patronymic,
        birth_date=application.declared_birth_date,
        status=source.status,
        insured=source.insured,
        death_date=source.death_date,
        emigrated_on=source.emigrated_on,
        atu_code=atu,
        stated_from_document=application.declared_from_document,
    )


def _register_record(record: PersonRecord | None) -> RegisterRecord | None:
    if record is None:
        return None
    return RegisterRecord(
        iin=record.iin,
        surname=record.surname,
        given_name=record.given_name,
        patronymic=record.patronymic,
        birth_date=record.birth_date,
        death_date=record.death_date,
    )


def _authority(
    application: Application, record: PersonRecord | None, on: dt.date
) -> AuthorityFacts:
    applicant = application.applicant
    if applicant is None or applicant.pk == application.recipient_id:
        return AuthorityFacts(role=application.applicant_role, applicant_is_recipient=True)
    relations = frozenset(
        r.kind
        for r in (record.relations if record else ())
        if r.relative_iin == applicant.iin
        and (r.valid_from is None or r.valid_from <= on)
        and (r.valid_to is None or on < r.valid_to)
    )
    return AuthorityFacts(
        role=application.applicant_role,
        applicant_is_recipient=False,
        applicant_age=applicant.age_on(on),
        relations=relations,
        poa_number=application.poa_number,
        poa_date=application.poa_date,
        poa_valid_until=application.poa_valid_until,
    )


def _history(person: Person) -> tuple[AttachmentFacts, ...]:
    attachments = attachment_periods(person=person)
    # A change counts from the day it was requested (an application's submission), else from
    # the day it was made; one decided in a campaign starts later but counts from then.
    requested = dict(
        Application.objects.filter(
            number__in=[a.application_number for a in attachments if a.application_number]
        ).values_list("number", "submitted_at")
    )
    return tuple(
        AttachmentFacts(
            provider_id=a.provider_id,
            valid_from=a.valid_from,
            valid_to=a.valid_to,
            reason=a.reason,
            district_id=a.district_id,
            made_on=timezone.localdate(requested[a.application_number])
            if a.application_number in requested
            else min(timezone.localdate(a.created_at), a.valid_from),
        )
        for a in attachments
    )


def history_facts(person: Person) -> tuple[AttachmentFacts, ...]:
    """The person's attachments as the frequency rule counts them (shown before intake)."""
    return _history(person)


def _districts(
    application: Application, on: dt.date
) -> tuple[list[DistrictFacts], dict[int, District]]:
    """The provider's districts, which cover the person's home, and the load of those the
    district check compares (counting them all cost a large polyclinic several times the
    rest of the case)."""
    # Home visits follow where the person lives: the basis's address for a basis of
    # residence, else the registered one (decision 0012).
    home = application_home(application)
    sites = district_sites(
        provider=application.provider,
        street_id=home.street_id if home else None,
        house=home.house if home else None,
    )
    facts = [
        DistrictFacts(
            s.district.pk, s.district.kind, s.covers_home, None, s.district.normative_size
        )
        for s in sites
    ]
    compared = loads_compared(facts, application.recipient.age_on(on), application.district_id)
    attached = districts_attached(district_ids=compared, on=on)
    facts = [replace(f, attached=attached.get(f.id, 0)) if f.id in compared else f for f in facts]
    return facts, {s.district.pk: s.district for s in sites}


def documents_made_none(application: Application) -> None:
    """Note that the application, made in the caller's transaction, has no document yet:
    until the transaction ends its documents are those `documents_noted` notes."""
    application.documents_seen, application.documents_mark = {}, mark_taken()


def documents_taken(application: Application) -> dict[str, ApplicationDocument] | None:
    """The application's known documents (as `documents_known`), taken for a change: until
    `documents_noted` gives them back they are read from the database, so a change that fails
    halfway (a document changed in memory, not stored) leaves nothing known of it."""
    known = documents_known(application)
    application.documents_mark = None
    return known


def documents_noted(
    application: Application,
    known: dict[str, ApplicationDocument] | None,
    document: ApplicationDocument,
) -> None:
    """Give back the documents `documents_taken` took, with `document` stored in the caller's
    transaction. They are marked anew where it was stored: if that savepoint is rolled back,
    what is known goes with it, and the documents are read again."""
    if known is not None:
        known[document.kind] = document
        application.documents_seen, application.documents_mark = known, mark_taken()


def documents_known(application: Application) -> dict[str, ApplicationDocument] | None:
    """The application's documents by kind, when the caller's transaction made it and has
    noted every document since (so they need not be read); None: read them."""
    if mark_stands(application.documents_mark):
        return application.documents_seen
    return None


def _presented(application: Application) -> frozenset[str]:
    known = documents_known(application)
    if known is not None:
        return frozenset(kind for kind, document in known.items() if document.presented)
    return frozenset(application.documents.filter(presented=True).values_list("kind", flat=True))


def _residence_evidence(application: Application, history: tuple[AttachmentFacts, ...]) -> bool:
    """Evidence of a change of residence: a document of temporary registration presented or
    attached, or a registered address outside the area of the provider the person is attached
    to (the register shows the move)."""
    if application.reason != "change_of_residence":
        return False
    known = documents_known(application)
    if known is not None:
        if "temporary_registration" in known:
            return True
    elif application.documents.filter(kind="temporary_registration").exists():
        return True
    current = next((a for a in history if a.is_open), None)
    address = application.recipient.address
    if current is None or address is None:
        return False
    covering = districts_covering(address=address).filter(provider_id=current.provider_id)
    return not covering.exists()


def case_build(application: Application, *, record: PersonRecord | None = None) -> CaseFacts:
    """The facts the checks need, from the population register and the local register.

    `record` is the population register's answer when the caller has just read it (intake
    reads it once per request); otherwise it is the record of the recipient the application
    holds (`population.record_of`: the local register's relations only are read).
    """
    on = application_day(application)
    if record is None:
        record = record_of(application.recipient)
    districts, by_id = _districts(application, on)
    provider = application.provider
    history = _history(application.recipient)
    case = Case(
        on=on,
        reason=application.reason,
        recipient=_person_facts(application, record),
        record=_register_record(record),
        provider=ProviderFacts(
            provider.pk, provider.atu_code, provider.is_active, provider.closed_on
        ),
        authority=_authority(application, record, on),
        history=history,
        districts=tuple(districts),
        required_documents=frozenset(r.kind for r in required_documents(application)),
        presented_documents=_presented(application),
        residence_evidence=_residence_evidence(application, history),
        chosen_district_id=application.district_id,
        district_override=application.district_override_at is not None,
        basis=application.basis,
        basis_atu_code=application.basis_atu_code or None,
        pregnant=application.pregnant,
    )
    return CaseFacts(case=case, policy=policy_of(application), districts=by_id)


def required_documents(application: Application) -> list[requirements.DocumentRequirement]:
    """The checklist of paragraph 9 of the standard for the application (R8.1)."""
    recipient, on = application.recipient, application_day(application)
    category = requirements.Category(
        recipient_age=recipient.age_on(on),
        recipient_sex=recipient.sex,
        recipient_status=recipient.status,
        applicant_role=application.applicant_role,
        basis=application.basis,
        pregnant=application.pregnant,
    )
    return requirements.requirements_for(category)


# The policy editions, from the database.

_MONTH_DAY = re.compile(r"^(\d\d)-(\d\d)$")


def _month_day(text: str) -> tuple[int, int]:
    match = _MONTH_DAY.match(text)
    if match is None:
        raise ValidationError(_("Write the day as MM-DD, e.g. 09-15."), code="invalid_month_day")
    month, day = int(match.group(1)), int(match.group(2))
    try:
        dt.date(2024, month, day)  # a leap year: 02-29 is a day
    except ValueError:
        raise ValidationError(_("No such day of the year."), code="invalid_month_day") from None
    return month, day


def edition_validate(row: PolicyEdition) -> None:
    """ValidationError unless the row describes an edition the checks can apply."""
    errors: dict[str, list[ValidationError]] = {}

    def add(name: str, error: ValidationError) -> None:
        errors.setdefault(name, []).append(error)

    if bool(row.campaign_opens) != bool(row.campaign_closes):
        add("campaign_closes", ValidationError(_("Give both days of the campaign, or neither.")))
    window = None
    for name in ("campaign_opens", "campaign_closes"):
        if getattr(row, name):
            try:
                _month_day(getattr(row, name))
            except ValidationError as exc:
                add(name, exc)
    if not errors and row.campaign_opens:
        window = Window(_month_day(row.campaign_opens), _month_day(row.campaign_closes))
        if window.opens > window.closes:
            add("campaign_closes", ValidationError(_("The campaign closes before it opens.")))
    statuses = set(ResidentStatus.values)
    for name in ("eligible_statuses", "insured_statuses"):
        value = getattr(row, name)
        if not isinstance(value, list) or not set(value) <= statuses:
            message = _("A list of these codes: %(codes)s.") % {
                "codes": ", ".join(sorted(statuses))
            }
            add(name, ValidationError(message))
    paragraphs = row.act_paragraphs
    if not isinstance(paragraphs, dict) or not set(paragraphs) <= set(RefusalCode.values):
        add("act_paragraphs", ValidationError(_("Keys are refusal reason codes.")))
    if errors:
        raise ValidationError(errors)


def edition_policy(row: PolicyEdition) -> Policy:
    """The pure policy of a stored edition."""
    campaign = None
    if row.campaign_opens and row.campaign_closes:
        campaign = Window(_month_day(row.campaign_opens), _month_day(row.campaign_closes))
    return Policy(
        edition=row.edition,
        in_force_from=row.in_force_from,
        max_voluntary_changes=row.max_voluntary_changes,
        campaign=campaign,
        voluntary_effect=Effect(row.voluntary_effect),
        eligible_statuses=frozenset(row.eligible_statuses),
        insured_statuses=frozenset(row.insured_statuses),
        act=LegalAct(
            citation_kk=row.act_citation_kk,
            citation_ru=row.act_citation_ru,
            citation_en=row.act_citation_en,
            number=row.act_number,
            date=row.act_date,
            source=row.act_source,
            paragraphs={str(k): str(v) for k, v in row.act_paragraphs.items()},
        ),
    )


def editions() -> tuple[Policy, ...]:
    """Every edition the service knows, oldest first (the built-in ones if none is stored)."""
    stored = tuple(edition_policy(row) for row in PolicyEdition.objects.order_by("in_force_from"))
    return stored or EDITIONS


def policy_in_force(on: dt.date, override: str = "") -> Policy:
    """The edition in force on a day, or the pinned one (BEKITU_POLICY_EDITION)."""
    return policy_for(on, override, editions())


def edition_fields(policy: Policy) -> dict[str, object]:
    """The stored row's fields of a built-in edition (the seed)."""
    act = policy.act
    assert act is not None, "a built-in edition names its act"
    window = policy.campaign
    return {
        "in_force_from": policy.in_force_from,
        "max_voluntary_changes": policy.max_voluntary_changes,
        "campaign_opens": "{:02d}-{:02d}".format(*window.opens) if window else "",
        "campaign_closes": "{:02d}-{:02d}".format(*window.closes) if window else "",
        "voluntary_effect": policy.voluntary_effect.value,
        "eligible_statuses": sorted(policy.eligible_statuses),
        "insured_statuses": sorted(policy.insured_statuses),
        "act_number": act.number,
        "act_date": act.date,
        "act_citation_kk": act.citation_kk,
        "act_citation_ru": act.citation_ru,
        "act_citation_en": act.citation_en,
        "act_source": act.source,
        "act_paragraphs": dict(act.paragraphs),
    }


@dataclass(frozen=True)
class Home:
    """The dwelling home visits are judged by: a street of the register and a house.
    `street_id` is None when the basis's street is not one of the unit's streets (or its name
    is shared by streets of two localities): no service area can then be said to cover it."""

    street_id: int | None
    house: int | None
    from_basis: bool

    @property
    def matched(self) -> bool:
        return self.street_id is not None and self.house is not None


def home_of(
    *, basis: str, atu_code: str, street: str, house: int | None, registered: Address | None
) -> Home | None:
    """Where the person lives: the basis's structured address for a basis of residence, else
    the registered address; None when the person has no registered address and the basis is
    not one of residence."""
    if lives_at_basis(basis):
        streets = registry.streets_named(atu_code=atu_code, name=street) if house else []
        # A name shared by two localities of the unit does not say which house: not matched.
        street_id = streets[0] if len(streets) == 1 else None
        return Home(street_id=street_id, house=house, from_basis=True)
    if registered is None:
        return None
    return Home(street_id=registered.street_id, house=registered.house, from_basis=False)


def application_home(application: Application) -> Home | None:
    """Where the application's recipient lives, by its basis (decision 0012)."""
    return home_of(
        basis=application.basis,
        atu_code=application.basis_atu_code,
        street=application.basis_street,
        house=application.basis_house,
        registered=application.recipient.address,
    )


def home_districts(home: Home | None, *, provider: Provider | None = None) -> QuerySet[District]:
    """The districts (of the provider, if given) whose service areas cover the home: they
    come with home visits; none when the home is unknown or not matched."""
    if home is None:
        return registry.districts_serving(street_id=None, house=None)
    return registry.districts_serving(street_id=home.street_id, house=home.house, provider=provider)


def stated_homes(*, numbers: Collection[str]) -> dict[str, Home]:
    """The homes the applications with these numbers stated as a temporary or actual
    residence, by number (the re-attachment proposes districts there); the others live at
    their registered address."""
    rows = Application.objects.filter(number__in=numbers, basis__in=RESIDENCE_BASES)
    fields = ("number", "basis", "basis_atu_code", "basis_street", "basis_house")
    homes = {}
    for number, basis, atu_code, street, house in rows.values_list(*fields):
        home = home_of(basis=basis, atu_code=atu_code, street=street, house=house, registered=None)
        if home is not None:
            homes[number] = home
    return homes
