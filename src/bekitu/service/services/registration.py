"""Requests received from the portal through the gateway (R9.8-R9.12): registered at the
provider (process 6, R9.9), then checked (condition 3, R9.10). A request that fails a check
is refused at once with its reason (process 7, R9.11); one that passes waits for action 2
(`decision.application_issue_talon`, process 8, R9.12)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from bekitu.core.vocabulary import Action
from bekitu.service.facts import CaseFacts, case_build
from bekitu.service.models import Application
from bekitu.service.procedure import lock, require_action, step_record
from bekitu.service.services.decision import checks_store, refuse_on_failure

if TYPE_CHECKING:
    from bekitu.core.models import User


@transaction.atomic
def application_register(*, application: Application, by: User | None = None) -> Application:
    """Process 6 (R9.9): the signed request is registered at the provider's workstation."""
    return register_locked(lock(application), by=by)


def register_locked(application: Application, *, by: User | None = None) -> Application:
    """`application_register` on an application the caller's transaction has locked (`lock`)
    and passes on from step to step, instead of reading and locking it again."""
    step_record(application, Action.REGISTER, by=by, at=timezone.now(), outcome="registered")
    return application


@transaction.atomic
def application_check(*, application: Application, by: User | None = None) -> Application:
    """Condition 3 (R9.10): check the request against the grounds of the service; a
    failed check refuses it at once with its reason (process 7, R9.11)."""
    return check_case_locked(lock(application), by=by)[0]


def check_case_locked(
    application: Application, *, by: User | None = None
) -> tuple[Application, CaseFacts]:
    """`application_check` on an application the caller's transaction has locked, also
    giving the case the checks ran on: an automatic decision in the same transaction decides
    on it without running them again."""
    require_action(application, Action.CHECK)
    facts = case_build(application)
    results = checks_store(application, facts)
    failed = next((r for r in results if not r.passed), None)
    outcome = f"failed:{failed.reason_code}" if failed else "passed"
    step_record(application, Action.CHECK, by=by, at=timezone.now(), outcome=outcome)
    return refuse_on_failure(application, results, by=by) or application, facts
