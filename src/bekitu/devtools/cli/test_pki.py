"""`bekitu eds test-pki [OUTDIR] [--persons-from-db] [--persons N] [--ocsp-url URL]
[--crl-url URL] [--force]`: make the offline test PKI (see docs/eds-test-pki.md).

OUTDIR defaults to BEKITU_VAR_DIR/pki, whose trust/, crl/ and providers/ folders are the
defaults of BEKITU_EDS_TRUST_DIR, BEKITU_EDS_CRL_DIR and BEKITU_EDS_PROVIDER_KEYS_DIR. When
OUTDIR already holds a test PKI for the same persons, providers and addresses, nothing is made
again (so `make run` keeps the keys a person may have loaded), unless --force.
"""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from django.conf import settings
from django.utils import timezone

from bekitu.core.audit import audit_context, audit_record
from bekitu.core.iin import make_bin, make_iin
from bekitu.devtools.testpki import (
    NEGATIVE_CASES,
    PersonSpec,
    ProviderSpec,
    TestPki,
    build_test_pki,
)
from bekitu.devtools.testpki_renew import renew_crls

if TYPE_CHECKING:
    from bekitu.registry.models import Person, Provider

HELP = "Make the offline test PKI: CAs, CRLs, OCSP responder, persons' and providers' keys."


def add_arguments(parser: ArgumentParser) -> None:
    """The command's arguments."""
    parser.add_argument("outdir", nargs="?", type=Path, help="default: BEKITU_VAR_DIR/pki")
    parser.add_argument(
        "--persons-from-db",
        action="store_true",
        help="keys for the providers in the database and its first adult citizens",
    )
    parser.add_argument("--persons", type=int, default=5, help="how many persons (default 5)")
    parser.add_argument("--ocsp-url", help="OCSP address put into the certificates (AIA)")
    parser.add_argument("--crl-url", help="base address serving intermediate.crl and root.crl")
    parser.add_argument("--force", action="store_true", help="make it again even if up to date")


def _first_usable(make: Any, *head: Any, serial: int) -> str:
    for offset in range(50):
        value = make(*head, serial + offset)
        if value is not None:
            return str(value)
    raise ValueError("no usable serial")


def demo_specs(count: int) -> tuple[list[PersonSpec], list[ProviderSpec]]:
    """Made-up persons and providers, for a test PKI without a database."""
    names = [
        ("ТЕСТОВ", "АСАН"),
        ("ӘЛІБЕКОВА", "ГҮЛНАР"),
        ("IVANOV", "PETR"),
        ("СЕРІКОВ", "НҰРЛАН"),
        ("ЖАНҰЗАҚОВА", "АЙГЕРІМ"),
    ]
    persons = [
        PersonSpec(
            _first_usable(make_iin, dt.date(1970 + 3 * i, 1 + i % 12, 10), "male", serial=100 * i),
            *names[i % len(names)],
        )
        for i in range(max(count, 1))
    ]
    providers = [
        ProviderSpec(
            _first_usable(make_bin, dt.date(2005 + i, 1, 1), 4, serial=10 + i),
            f"ГКП НА ПХВ «ГОРОДСКАЯ ПОЛИКЛИНИКА №{i + 1}»",
            persons[i % len(persons)].iin,
        )
        for i in range(2)
    ]
    return persons, providers


def _years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# The demo portal's operator (the e-government portal's system, and the providers' system
# that answers it): an organization key of the test PKI signs its gateway envelopes.
PORTAL_OPERATOR_NAME = "АО «НИТ» (ДЕМО)"


def portal_operator_bin() -> str:
    """The made-up BIN of the demo portal's operator."""
    return _first_usable(make_bin, dt.date(2004, 3, 1), 4, serial=31)


