"""`bekitu registry import`: a region's register from files, checked first, then loaded in batches.

1. Check: every row of every file (in the order of `importformat.ENTITIES`) against its
   column rules, the natural keys for duplicates, the references between files (or to what
   the register holds), and each person's attachment history (one open attachment, periods
   that do not overlap). Every problem names the file, the line and the field.
2. Refuse the whole import when anything is wrong, unless `partial` is asked for: then the
   rows with problems (and the rows that depend on them) are left out and reported.
3. Load in batches, each in one transaction: rows go into a staging table (PostgreSQL's
   `COPY`, or one `executemany` on SQLite), then two set-based statements update the rows
   whose natural key exists and differ, and insert the rest. The batch's last line is written
   to the run's checkpoint in the same transaction, so a run that is killed resumes after the
   last committed batch and ends with the same rows as one clean run.
4. One audit row for the import: its source, files and counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from bekitu.core.audit import audit_context, audit_record
from bekitu.core.errors import DomainError
from bekitu.registry import importsql
from bekitu.registry.importformat import (
    Problem,
    SourceFile,
    Value,
    find_files,
    header_check,
    parse_row,
    raw_rows,
)
from bekitu.registry.models import (
    Attachment,
    District,
    Doctor,
    ImportRun,
    Locality,
    Person,
    Provider,
)

log = logging.getLogger("bekitu.registry")
BATCH = 20_000
# pg_try_advisory_lock key: one import at a time on a PostgreSQL database.
LOCK_KEY = 0x62656B69_74750001


@dataclass
class Check:
    """What the check found: the problems, and which lines of which file are left out."""

    files: list[SourceFile]
    problems: list[Problem] = field(default_factory=list)
    refused: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    rows: dict[str, int] = field(default_factory=dict)  # rows read per file
    addresses: dict[str, tuple[Value, ...]] = field(default_factory=dict)  # ref -> address

    @property
    def ok(self) -> bool:
        return not self.problems

    def refuse(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.refused[problem.file].add(problem.line)

    def taken(self, label: str) -> int:
        return self.rows.get(label, 0) - len(self.refused.get(label, ()))


@dataclass(frozen=True)
class ImportResult:
    run: ImportRun | None
    check: Check
    counts: dict[str, dict[str, int]]
    resumed: bool = False
    written: bool = False


def _row(values: tuple[Value, ...], names: list[str]) -> dict[str, Value]:
    return dict(zip(names, values, strict=True))


def check_files(files: list[SourceFile], *, today: dt.date | None = None) -> Check:
    """Check every file; nothing is written."""
    today = today or timezone.localdate()
    check = Check(files)
    known = _Known()
    for source in files:
        label, entity = source.label, source.entity
        names = entity.column_names()
        for problem in header_check(source):
            check.refuse(problem)
        keys: dict[tuple[Value, ...], int] = {}
        pending: list[tuple[int, dict[str, Value]]] = []
        count = 0
        for line, raw in raw_rows(source):
            count += 1
            values, problems = parse_row(entity, label, line, raw)
            if values is None:
                for problem in problems:
                    check.refuse(problem)
                continue
            row = _row(values, names)
            key = tuple(row[k] for k in entity.key)
            if key in keys:
                check.refuse(
                    Problem(
                        label,
                        line,
                        ",".join(entity.key),
                        "duplicate",
                        _("Duplicate of line %(line)d.") % {"line": keys[key]},
                    )
                )
                continue
            keys[key] = line
            pending.append((line, row))
        check.rows[label] = count
        _RULES[entity.name](check, label, pending, known, today)
    return check


class _Known:
    """The natural keys the files define (rows that passed) and, lazily, the register's."""

    def __init__(self) -> None:
        self.localities: set[Value] = set()
        self.providers: set[Value] = set()
        self.doctors: set[tuple[Value, Value]] = set()
        self.districts: set[tuple[Value, Value]] = set()
        self.persons: set[str] = set()
        self._db: dict[str, set[Any]] = {}

    def db(self, what: str) -> set[Any]:
        if what not in self._db:
            query: dict[str, Callable[[], Iterable[Any]]] = {
                "localities": lambda: Locality.objects.values_list("kato", flat=True),
                "providers": lambda: Provider.objects.values_list("bin", flat=True),
                "doctors": lambda: Doctor.objects.values_list("provider__bin", "full_name"),
                "districts": lambda: District.objects.values_list("provider__bin", "number"),
            }
            self._db[what] = set(query[what]())
        return self._db[what]

    def has(self, what: str, key: Any) -> bool:
        return key in getattr(self, what) or key in self.db(what)

    def persons_missing(self, iins: set[str]) -> set[str]:
        """The IINs neither the files nor the register know."""
        unknown = sorted(iins - self.persons)
        found: set[str] = set()
        for start in range(0, len(unknown), 2000):
            chunk = unknown[start : start + 2000]
            found.update(Person.objects.filter(iin__in=chunk).values_list("iin", flat=True))
        return set(unknown) - found


