"""The request's pages: the form in two steps, signing, condition 2's refusal on the page
(R9.7), the request's timeline with the talon, the cabinet with the register's attachments."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from bekitu.core.models import User
from bekitu.devtools.testpki import TestPki
from bekitu.eds.signing import sign_xml_with_p12
from bekitu.portal.models import Account, CitizenRequest
from bekitu.registry.models import Person
from tests.portal.conftest import P12_PASSWORD, drain

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.django_db


def logged_in(person: Person, lang: str) -> Client:
    user = User.objects.create_user(person.iin, iin=person.iin, password="Zhasyl-Alma-2026")
    Account.objects.create(user=user, iin=person.iin, proof="eds", registered_at=timezone.now())
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def prepare(client: Any, provider: Any, **who: str) -> str:
    """Steps 1 and 2 of the form; the address of the page to sign."""
    query = {"applicant_role": "self", "recipient_iin": "", "q": "", **who}
    step2 = client.get("/portal/requests/new/", query)
    assert step2.status_code == 200
    page = step2.content.decode()
    assert provider.bin in page
    codes = re.findall(r'name="copy_([a-z_]+)"', page)
    files = {f"copy_{c}": SimpleUploadedFile(f"{c}.pdf", PDF, "application/pdf") for c in codes}
    posted = client.post(
        "/portal/requests/new/?" + "&".join(f"{k}={v}" for k, v in query.items()),
        {"provider_bin": provider.bin, "reason": "choice", "phone": "+77015551234", **files},
    )
    assert posted.status_code == 302, posted.content.decode()[:3000]
    return str(posted["Location"])


def signed_from(client: Any, sign_url: str, p12: Any) -> str:
    page = client.get(sign_url).content.decode()
    import html

    xml = html.unescape(re.search(r'<pre id="xml-to-sign">(.*?)</pre>', page, re.S).group(1))  # type: ignore[union-attr]
    return sign_xml_with_p12(p12_path=p12, password=P12_PASSWORD, xml=xml.encode()).decode()


def test_the_form_signing_and_the_talon_in_russian(
    citizen: Person, provider: Any, test_pki: TestPki, channel: Any
) -> None:
    client = logged_in(citizen, "ru")
    sign_url = prepare(client, provider)
    signed = signed_from(client, sign_url, test_pki.person_sign_p12(citizen.iin))
    sent = client.post(sign_url, {"signed_xml": signed})
    assert sent.status_code == 302
    number = CitizenRequest.objects.get().number
    assert sent["Location"] == f"/portal/requests/{number}/"
    drain(channel)
    page = client.get(sent["Location"]).content.decode()
    assert 'data-status="talon_issued"' in page
    assert "Талон (PDF)" in page or "talon-pdf" in page
    # When the provider decided, and that it was within the term (the deadline stays shown).
    assert 'id="request-decided" data-on-time="true"' in page and "(в срок)" in page
    assert client.get(f"/portal/requests/{number}/talon.pdf").content.startswith(b"%PDF")
    cabinet = client.get("/portal/cabinet/").content.decode()
    assert number in cabinet
    assert provider.name_ru in cabinet  # the current attachment, read from the register


def test_a_decision_after_the_deadline_reads_late_and_none_without_one() -> None:
    from bekitu.portal import presenters
    from bekitu.portal.models import RequestEvent

    deadline = timezone.now()
    request = CitizenRequest(number="P-1", deadline=deadline)
    steps = [
        RequestEvent(status="registered", at=deadline - dt.timedelta(hours=2)),
        RequestEvent(status="refused", at=deadline + dt.timedelta(minutes=1)),
    ]
    assert presenters.decided(request, steps) == presenters.Decided(steps[1].at, False)
    assert presenters.decided(request, steps[:1]) is None
    request.deadline = None
    assert presenters.decided(request, steps) == presenters.Decided(steps[1].at, None)


def test_a_parent_for_the_child_in_kazakh(
    citizen: Person, child: Person, provider: Any, test_pki: TestPki, channel: Any
) -> None:
    client = logged_in(citizen, "kk")
    step1 = client.get("/portal/requests/new/").content.decode()
    # The child is offered by name and birth date from the register's relations.
    assert f'name="dependant" value="{child.iin}"' in step1
    assert f"{child.surname} {child.given_name}" in step1 and "20.05.2018" in step1
    sign_url = prepare(client, provider, applicant_role="parent", dependant=child.iin)
    signed = signed_from(client, sign_url, test_pki.person_sign_p12(citizen.iin))
    assert client.post(sign_url, {"signed_xml": signed}).status_code == 302
    drain(channel)
    request = CitizenRequest.objects.get()
    assert request.recipient_iin == child.iin and request.status == "talon_issued"
    cabinet = client.get("/portal/cabinet/").content.decode()
    assert f'data-iin="{child.iin}"' in cabinet  # the child's attachment beside the parent's


def test_the_list_offers_only_ones_own_children_and_wards(
    citizen: Person, child: Person, provider: Any, channel: Any
) -> None:
    from tests.factories import PersonFactory, PersonRelationFactory

    adult = PersonFactory(birth_date=dt.date(2000, 1, 1))
    PersonRelationFactory(person=adult, relative=citizen, kind="parent")
    stranger = PersonFactory(birth_date=dt.date(2019, 1, 1))
    client = logged_in(citizen, "ru")
    step1 = client.get("/portal/requests/new/").content.decode()
    offered = re.findall(r'name="dependant" value="(\d+)"', step1)
    assert offered == [child.iin]  # not the adult son, not a stranger's child
    query = {"applicant_role": "parent", "dependant": stranger.iin, "q": ""}
    refused = client.get("/portal/requests/new/", query).content.decode()
    assert 'id="who-form"' in refused and 'id="request-form"' not in refused
    assert "Выберите своего ребёнка из списка." in refused
    wards = client.get("/portal/requests/new/", {**query, "applicant_role": "guardian"})
    assert "не записан ни один ваш подопечный" in wards.content.decode()


@pytest.mark.parametrize(
    ("key", "code"), [("auth", "wrong_key_usage"), ("revoked", "revoked"), ("expired", "expired")]
)
def test_an_eds_not_confirmed_is_refused_on_the_page(
    citizen: Person, provider: Any, test_pki: TestPki, channel: Any, key: str, code: str
) -> None:
    client = logged_in(citizen, "ru")
    sign_url = prepare(client, provider)
    p12 = test_pki.person_auth_p12(citizen.iin) if key == "auth" else test_pki.negative(key)
    refused = client.post(sign_url, {"signed_xml": signed_from(client, sign_url, p12)})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert f'data-code="{code}"' in page
    assert "ЭЦП не подтверждена" in page  # the EDS could not be confirmed
    assert not CitizenRequest.objects.exists()


def test_the_register_silent_is_a_clear_message(citizen: Person, channel: Any) -> None:
    client = logged_in(citizen, "en")
    channel.serve = lambda: None
    from django.test import override_settings

    with override_settings(GATEWAY_CALL_TIMEOUT_SECONDS=0):
        page = client.get("/portal/cabinet/").content.decode()
    assert 'id="register-unavailable"' in page
    assert "did not answer in time" in page
