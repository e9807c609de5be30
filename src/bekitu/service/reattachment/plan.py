"""The re-attachment plan: made from the register, adjusted by hand, confirmed.

A plan for a closing provider takes everyone attached to it on the day it closes; a plan
for redrawn districts takes the provider's people whose district no longer serves their
address. Each gets the district the service areas propose (`rules.targets_propose`);
those left without one are decided by hand before the plan may be confirmed.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import Conflict, DomainError
from bekitu.registry import selectors as registry
from bekitu.registry.services import provider_close
from bekitu.service.facts import stated_homes
from bekitu.service.reattachment.models import Reattachment, ReattachmentItem
from bekitu.service.reattachment.rules import Area, Resident, Target, targets_propose

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from bekitu.registry.models import Attachment, District, Provider

log = logging.getLogger("bekitu.service")
Kind = Reattachment.Kind
Status = Reattachment.Status
BATCH_SIZE = 500


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - int((on.month, on.day) < (born.month, born.day))


def _leaving(kind: str, provider: Provider, on: dt.date) -> QuerySet[Attachment]:
    if kind == Kind.PROVIDER_CLOSED:
        return registry.attachments_leaving_provider(provider=provider, on=on)
    return registry.attachments_outside_district(provider=provider)


def _proposals(
    kind: str, provider: Provider, on: dt.date, rows: list[tuple[Any, ...]]
) -> dict[int, Target | None]:
    # Where each person lives: the street and house their application stated for a
    # temporary or actual residence, else the registered address (decision 0012).
    stated = stated_homes(numbers={row[-1] for row in rows if row[-1]})
    residents = []
    for pk, _person, street, house, born, district_kind, number in rows:
        home = stated.get(number)
        if home is not None:
            street, house = home.street_id, home.house
        residents.append(
            Resident(key=pk, street_id=street, house=house, age=_age(born, on), kind=district_kind)
        )
    streets = {r.street_id for r in residents if r.street_id is not None}
    same = kind == Kind.DISTRICTS_REDRAWN
    areas = [
        Area(*row)
        for row in registry.service_areas_on_streets(
            street_ids=streets, provider=provider if same else None, but=None if same else provider
        )
    ]
    loads = registry.district_attached(district_ids={a.district_id for a in areas}, on=on)
    return targets_propose(residents, areas, loads)


def _check_new(kind: str, provider: Provider, on: dt.date) -> dt.date:
    if kind not in Kind.values:
        raise DomainError(_("Unknown kind of re-attachment."), code="invalid_kind")
    if Reattachment.objects.filter(provider=provider).exclude(status=Status.DONE).exists():
        raise Conflict(
            _("This provider already has a re-attachment that is not finished."),
            code="reattachment_open",
        )
    if kind == Kind.PROVIDER_CLOSED and not provider.is_active and provider.closed_on:
        return provider.closed_on  # already closed: its people leave on that day
    if kind == Kind.DISTRICTS_REDRAWN and not provider.is_active:
        raise DomainError(_("The provider is closed."), code="provider_closed")
    return on


@transaction.atomic
def reattachment_plan(
    *, provider: Provider, kind: str, on: dt.date, kato_prefix: str, planned_by: str
) -> Reattachment:
    """Make a plan: who leaves `provider` (closing on `on`, or whose district was redrawn)
    and the district proposed for each. Audited; nothing in the register changes yet.

    Raises Conflict "reattachment_open" while another plan of the provider is unfinished."""
    on = _check_new(kind, provider, on)
    rows = list(_leaving(kind, provider, on).values_list(*registry.LEAVING_FIELDS))
    proposed = _proposals(kind, provider, on, rows)
    plan = Reattachment.objects.create(
        number=uuid.uuid4().hex,
        kind=kind,
        provider=provider,
        on=on,
        status=Status.PLANNED,
        kato_prefix=kato_prefix,
        created_by=planned_by,
        created_at=timezone.now(),
        batch_size=BATCH_SIZE,
        total=len(rows),
    )
    plan.number = f"RA-{on.year}-{plan.pk:06d}"
    plan.save(update_fields=["number"])
    items = [
        ReattachmentItem(
            reattachment=plan,
            person_id=person,
            attachment_id=pk,
            target_provider_id=target.provider_id if target else None,
            target_district_id=target.district_id if target else None,
        )
        for (pk, person, *_rest), target in ((row, proposed[row[0]]) for row in rows)
    ]
    ReattachmentItem.objects.bulk_create(items, batch_size=1000)
    unplaced = sum(1 for target in proposed.values() if target is None)
    _audit(plan, "service.reattachment.plan", persons=len(rows), without_target=unplaced)
    log.info("reattachment.planned", extra={"fields": {"plan": plan.pk, "persons": len(rows)}})
    return plan


def _audit(plan: Reattachment, action: str, **data: object) -> None:
    audit_record(
        action=action,
        object_type="service.reattachment",
        object_id=plan.pk,
        data={
            "number": plan.number,
            "kind": plan.kind,
            "provider_bin": plan.provider.bin,
            "on": plan.on.isoformat(),
            **data,
        },
    )


def _locked(plan: Reattachment) -> Reattachment:
    return Reattachment.objects.select_for_update().select_related("provider").get(pk=plan.pk)


def _check_target(plan: Reattachment, district: District) -> None:
    if not district.provider.is_active or district.provider_id == (
        plan.provider_id if plan.kind == Kind.PROVIDER_CLOSED else None
    ):
        raise DomainError(_("The provider is closed."), code="provider_closed")
    if plan.kind == Kind.DISTRICTS_REDRAWN and district.provider_id != plan.provider_id:
        raise DomainError(
            _("The district does not belong to the provider."), code="district_not_of_provider"
        )


@transaction.atomic
def reattachment_assign(*, plan: Reattachment, person_ids: list[int], district: District) -> int:
    """Send the plan's persons (by id) to a district chosen by hand; how many were moved.

    Raises Conflict "reattachment_confirmed" once the plan is confirmed, DomainError
    "provider_closed" for a district of a closed (or the closing) provider and
    "district_not_of_provider" for another provider's district when districts were redrawn."""
    plan = _locked(plan)
    if plan.status != Status.PLANNED:
        raise Conflict(_("The plan is already confirmed."), code="reattachment_confirmed")
    _check_target(plan, district)
    moved = ReattachmentItem.objects.filter(reattachment=plan, person_id__in=person_ids).update(
        target_provider=district.provider, target_district=district, by_hand=True
    )
    _audit(plan, "service.reattachment.assign", district_id=district.pk, persons=moved)
    return moved


