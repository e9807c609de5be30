"""/api/v1/reports/: the reports as JSON for the reader's scope, exports, errors, the schema."""

from __future__ import annotations

import pytest

from bekitu import celery_app
from bekitu.core.models import AuditEntry
from tests.factories import AttachmentFactory
from tests.reports.conftest import day

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(region):
    AttachmentFactory(provider=region.a, district=region.a_gp, valid_from=day("2025-01-01"))
    AttachmentFactory(provider=region.b, district=region.b_gp, valid_from=day("2025-01-01"))
    return region


def test_the_population_as_json(populated):
    response = populated.api("regional").get(
        "/api/v1/reports/attached-population/?as_of=2026-06-01"
    )
    assert response.status_code == 200
    body = response.json()
    cells = next(t for t in body["tables"] if t["key"] == "cells")
    assert sorted(row["provider_bin"] for row in cells["rows"]) == sorted(
        [populated.a.bin, populated.b.bin]
    )
    entry = AuditEntry.objects.get(action="reports.report.read")
    assert (entry.actor, entry.channel) == ("staff:regional", "api")


def test_a_specialist_gets_403_with_a_code(populated):
    response = populated.api("specialist").get("/api/v1/reports/movement/")
    assert response.status_code == 403 and response.json()["code"] == "not_a_reader"


def test_bad_parameters_get_400_naming_the_field(populated):
    response = populated.api("head").get("/api/v1/reports/service/?first=2026-02-30")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "first" in response.json()["fields"]
    other = populated.api("head").get(f"/api/v1/reports/district-load/?provider={populated.b.bin}")
    assert other.status_code == 400 and "provider" in other.json()["fields"]


def test_an_export_through_the_api(
    populated, monkeypatch, settings, tmp_path, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    settings.REPORTS_DIR = tmp_path
    api = populated.api("head")
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/reports/exports/",
            {
                "report": "movement",
                "format": "csv",
                "table": "balance",
                "params": {"first": "2025-01-01"},
            },
            format="json",
        )
    assert created.status_code == 202
    status = api.get(f"/api/v1/reports/exports/{created.json()['id']}/").json()
    assert status["status"] == "done" and status["file"].endswith("/file")
    body = b"".join(api.get(status["file"]).streaming_content).decode()
    assert body.splitlines()[0].startswith("provider_bin,provider,attached_before,gained")


def test_the_schema_documents_the_reports(populated):
    schema = populated.api("head").get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for kind in ("attached-population", "movement", "service", "district-load"):
        assert f"/api/v1/reports/{kind}/" in paths
    names = {p["name"] for p in paths["/api/v1/reports/attached-population/"]["get"]["parameters"]}
    assert {"as_of", "provider", "by"} <= names
    assert "/api/v1/reports/exports/" in paths
