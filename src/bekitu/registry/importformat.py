"""The import format of the register: one file per entity, CSV or JSON Lines, read and checked.

`ENTITIES` lists the files in the order they are checked and written (a file may refer only to
files before it, or to what the register already holds). Every column has a type and a rule;
`docs/import.md` tabulates the same columns (a test compares them). A row becomes a tuple
of typed values, or a list of problems, each naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bekitu.core.iin import validate_iin
from bekitu.core.vocabulary import AttachmentEnd, AttachmentReason, ResidentStatus, Sex
from bekitu.registry.models import District, Doctor, Locality, PersonRelation

Value = str | int | bool | dt.date | dt.time | None


class FieldError(ValueError):
    """A value breaks its column's rule; `code` is stable, the message is for people."""

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(str(message))
        self.code, self.message = code, message


def _text(limit: int) -> Callable[[str], Value]:
    def parse(raw: str) -> Value:
        if len(raw) > limit:
            raise FieldError("too_long", _("At most %(limit)d characters.") % {"limit": limit})
        return raw

    return parse


def _date(raw: str) -> Value:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise FieldError("date", _("Not a date in the form YYYY-MM-DD.")) from None


def _time(raw: str) -> Value:
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        raise FieldError("time", _("Not a time in the form HH:MM.")) from None


def _int(raw: str) -> Value:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise FieldError("number", _("Not a whole number."))
    return int(raw)


def _bool(raw: str) -> Value:
    value = {"true": True, "t": True, "1": True, "yes": True}
    value |= {"false": False, "f": False, "0": False, "no": False}
    if raw.lower() not in value:
        raise FieldError("boolean", _("Not true or false."))
    return value[raw.lower()]


def _iin(raw: str) -> Value:
    check = validate_iin(raw)
    if not check.valid:
        raise FieldError("iin", _("Not a valid IIN or BIN (12 digits with a check digit)."))
    return raw


def _kato(raw: str) -> Value:
    if len(raw) != 9 or not raw.isascii() or not raw.isdigit():
        raise FieldError("kato", _("Not a 9-digit KATO code."))
    return raw


def _choice(choices: list[tuple[str, Any]]) -> Callable[[str], Value]:
    allowed = [code for code, _label in choices]

    def parse(raw: str) -> Value:
        if raw not in allowed:
            raise FieldError(
                "choice", _("Must be one of: %(allowed)s.") % {"allowed": ", ".join(allowed)}
            )
        return raw

    parse.allowed = allowed  # type: ignore[attr-defined]
    return parse


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, date, time, integer, boolean, iin, bin, kato, choice
    parse: Callable[[str], Value]
    required: bool = True
    default: Value = None
    rule: str = ""

    @property
    def sql_type(self) -> str:
        return {
            "date": "date",
            "time": "time",
            "integer": "integer",
            "boolean": "boolean",
        }.get(self.kind, "text")


def col(name: str, kind: str, *, required: bool = True, default: Value = None, **kw: Any) -> Column:
    rule = kw.get("rule", "")
    parse: Callable[[str], Value]
    if kind == "text":
        parse = _text(kw.get("limit", 255))
        rule = rule or f"at most {kw.get('limit', 255)} characters"
    elif kind == "choice":
        parse = _choice(kw["choices"])
        rule = rule or "one of " + ", ".join(f"`{c}`" for c, _l in kw["choices"])
    else:
        parse = {
            "date": _date,
            "time": _time,
            "integer": _int,
            "boolean": _bool,
            "iin": _iin,
            "bin": _iin,
            "kato": _kato,
        }[kind]
    return Column(name, kind, parse, required, default, rule)