def _unknown(label: str, line: int, name: str) -> Problem:
    return Problem(label, line, name, "unknown_reference", _("Refers to nothing known."))


def _localities(check: Check, label: str, rows: _Rows, known: _Known, today: dt.date) -> None:
    known.localities.update(row["kato"] for _line, row in rows)


def _providers(check: Check, label: str, rows: _Rows, known: _Known, today: dt.date) -> None:
    for line, row in rows:
        if not known.has("localities", row["locality_kato"]):
            check.refuse(_unknown(label, line, "locality_kato"))
            continue
        known.providers.add(row["bin"])


def _doctors(check: Check, label: str, rows: _Rows, known: _Known, today: dt.date) -> None:
    for line, row in rows:
        if not known.has("providers", row["provider_bin"]):
            check.refuse(_unknown(label, line, "provider_bin"))
            continue
        known.doctors.add((row["provider_bin"], row["full_name"]))


def _districts(check: Check, label: str, rows: _Rows, known: _Known, today: dt.date) -> None:
    for line, row in rows:
        if not known.has("providers", row["provider_bin"]):
            check.refuse(_unknown(label, line, "provider_bin"))
        elif row["doctor"] and not known.has("doctors", (row["provider_bin"], row["doctor"])):
            check.refuse(_unknown(label, line, "doctor"))
        else:
            known.districts.add((row["provider_bin"], row["number"]))


def _areas(check: Check, label: str, rows: _Rows, known: _Known, today: dt.date) -> None:
    for line, row in rows:
        if not known.has("districts", (row["provider_bin"], row["district_number"])):
            check.refuse(_unknown(label, line, "district_number"))
        elif not known.has("localities", row["locality_kato"]):
            check.refuse(_unknown(label, line, "locality_kato"))
        elif row["house_from"] > row["house_to"]:  # type: ignore[operator]
            check.refuse(_order(label, line, "house_to"))


def _order(label: str, line: int, name: str) -> Problem:
    return Problem(label, line, name, "order", _("Before the start of its range."))


def _addresses(check: Check, label: str, rows: _Rows, known: _Known, today: dt.date) -> None:
    for line, row in rows:
        if not known.has("localities", row["locality_kato"]):
            check.refuse(_unknown(label, line, "locality_kato"))
            continue
        check.addresses[str(row["ref"])] = (
            row["locality_kato"],
            row["street_ru"],
            row["house"],
            row["building"],
            row["apartment"],
        )


def _persons(check: Check, label: str, rows: _Rows, known: _Known, today: dt.date) -> None:
    for line, row in rows:
        born = row["birth_date"]
        assert isinstance(born, dt.date)
        if born > today:
            check.refuse(Problem(label, line, "birth_date", "future", _("A date in the future.")))
        elif row["death_date"] is not None and row["death_date"] < born:  # type: ignore[operator]
            check.refuse(Problem(label, line, "death_date", "order", _("Before the birth date.")))
        elif row["address_ref"] and row["address_ref"] not in check.addresses:
            check.refuse(_unknown(label, line, "address_ref"))
        else:
            known.persons.add(str(row["iin"]))


