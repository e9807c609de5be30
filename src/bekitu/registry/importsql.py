"""The import's writes: a batch into a staging table, then set-based updates and inserts.

On PostgreSQL the staging table is filled with `COPY` (psycopg); on SQLite with one
`executemany`. Then, for each target table, one `UPDATE ... FROM` changes the rows whose
natural key exists and whose values differ, and one `INSERT ... SELECT ... WHERE NOT EXISTS`
adds the others: the database resolves the references (BIN, IIN, district number, street)
to ids by joins, a batch at a time, not a row at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from bekitu.registry.importformat import BY_NAME, Value


@dataclass(frozen=True)
class Target:
    table: str
    key: tuple[str, ...]
    values: tuple[str, ...]  # columns updated when the key exists
    source: str  # a SELECT over `stage` giving key + values (+ insert_only) columns
    insert_only: tuple[str, ...] = ()  # columns set on insert and never updated


_ADDRESS_STAGE = (
    ("a_kato", "text"),
    ("a_street", "text"),
    ("a_house", "integer"),
    ("a_building", "text"),
    ("a_apartment", "text"),
)

_STREETS = """
    SELECT l.id AS locality_id, s.street_ru AS name_ru, MAX(s.street_kk) AS name_kk,
           '' AS name_en
    FROM stage s JOIN registry_locality l ON l.kato = s.locality_kato
    GROUP BY l.id, s.street_ru
"""

TARGETS: dict[str, list[Target]] = {
    "localities": [
        Target(
            "registry_locality",
            ("kato",),
            ("kind", "name_kk", "name_ru", "name_en", "atu_code", "atu_name_kk",
             "atu_name_ru", "region_kk", "region_ru"),
            "SELECT * FROM stage",
        )
    ],
    "providers": [
        Target(
            "registry_provider",
            ("bin",),
            ("name_kk", "name_ru", "name_en", "address", "phone", "locality_id", "atu_code",
             "licence_number", "licence_date", "is_active", "closed_on", "opens", "closes"),
            """SELECT s.*, l.id AS locality_id FROM stage s
               JOIN registry_locality l ON l.kato = s.locality_kato""",
        )
    ],
    "doctors": [
        Target(
            "registry_doctor",
            ("provider_id", "full_name"),
            ("specialty",),
            """SELECT s.*, p.id AS provider_id FROM stage s
               JOIN registry_provider p ON p.bin = s.provider_bin""",
        )
    ],
    "districts": [
        Target(
            "registry_district",
            ("provider_id", "number"),
            ("kind", "doctor_id", "normative_size"),
            """SELECT s.*, p.id AS provider_id,
                      (SELECT MIN(d.id) FROM registry_doctor d
                       WHERE d.provider_id = p.id AND d.full_name = s.doctor) AS doctor_id
               FROM stage s JOIN registry_provider p ON p.bin = s.provider_bin""",
        )
    ],
    "service_areas": [
        Target("registry_street", ("locality_id", "name_ru"), (), _STREETS, ("name_kk", "name_en")),
        Target(
            "registry_servicearea",
            ("district_id", "street_id", "house_from", "house_to"),
            (),
            """SELECT DISTINCT d.id AS district_id, st.id AS street_id, s.house_from, s.house_to
               FROM stage s
               JOIN registry_provider p ON p.bin = s.provider_bin
               JOIN registry_district d ON d.provider_id = p.id AND d.number = s.district_number
               JOIN registry_locality l ON l.kato = s.locality_kato
               JOIN registry_street st ON st.locality_id = l.id AND st.name_ru = s.street_ru""",
        ),
    ],
    "addresses": [
        Target("registry_street", ("locality_id", "name_ru"), (), _STREETS, ("name_kk", "name_en")),
        Target(
            "registry_address",
            ("street_id", "house", "building", "apartment"),
            (),
            """SELECT DISTINCT st.id AS street_id, s.house, s.building, s.apartment
               FROM stage s
               JOIN registry_locality l ON l.kato = s.locality_kato
               JOIN registry_street st ON st.locality_id = l.id AND st.name_ru = s.street_ru""",
        ),
    ],
    "persons": [
        Target(
            "registry_person",
            ("iin",),
            ("surname", "given_name", "patronymic", "birth_date", "sex", "status",
             "citizenship", "insured", "address_id", "death_date", "emigrated_on", "phone"),
            """SELECT s.*, a.id AS address_id FROM stage s
               LEFT JOIN registry_locality l ON l.kato = s.a_kato
               LEFT JOIN registry_street st ON st.locality_id = l.id AND st.name_ru = s.a_street
               LEFT JOIN registry_address a ON a.street_id = st.id AND a.house = s.a_house
                    AND a.building = s.a_building AND a.apartment = s.a_apartment""",
        )
    ],
    "relations": [
        Target(
            "registry_personrelation",
            ("person_id", "relative_id", "kind"),
            ("valid_from", "valid_to", "document"),
            """SELECT s.*, p.id AS person_id, r.id AS relative_id FROM stage s
               JOIN registry_person p ON p.iin = s.person_iin
               JOIN registry_person r ON r.iin = s.relative_iin""",
        )
    ],
    "attachments": [
        Target(
            "registry_attachment",
            ("person_id", "provider_id", "valid_from"),
            ("district_id", "valid_to", "reason", "end_reason", "home_visits",
             "application_number"),
            """SELECT s.*, pe.id AS person_id, pr.id AS provider_id, d.id AS district_id,
                      'import' AS source, %(now)s AS created_at,
                      CASE WHEN s.valid_to IS NULL THEN NULL ELSE %(now)s END AS ended_at
               FROM stage s
               JOIN registry_person pe ON pe.iin = s.person_iin
               JOIN registry_provider pr ON pr.bin = s.provider_bin
               LEFT JOIN registry_district d ON d.provider_id = pr.id
                    AND d.number = s.district_number""",
            ("source", "created_at", "ended_at"),
        )
    ],
}  # fmt: skip

# Before the attachments of a batch are written, an open attachment in the register that the
# batch replaces by another open one is ended where the new one starts; the file's own row
# for it (the check made sure there is one) then sets its real end, in this batch or a later.
_END_REPLACED = """
    UPDATE registry_attachment SET valid_to = src.valid_from
    FROM (SELECT pe.id AS person_id, pr.id AS provider_id, s.valid_from
          FROM stage s
          JOIN registry_person pe ON pe.iin = s.person_iin
          JOIN registry_provider pr ON pr.bin = s.provider_bin
          WHERE s.valid_to IS NULL) src
    WHERE registry_attachment.person_id = src.person_id
      AND registry_attachment.valid_to IS NULL
      AND NOT (registry_attachment.provider_id = src.provider_id
               AND registry_attachment.valid_from = src.valid_from)