@dataclass(frozen=True)
class Entity:
    name: str  # the file's stem: persons.csv or persons.jsonl
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # the natural key: what an upsert matches on
    description: str

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "localities",
        (
            col("kato", "kato", rule="9 digits, unique"),
            col("kind", "choice", choices=Locality.Kind.choices),
            col("name_kk", "text"),
            col("name_ru", "text"),
            col("name_en", "text", required=False, default=""),
            col("atu_code", "kato", rule="the district or city the locality belongs to"),
            col("atu_name_kk", "text"),
            col("atu_name_ru", "text"),
            col("region_kk", "text"),
            col("region_ru", "text"),
        ),
        ("kato",),
        "Settlements, by their KATO code.",
    ),
    Entity(
        "providers",
        (
            col("bin", "bin", rule="12 digits with a valid check digit, unique"),
            col("name_kk", "text"),
            col("name_ru", "text"),
            col("name_en", "text", required=False, default=""),
            col("address", "text"),
            col("phone", "text", limit=30),
            col("locality_kato", "kato", rule="a locality of the file or the register"),
            col("atu_code", "kato"),
            col("licence_number", "text", limit=50),
            col("licence_date", "date"),
            col("is_active", "boolean", required=False, default=True),
            col("closed_on", "date", required=False),
            col("opens", "time", required=False, default=dt.time(8, 0)),
            col("closes", "time", required=False, default=dt.time(20, 0)),
        ),
        ("bin",),
        "Primary health care providers, by BIN.",
    ),
    Entity(
        "doctors",
        (
            col("provider_bin", "bin", rule="a provider of the file or the register"),
            col("full_name", "text", limit=200, rule="unique within the provider"),
            col("specialty", "choice", choices=Doctor.Specialty.choices),
        ),
        ("provider_bin", "full_name"),
        "Doctors, by provider and full name.",
    ),
    Entity(
        "districts",
        (
            col("provider_bin", "bin", rule="a provider of the file or the register"),
            col("number", "integer", rule="unique within the provider"),
            col("kind", "choice", choices=District.Kind.choices),
            col(
                "doctor",
                "text",
                limit=200,
                required=False,
                default="",
                rule="full name of a doctor of the same provider",
            ),
            col("normative_size", "integer", required=False, default=2000),
        ),
        ("provider_bin", "number"),
        "Territorial districts, by provider and number.",
    ),
    Entity(
        "service_areas",
        (
            col("provider_bin", "bin"),
            col("district_number", "integer", rule="a district of the file or the register"),
            col("locality_kato", "kato"),
            col("street_ru", "text", rule="the street's Russian name (made if new)"),
            col("street_kk", "text", required=False, default=""),
            col("house_from", "integer", required=False, default=1),
            col("house_to", "integer", required=False, default=9999, rule="≥ house_from"),
        ),
        ("provider_bin", "district_number", "locality_kato", "street_ru", "house_from", "house_to"),
        "The houses of a street that a district covers.",
    ),
    Entity(
        "addresses",
        (
            col("ref", "text", limit=64, rule="the source's identifier, unique in the file"),
            col("locality_kato", "kato"),
            col("street_ru", "text"),
            col("street_kk", "text", required=False, default=""),
            col("house", "integer"),
            col("building", "text", limit=10, required=False, default=""),
            col("apartment", "text", limit=10, required=False, default=""),
        ),
        ("ref",),
        "Dwellings; persons refer to them by `ref`, the register keeps them by street, "
        "house, building and apartment.",
    ),
    Entity(
        "persons",
        (
            col("iin", "iin", rule="12 digits with a valid check digit, unique"),
            col("surname", "text", limit=100),
            col("given_name", "text", limit=100),
            col("patronymic", "text", limit=100, required=False, default=""),
            col("birth_date", "date", rule="not in the future"),
            col("sex", "choice", choices=Sex.choices),
            col("status", "choice", choices=ResidentStatus.choices),
            col("citizenship", "text", limit=2, required=False, default="KZ"),
            col("insured", "boolean", required=False, default=True),
            col(
                "address_ref",
                "text",
                limit=64,
                required=False,
                default="",
                rule="a `ref` of the addresses file",
            ),
            col("death_date", "date", required=False, rule="not before birth_date"),
            col("emigrated_on", "date", required=False),
            col("phone", "text", limit=20, required=False, default=""),
        ),
        ("iin",),
        "Residents, by IIN.",
    ),
    Entity(
        "relations",
        (
            col("person_iin", "iin", rule="a person of the file or the register"),
            col("relative_iin", "iin", rule="a person of the file or the register"),
            col("kind", "choice", choices=PersonRelation.Kind.choices),
            col("valid_from", "date", required=False),
            col("valid_to", "date", required=False, rule="not before valid_from"),
            col("document", "text", limit=100, required=False, default=""),
        ),
        ("person_iin", "relative_iin", "kind"),
        "Parents and guardians of persons.",
    ),
    Entity(
        "attachments",
        (
            col("person_iin", "iin", rule="a person of the file or the register"),
            col("provider_bin", "bin", rule="a provider of the file or the register"),
            col("district_number", "integer", required=False, rule="a district of that provider"),
            col("valid_from", "date"),
            col(
                "valid_to",
                "date",
                required=False,
                rule="exclusive; empty while open; not before valid_from",
            ),
            col("reason", "choice", choices=AttachmentReason.choices),
            col("end_reason", "choice", required=False, default="", choices=AttachmentEnd.choices),
            col("home_visits", "boolean", required=False, default=True),
            col("application_number", "text", limit=32, required=False, default=""),
        ),
        ("person_iin", "provider_bin", "valid_from"),
        "Attachments with their history: at most one open per person, periods "
        "[valid_from, valid_to) that do not overlap.",
    ),
)
BY_NAME = {entity.name: entity for entity in ENTITIES}
SUFFIXES = (".csv", ".jsonl")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    code: str
    message: str | Promise

    def as_row(self) -> list[str]:
        return [self.file, str(self.line), self.field, self.code, str(self.message)]


