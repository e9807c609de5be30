"""The OpenAPI schema is complete and valid, and the documentation page works."""

from __future__ import annotations

import pytest
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

OPERATIONS = {
    "applications_list",
    "applications_create",
    "applications_retrieve",
    "applications_accept_documents",
    "applications_issue_talon",
    "applications_refuse",
    "register_lookup",
    "persons_retrieve",
    "persons_lookup",
    "population_list",
    "applications_talon_pdf",
    "applications_refusal_pdf",
}


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_validates_and_the_workstation_views_raise_no_warnings() -> None:
    GENERATOR_STATS.reset()
    validate_schema(_schema())
    # The generator's own complaints (untyped fields, unknown responses), keyed by location.
    complaints = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    assert [c for c in complaints if "workstation" in c] == []


def test_the_schema_has_every_workstation_operation_and_the_pdfs() -> None:
    schema = _schema()
    ids = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    assert ids >= OPERATIONS
    pdf = schema["paths"]["/api/v1/applications/{number}/talon.pdf"]["get"]
    assert "application/pdf" in pdf["responses"]["200"]["content"]
    assert {"basicAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
    population = schema["paths"]["/api/v1/population/"]["get"]["responses"]["200"]
    ref = population["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"count", "next", "previous", "results"} <= set(page["properties"])


def test_schema_and_swagger_page_are_served(db: None) -> None:
    client = Client()
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/api/docs/")
    assert page.status_code == 200 and b"swagger" in page.content.lower()
