"""The login lockout, the public check's rate limit and the register look-up limit hold
under concurrent requests from several server processes, and no flood of other keys evicts
them (they were read-check-write in a 300-entry local-memory cache)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from tests.security.processes import Processes, migrated_sqlite, processes

__all__ = ["migrated_sqlite", "processes"]

PASSWORD = "Correct-Horse-Battery-9"
PROCESSES = 4

MAKE_USER = """
from django.contrib.auth import get_user_model
get_user_model().objects.create_user(username="stat-7", password=ARG)
print(json.dumps("made"))
"""

# Each process tries its passwords as the API's Basic authentication does; the number of
# passwords actually checked is counted.
LOGIN_SETUP = """
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import RequestFactory
from bekitu.core.models import User
settings.LOGIN_FAILURE_LIMIT = 5
checked = []
check_password = User.check_password
def counting(self, raw):
    checked.append(1)
    return check_password(self, raw)
User.check_password = counting
"""
LOGIN = """
accepted = 0
for password in ARG:
    request = RequestFactory().get("/api/v1/", REMOTE_ADDR="203.0.113.5")
    accepted += authenticate(request, username="stat-7", password=password) is not None
print(json.dumps({"checked": len(checked), "accepted": accepted}))
"""


def test_twenty_logins_at_once_from_four_processes_check_at_most_five_passwords(
    processes: Processes,
) -> None:
    processes.once(MAKE_USER, PASSWORD)
    guesses = [f"guess-{i}" for i in range(19)] + [PASSWORD]
    batches = [guesses[i::PROCESSES] for i in range(PROCESSES)]
    results = processes.run(LOGIN, batches, setup=LOGIN_SETUP)
    assert sum(r["checked"] for r in results) <= 5, results
    # Once the guesses are spent, the right password is refused as well.
    after = processes.run(LOGIN, [[PASSWORD]], setup=LOGIN_SETUP)[0]
    assert after == {"checked": 0, "accepted": 0}


THROTTLE = """
from django.conf import settings
from django.test import RequestFactory
from bekitu.talons.throttle import verification_allowed
settings.TALON_VERIFY_RATE = "10/min"
allowed = 0
for _ in range(ARG):
    allowed += verification_allowed(RequestFactory().get("/verify/x", REMOTE_ADDR="198.51.100.4"))
print(json.dumps(allowed))
"""


def test_the_talon_check_rate_is_one_count_for_every_process(processes: Processes) -> None:
    allowed = processes.run(THROTTLE, [5] * PROCESSES)
    assert sum(allowed) == 10, allowed


LOOKUPS = """
from django.conf import settings
from bekitu.service.services.intake import LookupLimit, _count_lookup
settings.INTAKE_LOOKUPS_PER_HOUR = 10
counted = []
for iin in ARG:
    try:
        _count_lookup("staff:specialist", iin)
        counted.append(iin)
    except LookupLimit:
        pass
print(json.dumps(counted))
"""


def test_the_register_lookup_limit_is_one_count_for_every_process(processes: Processes) -> None:
    iins = [[f"9001{p:02d}{i:06d}" for i in range(5)] for p in range(PROCESSES)]
    counted = [iin for found in processes.run(LOOKUPS, iins) for iin in found]
    assert len(counted) == 10, counted
    # The same people again are free; anyone new is refused, in any process.
    again = processes.run(LOOKUPS, [counted[:5], [*counted[5:], "900199000001"]])
    assert again == [counted[:5], counted[5:]]


# --- eviction ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_flood_of_other_user_names_does_not_evict_a_lockout(
    django_user_model: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGIN_FAILURE_LIMIT = 5
    django_user_model.objects.create_user(username="stat-7", password=PASSWORD)

    def login(username: str, password: str) -> bool:
        request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
        return authenticate(request, username=username, password=password) is not None

    for i in range(5):
        assert not login("stat-7", f"guess-{i}")
    for _ in range(320):
        login(secrets.token_hex(8), "x")
    assert not login("stat-7", PASSWORD)
