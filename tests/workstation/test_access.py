"""Who may use the workstation, and that no one reads another provider's applications or
persons, through the pages or the API (404, so that existence is not revealed)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bekitu.core.models import AuditEntry
from bekitu.service import services
from bekitu.service.models import Application
from bekitu.workstation.staff import scope_for
from tests.factories import AttachmentFactory, LocalityFactory, ProviderFactory
from tests.workstation.conftest import PASSWORD, Desk

pytestmark = pytest.mark.django_db


def _application(desk: Desk) -> Application:
    scope = scope_for(desk.users["specialist"])
    assert scope is not None
    entry = services.Intake(recipient_iin=desk.person.iin, channel="desk", reason="choice")
    return services.application_intake(
        scope=scope, intake=entry, by=desk.users["specialist"], looked_up_by=scope.actor
    )


def test_staff_log_in_with_their_password_and_land_on_the_queue(desk: Desk) -> None:
    client = Client()
    response = client.post(
        reverse("workstation:login"), {"username": "specialist", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("workstation:index")
    assert client.get(reverse("workstation:index")).status_code == 200


def test_a_wrong_password_is_answered_on_the_login_page(desk: Desk) -> None:
    response = Client().post(
        reverse("workstation:login"), {"username": "specialist", "password": "nope"}
    )
    assert response.status_code == 200 and b'id="login-error"' in response.content


def test_anonymous_visitors_are_sent_to_the_login_page(db: None) -> None:
    response = Client().get(reverse("workstation:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("workstation:login"))


def test_a_user_without_a_staff_profile_is_turned_away(django_user_model) -> None:
    user = django_user_model.objects.create_user(username="citizen", password="x")
    client = Client()
    client.force_login(user)
    assert client.get(reverse("workstation:index")).status_code == 403


def test_logout_ends_the_session(desk: Desk) -> None:
    client = desk.client("specialist")
    assert client.post(reverse("workstation:logout")).status_code == 302
    assert client.get(reverse("workstation:index")).status_code == 302


def test_a_head_reads_but_does_not_take_or_decide_applications(desk: Desk) -> None:
    application = _application(desk)
    head = desk.client("head")
    assert (
        head.get(reverse("workstation:application", args=[application.number])).status_code == 200
    )
    assert head.get(reverse("workstation:intake")).status_code == 403
    assert head.post(reverse("workstation:issue", args=[application.number])).status_code == 403
    assert (
        desk.api("head")
        .post(
            reverse("workstation-api:refuse", args=[application.number]),
            {"reason_code": "deceased"},
            format="json",
        )
        .status_code
        == 403
    )
    application.refresh_from_db()
    assert application.state == "received"


def test_another_providers_staff_get_404_for_the_application_everywhere(desk: Desk) -> None:
    application = _application(desk)
    number = application.number
    pages = desk.client("other_specialist")
    for name in ("workstation:application",):
        assert pages.get(reverse(name, args=[number])).status_code == 404
    assert pages.get(reverse("workstation:pdf", args=[number, "talon"])).status_code == 404
    for name in ("workstation:accept", "workstation:issue", "workstation:refuse"):
        assert (
            pages.post(reverse(name, args=[number]), {"reason_code": "deceased"}).status_code == 404
        )
    api = desk.api("other_specialist")
    assert api.get(reverse("workstation-api:application", args=[number])).status_code == 404
    for name in ("accept-documents", "issue-talon", "refuse", "talon-pdf"):
        url = reverse(f"workstation-api:{name}", args=[number])
        call = api.get if name.endswith("pdf") else api.post
        response = call(url, {"reason_code": "deceased", "documents": []}, format="json")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found" if not name.endswith("pdf") else True
    assert number not in [
        a["number"] for a in api.get(reverse("workstation-api:applications")).json()
    ]
    application.refresh_from_db()
    assert application.state == "received"


def test_a_refused_look_at_a_foreign_application_is_not_audited_as_a_read(desk: Desk) -> None:
    number = _application(desk).number
    reads = AuditEntry.objects.filter(action="service.application.read", object_id=number)
    before = reads.count()
    desk.client("other_specialist").get(reverse("workstation:application", args=[number]))
    assert reads.count() == before
    desk.client("specialist").get(reverse("workstation:application", args=[number]))
    assert reads.filter(actor="staff:specialist").count() == 1


def test_a_missing_application_and_a_foreign_one_look_the_same(desk: Desk) -> None:
    number = _application(desk).number
    api = desk.api("other_specialist")
    foreign = api.get(reverse("workstation-api:application", args=[number]))
    missing = api.get(reverse("workstation-api:application", args=["A-1999-000001"]))
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())


def test_another_providers_persons_are_not_readable(desk: Desk) -> None:
    # desk.elsewhere is attached to the other provider.
    pages = desk.client("specialist")
    assert pages.get(reverse("workstation:person", args=[desk.elsewhere.pk])).status_code == 404
    api = desk.api("specialist")
    assert api.get(reverse("workstation-api:person", args=[desk.elsewhere.pk])).status_code == 404
    found = api.get(reverse("workstation-api:population"), {"q": desk.elsewhere.iin}).json()
    assert found["count"] == 0
    page = pages.post(reverse("workstation:population"), {"q": desk.elsewhere.iin}, follow=True)
    assert page.context["page_obj"].paginator.count == 0
    # ... while their own provider's specialist reads them.
    other = desk.api("other_specialist")
    assert other.get(reverse("workstation-api:person", args=[desk.elsewhere.pk])).status_code == 200


def test_a_person_who_applied_becomes_readable_to_that_provider(desk: Desk) -> None:
    pages = desk.client("specialist")
    assert pages.get(reverse("workstation:person", args=[desk.person.pk])).status_code == 404
    _application(desk)
    response = pages.get(reverse("workstation:person", args=[desk.person.pk]))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(
        action="workstation.person.read", subject_iin=desk.person.iin, actor="staff:specialist"
    ).exists()


def test_a_regional_admin_sees_every_provider_of_the_region_and_no_other(desk: Desk) -> None:
    far = ProviderFactory(locality=LocalityFactory(atu_code="751010000"), atu_code="751010000")
    far_person = AttachmentFactory(provider=far).person
    api = desk.api("regional")
    assert api.get(reverse("workstation-api:person", args=[desk.elsewhere.pk])).status_code == 200
    assert api.get(reverse("workstation-api:person", args=[far_person.pk])).status_code == 404
    found = api.get(reverse("workstation-api:population")).json()
    iins = {row["iin"] for row in found["results"]}
    assert desk.elsewhere.iin in iins and far_person.iin not in iins
