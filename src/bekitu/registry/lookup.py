"""The IIN look-up on PostgreSQL: one prepared statement finds the person (with address,
street and locality), optionally their attachment in force on a day (with provider, district
and doctor), and appends the read's audit row ("registry.person.read") — one round trip.

Every desk, portal and API request starts with this look-up. Through the ORM it was two
queries compiled anew each time (building them was ≈ 40 % of the look-up's client time) and
one more round trip for the audit row. Here the SQL text is made once from the models' columns
and prepared on each connection at its first use (the server plans it once), and the rows
come back as the same model instances the ORM would make, related objects cached as
`select_related` caches them. `registry.selectors` decides when to use it (`in_statement`)
and keeps the ORM path for SQLite; a test compares both on the same data.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
    ServerBindingCursor,
)
from django.db.models import Model

from bekitu.core.audit import audit_entry
from bekitu.core.audit_statement import append_params, append_sql, appended
from bekitu.registry.models import (
    Address,
    Attachment,
    District,
    Doctor,
    Locality,
    Person,
    PersonRelation,
    Provider,
    Street,
)

if TYPE_CHECKING:
    from bekitu.core.models import AuditEntry


class _Prepared(ServerBindingCursor):
    """Parameters bound by the server and every statement prepared (psycopg keeps the
    prepared statements of a connection by their text)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _fields(model: type[Model]) -> list[Any]:
    return list(model._meta.concrete_fields)


def _columns(model: type[Model], alias: str, prefix: str) -> str:
    """`alias."column" AS prefixN, …` for every concrete field of the model, in order."""
    return ", ".join(
        f"{alias}.{_q(field.column)} AS {prefix}{n}" for n, field in enumerate(_fields(model))
    )


def _fk(model: type[Model], name: str) -> str:
    return _q(model._meta.get_field(name).column)  # type: ignore[union-attr,arg-type]


def _table(model: type[Model]) -> str:
    return _q(model._meta.db_table)


PERSON_MODELS = (Person, Address, Street, Locality)
ATTACHMENT_MODELS = (Attachment, Provider, District, Doctor)
_ATTNAMES: dict[type[Model], list[str]] = {
    model: [field.attname for field in _fields(model)]
    for model in (*PERSON_MODELS, *ATTACHMENT_MODELS)
}


def _person_sql() -> str:
    person, address, street, locality = PERSON_MODELS
    found = ", ".join(
        _columns(model, alias, alias)
        for model, alias in zip(PERSON_MODELS, ("p", "ad", "st", "lo"), strict=True)
    )
    return (
        f"SELECT {found} FROM {_table(person)} p "  # noqa: S608 - names from the models
        f"LEFT JOIN {_table(address)} ad ON ad.id = p.{_fk(person, 'address')} "
        f"LEFT JOIN {_table(street)} st ON st.id = ad.{_fk(address, 'street')} "
        f"LEFT JOIN {_table(locality)} lo ON lo.id = st.{_fk(street, 'locality')} "
        f"WHERE p.{_q('iin')} = %s::text"
    )


def _current_sql() -> str:
    """The attachment in force on the day with the greatest `valid_from`, as
    `attachment_current` orders them."""
    attachment, provider, district, doctor = ATTACHMENT_MODELS
    wanted = ", ".join(
        _columns(model, alias, alias)
        for model, alias in zip(ATTACHMENT_MODELS, ("a", "pr", "di", "dr"), strict=True)
    )
    return (
        f"SELECT {wanted} FROM {_table(attachment)} a "  # noqa: S608 - names from the models
        f"JOIN {_table(provider)} pr ON pr.id = a.{_fk(attachment, 'provider')} "
        f"LEFT JOIN {_table(district)} di ON di.id = a.{_fk(attachment, 'district')} "
        f"LEFT JOIN {_table(doctor)} dr ON dr.id = di.{_fk(district, 'doctor')} "
        f"WHERE a.{_fk(attachment, 'person')} = found.p0 AND a.valid_from <= %s::date "
        "AND (a.valid_to IS NULL OR a.valid_to > %s::date) "
        "ORDER BY a.valid_from DESC LIMIT 1"
    )


def _statement(with_current: bool) -> str:
    audit = append_sql("found.p0")
    selected = "found.*, cur.*" if with_current else "found.*"
    current = f"LEFT JOIN LATERAL ({_current_sql()}) cur ON true" if with_current else ""
    returned = "audited.entry_id, audited.entry_seq, audited.entry_prev_hash, audited.entry_hash"
    return " ".join(
        (
            f"WITH found AS ({_person_sql()}),",
            f"audited AS (SELECT r.* FROM found, LATERAL {audit} r)",  # noqa: S608
            f"SELECT {selected}, {returned} FROM found CROSS JOIN audited {current}",  # noqa: S608
        )
    )


_SQL: dict[bool, str] = {}


