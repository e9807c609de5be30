"""On PostgreSQL the server binds a query's parameters and plans it once per connection
(decision 0015): a statement used again on a connection is a prepared one."""

from __future__ import annotations

import pytest
from django.db import connection

from bekitu.registry.models import Provider

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's; set DATABASE_URL=postgres://...")


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def test_a_query_used_again_on_a_connection_is_planned_once_by_the_server() -> None:
    before = _prepared_here()
    for bin_ in ("000000000001", "000000000002", "000000000003"):
        list(Provider.objects.filter(bin=bin_).values_list("name_ru", flat=True))

    added = [text for text in _prepared_here() if text not in before]

    # One statement, its parameter bound by the server ($1), not three texts with literals.
    assert len(added) == 1
    assert '"registry_provider"."bin" = $1' in added[0]


def test_the_setting_is_read_as_the_connection_options() -> None:
    options = connection.settings_dict["OPTIONS"]

    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] >= 1


def test_a_raw_query_through_django_s_cursor_is_bound_by_the_server_too() -> None:
    before = _prepared_here()
    with connection.cursor() as cursor:
        for value in (1, 2, 3):
            cursor.execute("SELECT 1 WHERE %s = %s", [value, value])

    added = [text for text in _prepared_here() if text not in before]
    assert added == ["SELECT 1 WHERE $1 = $2"]
