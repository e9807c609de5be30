"""The portal channel's whole pipeline, per second and in latency, against its floor.

One application goes: condition 2 at the portal (`portal.requests.request_submit` on the
citizen's account and draft: the EDS verified, R9.6), the request put in the portal's outbox
in the submission's transaction (R9.8), relayed in an
envelope signed by the portal's organization key, carried by the transport, received (the
envelope's signature verified, the inbox's once-only row), then at the provider: the EDS
verified again, the application registered (R9.9), condition 3 (R9.10), the automatic
decision (the provider's setting) with the signed e-talon XML (R9.12), and the status
message of registration and check back to the portal, relayed and received the same way and
recorded in the citizen's request (`portal.requests.status_receive`). The clock stops at the
decision. Not counted: the citizen's signing (in the browser, before the clock starts) and
the talon's PDF, which the background worker renders and signs after the decision commits
and which then carries the `talon_issued` status to the portal (`bench/talons.py` measures
it: about 21 ms of CPU a talon on this machine).

Two runs per set-up: a burst of --n submissions (throughput: applications per second from
the first submission to the last decision; the worker processes are started, and waited
for, before the clock starts, as a long-running worker starts once and not per application:
the seconds they took are printed), then submissions at a fixed rate --rate for
--seconds (p99 of submission to decision). In the same child process the floor is measured:
one RSA-2048 signature, one verification and one database commit, per second; the ratio is
floor / throughput (how many floor-units one application costs).

    .venv/bin/python bench/portal.py                       # PostgreSQL + RabbitMQ, and the default
    .venv/bin/python bench/portal.py --setup default --n 60 --rate 10 --seconds 5

Set-ups: `postgres` (PostgreSQL `bekitu_bench_portal_<pid>`, made for the run and dropped
after it, or BENCH_PG_URL's database, made afresh and kept; and RabbitMQ at
127.0.0.1:5672 under a prefix of its own, deleted after; --workers relay/receiver processes)
and `default` (SQLite and the queue-table transport, one worker process, as `make run`).
Under each set-up's figures, what one application costs whatever the machine's load: SQL
statements (the submissions' and the workers'), envelopes received (requests and receipts,
both ways: the receivers' inbox rows, receipts that went together counted once) and audit
rows; and the CPU one application costs, by who spends it: the submitting process
(condition 2 and the outbox write), the relay/receiver workers (idle polling included)
and the database server (the PostgreSQL backends of the bench's database, read from /proc; on
SQLite its work is in the other two). The CPU figures hold whatever else the machine runs: two
cores give at most 2,000 / (total ms) applications per second. The last line is that of the
first set-up that ran (PostgreSQL + RabbitMQ when there):
`portal pipeline: N applications/s; floor F/s; ratio Rx; p99 P ms at Q/s`.
With BENCH_PROFILE=/tmp/prof each worker writes its cProfile, timed by CPU, to /tmp/prof.<pid>
(pstats).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from _postgres import database_afresh

ROOT = Path(__file__).resolve().parent.parent
# A database of the run's own, so that two runs at once do not drop each other's; the child
# processes are given the parent's name through BENCH_PG_URL.
PG_URL = os.environ.get(
    "BENCH_PG_URL", f"postgres://postgres@127.0.0.1:5432/bekitu_bench_portal_{os.getpid()}"
)
AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
PORTAL = "egov-portal"
# The e-copy of the identity document the checklist asks of an adult (a tiny valid PDF).
IDENTITY_COPY = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _amqp_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 5672), 2).close()
    except OSError:
        print("PostgreSQL + RabbitMQ pass skipped: no RabbitMQ at 127.0.0.1:5672")
        return False
    return True


def _persons(count: int) -> list[tuple[str, dt.date]]:
    from bekitu.core.iin import make_iin

    found: list[tuple[str, dt.date]] = []
    serial = 0
    while len(found) < count:
        serial += 1
        born = dt.date(1976, 1, 1) + dt.timedelta(days=11 * (serial % 900))
        iin = make_iin(born, "male", 100 + serial // 900)
        if iin and iin not in {i for i, _ in found}:
            found.append((iin, born))
    return found


def _pki(folder: Path, persons: list[tuple[str, dt.date]], providers: int) -> Any:
    """A test PKI: the providers' and (last) the portal operator's organization keys, and a signing
    certificate for each person (one RSA key shared by the persons' certificates: a key pair
    per person would only cost its generation here)."""
    from bekitu.core.iin import make_bin
    from bekitu.devtools.testpki import PersonSpec, ProviderSpec, build_test_pki, cached_keys

    bins = [b for s in range(1, 80) if (b := make_bin(dt.date(2005, 1, 1), 4, s))]
    keys = cached_keys()

    def source(slot: str) -> Any:
        return keys("person" if slot.startswith(("sign:", "auth:")) else slot)

    head = persons[0][0]
    return build_test_pki(
        folder / "pki",
        persons=[PersonSpec(iin, "БЕНЧ", "АДАМ") for iin, _ in persons],
        providers=[
            *(ProviderSpec(bins[k], f"ГКП «БЕНЧ ЕМХАНА {k + 1}»", head) for k in range(providers)),
            ProviderSpec(bins[providers], "АО «НИТ» (BENCH)", head),
        ],
        key_source=source,
    )


def _environment(folder: Path, pki: Any, setup: str, prefix: str) -> dict[str, str]:
    env = {
        "BEKITU_VAR_DIR": str(folder / "var"),
        "BEKITU_EDS_TRUST_DIR": str(pki.trust_dir),
        "BEKITU_EDS_CRL_DIR": str(pki.crl_dir),
        "BEKITU_EDS_PROVIDER_KEYS_DIR": str(pki.providers_dir),
        "BEKITU_EDS_OCSP_URL": "",
        "BEKITU_LOG_LEVEL": "WARNING",
        "BEKITU_DEBUG": "false",
        "BEKITU_SECRET_KEY": uuid.uuid4().hex * 2,
        "BEKITU_GATEWAY_KICK": "false",
        "DJANGO_SETTINGS_MODULE": "bekitu.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    if setup == "postgres":
        env["DATABASE_URL"] = PG_URL
        env["BEKITU_GATEWAY_TRANSPORT"] = AMQP_URL
        env["BEKITU_GATEWAY_AMQP_PREFIX"] = prefix
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        env["BEKITU_GATEWAY_TRANSPORT"] = "db://"
    return env


def _world(pki: Any, persons: list[tuple[str, dt.date]]) -> list[Any]:
    """The providers (automatic decisions), each with a district covering a street of its
    own, the persons living on those streets in turn (the n-th person on the n-th provider's,
    round the list), and the gateway's participants: the portal and each provider."""
    from tests.factories import (
        DistrictFactory,
        LocalityFactory,
        PersonFactory,
        ProviderFactory,
        ServiceAreaFactory,
        StreetFactory,
    )

    from bekitu.gateway.services import participant_register
    from bekitu.service.portal_requests import portal_setting_set

    locality = LocalityFactory()
    *specs, portal = pki.providers
    providers, streets = [], []
    for spec in specs:
        provider = ProviderFactory(bin=spec.bin, locality=locality)
        street = StreetFactory(locality=locality)
        district = DistrictFactory(provider=provider, normative_size=10 * len(persons) + 100)
        ServiceAreaFactory(district=district, street=street)
        portal_setting_set(provider_id=provider.pk, decision="automatic", by="bench")
        participant_register(system_id=provider.bin, bin=provider.bin, local=True)
        providers.append(provider)
        streets.append(street)
    for n, (iin, born) in enumerate(persons):
        street = streets[n % len(streets)]
        PersonFactory(iin=iin, birth_date=born, sex="male", address__street=street)
    participant_register(system_id=PORTAL, bin=portal.bin, local=True)
    return providers