@dataclass(frozen=True)
class SourceFile:
    entity: Entity
    path: Path

    @property
    def label(self) -> str:
        return self.path.name


def find_files(source: Path) -> list[SourceFile]:
    """The entity files of a directory (or the one file given), in the order of ENTITIES."""
    paths = [source] if source.is_file() else sorted(source.iterdir())
    found: dict[str, SourceFile] = {}
    for path in paths:
        if path.suffix in SUFFIXES and path.stem in BY_NAME:
            if path.stem in found:
                raise ValueError(f"two files for {path.stem}: {found[path.stem].path}, {path}")
            found[path.stem] = SourceFile(BY_NAME[path.stem], path)
    return [found[e.name] for e in ENTITIES if e.name in found]


def raw_rows(source: SourceFile) -> Iterator[tuple[int, dict[str, str] | None]]:
    """(line number, the row's raw strings) of a file; None for a line that cannot be read.
    The header of a CSV file is line 1, so its first row is line 2."""
    with source.path.open(encoding="utf-8", newline="") as handle:
        if source.path.suffix == ".csv":
            reader = csv.DictReader(handle)
            for row in reader:
                if None in row:
                    yield reader.line_num, None
                else:
                    yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                yield number, None
                continue
            if not isinstance(data, dict):
                yield number, None
                continue
            yield number, {k: _as_text(v) for k, v in data.items()}


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def parse_row(
    entity: Entity, label: str, line: int, raw: dict[str, str] | None
) -> tuple[tuple[Value, ...] | None, list[Problem]]:
    """The row's typed values in the entity's column order, or the problems with it."""
    if raw is None:
        return None, [Problem(label, line, "", "unreadable", _("The line cannot be read."))]
    values: list[Value] = []
    problems: list[Problem] = []
    for column in entity.columns:
        text = raw.get(column.name, "")
        if not text:
            if column.required:
                problems.append(Problem(label, line, column.name, "required", _("Required.")))
            values.append(column.default)
            continue
        try:
            values.append(column.parse(text))
        except FieldError as error:
            problems.append(Problem(label, line, column.name, error.code, error.message))
            values.append(None)
    return (None, problems) if problems else (tuple(values), [])


def header_check(source: SourceFile) -> list[Problem]:
    """A CSV file's header must name every required column and no unknown one."""
    if source.path.suffix != ".csv":
        return []
    with source.path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(io.StringIO(handle.readline())), [])
    known = set(source.entity.column_names())
    problems = [
        Problem(source.label, 1, name, "unknown_column", _("Unknown column."))
        for name in header
        if name not in known
    ]
    problems += [
        Problem(source.label, 1, c.name, "missing_column", _("The column is missing."))
        for c in source.entity.columns
        if c.required and c.name not in header
    ]
    return problems
