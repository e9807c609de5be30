"""The desk through its pages: intake by IIN, checklist, action 1, action 2, the PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bekitu.core.models import AuditEntry
from bekitu.service.models import Application
from tests.factories import POA_DATE, POA_VALID_UNTIL, AttachmentFactory
from tests.workstation.conftest import Desk, caller_answers, document_of

pytestmark = pytest.mark.django_db


def _intake(desk: Desk, client, **form: str) -> Application:
    response = client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    assert response.status_code == 302
    assert response["Location"] == reverse("workstation:intake-person")
    data = {
        "channel": "desk",
        "reason": "choice",
        "applicant_role": "self",
        **document_of(desk.person),
        **form,
    }
    response = client.post(reverse("workstation:intake-person"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Application.objects.get(recipient=desk.person)


def _required(client, application: Application) -> list[str]:
    page = client.get(reverse("workstation:application", args=[application.number]))
    return [item.code for item in page.context["view"].checklist]


def test_the_whole_desk_flow_ends_with_a_printable_signed_talon(desk: Desk) -> None:
    client = desk.client("specialist")
    application = _intake(desk, client)
    assert application.state == "received" and application.channel == "desk"
    assert application.provider == desk.provider

    page = client.get(reverse("workstation:application", args=[application.number]))
    assert page.status_code == 200
    assert b'id="accept-form"' in page.content and b'id="doc-identity_document"' in page.content
    assert page.context["view"].checks, "the checks ran at intake"

    documents = _required(client, application)
    response = client.post(
        reverse("workstation:accept", args=[application.number]), {"documents": documents}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "documents_accepted"

    response = client.post(reverse("workstation:issue", args=[application.number]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "talon_issued" and application.talon_number

    page = client.get(reverse("workstation:application", args=[application.number]))
    assert b'id="talon-pdf"' in page.content
    reads = AuditEntry.objects.filter(action="talons.talon.read").count()
    pdf = client.get(reverse("workstation:pdf", args=[application.number, "talon"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    # Printing the talon is a read of the person's document: audited.
    assert AuditEntry.objects.filter(action="talons.talon.read").count() == reads + 1


def test_a_telephone_application_is_recorded_the_same_way(desk: Desk) -> None:
    answers = caller_answers(desk.person)
    application = _intake(desk, desk.client("specialist"), channel="phone", **answers)
    assert application.channel == "phone" and application.state == "received"


def test_missing_documents_keep_the_application_and_say_what_is_missing(desk: Desk) -> None:
    client = desk.client("specialist")
    application = _intake(desk, client)
    response = client.post(
        reverse("workstation:accept", args=[application.number]), {"documents": []}, follow=True
    )
    application.refresh_from_db()
    assert application.state == "received"
    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert errors and "identity" in str(errors[0])


def test_talon_cannot_be_issued_before_the_documents_are_accepted(desk: Desk) -> None:
    client = desk.client("specialist")
    application = _intake(desk, client)
    response = client.post(reverse("workstation:issue", args=[application.number]), follow=True)
    application.refresh_from_db()
    assert application.state == "received"
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_refusal_is_recorded_with_its_reason_and_printable(desk: Desk) -> None:
    client = desk.client("specialist")
    application = _intake(desk, client)
    response = client.post(
        reverse("workstation:refuse", args=[application.number]),
        {"reason_code": "unreliable_data", "comment": "passport does not match"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.state, application.refusal_code) == ("refused", "unreliable_data")
    pdf = client.get(reverse("workstation:pdf", args=[application.number, "refusal"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert (
        client.get(reverse("workstation:pdf", args=[application.number, "talon"])).status_code
        == 404
    )


def test_refusal_without_a_reason_is_not_recorded(desk: Desk) -> None:
    client = desk.client("specialist")
    application = _intake(desk, client)
    client.post(reverse("workstation:refuse", args=[application.number]), {"reason_code": ""})
    application.refresh_from_db()
    assert application.state == "received"


@pytest.mark.parametrize(
    ("iin", "reason"),
    [("12345", "12 digits"), ("12345678901a", "digits only"), ("900412300001", "check digit")],
)
def test_a_bad_iin_is_answered_with_the_reason_of_the_iin_check(
    desk: Desk, iin: str, reason: str
) -> None:
    response = desk.client("specialist").post(reverse("workstation:intake"), {"iin": iin})
    assert response.status_code == 400
    assert reason in response.content.decode()


def test_an_iin_the_register_does_not_know_is_answered_clearly(desk: Desk) -> None:
    from tests.factories import unique_iin

    unknown = unique_iin(desk.person.birth_date, "male")
    response = desk.client("specialist").post(reverse("workstation:intake"), {"iin": unknown})
    assert response.status_code == 400
    assert "no person with this IIN" in response.content.decode()


def test_intake_page_fills_in_the_register_data(desk: Desk) -> None:
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    page = client.get(reverse("workstation:intake-person"))
    assert page.status_code == 200
    text = page.content.decode()
    assert desk.person.iin in text and desk.person.surname in text
    assert AuditEntry.objects.filter(
        action="workstation.register.lookup", subject_iin=desk.person.iin
    ).exists()


def test_a_representative_needs_a_power_of_attorney(desk: Desk) -> None:
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    response = client.post(
        reverse("workstation:intake-person"),
        {
            "channel": "desk",
            "reason": "choice",
            "applicant_role": "representative",
            "applicant_iin": desk.elsewhere.iin,
        },
    )
    assert response.status_code == 400
    assert "power of attorney" in response.content.decode()
    assert not Application.objects.exists()


def test_a_representative_with_a_power_of_attorney_is_recorded(desk: Desk) -> None:
    application = _intake(
        desk,
        desk.client("specialist"),
        applicant_role="representative",
        applicant_iin=desk.elsewhere.iin,
        poa_number="PA-17",
        poa_date=POA_DATE.isoformat(),
        poa_valid_until=POA_VALID_UNTIL.isoformat(),
    )
    assert application.applicant == desk.elsewhere
    assert application.poa_number == "PA-17"


def test_a_second_open_application_of_the_person_is_refused_with_its_reason(desk: Desk) -> None:
    client = desk.client("specialist")
    _intake(desk, client)
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    response = client.post(
        reverse("workstation:intake-person"),
        {
            "channel": "desk",
            "reason": "choice",
            "applicant_role": "self",
            **document_of(desk.person),
        },
    )
    assert response.status_code == 400
    assert "already has an open application" in response.content.decode()


def test_the_queue_shows_open_applications_with_their_time_left(desk: Desk) -> None:
    client = desk.client("specialist")
    application = _intake(desk, client)
    page = client.get(reverse("workstation:index"))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [r.number for r in rows] == [application.number]
    assert " h " in rows[0].left.text and rows[0].left.warning in ("", "near", "past")


def test_pages_answer_post_with_a_redirect_and_need_the_csrf_token(desk: Desk) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.users["specialist"])
    response = client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    assert response.status_code == 403


def test_population_search_is_posted_pages_by_get_and_audits_whose_rows_were_shown(
    desk: Desk,
) -> None:
    attached = AttachmentFactory(provider=desk.provider, district=desk.district).person
    client = desk.client("specialist")
    posted = client.post(reverse("workstation:population"), {"q": attached.iin})
    assert posted.status_code == 302
    # The address carries a short-lived search id, never the IIN.
    assert attached.iin not in posted["Location"] and "?s=" in posted["Location"]
    page = client.get(posted["Location"])
    assert page.status_code == 200
    assert [a.person_id for a in page.context["page_obj"]] == [attached.pk]
    assert b'method="post" action="/workstation/population/" role="search"' in page.content
    row = AuditEntry.objects.filter(action="workstation.population.read").last()
    assert row is not None
    assert row.data == {"by_iin": True, "shown": 1, "persons": [attached.pk]}
    # Paging is a plain GET of the same search id.
    second = client.get(posted["Location"] + "&page=1")
    assert second.status_code == 200 and second.context["query"] == attached.iin
    # Another session cannot use the id: it finds nothing of the search (expired for it).
    stranger = desk.client("head").get(posted["Location"])
    assert stranger.context["query"] == "" and stranger.context["expired"]
