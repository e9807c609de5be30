"""Load the demo oblast into the register in one transaction, with one audit row for it all.

The population's tables get their secondary indexes, unique constraints and foreign keys
after the rows, and fresh statistics (`registry.bulkload.indexes_after_load`)."""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import logging
import multiprocessing
import random
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from tqdm import tqdm

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError
from bekitu.devtools.demo.geography import UNITS
from bekitu.devtools.demo.households import DemoRandom
from bekitu.devtools.demo.plan import COLUMNS, POPULATION_TABLES, REFERENCE_TABLES, Ids
from bekitu.devtools.demo.population import Population
from bekitu.devtools.demo.reference import build_reference
from bekitu.devtools.demo.writer import MODELS, TableWriter, copy_text
from bekitu.registry.bulkload import indexes_after_load
from bekitu.registry.models import Locality, Person

log = logging.getLogger("bekitu.registry")
CHUNK = 20_000
# Generators of the population side by side, each making its share of the persons: on
# PostgreSQL each runs in a process of its own. The rows depend on this number, not on the
# machine's cores.
LANES = 2
Lanes = list[tuple[Population, int]]  # each generator with the persons it makes


@dataclass(frozen=True)
class LoadSummary:
    persons: int
    seed: int
    as_of: dt.date
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)  # per table
    figures: dict[str, int] = field(default_factory=dict)  # households, statuses, deceased...

    @property
    def persons_per_second(self) -> float:
        return self.persons / self.seconds if self.seconds else 0.0


def load_demo_data(
    *,
    persons: int,
    seed: int,
    as_of: dt.date | None = None,
    chunk: int = CHUNK,
    progress: bool = True,
) -> LoadSummary:
    """Generate and load the demo oblast with `persons` residents; the same persons, seed and
    `as_of` (default: today) always give the same rows. The register must hold no persons."""
    started = time.monotonic()
    as_of = as_of or timezone.localdate()
    with transaction.atomic():
        _require_empty()
        writer = TableWriter(connection)
        ids = Ids({table: _first_id(table) for table in COLUMNS})
        plan, reference = build_reference(persons=persons, rng=_rng(seed, "reference"), ids=ids)
        for table in REFERENCE_TABLES:
            writer.write(table, reference[table])
        rows = Counter({table: len(reference[table]) for table in REFERENCE_TABLES})
        tz = timezone.get_default_timezone()
        lanes = [
            (
                Population(
                    plan=plan,
                    rng=_rng(seed, f"population:{lane}"),
                    as_of=as_of,
                    ids=ids.lane(lane, LANES),
                    tz=tz,
                    lane=lane,
                    lanes=LANES,
                ),
                persons // LANES + (lane < persons % LANES),
            )
            for lane in range(LANES)
        ]
        tables = [MODELS[table]._meta.db_table for table in POPULATION_TABLES]
        with indexes_after_load(connection, tables):
            if writer.copy:
                counted, stats = _load_population_forked(lanes, writer, persons, chunk, progress)
            else:
                counted = _load_population(lanes, writer, persons, chunk, progress)
                stats = sum((population.stats for population, _n in lanes), Counter())
            rows.update(counted)
        writer.finish()
        figures = dict(stats)
        _audit(persons, seed, as_of, dict(rows), figures)
    # Timed after the commit, so that the figure covers all of the database's work.
    seconds = time.monotonic() - started
    log.info("registry.demo_data.loaded", extra={"fields": {"persons": persons, "seed": seed}})
    return LoadSummary(persons, seed, as_of, seconds, dict(rows), figures)


def _rng(seed: int, stream: str) -> random.Random:
    """One reproducible random stream per part, so that a change in one leaves the other."""
    return DemoRandom(f"bekitu-demo:{seed}:{stream}")  # reproducible, not secret


