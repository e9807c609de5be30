"""The provider's side of the portal channel (R9.8-R9.12): a citizen's signed request from
the gateway is verified again by the provider, registered, checked at once and decided by the
provider's setting; each change goes back to the portal in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from bekitu.core.audit import audit_verify
from bekitu.core.calendar import service_term
from bekitu.core.models import AuditEntry
from bekitu.gateway import envelope
from bekitu.gateway.contracts.attachment_status import (
    PART_STATUS,
    PART_TALON_PDF,
    PART_TALON_XML,
    AttachmentStatus,
    parse_status,
)
from bekitu.gateway.models import OutboxMessage
from bekitu.registry.models import Person, Provider, ServiceArea
from bekitu.registry.selectors import provider_working_hours
from bekitu.service.facts import policy_of
from bekitu.service.grounds import refusal_ground_texts
from bekitu.service.models import Application, PortalRequest, PortalSetting
from bekitu.service.portal_requests import request_receive
from bekitu.service.selectors import Scope, application_queue
from bekitu.service.services import application_issue_talon
from bekitu.talons.models import Talon
from bekitu.talons.services import talon_pdf_make
from tests.factories import PersonFactory
from tests.service.portal_helpers import PDF, message, request_number, request_parts, signed_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def participants(provider: Provider, test_pki: Any, settings: Any) -> None:
    """The portal and the provider take part in the gateway (the portal's operator holds the
    PKI's second organization key)."""
    from bekitu.gateway.services import participant_register

    settings.GATEWAY_KEYS_DIR = ""
    participant_register(system_id="egov-portal", bin=test_pki.providers[1].bin, local=True)
    participant_register(system_id=provider.bin, bin=provider.bin, local=True)


@pytest.fixture
def citizen(gp_area: ServiceArea, test_pki: Any) -> Person:
    """The test PKI's first person (keys of their own), living in the provider's GP area."""
    return PersonFactory(
        iin=test_pki.persons[0].iin,
        birth_date=dt.date(1985, 3, 14),
        sex="male",
        address__street=gp_area.street,
    )


def _statuses(number: str) -> list[tuple[AttachmentStatus, dict[str, bytes]]]:
    """The status messages the provider has put in its outbox for the portal's request."""
    found = []
    for row in OutboxMessage.objects.filter(correlation_id=number).order_by("id"):
        request = envelope.read_request(etree.fromstring(bytes(row.envelope)))
        parts = {p.name: p.content for p in request.parts}
        assert (row.route_id, row.service_id) == ("egov-portal", "bekitu.attachment.status")
        found.append((parse_status(parts[PART_STATUS]), parts))
    return found


def _steps(number: str) -> list[str]:
    """Every status the portal is told of, in order (several may come in one message)."""
    return [step.status for status, _ in _statuses(number) for step in status.steps]


def _receive(test_pki: Any, provider: Provider, citizen: Person, **kwargs: Any) -> str:
    number = kwargs.pop("number", request_number())
    copies = kwargs.pop("copies", {"identity_document": PDF})
    parts_copies = kwargs.pop("parts_copies", copies)
    make_pdf = kwargs.pop("make_pdf", True)
    envelope_fields = {k: kwargs.pop(k) for k in ("sender_id", "sent_at") if k in kwargs}
    p12 = kwargs.pop("p12", test_pki.person_sign_p12(citizen.iin))
    signed = signed_request(
        p12=p12,
        number=number,
        account_iin=kwargs.pop("account_iin", citizen.iin),
        recipient_iin=citizen.iin,
        provider_bin=provider.bin,
        copies=copies,
        **kwargs,
    )
    with transaction.atomic():
        request_receive(
            message(
                number=number,
                provider_bin=provider.bin,
                parts=request_parts(signed, parts_copies),
                **envelope_fields,
            )
        )
    # The talon's PDF, as the background worker makes it once the decision commits.
    for talon_id in Talon.objects.filter(pdf__isnull=True).values_list("pk", flat=True):
        if make_pdf:
            talon_pdf_make(talon_id=talon_id)
    return number


def test_a_signed_request_is_registered_checked_and_decided_automatically(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    number = _receive(test_pki, provider, citizen)

    request = PortalRequest.objects.get(number=number)
    application = request.application
    assert application is not None
    assert application.channel == "portal" and application.state == "talon_issued"
    assert application.signer_serial and bytes(application.signed_request).startswith(b"<?xml")
    assert application.attachment is not None and application.attachment.person == citizen
    assert list(application.documents.values_list("kind", flat=True)) == ["identity_document"]
    steps = list(application.steps.values_list("action", "actor_label"))
    assert steps == [
        ("submit", "portal"),
        ("register", "system"),
        ("check", "system"),
        ("issue_talon", "system"),
    ]
    assert application.decided_by is None
    assert AuditEntry.objects.filter(
        action="service.application.auto_decision", object_id=application.number
    ).exists()
    # The automatic decision is made on the case condition 3 has just checked: one run.
    assert set(application.check_results.values_list("run", flat=True)) == {1}
    assert audit_verify().ok
    statuses = _statuses(number)
    assert _steps(number) == ["registered", "checked", "talon_issued"]
    # Registered and checked on receipt are told together, each step with its own time.
    assert [s.status for s, _ in statuses] == ["checked", "talon_issued"]
    told = statuses[0][0]
    assert [step.status for step in told.earlier] == ["registered"]
    assert told.earlier[0].at <= told.at
    for status, _ in statuses:
        assert status.registration_number == application.number
        assert status.deadline == application.deadline
    talon, parts = statuses[-1]
    assert talon.talon_number == application.talon_number
    assert talon.verify_url.endswith("/verify/" + application.attachment.talon.code)
    assert parts[PART_TALON_XML].startswith(b"<?xml") and b"Signature" in parts[PART_TALON_XML]
    assert parts[PART_TALON_PDF].startswith(b"%PDF")


def test_the_talon_is_told_with_its_pdf_and_read_for_it_only_then(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    number = _receive(test_pki, provider, citizen, make_pdf=False)
    talon = Talon.objects.get(
        application_number=PortalRequest.objects.get(number=number).application.number
    )
    reads = AuditEntry.objects.filter(action="talons.talon.read", object_id=str(talon.pk))

    # At the decision the PDF is not made yet: the talon is neither sent nor read for it.
    assert [s.status for s, _ in _statuses(number)] == ["checked"]
    assert not reads.exists()

    talon_pdf_make(talon_id=talon.pk)

    assert [s.status for s, _ in _statuses(number)] == ["checked", "talon_issued"]
    assert reads.count() == 1
    assert audit_verify().ok


def test_a_request_decided_on_receipt_reads_back_nothing_it_wrote(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    """Registered, checked and decided in one transaction, through one instance: the latest
    step's time and the checks' last run are kept on it, and its row is updated once, with
    every step's fields (`procedure.saved_once`). The talon it issued is not looked up for its
    PDF, which the background worker makes after the commit. The recipient is read and locked
    in one statement, and what the transaction made is not looked for (decision 0021): the
    e-copies of the new application, a talon of the new attachment."""
    with CaptureQueriesContext(connection) as statements:
        number = _receive(test_pki, provider, citizen, make_pdf=False)
    sql = [s["sql"] for s in statements.captured_queries]
    assert not [q for q in sql if q.startswith("SELECT") and '"service_applicationstep"' in q]
    assert not [q for q in sql if 'MAX("service_checkresult"."run")' in q]
    assert not [q for q in sql if q.startswith("SELECT") and '"talons_talon"."pdf" IS NOT' in q]
    persons = [q for q in sql if q.startswith('SELECT "registry_person"')]
    assert len(persons) == 1
    assert not [q for q in sql if q.startswith("SELECT") and '"service_applicationdocument"' in q]
    assert not [q for q in sql if 'FROM "talons_talon" WHERE "talons_talon"."attachment_id"' in q]
    updates = [q for q in sql if q.startswith('UPDATE "service_application" ')]
    assert len(updates) == 1  # registered, checked and talon issued: the row once
    application = PortalRequest.objects.get(number=number).application
    assert application.state == "talon_issued" and application.talon_number
    assert application.action_due_at is None and application.effective_from is not None
    assert application.attachment is not None and application.decided_at is not None
    assert set(application.check_results.values_list("run", flat=True)) == {1}
    minutes = list(application.steps.order_by("at", "pk").values_list("minutes", flat=True))
    assert len(minutes) == 4 and all(m is not None for m in minutes[1:])


def test_a_request_delivered_again_makes_no_second_application(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    number = _receive(test_pki, provider, citizen)
    _receive(test_pki, provider, citizen, number=number)

    assert Application.objects.filter(recipient=citizen).count() == 1
    assert PortalRequest.objects.filter(number=number).count() == 1
    assert _steps(number) == ["registered", "checked", "talon_issued"]


def test_the_provider_verifies_the_eds_itself_and_refuses_a_signature_not_the_applicants(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    # Signed by another person of the PKI while naming the citizen as the signer.
    other = test_pki.person_sign_p12(test_pki.persons[1].iin)
    number = _receive(test_pki, provider, citizen, p12=other)

    request = PortalRequest.objects.get(number=number)
    assert request.application is None and request.rejected_code == "eds_not_confirmed"
    assert not Application.objects.filter(recipient=citizen).exists()
    [(status, _parts)] = _statuses(number)
    assert status.status == "refused" and status.registration_number == ""
    assert status.refusal is not None and status.refusal.reason_code == "eds_not_confirmed"
    assert "9" in status.refusal.legal_ground["ru"] and status.refusal.message["kk"]
    assert AuditEntry.objects.filter(action="service.portal_request.reject").exists()


def test_an_authentication_key_does_not_sign_a_request(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    number = _receive(test_pki, provider, citizen, p12=test_pki.person_auth_p12(citizen.iin))

    assert PortalRequest.objects.get(number=number).rejected_code == "eds_not_confirmed"


def test_an_e_copy_that_differs_from_the_signed_one_is_not_registered(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    number = _receive(
        test_pki,
        provider,
        citizen,
        copies={"identity_document": PDF},
        parts_copies={"identity_document": PDF + b"%changed"},
    )

    assert PortalRequest.objects.get(number=number).rejected_code == "request_invalid"
    [(status, _parts)] = _statuses(number)
    assert status.refusal is not None and status.refusal.reason_code == "request_invalid"
    assert {"kk", "ru", "en"} <= set(status.refusal.message)


def test_a_failed_check_refuses_with_its_reason_and_legal_ground(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    # The register changed after the person signed: they are recorded as deceased.
    citizen.death_date = dt.date(2026, 1, 10)
    citizen.save()
    number = _receive(test_pki, provider, citizen)

    application = PortalRequest.objects.get(number=number).application
    assert application is not None and application.state == "refused"
    assert application.refusal_code == "deceased"
    statuses = [s for s, _ in _statuses(number)]
    assert _steps(number) == ["registered", "checked", "refused"]
    refusal = statuses[-1].refusal
    assert refusal is not None and refusal.reason_code == "deceased"
    assert all(refusal.legal_ground[lang] and refusal.message[lang] for lang in ("kk", "ru"))
    # The ground cites the act of the application's edition, as the refusal document does.
    assert refusal.legal_ground == refusal_ground_texts("deceased", policy_of(application))


def test_a_provider_that_decides_by_a_specialist_keeps_the_request_in_the_queue(
    test_pki: Any, provider: Provider, citizen: Person, specialist: Any
) -> None:
    PortalSetting.objects.create(provider=provider, decision=PortalSetting.Decision.SPECIALIST)
    number = _receive(test_pki, provider, citizen)
    application = PortalRequest.objects.get(number=number).application
    assert application is not None and application.state == "checked"
    assert _steps(number) == ["registered", "checked"]
    # R9.9: it waits in the specialist's queue with the time left before its deadline.
    [queued] = application_queue(scope=Scope(provider=provider))
    assert queued == application and queued.time_left > dt.timedelta(0)

    application_issue_talon(application=application, by=specialist)
    talon_pdf_make(talon_id=Talon.objects.get(application_number=application.number).pk)

    application.refresh_from_db()
    assert application.decided_by == specialist
    assert application.steps.last().actor_label == specialist.username
    assert _steps(number) == ["registered", "checked", "talon_issued"]


def test_the_term_of_a_request_submitted_on_a_day_off_starts_the_next_working_day(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    """R9.13: the term runs from the signed submission by the portal's rule (days off,
    holidays and the two hours before closing move its start to the next opening)."""
    saturday = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
    number = _receive(test_pki, provider, citizen, submitted_at=saturday, sent_at=saturday)

    application = PortalRequest.objects.get(number=number).application
    assert application is not None and application.submitted_at == saturday
    term = service_term(saturday, provider_working_hours(provider), "portal")
    assert (application.term_start, application.deadline) == (term.term_start, term.deadline)
    assert timezone.localtime(application.term_start).date() == dt.date(2026, 11, 23)


def test_a_second_request_while_one_is_open_is_answered_and_not_registered(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    PortalSetting.objects.create(provider=provider, decision=PortalSetting.Decision.SPECIALIST)
    _receive(test_pki, provider, citizen)
    second = _receive(test_pki, provider, citizen)

    assert PortalRequest.objects.get(number=second).rejected_code == "application_open"
    assert Application.objects.filter(recipient=citizen).count() == 1


def test_the_term_runs_from_the_submission_not_from_when_the_request_was_prepared(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    """R9.13: the portal writes the request (and its time) when it prepares it for signing,
    and the citizen may submit it days later; the term runs from the submission, the moment
    the portal sent it (the envelope's messageDate), not from the preparation."""
    sent = timezone.now().replace(microsecond=0)
    prepared = sent - dt.timedelta(days=3)
    number = _receive(test_pki, provider, citizen, submitted_at=prepared, sent_at=sent)

    application = PortalRequest.objects.get(number=number).application
    assert application is not None and application.submitted_at == sent
    term = service_term(sent, provider_working_hours(provider), "portal")
    assert (application.term_start, application.deadline) == (term.term_start, term.deadline)
    # Decided on receipt, within its term: not a breach of it.
    assert application.state == "talon_issued" and application.sla != "breached"
    assert not application.steps.filter(breached=True).exists()


def test_a_request_from_a_participant_other_than_the_portal_changes_nothing(
    test_pki: Any, provider: Provider, citizen: Person, settings: Any
) -> None:
    """Only the portal (BEKITU_PORTAL_SYSTEM_ID) sends citizens' requests: another participant
    of the gateway holding a citizen's signed request neither makes an application of it nor
    receives its statuses (the talon, with the person's data), nor takes its number from the
    portal's own delivery of it. It is audited."""
    from bekitu.gateway.services import participant_register

    participant_register(system_id="other-system", bin=test_pki.providers[1].bin, local=True)
    number = request_number()
    _receive(test_pki, provider, citizen, number=number, sender_id="other-system")

    assert not PortalRequest.objects.filter(number=number).exists()
    assert not Application.objects.filter(recipient=citizen).exists()
    assert not OutboxMessage.objects.filter(route_id="other-system").exists()
    entry = AuditEntry.objects.get(action="service.portal_request.foreign_sender")
    assert (entry.object_id, entry.data["sender"]) == (number, "other-system")

    # The portal's own delivery of the request is handled as ever.
    _receive(test_pki, provider, citizen, number=number)
    assert PortalRequest.objects.get(number=number).sender_id == settings.PORTAL_SYSTEM_ID
    assert _steps(number) == ["registered", "checked", "talon_issued"]


def test_a_representative_whose_power_of_attorney_has_expired_is_refused_for_no_authority(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    """R9.11: a power of attorney that is no longer in force on the day of the request
    (without a stated term, one year from its date) is the applicant's lack of authority, and
    the refusal says so with its legal ground, not that the request disagrees with its
    e-copies."""
    from bekitu.core.vocabulary import legal_ground_texts, refusal_texts
    from bekitu.gateway.contracts.attachment_request import PowerOfAttorney

    representative = PersonFactory(iin=test_pki.persons[1].iin, birth_date=dt.date(1980, 1, 2))
    issued = timezone.localdate() - dt.timedelta(days=400)
    number = _receive(
        test_pki,
        provider,
        citizen,
        p12=test_pki.person_sign_p12(representative.iin),
        account_iin=representative.iin,
        applicant_role="representative",
        applicant_iin=representative.iin,
        power_of_attorney=PowerOfAttorney("77-1234", issued, "Notary Abenova"),
    )

    assert PortalRequest.objects.get(number=number).rejected_code == "no_authority"
    [(status, _parts)] = _statuses(number)
    assert status.refusal is not None and status.refusal.reason_code == "no_authority"
    assert status.refusal.legal_ground == legal_ground_texts("no_authority")
    assert status.refusal.message == refusal_texts("no_authority")


def test_a_talon_whose_pdf_the_worker_never_made_still_reaches_the_portal(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    """R9.12: the talon goes to the portal with its PDF, made by the background worker once
    the decision commits. When that job is lost (the broker down when it was queued, the
    worker killed), no one asks for a portal request's PDF at a desk: the beat's schedule
    makes the PDFs still missing after BEKITU_TALON_PDF_WAIT_SECONDS, and the citizen hears of
    the talon."""
    from bekitu.celery import app

    number = _receive(test_pki, provider, citizen, make_pdf=False)
    assert _steps(number) == ["registered", "checked"]

    app.loader.import_default_modules()  # the tasks modules, as a worker loads them
    for entry in app.conf.beat_schedule.values():
        if entry["task"].startswith("talons."):
            app.tasks[entry["task"]]()

    assert _steps(number) == ["registered", "checked", "talon_issued"]
    assert Talon.objects.get(number=_statuses(number)[-1][0].talon_number).pdf is not None


def test_an_e_copy_the_citizen_signed_is_not_replaced_by_a_specialist(
    test_pki: Any, provider: Provider, citizen: Person, specialist: Any
) -> None:
    """The e-copies of a portal request are covered by the citizen's signature (each one's
    SHA-256 is in the signed request, R9.8): a specialist may not put another file in the
    place of one, which would leave a document the citizen never signed (and delete the one
    they did) before the decision."""
    import hashlib

    from django.core.files.base import ContentFile

    from bekitu.core.errors import DomainError
    from bekitu.service.services import application_document_add

    PortalSetting.objects.create(provider=provider, decision=PortalSetting.Decision.SPECIALIST)
    number = _receive(test_pki, provider, citizen)
    application = PortalRequest.objects.get(number=number).application
    assert application is not None and application.state == "checked"

    other = PDF.replace(b"1 0 obj", b"2 0 obj")
    with pytest.raises(DomainError) as refused:
        application_document_add(
            application=application,
            kind="identity_document",
            file=ContentFile(other, name="other.pdf"),
            by=specialist,
        )
    assert refused.value.code == "signed_copy"
    document = application.documents.get(kind="identity_document")
    assert hashlib.sha256(document.file.read()).hexdigest() == hashlib.sha256(PDF).hexdigest()


def test_a_scan_a_specialist_attached_to_a_portal_request_can_be_replaced_by_them(
    test_pki: Any, provider: Provider, citizen: Person, specialist: Any
) -> None:
    """Only the e-copies the citizen signed are kept from replacement: a scan a specialist
    attached to a portal application themselves (no citizen signed it) is theirs to replace,
    as at the desk."""
    import hashlib

    from django.core.files.base import ContentFile

    from bekitu.service.services import application_document_add

    PortalSetting.objects.create(provider=provider, decision=PortalSetting.Decision.SPECIALIST)
    number = _receive(test_pki, provider, citizen)
    application = PortalRequest.objects.get(number=number).application
    assert application is not None
    assert not application.documents.filter(kind="temporary_registration").exists()

    first = PDF.replace(b"1 0 obj", b"2 0 obj")
    application_document_add(
        application=application,
        kind="temporary_registration",
        file=ContentFile(first, name="first.pdf"),
        by=specialist,
    )
    second = PDF.replace(b"1 0 obj", b"3 0 obj")
    application_document_add(
        application=application,
        kind="temporary_registration",
        file=ContentFile(second, name="second.pdf"),
        by=specialist,
    )
    document = application.documents.get(kind="temporary_registration")
    assert hashlib.sha256(document.file.read()).hexdigest() == hashlib.sha256(second).hexdigest()


def test_the_talon_is_told_at_the_time_it_was_issued_not_when_its_pdf_was_made(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    """R9.12: the portal's timeline gives each step its own time; a talon's PDF made later
    (the worker behind, or the job made again by the beat) does not move the talon's."""
    from freezegun import freeze_time

    number = _receive(test_pki, provider, citizen, make_pdf=False)
    application = PortalRequest.objects.get(number=number).application
    assert application is not None and application.decided_at is not None
    talon = Talon.objects.get(application_number=application.number)

    with freeze_time(application.decided_at + dt.timedelta(minutes=10)):
        talon_pdf_make(talon_id=talon.pk)

    told = _statuses(number)[-1][0]
    assert told.status == "talon_issued"
    assert told.at == application.decided_at.replace(microsecond=0)


def test_a_signed_request_listing_one_copy_twice_is_not_registered(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    """Each e-copy travels as the part its code names: a request that lists a code twice
    would have one part stand for both entries of the signed list. It is invalid as signed."""
    import hashlib

    from bekitu.devtools.testpki import PASSWORD
    from bekitu.eds.signing import sign_xml_with_p12
    from bekitu.gateway.contracts import attachment_request as contract

    other = PDF + b"%second"
    listed = tuple(
        contract.Document("identity_document", name, hashlib.sha256(data).hexdigest(), len(data))
        for name, data in (("a.pdf", PDF), ("b.pdf", other))
    )
    number = request_number()
    xml = contract.build_request(
        contract.AttachmentRequest(
            number=number,
            submitted_at=timezone.now(),
            nonce="a" * 32,
            account_iin=citizen.iin,
            recipient_iin=citizen.iin,
            provider_bin=provider.bin,
            reason="choice",
            applicant_role="self",
            contacts=contract.Contacts("+77010000000", "citizen@example.kz"),
            documents=listed,
            language="ru",
        )
    )
    with pytest.raises(contract.RequestInvalid, match="listed twice"):
        contract.parse_request(xml)
    signed = sign_xml_with_p12(
        p12_path=test_pki.person_sign_p12(citizen.iin), password=PASSWORD, xml=xml
    )
    with transaction.atomic():
        request_receive(
            message(
                number=number,
                provider_bin=provider.bin,
                parts=request_parts(signed, {"identity_document": PDF}),
            )
        )
    assert PortalRequest.objects.get(number=number).rejected_code == "request_invalid"
    assert not Application.objects.filter(recipient=citizen).exists()
    [(status, _parts)] = _statuses(number)
    assert status.refusal is not None and status.refusal.reason_code == "request_invalid"
