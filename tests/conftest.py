"""Shared test set-up: fast password hashing, and the audit actor of a test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

if TYPE_CHECKING:
    from bekitu.devtools.testpki import TestPki


# Property tests check what a rule says, not how fast it runs (bench/ measures speed): on a
# machine shared with other work one example may take longer than Hypothesis's 200 ms
# deadline, which would fail a correct rule. No deadline, and no "too slow" health check.
hypothesis_settings.register_profile(
    "bekitu", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("bekitu")


# The fixtures by which a test reaches the configured database (pytest-django's).
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-only",
        action="store_true",
        help="run only the tests that use the configured database (make test's PostgreSQL "
        "pass: the others ran in the SQLite pass and would repeat it exactly)",
    )


def uses_the_database(item: pytest.Item) -> bool:
    """Whether a test reaches the configured database: through a database fixture or the
    django_db mark. A test without either can't: pytest-django refuses it the connection."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & DATABASE_FIXTURES) or item.get_closest_marker("django_db") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-only"):
        return
    kept, left = [], []
    for item in items:
        (kept if uses_the_database(item) else left).append(item)
    config.hook.pytest_deselected(items=left)
    items[:] = kept


@pytest.fixture
def client() -> Any:
    """A test client that asks for English, the source language the tests read; a test of
    Kazakh or Russian pages asks for that language itself."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Each test starts in English, the source language it reads, whatever language an
    earlier test in the same process left active (a command runs in the active language)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings: pytest.FixtureRequest) -> None:
    # Argon2 is right for production and slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _no_gateway_kick(settings: Any) -> None:
    # After a commit that sends a message the gateway asks the background worker to relay;
    # tests relay and receive themselves (bekitu.gateway.worker.gateway_drain).
    settings.GATEWAY_KICK = False


@pytest.fixture(autouse=True)
def _talon_pdf_on_request(settings: Any) -> None:
    # Tests run in a transaction that never commits, so the background worker is never asked
    # for a talon's PDF; a request for it makes it (tests of the wait set their own value).
    settings.TALON_PDF_WAIT_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # Login-failure and rate-limit counters live in the (per-process) cache: no test may
    # inherit another's lockout (docs/security.md).
    from django.core.cache import cache

    cache.clear()


# --- EDS: the test PKI (engineer edspki) ------------------------------------------------------


def _first_usable(make: Callable[..., str | None], *args: object) -> str:
    """make_iin/make_bin give None for an unusable serial; take the next serial then."""
    *head, serial = args
    assert isinstance(serial, int)
    for offset in range(20):
        value = make(*head, serial + offset)
        if value is not None:
            return value
    raise AssertionError("no usable serial")


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """A test PKI built once per xdist worker: `test_pki.persons` (3 adults),
    `test_pki.providers` (2), `test_pki.person` / `.provider` (the first of each), paths of
    trust/, crl/, providers/, every PKCS#12 and the negative cases (password "Qwerty12")."""
    import datetime as dt

    from bekitu.core.iin import make_bin, make_iin
    from bekitu.devtools.testpki import PersonSpec, ProviderSpec, build_test_pki, shared_keys

    persons = [
        PersonSpec(_first_usable(make_iin, dt.date(1985, 3, 14), "male", 101), "ТЕСТОВ", "АСАН"),
        PersonSpec(_first_usable(make_iin, dt.date(1992, 7, 2), "female", 201), "ӘЛІБЕК", "ГҮЛНАР"),
        PersonSpec(_first_usable(make_iin, dt.date(1978, 11, 30), "male", 301), "IVANOV", "PETR"),
    ]
    providers = [
        ProviderSpec(
            _first_usable(make_bin, dt.date(2005, 1, 1), 4, 11), "ГКП «ЕМХАНА №1»", persons[2].iin
        ),
        ProviderSpec(
            _first_usable(make_bin, dt.date(2011, 6, 1), 4, 21), "TOO CITY CLINIC", persons[0].iin
        ),
    ]
    outdir = tmp_path_factory.mktemp("pki")
    return build_test_pki(outdir, persons=persons, providers=providers, key_source=shared_keys())


@pytest.fixture
def eds_settings(settings: Any, test_pki: TestPki) -> Any:
    """Django settings pointing EDS_TRUST_DIR, EDS_CRL_DIR and EDS_PROVIDER_KEYS_DIR at the
    test PKI (no OCSP address: the CRLs are current)."""
    settings.EDS_TRUST_DIR = test_pki.trust_dir
    settings.EDS_CRL_DIR = test_pki.crl_dir
    settings.EDS_PROVIDER_KEYS_DIR = test_pki.providers_dir
    settings.EDS_OCSP_URL = ""
    return settings


@pytest.fixture
def key_away(settings: Any, test_pki: TestPki, tmp_path: Path) -> Callable[[], None]:
    """The providers' signing keys missing (an empty folder) while the gateway still signs
    its envelopes with its own; returns what puts the keys back."""
    settings.GATEWAY_KEYS_DIR = str(test_pki.providers_dir)
    folder = tmp_path / "provider-keys"
    folder.mkdir()
    settings.EDS_PROVIDER_KEYS_DIR = folder

    def restore() -> None:
        for item in Path(test_pki.providers_dir).iterdir():
            shutil.copy(item, folder / item.name)

    return restore