def _relations(check: Check, label: str, rows: _Rows, known: _Known, today: dt.date) -> None:
    missing = known.persons_missing(
        {str(row[name]) for _l, row in rows for name in ("person_iin", "relative_iin")}
    )
    for line, row in rows:
        bad = next((n for n in ("person_iin", "relative_iin") if row[n] in missing), None)
        if bad:
            check.refuse(_unknown(label, line, bad))
        elif row["person_iin"] == row["relative_iin"]:
            check.refuse(
                Problem(
                    label, line, "relative_iin", "self", _("A person is not their own relative.")
                )
            )
        elif _before(row["valid_to"], row["valid_from"]):
            check.refuse(_order(label, line, "valid_to"))


def _before(end: Value, start: Value) -> bool:
    return isinstance(end, dt.date) and isinstance(start, dt.date) and end < start


def _attachments(check: Check, label: str, rows: _Rows, known: _Known, today: dt.date) -> None:
    missing = known.persons_missing({str(row["person_iin"]) for _l, row in rows})
    history: dict[Value, list[tuple[int, dict[str, Value]]]] = defaultdict(list)
    for line, row in rows:
        if row["person_iin"] in missing:
            check.refuse(_unknown(label, line, "person_iin"))
        elif not known.has("providers", row["provider_bin"]):
            check.refuse(_unknown(label, line, "provider_bin"))
        elif row["district_number"] is not None and not known.has(
            "districts", (row["provider_bin"], row["district_number"])
        ):
            check.refuse(_unknown(label, line, "district_number"))
        elif _before(row["valid_to"], row["valid_from"]):
            check.refuse(_order(label, line, "valid_to"))
        elif row["end_reason"] and row["valid_to"] is None:
            check.refuse(
                Problem(
                    label,
                    line,
                    "end_reason",
                    "open_end",
                    _("An open attachment has no end reason."),
                )
            )
        else:
            history[row["person_iin"]].append((line, row))
    _check_histories(check, label, history)
    _check_register_open(check, label, history)


def _check_histories(
    check: Check, label: str, history: dict[Value, list[tuple[int, dict[str, Value]]]]
) -> None:
    """One open attachment per person; periods [valid_from, valid_to) that do not overlap."""
    for iin, entries in list(history.items()):
        entries.sort(key=lambda e: (e[1]["valid_from"], e[1]["valid_to"] or dt.date.max))
        problem = None
        opened = [line for line, row in entries if row["valid_to"] is None]
        if len(opened) > 1:
            problem = Problem(
                label,
                opened[1],
                "valid_to",
                "second_open",
                _("The person already has an open attachment (line %(line)d).")
                % {"line": opened[0]},
            )
        else:
            for (prev_line, prev), (line, row) in itertools.pairwise(entries):
                end = prev["valid_to"]
                if end is None or end > row["valid_from"]:  # type: ignore[operator]
                    problem = Problem(
                        label,
                        line,
                        "valid_from",
                        "overlap",
                        _("The period overlaps the one on line %(line)d.") % {"line": prev_line},
                    )
                    break
        if problem is not None:
            _refuse_history(check, label, entries, problem)
            del history[iin]


def _refuse_history(
    check: Check, label: str, entries: list[tuple[int, dict[str, Value]]], problem: Problem
) -> None:
    check.refuse(problem)
    for line, _row in entries:
        if line != problem.line:
            check.refuse(
                Problem(
                    label,
                    line,
                    "person_iin",
                    "history_refused",
                    _("The person's attachment history is refused (line %(line)d).")
                    % {"line": problem.line},
                )
            )