@transaction.atomic
def reattachment_confirm(*, plan: Reattachment, confirmed_by: str) -> Reattachment:
    """Confirm the plan: a closing provider is closed on the plan's day (its attachments
    end), and the worker is asked to carry the plan out once this commits.

    Raises Conflict "reattachment_confirmed" when it was confirmed before and
    "targets_missing" while a person has no target."""
    plan = _locked(plan)
    if plan.status != Status.PLANNED:
        raise Conflict(_("The plan is already confirmed."), code="reattachment_confirmed")
    missing = plan.items.filter(target_district__isnull=True).count()
    if missing:
        raise Conflict(
            _("%(count)s persons have no target yet: choose a district for them first.")
            % {"count": missing},
            code="targets_missing",
        )
    if plan.kind == Kind.PROVIDER_CLOSED and plan.provider.is_active:
        provider_close(provider=plan.provider, on=plan.on)
    plan.status, plan.confirmed_by, plan.confirmed_at = (
        Status.CONFIRMED,
        confirmed_by,
        timezone.now(),
    )
    plan.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    _audit(plan, "service.reattachment.confirm", persons=plan.total)
    plan_id = plan.pk
    transaction.on_commit(lambda: _queue_run(plan_id))
    return plan


def _queue_run(plan_id: int) -> None:
    from bekitu.service.tasks import reattachment_run

    try:
        reattachment_run.delay(plan_id)
    except Exception:  # the broker is down: `bekitu reattachment run` carries it out
        log.warning("reattachment.not_queued", extra={"fields": {"plan": plan_id}}, exc_info=True)


