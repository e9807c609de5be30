"""Writes of the state service, one module per phase of an application; every channel (the
workstation's pages and API, the gateway's inbox) calls them the same way:

- `intake`: the population register looked up (limited, audited) and an application recorded
  (`population_lookup`, `application_create`, `application_intake`);
- `decision`: the specialist's actions: scans and action 1 (`application_document_add`,
  `application_accept_documents`), the checks, action 2 and refusals
  (`application_checks_run`, `application_issue_talon`, `application_refuse`);
- `registration`: requests received from the portal (`application_register`,
  `application_check`).

Every function is atomic and audited. The state changes only along the transitions of
`procedure.py`; each is recorded as an ApplicationStep with its due time (30 working
minutes per action, R5.1, R5.2) and whether it was late.
"""

from bekitu.service.requirements import Basis, PartiesInvalid, PowerOfAttorney
from bekitu.service.services.decision import (
    application_accept_documents,
    application_checks_run,
    application_document_add,
    application_issue_talon,
    application_refuse,
)
from bekitu.service.services.intake import (
    Declared,
    Intake,
    LookupLimit,
    application_create,
    application_district_override,
    application_intake,
    population_lookup,
)
from bekitu.service.services.registration import application_check, application_register

__all__ = [
    "Basis",
    "Declared",
    "Intake",
    "LookupLimit",
    "PartiesInvalid",
    "PowerOfAttorney",
    "application_accept_documents",
    "application_check",
    "application_checks_run",
    "application_create",
    "application_district_override",
    "application_document_add",
    "application_intake",
    "application_issue_talon",
    "application_refuse",
    "application_register",
    "population_lookup",
]
