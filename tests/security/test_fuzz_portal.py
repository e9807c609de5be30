"""The portal's API fuzzed from the same OpenAPI schema (schemathesis): every operation under
/portal/api/, a bounded number of examples, with a registered citizen's bearer token; no 5xx
and no answer outside the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from bekitu.portal import sessions
from bekitu.registry.models import Person
from bekitu.wsgi import application
from tests.portal.conftest import area, channel, citizen, provider
from tests.portal.test_requests_api import account_of
from tests.security.test_fuzz_api import EXCLUDED, MAX_EXAMPLES

__all__ = ["area", "channel", "citizen", "provider"]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).include(
    path_regex="^/portal/api/"
)


@pytest.fixture
def bearer(citizen: Person, channel: Any) -> str:
    """A registered citizen of the test PKI, living in the provider's area, logged in."""
    return sessions.token_issue(account_of(citizen))


@pytest.mark.fuzz
@pytest.mark.django_db
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@schema.parametrize()
def test_the_portal_api_holds_to_its_schema(case: Any, bearer: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"}, excluded_checks=EXCLUDED)


API = "/portal/api/v1/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "services/attachment/requirements?recipeint_iin=1",
        "services/attachment/requirements?applicant_role=boss",
        "providers?q=a&page=2",
    ],
)
def test_a_query_the_operation_does_not_take_is_refused(
    client: Any, bearer: str, query: str
) -> None:
    answer = client.get(API + query, HTTP_AUTHORIZATION=f"Bearer {bearer}")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) & {"recipeint_iin", "applicant_role", "page"}


@pytest.mark.django_db
def test_the_schema_documents_the_portals_not_found() -> None:
    from django.test import Client

    spec = Client().get("/api/schema/?format=json").json()
    for path, item in spec["paths"].items():
        if path.startswith("/portal/api/"):
            for operation in item.values():
                assert {"401", "404"} <= set(operation["responses"]), path