def first_attachment_at(person: Person) -> Provider | None:
    """The provider a person not attached anywhere can be attached to on any day (a first
    attachment needs no campaign): the first whose adult district covers their home. None
    for a person attached already, or whose home no such district covers."""
    from bekitu.registry.selectors import attachment_open, districts_covering
    from bekitu.service.rules import ADULT_DISTRICT_KINDS

    if person.address is None or attachment_open(person=person) is not None:
        return None
    covering = districts_covering(address=person.address).filter(kind__in=ADULT_DISTRICT_KINDS)
    district = covering.first()
    return district.provider if district is not None else None


# How many adults not attached anywhere are looked at for one whose home a district covers.
NEWCOMERS_LOOKED_AT = 200


def _adults() -> Any:
    """The living adult citizens, by their order in the register."""
    from bekitu.registry.models import Person

    return Person.objects.filter(
        status=Person.Status.CITIZEN,
        birth_date__lte=_years_ago(timezone.localdate(), 18),
        death_date__isnull=True,
    ).order_by("pk")


def _persons_kept(outdir: Path, count: int) -> list[Any] | None:
    """The persons of the test PKI already in `outdir`, while each of them is still a living
    adult citizen of the register: their keys are kept, though the newcomer among them may
    have been attached since (through the demo itself) and another would be chosen now."""
    if not (outdir / "manifest.json").is_file():
        return None
    iins = [p.iin for p in TestPki.load(outdir).persons]
    found = {p.iin: p for p in _adults().filter(iin__in=iins)}
    if len(iins) != count or len(found) != len(iins):
        return None
    return [found[iin] for iin in iins]


def _adults_first_a_parent(count: int) -> list[Any]:
    """The first adult citizens: after the first (who also holds the negative keys) a newcomer
    not attached anywhere whose home a provider's district covers (so the demo's citizen can
    get a talon on the portal on any day: `first_attachment_at`), then a parent of a child
    under 18 (so the demo shows a parent applying for their child)."""
    from bekitu.registry.models import Attachment, PersonRelation

    adult_born_before = _years_ago(timezone.localdate(), 18)
    adults = _adults()
    unattached = (
        adults.filter(emigrated_on__isnull=True, insured=True)
        .exclude(pk__in=Attachment.objects.filter(valid_to__isnull=True).values("person_id"))
        .select_related("address")
    )
    newcomer = next(
        (p for p in unattached[:NEWCOMERS_LOOKED_AT] if first_attachment_at(p) is not None), None
    )
    parent = adults.filter(
        pk__in=PersonRelation.objects.filter(
            kind=PersonRelation.Kind.PARENT,
            person__birth_date__gt=adult_born_before,
            person__death_date__isnull=True,
        ).values("relative_id")
    ).first()
    people = list(adults[:count])
    if not people:
        return people
    chosen = [people[0]]
    for wanted in (newcomer, parent):
        if wanted is not None and wanted not in chosen:
            chosen.append(wanted)
    return [*chosen, *(p for p in people if p not in chosen)][:count]


def db_specs(count: int, outdir: Path | None = None) -> tuple[list[PersonSpec], list[ProviderSpec]]:
    """The demo database's providers (heads get made-up IINs), the portal's operator, and its
    first adult citizens (a newcomer and a parent among them, when there are); or the persons
    of the test PKI in `outdir`, while they are all still in the register."""
    from bekitu.registry.models import Provider

    kept = _persons_kept(outdir, count) if outdir is not None else None
    persons = []
    with audit_context(actor="bekitu eds test-pki", channel="cli"):
        for person in kept if kept is not None else _adults_first_a_parent(count):
            audit_record(
                action="eds.test_pki.person.read",
                object_type="person",
                object_id=person.pk,
                subject_iin=person.iin,
                data={"purpose": "test signing keys"},
            )
            persons.append(
                PersonSpec(person.iin, person.surname.upper(), person.given_name.upper())
            )
    providers = [
        ProviderSpec(
            p.bin, p.name_ru, _first_usable(make_iin, dt.date(1970, 1, 1), "female", serial=p.pk)
        )
        for p in Provider.objects.order_by("pk")
    ]
    if persons:
        providers.append(ProviderSpec(portal_operator_bin(), PORTAL_OPERATOR_NAME, persons[0].iin))
    return persons, providers