def _load_population(
    lanes: Lanes, writer: TableWriter, persons: int, chunk: int, progress: bool
) -> Counter[str]:
    """Write the population chunk by chunk while one worker thread generates the next chunk:
    the database works on one while Python makes the other. The generators make their chunks
    one after the other, so the rows are the same as on PostgreSQL."""
    rows: Counter[str] = Counter()
    chunks = itertools.chain.from_iterable(
        population.chunks(count, chunk) for population, count in lanes
    )
    bar = tqdm(total=persons, unit=" persons", file=sys.stderr, disable=not progress)
    with bar, ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-data") as worker:
        pending = worker.submit(next, chunks, None)
        while (generated := pending.result()) is not None:
            pending = worker.submit(next, chunks, None)
            for table in POPULATION_TABLES:
                writer.write(table, generated[table])
                rows[table] += len(generated[table])
            bar.update(len(generated["person"]))
    return rows


def _generate(population: Population, persons: int, chunk: int, queue: Any) -> None:
    """In a generating process: each chunk's tables in COPY text, then the statistics.

    The cyclic garbage collector is off here: the rows are tuples of plain values, freed by
    their reference counts, while each collection would walk every object the process
    inherited from the loading one (and copy the memory pages it touches)."""
    gc.disable()
    try:
        for generated in population.chunks(persons, chunk):
            texts = {table: copy_text(generated[table]) for table in POPULATION_TABLES}
            counts = {table: len(generated[table]) for table in POPULATION_TABLES}
            queue.put(("chunk", texts, counts))
        queue.put(("done", dict(population.stats), None))
    except BaseException as error:  # the loading process must hear of it, not wait forever
        queue.put(("error", repr(error), None))


def _load_population_forked(
    lanes: Lanes, writer: TableWriter, persons: int, chunk: int, progress: bool
) -> tuple[Counter[str], dict[str, int]]:
    """PostgreSQL: forked processes, one per generator, make the chunks and format them for
    COPY while this one streams them to the server as they come, so that generation and the
    server's work share the cores. Each generator's rows are its own whatever the order in
    which their chunks arrive, and the indexes and foreign keys are built after them all."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=2 * len(lanes))
    children = [
        context.Process(
            target=_generate,
            args=(population, count, chunk, queue),
            name=f"demo-data-{lane}",
            daemon=True,
        )
        for lane, (population, count) in enumerate(lanes)
    ]
    for child in children:
        child.start()
    rows: Counter[str] = Counter()
    stats: Counter[str] = Counter()
    running = len(children)
    bar = tqdm(total=persons, unit=" persons", file=sys.stderr, disable=not progress)
    try:
        with bar:
            while running:
                kind, payload, counts = queue.get()
                if kind == "error":
                    raise RuntimeError(f"demo-data generation failed: {payload}")
                if kind == "done":
                    stats.update(payload)
                    running -= 1
                    continue
                for table in POPULATION_TABLES:
                    writer.write_copy_text(table, payload[table])
                rows.update(counts)
                bar.update(counts["person"])
        return rows, dict(stats)
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()


def load_blocker() -> DomainError | None:
    """Why demo data cannot be loaded now (persons or the demo localities are already in the
    register), or None when it can."""
    if Person.objects.exists():
        return DomainError(
            _("The register already holds persons; demo data loads only into an empty one."),
            code="registry_not_empty",
        )
    codes = [s.kato for unit in UNITS for s in unit.settlements]
    if Locality.objects.filter(kato__in=codes).exists():
        return DomainError(
            _("The localities of the demo oblast are already in the register."),
            code="demo_localities_present",
        )
    return None


def _require_empty() -> None:
    blocker = load_blocker()
    if blocker is not None:
        raise blocker


def _first_id(table: str) -> int:
    return (MODELS[table]._default_manager.aggregate(top=Max("id"))["top"] or 0) + 1


def _audit(
    persons: int, seed: int, as_of: dt.date, rows: dict[str, int], figures: dict[str, int]
) -> None:
    audit_record(
        action="registry.demo_data.load",
        object_type="registry.Person",
        data={
            "persons": persons,
            "seed": seed,
            "as_of": as_of.isoformat(),
            "rows": rows,
            "figures": figures,
        },
    )