def _signed_requests(
    pki: Any, providers: list[Any], persons: list[tuple[str, dt.date]]
) -> list[Any]:
    """Each person's account and draft at the portal (for the provider whose street they
    live on), and the draft signed with their key as NCALayer would (before the clock)."""
    import hashlib

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bekitu.devtools.testpki import PASSWORD
    from bekitu.eds.signing import load_p12, sign_xml_with_key
    from bekitu.gateway.contracts import attachment_request as contract
    from bekitu.portal.models import Account, Draft, DraftCopy

    signed = []
    for n, (iin, _born) in enumerate(persons):
        provider = providers[n % len(providers)]
        key = load_p12(pki.person_sign_p12(iin), PASSWORD)
        number = f"P-20261127-{n:06d}"
        request = contract.AttachmentRequest(
            number=number,
            submitted_at=timezone.now(),
            nonce=uuid.uuid4().hex,
            account_iin=iin,
            recipient_iin=iin,
            applicant_role="self",
            provider_bin=provider.bin,
            reason="choice",
            contacts=contract.Contacts("+77010000000", "bench@example.kz"),
            documents=(contract.document_for("identity_document", "id.pdf", IDENTITY_COPY),),
            language="ru",
        )
        unsigned = contract.build_request(request)
        user = get_user_model().objects.create_user(username=f"bench-{iin}")
        account = Account.objects.create(
            user=user, iin=iin, proof=Account.Proof.EDS, registered_at=timezone.now()
        )
        draft = Draft.objects.create(
            account=account,
            number=number,
            recipient_iin=iin,
            applicant_role="self",
            provider_bin=provider.bin,
            provider_name=provider.name_ru,
            xml=unsigned,
            created_at=timezone.now(),
        )
        DraftCopy.objects.create(
            draft=draft,
            code="identity_document",
            filename="id.pdf",
            content_type="application/pdf",
            content=IDENTITY_COPY,
            sha256=hashlib.sha256(IDENTITY_COPY).hexdigest(),
            size=len(IDENTITY_COPY),
        )
        xml = sign_xml_with_key(key=key, xml=unsigned)
        signed.append((number, (account, draft.pk), xml))
    return signed


