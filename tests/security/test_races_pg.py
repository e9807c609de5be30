"""Races on PostgreSQL, between OS processes as the production server's workers are: two
specialists take the same twenty people at once (intake), then both issue the talon of the
same twenty applications at once (action 2). Each person ends with one application, each
application with one talon and the person with one open attachment."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from bekitu.registry.models import Attachment
from bekitu.service import services
from bekitu.service.models import Application
from bekitu.service.requirements import KINDS as DOCUMENT_KINDS
from bekitu.talons.models import Talon
from bekitu.workstation.services import staff_create
from tests.factories import PersonFactory
from tests.security.processes import Processes, migrated_sqlite, processes
from tests.workstation.conftest import PASSWORD, build_desk

__all__ = ["migrated_sqlite", "processes"]

TRIALS = 20

SETUP = """
from django.contrib.auth import get_user_model
from bekitu.core.audit import audit_context
from bekitu.core.errors import DomainError
from bekitu.service import services
from bekitu.service.models import Application
from bekitu.workstation.staff import scope_for
user = get_user_model().objects.get(username=ARG["who"])
scope = scope_for(user)
"""
INTAKE = """
made, refused = [], []
with audit_context(actor=scope.actor, channel="desk"):
    for iin in ARG["iins"]:
        entry = services.Intake(recipient_iin=iin, channel="desk", reason="choice")
        try:
            made.append(services.application_intake(
                scope=scope, intake=entry, by=user, looked_up_by=scope.actor).number)
        except DomainError as exc:
            refused.append(exc.code)
print(json.dumps({"made": made, "refused": refused}))
"""
ISSUE = """
issued, refused = [], []
with audit_context(actor=scope.actor, channel="desk"):
    for number in ARG["numbers"]:
        application = Application.objects.get(number=number)
        try:
            services.application_issue_talon(application=application, by=user)
            issued.append(number)
        except DomainError as exc:
            refused.append(exc.code)
print(json.dumps({"issued": issued, "refused": refused}))
"""


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "postgresql", reason="run on PostgreSQL")
def test_two_specialists_race_on_intake_and_on_action_2(
    processes: Processes, test_pki: Any, eds_settings: Any
) -> None:
    desk = build_desk(test_pki)
    staff_create(
        username="specialist2",
        password=PASSWORD,
        provider_bin=desk.provider.bin,
        role="statistics_specialist",
    )
    street = desk.person.address.street
    iins = [PersonFactory(address__street=street).iin for _ in range(TRIALS)]
    processes.env.update(
        BEKITU_EDS_TRUST_DIR=str(test_pki.trust_dir),
        BEKITU_EDS_CRL_DIR=str(test_pki.crl_dir),
        BEKITU_EDS_PROVIDER_KEYS_DIR=str(test_pki.providers_dir),
        BEKITU_EDS_OCSP_URL="",
        BEKITU_GATEWAY_KICK="false",
    )
    who = ["specialist", "specialist2"]

    intake = processes.run(INTAKE, [{"who": w, "iins": iins} for w in who], setup=SETUP)
    made = [n for r in intake for n in r["made"]]
    assert len(made) == TRIALS, intake
    assert {c for r in intake for c in r["refused"]} <= {"application_open"}
    for iin in iins:
        assert Application.objects.filter(recipient__iin=iin).count() == 1

    for number in made:
        application = Application.objects.get(number=number)
        services.application_accept_documents(
            application=application, documents=list(DOCUMENT_KINDS), by=None
        )
    issue = processes.run(ISSUE, [{"who": w, "numbers": made} for w in who], setup=SETUP)
    assert len([n for r in issue for n in r["issued"]]) == TRIALS, issue
    for number in made:
        application = Application.objects.get(number=number)
        assert application.state == "talon_issued"
        assert Talon.objects.filter(application_number=number).count() == 1
        open_ = Attachment.objects.filter(person=application.recipient, valid_to__isnull=True)
        assert open_.count() == 1