def _check_register_open(
    check: Check, label: str, history: dict[Value, list[tuple[int, dict[str, Value]]]]
) -> None:
    """The register's attachments of the file's persons that the file does not carry (by
    natural key): an open one would leave the person with two, a closed one must not overlap
    the file's periods."""
    iins = sorted(str(iin) for iin in history)
    for start in range(0, len(iins), 2000):
        chunk = iins[start : start + 2000]
        held = Attachment.objects.filter(person__iin__in=chunk).values_list(
            "person__iin", "provider__bin", "valid_from", "valid_to"
        )
        for iin, bin, valid_from, valid_to in held:
            entries = history.get(iin)
            if entries is None:
                continue  # refused for an earlier attachment of the register
            if any((r["provider_bin"], r["valid_from"]) == (bin, valid_from) for _l, r in entries):
                continue
            if valid_to is None:
                problem = Problem(
                    label,
                    entries[0][0],
                    "person_iin",
                    "open_in_register",
                    _("The register holds an open attachment of the person that the file lacks."),
                )
            else:
                line = next((n for n, r in entries if _overlap(r, valid_from, valid_to)), None)
                if line is None:
                    continue
                problem = Problem(
                    label,
                    line,
                    "valid_from",
                    "overlaps_register",
                    _("The period overlaps an attachment the register holds from %(day)s.")
                    % {"day": valid_from.isoformat()},
                )
            _refuse_history(check, label, entries, problem)
            del history[iin]


def _overlap(row: dict[str, Value], start: dt.date, end: dt.date) -> bool:
    """Whether the row's period [valid_from, valid_to) shares a day with [start, end)."""
    row_start, row_end = row["valid_from"], row["valid_to"]
    assert isinstance(row_start, dt.date)
    if start >= end or (isinstance(row_end, dt.date) and row_start >= row_end):
        return False  # an empty period never held
    return row_start < end and (row_end is None or start < row_end)  # type: ignore[operator]


_Rows = list[tuple[int, dict[str, Value]]]
_RULES: dict[str, Callable[[Check, str, _Rows, _Known, dt.date], None]] = {
    "localities": _localities,
    "providers": _providers,
    "doctors": _doctors,
    "districts": _districts,
    "service_areas": _areas,
    "addresses": _addresses,
    "persons": _persons,
    "relations": _relations,
    "attachments": _attachments,
}


def files_digest(files: list[SourceFile], partial: bool) -> str:
    """What identifies an import: the files' names and contents, and whether it is partial."""
    digest = hashlib.sha256(b"partial" if partial else b"whole")
    for source in files:
        digest.update(source.label.encode() + b"\0")
        with source.path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def run_import(
    source: Path,
    *,
    partial: bool = False,
    dry_run: bool = False,
    batch: int = BATCH,
    progress: bool = False,
    on_batch: Callable[[str, int], None] | None = None,
) -> ImportResult:
    """Check the files at `source` (a directory or one file) and, unless refused or a dry run,
    load them; resumes an earlier run over the same files that did not finish."""
    files = find_files(source)
    if not files:
        raise DomainError(_("No import files found."), code="import_no_files")
    check = check_files(files)
    if dry_run:
        return ImportResult(None, check, {})
    with _one_import_at_a_time():
        if not check.ok and not partial:
            run = ImportRun.objects.create(
                source=str(source),
                digest=files_digest(files, partial),
                status=ImportRun.Status.REFUSED,
                started_at=timezone.now(),
                finished_at=timezone.now(),
                refused_rows=sum(len(v) for v in check.refused.values()),
            )
            _audit(run, check, {}, "registry.import.refused")
            return ImportResult(run, check, {})
        return _load(source, files, check, partial, batch, progress, on_batch)


