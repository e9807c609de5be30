"""The API fuzzed from its own OpenAPI schema (schemathesis): every operation, a bounded
number of examples, logged in as a specialist; no 5xx and no answer outside the schema."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bekitu.core.iin import make_iin
from bekitu.wsgi import application
from tests.workstation.conftest import PASSWORD, desk

__all__ = ["desk"]

MAX_EXAMPLES = 10


def _valid_iins() -> st.SearchStrategy[str]:
    import datetime as dt

    days = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2024, 12, 31))
    return st.builds(
        lambda day, sex, serial: make_iin(day, sex, serial),
        days,
        st.sampled_from(["male", "female"]),
        st.integers(min_value=1, max_value=9000),
    ).filter(bool)


# The schema's IINs carry `format: iin`: generated valid (check digit and all), so the fuzzer
# reaches past the IIN check; invalid ones come from the negative mode.
schemathesis.openapi.format("iin", _valid_iins())
# The service's own API (the workstation, the talon check, the reports); the portal's API,
# with a citizen's bearer token, in test_fuzz_portal.py.
# The schema's own address (drf-spectacular's view) is left out.
schema = (
    schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    .include(path_regex="^/api/")
    .exclude(path="/api/schema/")
)
# Every check but one: a schema-valid request may still be refused by a rule of the service
# (an IIN the population register does not know, a person of another provider: 400), which
# the check `positive_data_acceptance` takes for a fault.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


@pytest.mark.fuzz
@pytest.mark.django_db
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@schema.parametrize()
def test_the_api_holds_to_its_schema(case: Any, desk: Any) -> None:
    token = base64.b64encode(f"specialist:{PASSWORD}".encode()).decode()
    case.call_and_validate(headers={"Authorization": f"Basic {token}"}, excluded_checks=EXCLUDED)