@dataclass(frozen=True)
class TargetCount:
    district: District
    persons: int


@dataclass(frozen=True)
class PlanSummary:
    plan: Reattachment
    targets: list[TargetCount]
    without_target: list[ReattachmentItem]
    outcomes: dict[str, int]


def reattachment_summary(*, plan: Reattachment, unplaced_limit: int = 200) -> PlanSummary:
    """What the page shows: persons per target district, those without a target (the first
    `unplaced_limit`), and the outcomes so far."""
    per: dict[int, int] = dict(
        plan.items.filter(target_district__isnull=False)
        .order_by()
        .values("target_district")
        .annotate(n=Count("pk"))
        .values_list("target_district", "n")
    )
    districts = registry.districts_by_pk(pks=list(per))
    targets = sorted(
        (TargetCount(districts[pk], n) for pk, n in per.items()),
        key=lambda t: (t.district.provider.name, t.district.number),
    )
    unplaced = list(
        plan.items.filter(target_district__isnull=True)
        .select_related("person", "person__address__street__locality")
        .order_by("pk")[:unplaced_limit]
    )
    for item in unplaced:  # their names and IINs are shown: a read of each person's data
        audit_record(
            action="registry.person.read",
            object_type="registry.person",
            object_id=item.person_id,
            subject_iin=item.person.iin,
            data={"via": "reattachment", "plan": plan.number},
        )
    outcomes = dict(
        plan.items.order_by().values("outcome").annotate(n=Count("pk")).values_list("outcome", "n")
    )
    return PlanSummary(plan, targets, unplaced, outcomes)


def reattachments_in_scope(
    *, kato_prefix: str, provider_id: int | None = None
) -> QuerySet[Reattachment]:
    """The plans of the providers whose KATO code starts with the prefix, newest first."""
    plans = Reattachment.objects.select_related("provider").order_by("-pk")
    if kato_prefix:
        plans = plans.filter(provider__atu_code__startswith=kato_prefix)
    elif provider_id is not None:
        plans = plans.filter(provider_id=provider_id)
    return plans


def reattachment_get(*, number: str, kato_prefix: str = "") -> Reattachment | None:
    """The plan with this number (within the territory if a KATO prefix is given), or None."""
    return reattachments_in_scope(kato_prefix=kato_prefix).filter(number=number).first()


def plan_persons_by_iin(*, plan: Reattachment, iins: list[str]) -> dict[str, int]:
    """The plan's persons with these IINs: IIN -> person id (IINs not in the plan are absent)."""
    return dict(plan.items.filter(person__iin__in=iins).values_list("person__iin", "person_id"))


def reattachment_districts(*, plan: Reattachment, kato_prefix: str) -> list[District]:
    """The districts the plan's persons may be sent to by hand: of the open providers of the
    territory other than the closing one; for a redraw, of the provider itself."""
    if plan.kind == Kind.DISTRICTS_REDRAWN:
        ids = [plan.provider_id]
    else:
        territory = registry.providers_of(kato_prefix=kato_prefix).filter(is_active=True)
        ids = list(territory.exclude(pk=plan.provider_id).values_list("pk", flat=True))
    return list(registry.districts_of(provider_ids=ids))


def district_for_plan(*, plan: Reattachment, kato_prefix: str, district_id: int) -> District | None:
    """The district with this id if the plan's persons may be sent to it by hand, or None."""
    return next(
        (
            d
            for d in reattachment_districts(plan=plan, kato_prefix=kato_prefix)
            if d.pk == district_id
        ),
        None,
    )
