"""R11: the handbook is published: its pages in kk, ru and en, the `.bpmn` files, and the
printable handbook (PDF) in Kazakh and Russian."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from lxml import etree
from pypdf import PdfReader
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator

from bekitu.handbook.diagrams import DIAGRAMS, bpmn_path

pytestmark = pytest.mark.django_db


def test_the_index_lists_the_three_diagrams_and_the_downloads_in_kazakh(client: Any) -> None:
    response = client.get("/handbook/", HTTP_ACCEPT_LANGUAGE="kk")
    text = response.content.decode()
    assert response.status_code == 200
    for diagram in DIAGRAMS.values():
        assert diagram.title.kk in text
        assert f"/handbook/bpmn/{diagram.file_name}" in text
    assert "/handbook/handbook-kk.pdf" in text and "/handbook/handbook-ru.pdf" in text
    assert "Басып шығаруға арналған анықтамалық" in text


def test_a_diagram_page_gives_each_element_its_clauses_role_and_duration(client: Any) -> None:
    response = client.get("/handbook/provider/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="element-info"')
    data = html[html.index(">", start) + 1 : html.index("</script>", start)]
    info = json.loads(data)
    action1 = info["Task_provider_action1"]
    assert action1["role"] == "Специалист статистического отдела"
    assert action1["duration"] == "30 минут"
    assert [c["id"] for c in action1["clauses"]] == ["R5.1", "R8.1", "R6"]
    assert "30 минут" in action1["clauses"][0]["text"]
    assert 'data-source="/handbook/provider/view.bpmn"' in html
    assert "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html


def test_the_viewer_gets_the_diagram_in_the_pages_language_and_it_still_validates(
    client: Any,
) -> None:
    response = client.get("/handbook/portal/view.bpmn", HTTP_ACCEPT_LANGUAGE="kk")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    BpmnValidator().validate(root.getroottree())
    task = root.find(".//*[@id='Task_portal_register']")
    assert task is not None and task.get("name", "").startswith("6-процесс")


def test_the_download_is_the_published_file(client: Any) -> None:
    diagram = DIAGRAMS["interaction"]
    response = client.get(f"/handbook/bpmn/{diagram.file_name}")
    assert response.status_code == 200
    assert response.content == bpmn_path(diagram).read_bytes()
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize(
    "path", ["/handbook/nothing/", "/handbook/bpmn/../settings.py", "/handbook/handbook-en.pdf"]
)
def test_unknown_diagrams_files_and_languages_are_404(client: Any, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("kk", ["1-іс-қимыл: құжаттарды қабылдау", "Орындаушы", "Статистикалық кабинеттің маманы"]),
        (
            "ru",
            ["Действие 1: приём документов", "Исполнитель", "Специалист статистического отдела"],
        ),
    ],
)
def test_the_printed_handbook_says_each_procedure_in_its_language(
    client: Any, language: str, words: list[str]
) -> None:
    response = client.get(f"/handbook/handbook-{language}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    for word in words:
        assert word in text
    # Appendix 1 is printed on A3 across, the rest on A4 across.
    sizes = {
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    }
    assert sizes == {(842, 595), (1191, 842)}


# --- the running process on the diagram (heads and the region) ---


def _staff(provider: Any, role: str, username: str) -> Any:
    from bekitu.core.models import User
    from bekitu.workstation.models import StaffProfile

    user = User.objects.create_user(username=username, password="x-Pass-12345")
    StaffProfile.objects.create(user=user, provider=provider, role=role)
    return user


def _accepted_after(provider: Any, minutes: int, *, late: bool = False) -> None:
    import datetime as dt

    from django.utils import timezone

    from bekitu.service import services
    from bekitu.service.models import ApplicationStep
    from tests.factories import PersonFactory

    # Yesterday at 10:00 (a weekday or not, the step's working minutes are what they are).
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    start -= dt.timedelta(days=1)
    app = services.application_create(
        channel="desk",
        recipient=PersonFactory(),
        provider=provider,
        reason="initial",
        submitted_at=start,
    )
    ApplicationStep.objects.create(
        application=app,
        from_state="received",
        to_state="documents_accepted",
        action="accept_documents",
        actor_label="t",
        at=start + dt.timedelta(minutes=minutes),
        # Action 1 is due 30 minutes after submission (R5.1); `late` steps come after it.
        due_at=start + dt.timedelta(minutes=30),
        breached=late,
    )


def _figures(html: str) -> dict[str, Any]:
    start = html.index('id="mining-data"')
    return json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])


def test_a_head_sees_the_steps_of_their_own_provider_on_the_diagram(client: Any) -> None:
    from bekitu.core.models import AuditEntry
    from tests.factories import ProviderFactory

    mine, other = ProviderFactory(), ProviderFactory()
    _accepted_after(mine, 0)
    _accepted_after(other, 0)
    client.force_login(_staff(mine, "head", "head-a"))
    response = client.get("/handbook/provider/")
    html = response.content.decode()
    assert response.status_code == 200 and "The running process" in html
    figures = _figures(html)
    assert list(figures) == ["Task_provider_action1"]
    assert figures["Task_provider_action1"]["label"].startswith("n=1 ")
    audit = AuditEntry.objects.get(action="service.step_statistics.read")
    assert audit.actor == "staff:head-a" and audit.object_id == mine.bin


def test_the_period_is_checked_and_a_wrong_one_shows_no_figures(client: Any) -> None:
    from tests.factories import ProviderFactory

    client.force_login(_staff(ProviderFactory(), "head", "head-b"))
    response = client.get("/handbook/provider/?since=2026-05-01&until=2026-04-01")
    html = response.content.decode()
    assert "The period must start before it ends." in html
    assert 'id="mining-data"' not in html


@pytest.mark.parametrize("role", [None, "statistics_specialist"])
def test_the_public_and_specialists_see_no_figures(client: Any, role: str | None) -> None:
    from tests.factories import ProviderFactory

    provider = ProviderFactory()
    _accepted_after(provider, 10)
    if role:
        client.force_login(_staff(provider, role, "spec"))
    html = client.get("/handbook/provider/").content.decode()
    assert "mining-data" not in html and "The running process" not in html


def test_the_region_chooses_a_provider_of_its_region_only(client: Any) -> None:
    from tests.factories import ProviderFactory

    provider = ProviderFactory()
    client.force_login(_staff(provider, "regional_admin", "region-a"))
    html = client.get("/handbook/portal/").content.decode()
    assert f'value="{provider.bin}"' in html
    foreign = client.get(
        "/handbook/portal/?since=2026-01-01&until=2026-01-31&provider=990000000000"
    )
    assert "mining-data" not in foreign.content.decode()
