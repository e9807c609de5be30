"""The basis of attachment through the portal: the request's schema of version 2 carries what
the attachment rests on with the unit (KATO) of its address; the provider's condition 3
checks it by the desk's rule. A request of version 1, signed before version 2, is still read
and rests on the registered residence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from lxml import etree

from bekitu.gateway.contracts import attachment_request as contract
from bekitu.registry.models import Person, Provider, ServiceArea
from bekitu.service.models import Application, CheckResult, PortalRequest
from tests.factories import PersonFactory
from tests.service.portal_helpers import PDF, as_version_1
from tests.service.test_portal_requests import _receive, citizen, participants

__all__ = ["citizen", "participants"]  # the provider's side's fixtures, used here too

OTHER_ATU = "751010000"
WORK = "employment_certificate"

pytestmark = pytest.mark.django_db


def _request(basis: contract.Basis | None) -> contract.AttachmentRequest:
    return contract.AttachmentRequest(
        number="P-20261127-000042",
        submitted_at=dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC),
        nonce="0" * 32,
        account_iin="850314300123",
        recipient_iin="850314300123",
        applicant_role="self",
        provider_bin="123456789012",
        reason="choice",
        contacts=contract.Contacts("+77015551234"),
        language="kk",
        basis=basis,
    )


def test_version_3_carries_the_basis_with_the_unit_of_its_address() -> None:
    stated = contract.Basis("work", "631010000", "Абай даңғылы, 10", pregnant=False)
    xml = contract.build_request(_request(stated))
    root = etree.fromstring(xml)
    assert etree.QName(root).namespace == "urn:bekitu:attachment-request:3"
    assert root.get("version") == "3"
    assert contract.parse_request(xml).basis == stated
    # Left out, the basis is written as the registered residence, with no address.
    plain = contract.parse_request(contract.build_request(_request(None)))
    assert plain.basis == contract.Basis("registered_residence")


def test_a_basis_other_than_the_registered_residence_needs_its_unit() -> None:
    with pytest.raises(contract.RequestInvalid):
        contract.build_request(_request(contract.Basis("study", "", "Сәтпаев к., 22")))
    xml = contract.build_request(_request(contract.Basis("study", "631010000", "x")))
    broken = xml.replace(b"<atuCode>631010000</atuCode>", b"<atuCode>6310</atuCode>")
    with pytest.raises(contract.RequestInvalid):
        contract.parse_request(broken)


def test_a_request_of_version_1_is_still_read_and_rests_on_the_registered_residence() -> None:
    old = as_version_1(contract.build_request(_request(contract.Basis("work", "631010000"))))
    assert b"urn:bekitu:attachment-request:1" in old and b"basis" not in old
    read = contract.parse_request(old)
    assert (read.version, read.basis) == ("1", None)
    assert read.number == "P-20261127-000042" and read.language == "kk"


def test_a_request_of_an_unknown_version_is_refused() -> None:
    xml = contract.build_request(_request(None)).replace(
        b"attachment-request:3", b"attachment-request:9"
    )
    with pytest.raises(contract.RequestInvalid, match="known version"):
        contract.parse_request(xml)


# The provider's side, end to end from the signed request.


@pytest.fixture
def commuter(gp_area: ServiceArea, test_pki: Any) -> Person:
    """The test PKI's first person, registered in another unit than the provider's."""
    return PersonFactory(
        iin=test_pki.persons[0].iin,
        birth_date=dt.date(1985, 3, 14),
        sex="male",
        address__street__locality__atu_code=OTHER_ATU,
    )


def _application(number: str) -> Application:
    application = PortalRequest.objects.get(number=number).application
    assert application is not None
    return application


def _unit_check(application: Application) -> CheckResult:
    return application.check_results.filter(check_name="provider_available").latest("pk")


def test_work_in_the_providers_unit_attaches_someone_registered_elsewhere(
    test_pki: Any, provider: Provider, commuter: Person
) -> None:
    basis = contract.Basis("work", provider.atu_code, "Абай даңғылы, 10")
    number = _receive(
        test_pki,
        provider,
        commuter,
        basis=basis,
        copies={"identity_document": PDF, WORK: PDF},
    )
    application = _application(number)
    assert (application.basis, application.basis_atu_code) == ("work", provider.atu_code)
    assert application.basis_address == "Абай даңғылы, 10"
    assert application.state == "talon_issued"
    assert _unit_check(application).details == {"address_known": True, "basis": "work"}


def test_the_same_person_on_the_registered_residence_is_refused_by_the_desks_rule(
    test_pki: Any, provider: Provider, commuter: Person
) -> None:
    number = _receive(test_pki, provider, commuter)
    application = _application(number)
    assert application.basis == "registered_residence"
    assert (application.state, application.refusal_code) == ("refused", "provider_not_available")
    assert _unit_check(application).details["problem"] == "other_unit"


def test_actual_residence_of_an_adult_not_pregnant_is_refused_at_condition_3(
    test_pki: Any, provider: Provider, commuter: Person
) -> None:
    basis = contract.Basis("actual_residence", provider.atu_code, "Абай даңғылы, 10")
    number = _receive(test_pki, provider, commuter, basis=basis)
    application = _application(number)
    assert application.state == "refused"
    assert _unit_check(application).details["problem"] == "basis_not_allowed"


def test_an_old_signed_request_of_version_1_is_processed_on_the_registered_residence(
    test_pki: Any, provider: Provider, citizen: Person
) -> None:
    number = _receive(test_pki, provider, citizen, version="1")
    application = _application(number)
    assert bytes(application.signed_request).find(b"attachment-request:1") > 0
    assert (application.basis, application.basis_atu_code) == ("registered_residence", "")
    assert application.state == "talon_issued"
    assert application.submitted_at <= timezone.now()
