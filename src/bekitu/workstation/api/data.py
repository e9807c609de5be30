"""The API's view of applications and register records, built from the pages' presenters so
that pages and API show the same thing."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from rest_framework.request import Request

from bekitu.registry.population import PersonRecord
from bekitu.service.procedure import allowed_actions, pending_action
from bekitu.service.selectors import application_time_left
from bekitu.workstation import presenters

if TYPE_CHECKING:
    from bekitu.registry.models import Person
    from bekitu.service.models import Application


def _person(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"iin": person.iin, "full_name": person.full_name, "birth_date": person.birth_date}


def _time_left(application: Application, now: dt.datetime) -> dict[str, Any]:
    left = presenters.time_left(application, now)
    minutes = int(application_time_left(application, now).total_seconds() // 60)
    return {"minutes": minutes, "text": left.text, "warning": left.warning}


def application_summary(application: Application, now: dt.datetime) -> dict[str, Any]:
    """One application of the queue."""
    pending = pending_action(application.channel, application.state)
    return {
        "number": application.number,
        "channel": application.channel,
        "state": application.state,
        "state_label": application.get_state_display(),
        "reason": application.reason,
        "provider_bin": application.provider.bin,
        "recipient": _person(application.recipient),
        "submitted_at": application.submitted_at,
        "deadline": application.deadline,
        "time_left": _time_left(application, now),
        "pending_action": str(pending or ""),
    }


def _poa(application: Application) -> dict[str, Any] | None:
    if not application.poa_number:
        return None
    return {
        "number": application.poa_number,
        "date": application.poa_date,
        "valid_until": application.poa_valid_until,
    }


def _pdf_link(request: Request, application: Application, kind: str, present: bool) -> str | None:
    if not present:
        return None
    return request.build_absolute_uri(
        reverse(f"workstation-api:{kind}-pdf", kwargs={"number": application.number})
    )


def scan_data(request: Request, number: str, scan: presenters.ScanRow) -> dict[str, Any]:
    """One attached scan, with the address it is downloaded from."""
    address = reverse("workstation-api:document-file", kwargs={"number": number, "pk": scan.id})
    return {**asdict(scan), "file": request.build_absolute_uri(address)}


def application_data(
    application: Application, now: dt.datetime, request: Request
) -> dict[str, Any]:
    """One application in full, as the API returns it."""
    view = presenters.application_view(application, now)
    return {
        **application_summary(application, now),
        "applicant_role": application.applicant_role,
        "applicant": _person(application.applicant),
        "power_of_attorney": _poa(application),
        "basis": {
            "kind": application.basis,
            "atu_code": application.basis_atu_code,
            "address": application.basis_address,
            "pregnant": application.pregnant,
            "street": application.basis_street,
            "house": application.basis_house,
            "building": application.basis_building,
            "apartment": application.basis_apartment,
        },
        "action_due_at": application.action_due_at,
        "allowed_actions": sorted(allowed_actions(application.channel, application.state)),
        "checklist": [asdict(item) for item in view.checklist],
        "checks": [asdict(row) for row in view.checks],
        "steps": [asdict(step) for step in view.steps],
        "talon_number": application.talon_number,
        "talon_signature_pending": view.signature_pending,
        "refusal": view.refusal,
        "talon_pdf": _pdf_link(request, application, "talon", bool(application.talon_number)),
        "refusal_pdf": _pdf_link(request, application, "refusal", bool(application.refusal_code)),
        "scans": [scan_data(request, application.number, d.scan) for d in view.documents if d.scan],
        "district": _chosen_district(application),
    }


def _chosen_district(application: Application) -> dict[str, Any] | None:
    district = application.district
    if district is None:
        return None
    by = application.district_override_by
    return {
        "id": district.pk,
        "number": district.number,
        "override": application.district_override_at is not None,
        "override_by": by.get_username() if by is not None else "",
        "override_at": application.district_override_at,
        "override_reason": application.district_override_reason,
    }


def register_data(record: PersonRecord) -> dict[str, Any]:
    """The population register's record for intake."""
    a = record.address
    address = None
    if a is not None:
        address = {
            "locality": a.locality_name,
            "street": a.street,
            "house": a.house,
            "building": a.building,
            "apartment": a.apartment,
        }
    return {
        "iin": record.iin,
        "surname": record.surname,
        "given_name": record.given_name,
        "patronymic": record.patronymic,
        "birth_date": record.birth_date,
        "sex": record.sex,
        "status": record.status,
        "insured": record.insured,
        "alive": record.is_alive,
        "address": address,
    }