def _load(
    source: Path,
    files: list[SourceFile],
    check: Check,
    partial: bool,
    batch: int,
    progress: bool,
    on_batch: Callable[[str, int], None] | None,
) -> ImportResult:
    digest = files_digest(files, partial)
    run = (
        ImportRun.objects.filter(digest=digest, status=ImportRun.Status.RUNNING)
        .order_by("-pk")
        .first()
    )
    resumed = run is not None
    if run is None:
        run = ImportRun.objects.create(
            source=str(source),
            digest=digest,
            status=ImportRun.Status.RUNNING,
            partial=partial,
            started_at=timezone.now(),
            refused_rows=sum(len(v) for v in check.refused.values()),
        )
    total = sum(check.taken(f.label) for f in files)
    now = run.started_at
    bar = tqdm(total=total, unit=" rows", file=sys.stderr, disable=not progress)
    with bar:
        for source_file in files:
            label = source_file.label
            after = int(run.checkpoint.get(label, {}).get("line", 0)) if resumed else 0
            first = True
            for rows, last_line in _batches(source_file, check, after, batch):
                with transaction.atomic():
                    counts = importsql.merge(connection, source_file.entity.name, rows, now)
                    _count(run, label, counts, last_line)
                    run.save(update_fields=["checkpoint", "counts"])
                bar.update(len(rows))
                if first:
                    importsql.analyze(connection, source_file.entity.name)
                    first = False
                if on_batch is not None:
                    on_batch(label, last_line)
    importsql.analyze(connection, None)
    with transaction.atomic():
        run.status = ImportRun.Status.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
        _audit(run, check, run.counts, "registry.import")
    log.info("registry.import.done", extra={"fields": {"run": run.pk, "source": str(source)}})
    return ImportResult(run, check, run.counts, resumed=resumed, written=True)


def _count(run: ImportRun, label: str, counts: dict[str, int], last_line: int) -> None:
    total = run.counts.setdefault(label, {"inserted": 0, "updated": 0, "unchanged": 0})
    for name, value in counts.items():
        total[name] = total.get(name, 0) + value
    run.checkpoint[label] = {"line": last_line}


def _batches(
    source: SourceFile, check: Check, after: int, size: int
) -> Iterator[tuple[list[tuple[Value, ...]], int]]:
    """The file's rows that passed, after line `after`, in batches of `size` (with the last
    line of each batch); persons carry their address's natural key instead of its ref."""
    refused = check.refused.get(source.label, set())
    entity = source.entity
    persons = entity.name == "persons"
    ref_at = entity.column_names().index("address_ref") if persons else -1
    rows: list[tuple[Value, ...]] = []
    line = after
    for line, raw in raw_rows(source):
        if line <= after or line in refused:
            continue
        values, _problems = parse_row(entity, source.label, line, raw)
        if values is None:
            continue
        if persons:
            address = check.addresses.get(str(values[ref_at]), (None,) * 5)
            values = values[:ref_at] + values[ref_at + 1 :] + tuple(address)
        rows.append(values)
        if len(rows) >= size:
            yield rows, line
            rows = []
    if rows:
        yield rows, line


class _one_import_at_a_time:
    """On PostgreSQL, a session advisory lock held by the importing connection; a second
    import (another connection) does not wait for it but is refused at once."""

    def __enter__(self) -> None:
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            if not cursor.fetchone()[0]:
                raise DomainError(
                    _("Another import is running on this database."), code="import_running"
                )

    def __exit__(self, *exc: object) -> None:
        if connection.vendor != "postgresql" or connection.connection is None:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _audit(run: ImportRun, check: Check, counts: dict[str, Any], action: str) -> None:
    with audit_context(actor="cli", channel="cli"):
        audit_record(
            action=action,
            object_type="registry.importrun",
            object_id=run.pk,
            data={
                "source": run.source,
                "files": [f.label for f in check.files],
                "partial": run.partial,
                "rows": dict(check.rows),
                "refused": {label: len(lines) for label, lines in check.refused.items()},
                "counts": counts,
            },
        )