def _submit(number: str, who: tuple[Any, Any], xml: bytes) -> None:
    """The portal's submission (`portal.requests.request_submit`): condition 2 (R9.6), then
    the request in the outbox with the citizen's request and its timeline (R9.8)."""
    from bekitu.portal.requests import request_submit

    account, draft_id = who
    request_submit(account, draft_id, xml)


def _decided(numbers: list[str]) -> dict[str, float]:
    """Decision times (epoch seconds) of the applications made of these portal requests."""
    from bekitu.service.models import PortalRequest

    rows = PortalRequest.objects.filter(
        number__in=numbers, application__decided_at__isnull=False
    ).values_list("number", "application__decided_at")
    return {number: decided.timestamp() for number, decided in rows}


def _wait_for(numbers: list[str], timeout: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    decided: dict[str, float] = {}
    while time.monotonic() < deadline:
        decided = _decided(numbers)
        if len(decided) == len(numbers):
            return decided
        time.sleep(0.05)
    missing = len(numbers) - len(decided)
    raise SystemExit(f"{missing} of {len(numbers)} applications not decided in {timeout:.0f} s")


def _floor(seconds: float = 2.0) -> float:
    """One RSA-2048 signature, one verification, one database commit: per second."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from django.db import connection, transaction

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, v TEXT)")
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        data = f"application {done}".encode()
        signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_floor (id, v) VALUES (%s, %s)", [done, "x"])
        done += 1
    return done / (time.perf_counter() - start)


def _workers(env: dict[str, str], count: int) -> list[subprocess.Popen[bytes]]:
    command = [sys.executable, __file__, "--worker"]
    return [subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT) for _ in range(count)]


def _ready(folder: Path, workers: list[subprocess.Popen[bytes]], timeout: float = 120) -> float:
    """Wait until every worker has started (interpreter, Django, the handlers: what a
    long-running worker does once, not per application); the seconds it took."""
    began, deadline = time.monotonic(), time.monotonic() + timeout
    while len(list(folder.glob("ready.*"))) < len(workers):
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            raise SystemExit("the gateway workers did not start")
        time.sleep(0.05)
    return time.monotonic() - began


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


class _ServerCPU:
    """CPU seconds spent by the PostgreSQL backends of one database while it runs: a thread
    samples /proc every 0.1 s (a backend's process title names its database); a backend that
    ends between two samples loses at most its last 0.1 s. No database (SQLite): nothing."""

    def __init__(self, database: str | None) -> None:
        self.marker = f" {database} " if database else ""
        self.tick = os.sysconf("SC_CLK_TCK")
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, initial: bool) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if not title.startswith("postgres: ") or self.marker not in title:
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            cpu = (int(fields[11]) + int(fields[12])) / self.tick
            pid = int(entry.name)
            if initial:
                self.first[pid] = cpu
            self.last[pid] = cpu

    def _run(self) -> None:
        self._sample(initial=True)
        while not self.stopped.wait(0.1):
            self._sample(initial=False)

    def start(self) -> None:
        if self.marker:
            self.thread.start()

    def stop(self) -> None:
        if not self.marker:
            return
        self.stopped.set()
        self.thread.join()
        self._sample(initial=False)

    @property
    def seconds(self) -> float:
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


class _Statements:
    """Counts the SQL statements a connection runs (`connection.execute_wrapper`)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def worker() -> None:
    """A relay and receiver process (`bekitu gateway run`), with the portal's status handler
    standing in when the portal app registers none. Writes the SQL statements it ran to
    BENCH_STATEMENTS.<pid> when it stops."""
    import django

    django.setup()
    from django.db import connection

    from bekitu.gateway.contracts import attachment_status
    from bekitu.gateway.handlers import handler_register, message_handler
    from bekitu.gateway.worker import gateway_run

    if message_handler(attachment_status.SERVICE_ID) is None:
        handler_register(service_id=attachment_status.SERVICE_ID, handler=lambda message: None)
    Path(os.environ["BENCH_STATEMENTS"]).with_name(f"ready.{os.getpid()}").touch()
    statements = _Statements()
    cpu = time.process_time()
    with connection.execute_wrapper(statements):
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            # Timed by the process's CPU, not the wall clock: on two busy cores a wall-clock
            # profile charges a call with the time the process waited to be scheduled.
            profile = cProfile.Profile(time.process_time)
            profile.runcall(gateway_run, wait=0.05, limit=50)
            profile.dump_stats(f"{os.environ['BENCH_PROFILE']}.{os.getpid()}")
        else:
            gateway_run(wait=0.05, limit=50)
    spent = {"statements": statements.count, "cpu": time.process_time() - cpu}
    Path(f"{os.environ['BENCH_STATEMENTS']}.{os.getpid()}").write_text(json.dumps(spent))


def _costs(
    folder: Path, applications: int, submitted: int, audited: int, cpu: dict[str, float]
) -> dict[str, float]:
    """Per application: SQL statements (the submissions' and the workers'), envelopes received
    (the inbox rows: requests and receipts, both ways; receipts that went together in one
    envelope count once), audit rows, and CPU ms by who spent it."""
    from bekitu.core.models import AuditEntry
    from bekitu.gateway.models import InboxMessage

    spent = [json.loads(f.read_text()) for f in folder.glob("statements.*")]
    worked = sum(s["statements"] for s in spent)
    cpu = {**cpu, "workers": sum(s["cpu"] for s in spent)}
    return {
        **{f"cpu_{who}_ms": 1000 * seconds / applications for who, seconds in cpu.items()},
        "statements": (worked + submitted) / applications,
        "envelopes": InboxMessage.objects.count() / applications,
        "audit_rows": (AuditEntry.objects.count() - audited) / applications,
    }


def child(setup: str, n: int, rate: float, seconds: float, workers: int, providers: int) -> None:
    """One set-up's run in a folder of its own (the test PKI's keys, the var folder, the
    SQLite file), deleted after it."""
    folder = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    try:
        _run(folder, setup, n, rate, seconds, workers, providers)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(
    folder: Path, setup: str, n: int, rate: float, seconds: float, workers: int, providers: int
) -> None:
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    paced = max(1, round(rate * seconds))
    persons = _persons(n + paced)
    pki = _pki(folder, persons, providers)
    prefix = f"bekitu-bench-{uuid.uuid4().hex[:8]}"
    env = _environment(folder, pki, setup, prefix)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    providers_made = _world(pki, persons)
    requests = _signed_requests(pki, providers_made, persons)
    burst, steady = requests[:n], requests[n:]
    floor = _floor()
    from django.db import connection

    from bekitu.core.models import AuditEntry

    audited_before = AuditEntry.objects.count()  # the world's rows: not the pipeline's
    env["BENCH_STATEMENTS"] = str(folder / "statements")
    running = _workers(env, workers)
    starting = _ready(folder, running)
    submissions = _Statements()
    submitting = 0.0
    server = _ServerCPU(connection.settings_dict["NAME"] if setup == "postgres" else None)
    try:
        server.start()
        started = time.time()
        for number, iin, xml in burst:
            cpu = time.process_time()
            with connection.execute_wrapper(submissions):
                _submit(number, iin, xml)
            submitting += time.process_time() - cpu
        decided = _wait_for([r[0] for r in burst], timeout=60 + 5 * n)
        throughput = n / (max(decided.values()) - started)

        submitted: dict[str, float] = {}
        lock = threading.Lock()
        begin = time.time()
        for k, (number, iin, xml) in enumerate(steady):
            pause = begin + k / rate - time.time()
            if pause > 0:
                time.sleep(pause)
            with lock:
                submitted[number] = time.time()
            cpu = time.process_time()
            with connection.execute_wrapper(submissions):
                _submit(number, iin, xml)
            submitting += time.process_time() - cpu
        offered = len(steady) / max(1e-9, time.time() - begin)
        decided = _wait_for(list(submitted), timeout=60 + 5 * len(steady))
        latencies = [(decided[k] - submitted[k]) * 1000 for k in submitted]
    finally:
        _stop(running)
        server.stop()
        if setup == "postgres":
            _delete_topology(prefix, [PORTAL, *(p.bin for p in providers_made)])
    cpu = {"submitting": submitting, "server": server.seconds}
    costs = _costs(folder, n + len(steady), submissions.count, audited_before, cpu)
    print(
        json.dumps(
            {
                "setup": setup,
                "n": n,
                "throughput": throughput,
                "floor": floor,
                "ratio": floor / throughput,
                "p50_ms": _quantile(latencies, 0.50),
                "p99_ms": _quantile(latencies, 0.99),
                "rate": rate,
                "offered": offered,
                "workers": workers,
                "providers": providers,
                "starting_s": starting,
                **costs,
            }
        )
    )


def _delete_topology(prefix: str, routes: list[str]) -> None:
    from kombu import Connection

    with Connection(AMQP_URL) as conn:
        channel = conn.channel()
        for route in routes:
            for kind in ("route", "dead"):
                channel.queue_delete(f"{prefix}.{kind}.{route}")
        for name in (prefix, f"{prefix}.dead"):
            channel.exchange_delete(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100, help="submissions of the burst")
    parser.add_argument("--rate", type=float, default=30.0, help="arrivals per second (Q)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the paced run")
    parser.add_argument("--workers", type=int, default=2, help="relay/receiver processes (PG)")
    parser.add_argument(
        "--providers",
        type=int,
        default=1,
        help="providers the submissions go to in turn (1: every one to the same polyclinic)",
    )
    parser.add_argument("--setup", choices=["postgres", "default", "both"], default="both")
    parser.add_argument("--child", choices=["postgres", "default"], help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    if args.child:
        count = args.workers if args.child == "postgres" else 1
        child(args.child, args.n, args.rate, args.seconds, count, args.providers)
        return
    setups = ["postgres", "default"] if args.setup == "both" else [args.setup]
    print(
        f"Portal pipeline: burst of {args.n}, then {args.rate:g}/s for {args.seconds:g} s "
        "(condition 2, envelope, transport, registration, condition 3, decision, e-talon); "
        f"{args.providers} provider(s), {args.workers} worker process(es) on PostgreSQL"
    )
    print(f"{'set-up':22}{'apps/s':>8}{'floor/s':>9}{'ratio':>8}{'p50 ms':>8}{'p99 ms':>8}")
    results = []
    for setup in setups:
        if setup == "postgres" and not (_amqp_up() and database_afresh(PG_URL)):
            continue
        cmd = [sys.executable, __file__, "--child", setup, "--n", str(args.n)]
        cmd += ["--rate", str(args.rate), "--seconds", str(args.seconds)]
        cmd += ["--workers", str(args.workers), "--providers", str(args.providers)]
        env = {**os.environ, "BENCH_PG_URL": PG_URL}
        try:
            out = subprocess.run(
                cmd, check=False, capture_output=True, text=True, cwd=ROOT, env=env
            )
        finally:
            if setup == "postgres" and "BENCH_PG_URL" not in os.environ:
                database_afresh(PG_URL, create=False)
        if out.returncode:
            sys.exit(f"{setup} failed:\n{out.stderr[-3000:]}")
        r = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("{")))
        name = "PostgreSQL + RabbitMQ" if setup == "postgres" else "SQLite + queue table"
        print(
            f"{name:22}{r['throughput']:8.1f}{r['floor']:9.0f}{r['ratio']:7.0f}x"
            f"{r['p50_ms']:8.0f}{r['p99_ms']:8.0f}"
        )
        print(
            f"{'':22}per application: {r['statements']:.0f} SQL statements, "
            f"{r['envelopes']:.1f} envelopes, {r['audit_rows']:.1f} audit rows"
        )
        print(
            f"{'':22}workers started in {r['starting_s']:.1f} s before the clock (once per "
            "process, not per application)"
        )
        print(
            f"{'':22}paced run: {r['offered']:.1f} submissions/s offered of the {r['rate']:g}/s "
            "asked (the submitting process is one of the pipeline's: when it cannot keep "
            "up, fewer arrive)"
        )
        total = r["cpu_submitting_ms"] + r["cpu_workers_ms"] + r["cpu_server_ms"]
        print(
            f"{'':22}CPU per application: {total:.0f} ms (submitting {r['cpu_submitting_ms']:.0f}, "
            f"workers {r['cpu_workers_ms']:.0f}, database server {r['cpu_server_ms']:.0f}); "
            f"2 cores: at most {2000 / total:.0f}/s"
        )
        results.append(r)
    if not results:
        sys.exit("no set-up could run")
    r = results[0]
    print(
        f"portal pipeline: {r['throughput']:.1f} applications/s; floor {r['floor']:.0f}/s; "
        f"ratio {r['ratio']:.0f}x; p99 {r['p99_ms']:.0f} ms at {r['offered']:.0f}/s"
    )


if __name__ == "__main__":
    main()
