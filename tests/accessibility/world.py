"""The data the accessibility check's pages are shown with: every state a page can be in.

The desk's small world (`tests/workstation/conftest.build_desk`: two providers with signing
keys, staff of each role) and on top of it one application in each state of the provider
channel (received, documents accepted, talon issued, refused), a talon whose attachment was
superseded since, a person with no attachment, a logged-in user who is not staff, a
portal account with a request, and a superuser for the admin. A page module that needs more
adds it in its own entry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from bekitu.core.models import User
from bekitu.gateway.models import InboxMessage, OutboxMessage, Participant, RejectedMessage
from bekitu.registry.models import Attachment, Person
from bekitu.registry.services import attachment_transfer
from bekitu.reports.models import AgeBandEdition, ReportRun
from bekitu.service import services
from bekitu.service.facts import edition_fields
from bekitu.service.models import Application, PolicyEdition
from bekitu.service.policy import EDITIONS
from bekitu.service.portal_requests import portal_setting_set
from bekitu.talons.models import Talon
from bekitu.workstation import presenters
from bekitu.workstation.staff import scope_for
from tests.factories import PersonFactory
from tests.workstation.conftest import PASSWORD, Desk, build_desk

__all__ = ["PASSWORD", "STATES", "World", "build_world"]

# The states of an application of the provider channel (R5, R8), in the order they happen.
STATES = ("received", "documents_accepted", "talon_issued", "refused")


@dataclass
class World:
    """What the pages of the check are shown with (see the module's docstring)."""

    desk: Desk
    users: dict[str, User]
    applications: dict[str, Application]
    talon_codes: dict[str, str]
    unattached: Person
    extra: dict[str, Any] = field(default_factory=dict)

    def application(self, state: str) -> Application:
        """A new application of a new resident, brought to `state` (for a page whose visit
        changes it, so that other visits still find the world's applications as they were)."""
        return _application(self.desk, _resident(self.desk), state)


def _application(desk: Desk, person: Person, state: str) -> Application:
    """An application of `person` at the desk's provider, brought to `state`."""
    user = desk.users["specialist"]
    scope = scope_for(user)
    assert scope is not None
    entry = services.Intake(recipient_iin=person.iin, channel="desk", reason="choice")
    application = services.application_intake(
        scope=scope, intake=entry, by=user, looked_up_by=scope.actor
    )
    if state == "refused":
        code = presenters.refusal_choices()[0][0]
        services.application_refuse(
            application=application, reason_code=code, by=user, comment="Altered document."
        )
    if state in ("documents_accepted", "talon_issued"):
        view = presenters.application_view(application, timezone.now())
        codes = [code for code, _label in view.checklist_choices]
        services.application_accept_documents(application=application, documents=codes, by=user)
    if state == "talon_issued":
        services.application_issue_talon(application=application, by=user)
    application.refresh_from_db()
    assert application.state == state, (application.state, state)
    return application


def _superseded_talon(desk: Desk, person: Person) -> str:
    """A talon whose attachment has since been replaced by one at the other provider."""
    issued = _application(desk, person, "talon_issued")
    attachment_transfer(
        person=person,
        provider=desk.other,
        district=desk.other.districts.first(),
        valid_from=timezone.localdate() + dt.timedelta(days=1),
        reason=Attachment.Reason.CHANGE_OF_RESIDENCE,
        source="desk",
    )
    return Talon.objects.get(number=issued.talon_number).code


def _resident(desk: Desk) -> Person:
    """A new adult living in the desk's provider's area, attached nowhere."""
    return PersonFactory(address__street=desk.person.address.street)


def build_world(test_pki: Any) -> World:
    """Build the world. Signs talons (pyHanko runs its own event loop): call it from a
    thread that has none, not from a browser test's thread."""
    desk = build_desk(test_pki)
    applications = {
        "received": _application(desk, _resident(desk), "received"),
        "documents_accepted": _application(desk, _resident(desk), "documents_accepted"),
        "talon_issued": _application(desk, desk.person, "talon_issued"),
        "refused": _application(desk, _resident(desk), "refused"),
    }
    current = Talon.objects.get(number=applications["talon_issued"].talon_number).code
    talon_codes = {"current": current, "superseded": _superseded_talon(desk, _resident(desk))}
    users = dict(desk.users)
    users["nonstaff"] = User.objects.create_user("not-staff", password=PASSWORD)
    users["admin"] = User.objects.create_superuser("site-admin", password=PASSWORD)
    Group.objects.create(name="Statistics office")
    # The reports' admin pages show an edition of age bands and an export.
    AgeBandEdition.objects.create(valid_from=dt.date(2027, 1, 1), bands="0,1-4,5-17,18-64,65+")
    ReportRun.objects.create(
        kind="district-load", format="csv", requested_by=users["head"], actor="staff:head"
    )
    _gateway_messages(desk)
    # The shipped policy editions (a migration seeds them; a transactional test's flush
    # empties the table) are shown in the admin.
    for policy in EDITIONS:
        PolicyEdition.objects.get_or_create(edition=policy.edition, defaults=edition_fields(policy))
    # The admin's portal settings show how the provider decides portal requests.
    portal_setting_set(provider_id=desk.provider.pk, decision="specialist", by="world")
    _portal_records(desk)
    return World(desk, users, applications, talon_codes, unattached=_resident(desk))


def _portal_records(desk: Desk) -> None:
    """The portal's admin pages show a citizen's account and a request of theirs with its
    timeline, the talon issued."""
    from bekitu.portal.models import Account, CitizenRequest, Draft, RequestEvent, Status

    person = _resident(desk)
    user = User.objects.create_user(person.iin, iin=person.iin, password=PASSWORD)
    now = timezone.now()
    account = Account.objects.create(user=user, iin=person.iin, proof="sms", registered_at=now)
    fields = {
        "account": account,
        "number": f"P-{now:%Y%m%d}-700001",
        "recipient_iin": person.iin,
        "provider_bin": desk.provider.bin,
        "provider_name": desk.provider.name_ru,
    }
    draft = Draft.objects.create(
        applicant_role="self", xml=b"<AttachmentRequest/>", created_at=now, **fields
    )
    request = CitizenRequest.objects.create(
        draft=draft,
        signed_xml=b"<AttachmentRequest/>",
        signed_sha256="7" * 64,
        status=Status.TALON_ISSUED,
        submitted_at=now,
        deadline=now + dt.timedelta(hours=20),
        registration_number="A-2026-007001",
        talon_number="T-7001",
        **fields,
    )
    for step in (Status.SUBMITTED, Status.SENT, Status.DELIVERED, Status.TALON_ISSUED):
        RequestEvent.objects.create(request=request, status=step, at=now)


def _gateway_messages(desk: Desk) -> None:
    """The gateway operator's admin pages show a participant, a parked message each way and a
    rejected envelope, as they are after a delivery that failed."""
    provider_bin = desk.provider.bin
    Participant.objects.create(system_id="PORTAL", bin=provider_bin, title="e-gov portal")
    now = timezone.now()
    common = {
        "correlation_id": "P-20261127-000001",
        "service_id": "bekitu.attachment.request",
        "sender_id": "PORTAL",
        "route_id": provider_bin,
        "message_date": now,
        "size": 5,
        "last_error": "the receiver did not answer",
    }
    OutboxMessage.objects.create(
        message_id=uuid.uuid4(), envelope=b"<x/>", status=OutboxMessage.Status.PARKED, **common
    )
    InboxMessage.objects.create(
        message_id=uuid.uuid4(),
        envelope=b"<x/>",
        signer_serial="0a1b",
        status=InboxMessage.Status.PARKED,
        **common,
    )
    RejectedMessage.objects.create(
        route_id=provider_bin,
        code="ESRV001",
        reason="signature does not verify",
        size=5,
        sha256="0" * 64,
    )
