"""Home visits through the portal (decision 0012): the request's schema of version 3 may carry
the basis's address in parts; the provider's side matches it against its service areas by the
desk's rule. A request of version 2 (the address as text alone) is still read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from lxml import etree

from bekitu.gateway.contracts import attachment_request as contract
from bekitu.registry.models import Person, Provider, ServiceArea
from bekitu.service.models import Application, PortalRequest
from bekitu.talons.selectors import talon_for_application
from tests.factories import PersonFactory
from tests.service.portal_helpers import PDF, as_version_2
from tests.service.test_portal_basis import _request
from tests.service.test_portal_requests import _receive, citizen, participants

__all__ = ["citizen", "participants"]  # the provider's side's fixtures, used here too

OTHER_ATU = "751010000"
TEMPORARY = "temporary_registration"

pytestmark = pytest.mark.django_db


def test_version_3_carries_the_address_in_parts_and_reads_it_back() -> None:
    stated = contract.Basis(
        "temporary_residence", "631010000", "", street="Абай даңғылы", house=12, apartment="7"
    )
    xml = contract.build_request(_request(stated))
    root = etree.fromstring(xml)
    ns = contract.NS
    assert root.find(f"{{{ns}}}basis/{{{ns}}}dwelling/{{{ns}}}house").text == "12"
    assert contract.parse_request(xml).basis == stated


def test_a_house_that_is_not_a_positive_number_is_not_a_valid_request() -> None:
    stated = contract.Basis("temporary_residence", "631010000", street="Абай", house=12)
    xml = contract.build_request(_request(stated)).replace(
        b"<house>12</house>", b"<house>0</house>"
    )
    with pytest.raises(contract.RequestInvalid):
        contract.parse_request(xml)


def test_a_request_of_version_2_is_still_read_with_its_text_address() -> None:
    stated = contract.Basis("work", "631010000", "Абай даңғылы, 10", street="Абай", house=10)
    old = as_version_2(contract.build_request(_request(stated)))
    assert b"urn:bekitu:attachment-request:2" in old and b"dwelling" not in old
    read = contract.parse_request(old)
    assert read.version == "2"
    assert read.basis == contract.Basis("work", "631010000", "Абай даңғылы, 10")


@pytest.fixture
def newcomer(gp_area: ServiceArea, test_pki: Any) -> Person:
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


def _district(application: Application) -> dict[str, Any]:
    return application.check_results.filter(check_name="district").latest("pk").details


def _living(provider: Provider, area: ServiceArea) -> contract.Basis:
    return contract.Basis(
        "temporary_residence", provider.atu_code, "", street=area.street.name_kk, house=5
    )


def test_the_provider_gives_home_visits_where_the_signed_request_says_the_person_lives(
    test_pki: Any, provider: Provider, gp_area: ServiceArea, newcomer: Person
) -> None:
    basis = _living(provider, gp_area)
    number = _receive(
        test_pki, provider, newcomer, basis=basis, copies={"identity_document": PDF, TEMPORARY: PDF}
    )
    application = _application(number)
    assert (application.basis_street, application.basis_house) == (gp_area.street.name_kk, 5)
    assert application.basis_address == f"{gp_area.street.name_kk}, 5"
    assert application.state == "talon_issued"
    details = _district(application)
    assert details["home_visits"] is True and details["district_id"] == gp_area.district_id
    talon = talon_for_application(application_number=application.number)
    assert talon is not None and talon.home_visits is True


def test_an_old_request_of_version_2_is_processed_without_home_visits_at_a_text_address(
    test_pki: Any, provider: Provider, gp_area: ServiceArea, newcomer: Person
) -> None:
    number = _receive(
        test_pki,
        provider,
        newcomer,
        basis=contract.Basis("temporary_residence", provider.atu_code, "Абай даңғылы, 5"),
        copies={"identity_document": PDF, TEMPORARY: PDF},
        version="2",
    )
    application = _application(number)
    assert bytes(application.signed_request).find(b"attachment-request:2") > 0
    assert (application.basis_address, application.basis_street) == ("Абай даңғылы, 5", "")
    assert application.state == "talon_issued"
    # The text names a served street, but the service does not guess a house from text.
    assert _district(application)["home_visits"] is False
