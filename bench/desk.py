"""Whole desk applications per second: intake, action 1 and action 2 (a talon signed with the
provider's key, XML and PDF), on SQLite and PostgreSQL, through the services and through HTTP.

R5 allows 60 minutes of server-side procedure per application (30 for action 1, R5.1, and 30
for action 2, R5.2). Each line prints the server time one application took and the ratio of
those 60 minutes to it: how many times faster than the regulation the desk is.

    .venv/bin/python bench/desk.py                 # both databases, 20 applications each way
    .venv/bin/python bench/desk.py --n 50 --db sqlite
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/bekitu_bench_desk .venv/bin/python bench/desk.py

Each database runs in a child process of its own (Django reads DATABASE_URL at start-up); the
PostgreSQL database `bekitu_bench_desk` is dropped and made afresh.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _postgres import database_afresh

ROOT = Path(__file__).resolve().parent.parent
R5_SECONDS = 60 * 60  # action 1 (30 min, R5.1) + action 2 (30 min, R5.2)
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/bekitu_bench_desk")


def _pki(folder: Path) -> Any:
    """A test PKI with one provider key (the desk's) and one person key (unused here)."""
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    from bekitu.core.iin import make_bin, make_iin
    from bekitu.devtools.testpki import PersonSpec, ProviderSpec, build_test_pki, cached_keys

    head = next(i for s in range(1, 50) if (i := make_iin(dt.date(1980, 1, 2), "male", s)))
    bin_ = next(b for s in range(1, 50) if (b := make_bin(dt.date(2005, 1, 1), 4, s)))
    return build_test_pki(
        folder / "pki",
        persons=[PersonSpec(head, "БЕНЧ", "АДАМ")],
        providers=[ProviderSpec(bin_, "ГКП «БЕНЧ ЕМХАНА»", head)],
        key_source=cached_keys(),
    )


def _population(district: Any, street: Any, size: int) -> None:
    """`size` persons already attached to the district, so that the checks count a
    realistic population (bulk-inserted; IINs valid and distinct)."""
    from bekitu.core.iin import make_iin
    from bekitu.registry.models import Address, Attachment, Person

    address = Address.objects.create(street=street, house=1, apartment="bench")
    persons, serial = [], 0
    while len(persons) < size:
        serial += 1
        born = dt.date(1950, 1, 1) + dt.timedelta(days=serial // 9000)
        iin = make_iin(born, "female", 1000 + serial % 9000)
        if iin:
            persons.append(
                Person(
                    iin=iin,
                    surname="Бенч",
                    given_name="Адам",
                    birth_date=born,
                    sex="female",
                    status="citizen",
                    address=address,
                )
            )
    Person.objects.bulk_create(persons, batch_size=2000)
    Attachment.objects.bulk_create(
        (
            Attachment(
                person=p,
                provider=district.provider,
                district=district,
                source="bench",
                valid_from=dt.date(2020, 1, 1),
                reason="initial",
            )
            for p in Person.objects.filter(address=address)
        ),
        batch_size=2000,
    )


def _world(n: int, bin_: str, population: int) -> tuple[Any, list[Any]]:
    """The provider (with the PKI's BIN), a district covering one street with `population`
    persons attached, n persons to attach, and a statistics-office specialist."""
    from tests.factories import (
        DistrictFactory,
        LocalityFactory,
        PersonFactory,
        ProviderFactory,
        ServiceAreaFactory,
        StreetFactory,
    )

    from bekitu.workstation.services import staff_create

    locality = LocalityFactory()
    provider = ProviderFactory(bin=bin_, locality=locality)
    street = StreetFactory(locality=locality)
    district = DistrictFactory(provider=provider, normative_size=population + 10 * n)
    ServiceAreaFactory(district=district, street=street)
    _population(district, street, population)
    persons = [
        PersonFactory(address__street=street, birth_date=dt.date(1970 + i % 30, 1 + i % 12, 3))
        for i in range(n)
    ]
    user = staff_create(
        username="bench",
        password=secrets.token_urlsafe(),
        provider_bin=bin_,
        role="statistics_specialist",
    ).user
    return user, persons


def _via_services(user: Any, person: Any) -> None:
    from bekitu.registry.population import get_population_register
    from bekitu.service import selectors, services

    provider = user.staff_profile.provider
    assert get_population_register().lookup(person.iin) is not None
    app = services.application_create(
        channel="desk", recipient=person, provider=provider, reason="choice", created_by=user
    )
    services.application_checks_run(application=app)
    kinds = [r.kind for r in selectors.documents_required(application=app)]
    services.application_accept_documents(application=app, documents=kinds, by=user)
    app = services.application_issue_talon(application=app, by=user)
    assert app.state == "talon_issued", app.refusal_code


def _via_http(client: Any, person: Any) -> None:
    from django.urls import reverse

    from bekitu.service.models import Application
    from bekitu.service.selectors import documents_required

    client.post(reverse("workstation:intake"), {"iin": person.iin})
    form = {"channel": "desk", "reason": "choice", "applicant_role": "self"}
    created = client.post(reverse("workstation:intake-person"), form)
    assert created.status_code == 302, created.status_code
    app = Application.objects.get(recipient=person)
    kinds = [r.kind for r in documents_required(application=app)]
    client.post(reverse("workstation:accept", args=[app.number]), {"documents": kinds})
    client.post(reverse("workstation:issue", args=[app.number]))
    pdf = client.get(reverse("workstation:pdf", args=[app.number, "talon"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def _time(run: Any, items: list[Any]) -> dict[str, float]:
    run(items[0])  # warm-up: fonts, templates, keys loaded once
    durations = []
    started = time.perf_counter()
    for item in items[1:]:
        t0 = time.perf_counter()
        run(item)
        durations.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    mean = statistics.fmean(durations)
    return {
        "n": len(durations),
        "per_second": len(durations) / total,
        "mean_ms": mean * 1000,
        "p95_ms": sorted(durations)[math.ceil(0.95 * len(durations)) - 1] * 1000,
        "ratio": R5_SECONDS / mean,
    }


def child(backend: str, n: int, population: int) -> None:
    """One database: build the world, time both paths, print one JSON line per path."""
    folder = Path(tempfile.mkdtemp(prefix="bench-desk-"))
    pki = _pki(folder)
    os.environ.update(
        {
            "BEKITU_VAR_DIR": str(folder / "var"),
            "BEKITU_EDS_TRUST_DIR": str(pki.trust_dir),
            "BEKITU_EDS_CRL_DIR": str(pki.crl_dir),
            "BEKITU_EDS_PROVIDER_KEYS_DIR": str(pki.providers_dir),
            "BEKITU_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "bekitu.settings",
        }
    )
    if backend == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    else:
        os.environ["DATABASE_URL"] = PG_URL
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bekitu.core.audit import audit_context

    call_command("migrate", verbosity=0)
    user, persons = _world(2 * (n + 1), pki.providers[0].bin, population)
    with audit_context(actor="staff:bench", channel="desk"):
        services = _time(lambda p: _via_services(user, p), persons[: n + 1])
    client = Client()
    client.force_login(user)
    http = _time(lambda p: _via_http(client, p), persons[n + 1 :])
    for path, figures in (("services", services), ("http", http)):
        print(json.dumps({"backend": backend, "path": path, "population": population, **figures}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20, help="applications timed per path")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--population", type=int, default=5000, help="persons already attached to the provider"
    )
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.n, args.population)
        return
    backends = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(
        "Desk applications (intake + action 1 + action 2 with signed talon and PDF), "
        f"n={args.n} per path, {args.population} persons already attached to the provider"
    )
    head = f"{'database':10}{'path':10}{'apps/s':>8}{'mean ms':>10}{'p95 ms':>9}"
    print(f"{head}{'R5 60 min / mean':>19}")
    for backend in backends:
        if backend == "postgres" and not database_afresh(PG_URL):
            continue
        cmd = [sys.executable, __file__, "--child", backend, "--n", str(args.n)]
        cmd += ["--population", str(args.population)]
        out = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            sys.exit(f"{backend} failed:\n{out.stderr[-3000:]}")
        for line in out.stdout.splitlines():
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            print(
                f"{r['backend']:10}{r['path']:10}{r['per_second']:8.2f}{r['mean_ms']:10.0f}"
                f"{r['p95_ms']:9.0f}{r['ratio']:18.0f}x"
            )


if __name__ == "__main__":
    main()