"""


def stage_columns(entity: str) -> list[tuple[str, str]]:
    """The staging table's columns (name, SQL type) for an entity's batch."""
    columns = [(c.name, c.sql_type) for c in BY_NAME[entity].columns]
    if entity == "persons":
        columns = [c for c in columns if c[0] != "address_ref"] + list(_ADDRESS_STAGE)
    return columns


def merge(
    connection: BaseDatabaseWrapper, entity: str, rows: list[tuple[Value, ...]], now: dt.datetime
) -> dict[str, int]:
    """Write one batch of an entity's rows, inside the caller's transaction; returns how many
    rows of the last target were inserted, updated and left as they were."""
    columns = stage_columns(entity)
    counts = {"inserted": 0, "updated": 0, "unchanged": 0}
    params = {"now": connection.ops.adapt_datetimefield_value(now)}
    with connection.cursor() as cursor:
        _stage(connection, cursor, columns, rows)
        if entity == "attachments":
            cursor.execute(_END_REPLACED)
        for target in TARGETS[entity]:
            updated = 0
            if target.values:
                cursor.execute(_update_sql(connection, target), params)
                updated = max(cursor.rowcount, 0)
            cursor.execute(_insert_sql(target), params)
            inserted = max(cursor.rowcount, 0)
        counts.update(inserted=inserted, updated=updated, unchanged=len(rows) - inserted - updated)
    return counts


def _stage(
    connection: BaseDatabaseWrapper,
    cursor: Any,
    columns: list[tuple[str, str]],
    rows: list[tuple[Value, ...]],
) -> None:
    definition = ", ".join(f"{name} {kind}" for name, kind in columns)
    names = ", ".join(name for name, _kind in columns)
    if connection.vendor == "postgresql":
        cursor.execute("DROP TABLE IF EXISTS pg_temp.stage")
        cursor.execute(f"CREATE TEMP TABLE stage ({definition}) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY stage ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.execute("DROP TABLE IF EXISTS temp.stage")
    cursor.execute(f"CREATE TEMP TABLE stage ({definition})")
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(
        f"INSERT INTO stage ({names}) VALUES ({marks})",  # noqa: S608 - names from the format
        [tuple(_sqlite(v) for v in row) for row in rows],
    )


def _sqlite(value: Value) -> Any:
    """Values as Django keeps them in SQLite: ISO dates and times, 0/1 booleans."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def _update_sql(connection: BaseDatabaseWrapper, target: Target) -> str:
    differs = " IS DISTINCT FROM " if connection.vendor == "postgresql" else " IS NOT "
    sets = ", ".join(f"{c} = src.{c}" for c in target.values)
    match = " AND ".join(f"{target.table}.{k} = src.{k}" for k in target.key)
    changed = " OR ".join(f"{target.table}.{c}{differs}src.{c}" for c in target.values)
    return (
        f"UPDATE {target.table} SET {sets} FROM ({target.source}) src "  # noqa: S608
        f"WHERE {match} AND ({changed})"
    )


def _insert_sql(target: Target) -> str:
    columns = target.key + target.values + target.insert_only
    names = ", ".join(columns)
    picked = ", ".join(f"src.{c}" for c in columns)
    match = " AND ".join(f"t.{k} = src.{k}" for k in target.key)
    return (
        f"INSERT INTO {target.table} ({names}) SELECT {picked} "  # noqa: S608
        f"FROM ({target.source}) src "
        f"WHERE NOT EXISTS (SELECT 1 FROM {target.table} t WHERE {match})"
    )


_TABLES = {
    "localities": ["registry_locality"],
    "providers": ["registry_provider"],
    "doctors": ["registry_doctor"],
    "districts": ["registry_district"],
    "service_areas": ["registry_street", "registry_servicearea"],
    "addresses": ["registry_street", "registry_address"],
    "persons": ["registry_person"],
    "relations": ["registry_personrelation"],
    "attachments": ["registry_attachment"],
}


def analyze(connection: BaseDatabaseWrapper, entity: str | None) -> None:
    """Refresh the planner's statistics of an entity's tables (all with None): after the
    first batch into a table the planner otherwise plans the next batches for an empty one."""
    tables = _TABLES[entity] if entity else sorted({t for ts in _TABLES.values() for t in ts})
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(tables))
        elif entity is None:
            cursor.execute("ANALYZE")