def _up_to_date(
    outdir: Path, persons: list[PersonSpec], providers: list[ProviderSpec], options: dict[str, Any]
) -> bool:
    if not (outdir / "manifest.json").is_file():
        return False
    pki = TestPki.load(outdir)
    return (
        list(pki.persons) == persons
        and list(pki.providers) == providers
        and (pki.ocsp_url, pki.crl_url) == (options.get("ocsp_url"), options.get("crl_url"))
    )


def run(options: dict[str, Any], stdout: TextIO) -> int:
    """Build the test PKI and write README.txt; 0 on success, 2 on a usage error."""
    outdir: Path = options.get("outdir") or Path(settings.VAR_DIR) / "pki"
    count = int(options.get("persons") or 5)
    if options.get("persons_from_db"):
        persons, providers = db_specs(count, outdir)
        if not persons:
            stdout.write("no adult citizens in the database: load the demo data first\n")
            return 2
    else:
        persons, providers = demo_specs(count)
    if not options.get("force") and _up_to_date(outdir, persons, providers, options):
        renewed = renew_crls(TestPki.load(outdir))
        note = f"; CRLs renewed: {', '.join(p.name for p in renewed)}" if renewed else ""
        stdout.write(f"test PKI in {outdir} is up to date{note}\n")
        return 0
    pki = build_test_pki(
        outdir,
        persons=persons,
        providers=providers,
        ocsp_url=options.get("ocsp_url"),
        crl_url=options.get("crl_url"),
    )
    (outdir / "README.txt").write_text(readme(pki), encoding="utf-8")
    stdout.write(
        f"test PKI written to {outdir} ({len(persons)} persons, "
        f"{len(providers)} providers); see {outdir / 'README.txt'}\n"
    )
    return 0


def readme(pki: TestPki) -> str:
    """A plain-text guide to who is who in a generated test PKI."""
    rel = lambda path: path.relative_to(pki.outdir).as_posix()  # noqa: E731
    lines = [
        "Bekitu test PKI: FOR DEVELOPMENT AND TESTS ONLY. Not trusted anywhere else.",
        f"Password of every key (PKCS#12): {pki.password}",
        "",
        f"Trust store (BEKITU_EDS_TRUST_DIR): {rel(pki.trust_dir)}/",
        f"CRLs (BEKITU_EDS_CRL_DIR):          {rel(pki.crl_dir)}/",
        f"Provider keys (BEKITU_EDS_PROVIDER_KEYS_DIR): {rel(pki.providers_dir)}/",
        f"OCSP responder: {rel(pki.ocsp_cert)} (bekitu eds ocsp-responder --pki {pki.outdir})",
        "",
        "Persons (IIN, name: signing key / authentication key):",
    ]
    for p in pki.persons:
        lines.append(
            f"  {p.iin}  {p.surname} {p.given_name}: "
            f"{rel(pki.person_sign_p12(p.iin))} / {rel(pki.person_auth_p12(p.iin))}"
        )
    lines += ["", "Providers (BIN, name, head's IIN: organization key):"]
    for o in pki.providers:
        lines.append(f"  {o.bin}  {o.name}  head {o.head_iin}: {rel(pki.provider_p12(o.bin))}")
    lines += [
        "",
        f"Negative cases (all held by {pki.person.iin}; org_as_individual is an organization key):",
    ]
    lines += [f"  {case}: {rel(pki.negative(case))}" for case in NEGATIVE_CASES]
    lines += [
        "",
        "Sign in the demo without NCALayer:",
        f"  bekitu eds ncalayer-dev --p12 {pki.person_sign_p12(pki.person.iin)} "
        f"--password {pki.password}",
        "",
        "Everything above, as JSON: manifest.json",
    ]
    return "\n".join(lines) + "\n"