def _sql(with_current: bool) -> str:
    if with_current not in _SQL:
        _SQL[with_current] = _statement(with_current)
    return _SQL[with_current]


def statement(iin: str, *, current_on: dt.date | None = None) -> tuple[str, list[Any], AuditEntry]:
    """The look-up's SQL, its parameters and the audit row they append (its chain fields
    set when the statement has run); `EXPLAIN` shows its plan."""
    entry = audit_entry(
        action="registry.person.read",
        object_type="registry.person",
        subject_iin=iin,
        data={"via": "iin"},
    )
    params = [iin, *append_params(entry)]
    if current_on is not None:
        params += [current_on, current_on]
    return _sql(current_on is not None), params, entry


def person_by_iin(
    iin: str, *, current_on: dt.date | None = None
) -> tuple[Person | None, Attachment | None]:
    """The person with this IIN and, if `current_on` is given, their attachment in force on
    that day; the read's audit row appended by the same statement. (None, None) when the
    register has no such person (and then no row is written)."""
    sql, params, entry = statement(iin, current_on=current_on)
    row = _fetch_one(sql, params)
    if row is None:
        return None, None
    person, rest = _person(row)
    attachment = None
    if current_on is not None:
        attachment, rest = _attachment(rest, person)
    appended(entry, person.pk, tuple(rest), connection.alias)
    return person, attachment


def _relations_sql() -> str:
    """The person's parents and guardians as four arrays in the order of `kind` and id:
    kind, the relative's IIN, valid_from, valid_to (NULL arrays when there are none)."""
    relation, person = PersonRelation, Person
    order = "ORDER BY r.kind, r.id"
    return (
        f"SELECT array_agg(r.kind {order}), array_agg(v.{_q('iin')} {order}), "  # noqa: S608
        f"array_agg(r.valid_from {order}), array_agg(r.valid_to {order}) "
        f"FROM {_table(relation)} r "  # names from the models
        f"JOIN {_table(person)} v ON v.id = r.{_fk(relation, 'relative')} "
        f"WHERE r.{_fk(relation, 'person')} = found.p0"
    )


_RECORD_SQL: list[str] = []


def person_with_relations(iin: str) -> tuple[Person | None, list[tuple[Any, ...]]]:
    """The person with this IIN (address, street and locality cached as in `person_by_iin`)
    and their relations as (kind, relative's IIN, valid_from, valid_to), ordered by kind and
    id — what the population register's record needs, in one prepared statement instead of
    a query for the person and one for the relations. Not audited: the population register
    is the state's database, read before the register's own person is (None, [] when the
    IIN is unknown)."""
    if not _RECORD_SQL:
        _RECORD_SQL.append(
            f"SELECT found.*, rel.* FROM ({_person_sql()}) found "  # noqa: S608
            f"CROSS JOIN LATERAL ({_relations_sql()}) rel"
        )
    row = _fetch_one(_RECORD_SQL[0], [iin])
    if row is None:
        return None, []
    person, rest = _person(row)
    kinds, iins, froms, tos = rest
    return person, list(zip(kinds or (), iins or (), froms or (), tos or (), strict=True))


def _fetch_one(sql: str, params: list[Any]) -> Any:
    """The first row of a statement prepared on this connection (logged as Django logs its
    queries when it does)."""
    connection.ensure_connection()
    raw = _Prepared(connection.connection)
    with (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else (connection.make_cursor(raw)) as cursor
    ):
        cursor.execute(sql, params)
        return cursor.fetchone()


def _take(model: type[Model], row: Any) -> tuple[Any, Any]:
    """The instance made of the first columns of the row (None when its id is null, as in a
    left join that found nothing) and the rest of the row."""
    size = len(model._meta.concrete_fields)
    values, rest = row[:size], row[size:]
    if values[0] is None:
        return None, rest
    return model.from_db(connection.alias, _ATTNAMES[model], values), rest


def _cache(instance: Model, field: str, related: Model | None) -> None:
    instance._meta.get_field(field).set_cached_value(instance, related)  # type: ignore[union-attr]


def _person(row: Any) -> tuple[Person, Any]:
    person, rest = _take(Person, row)
    address, rest = _take(Address, rest)
    street, rest = _take(Street, rest)
    locality, rest = _take(Locality, rest)
    _cache(person, "address", address)
    if address is not None:
        _cache(address, "street", street)
        _cache(street, "locality", locality)
    return person, rest


def _attachment(row: Any, person: Person) -> tuple[Attachment | None, Any]:
    attachment, rest = _take(Attachment, row)
    provider, rest = _take(Provider, rest)
    district, rest = _take(District, rest)
    doctor, rest = _take(Doctor, rest)
    if attachment is None:
        return None, rest
    _cache(attachment, "person", person)
    _cache(attachment, "provider", provider)
    _cache(attachment, "district", district)
    if district is not None:
        _cache(district, "doctor", doctor)
    return attachment, rest
