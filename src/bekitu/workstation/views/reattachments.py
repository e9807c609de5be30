"""The regional administrator's re-attachment pages: plan, decide by hand, confirm, and
watch the worker carry it out (the page polls its progress)."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bekitu.core.errors import DomainError
from bekitu.service.reattachment import plan as plans
from bekitu.service.reattachment.models import Reattachment
from bekitu.workstation.reattachment_forms import AssignForm, PlanForm
from bekitu.workstation.staff import StaffScope, View, flash_error, found_or_404, page, staff_page


def regional_page(view: View) -> View:
    """Only a regional administrator plans and confirms re-attachments (403 otherwise)."""

    @staff_page()
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, scope: StaffScope, **kwargs: Any) -> Any:
        if not scope.is_regional:
            raise PermissionDenied
        return view(request, *args, scope=scope, **kwargs)

    return wrapper


def _plan(scope: StaffScope, number: str) -> Reattachment:
    return found_or_404(plans.reattachment_get(number=number, kato_prefix=scope.kato_prefix))


@regional_page
@require_http_methods(["GET", "POST"])
def reattachments(request: HttpRequest, *, scope: StaffScope) -> HttpResponse:
    """The territory's plans, and the form of a new one."""
    providers = list(scope.providers())
    form = PlanForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        provider = next(p for p in providers if p.pk == form.cleaned_data["provider"])
        try:
            plan = plans.reattachment_plan(
                provider=provider,
                kind=form.cleaned_data["kind"],
                on=form.cleaned_data["on"],
                kato_prefix=scope.kato_prefix,
                planned_by=scope.actor,
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("workstation:reattachment", number=plan.number)
    listed = plans.reattachments_in_scope(kato_prefix=scope.kato_prefix)[:50]
    return page(request, "workstation/reattachments.html", scope, {"form": form, "plans": listed})


def _assign_form(plan: Reattachment, scope: StaffScope, data: Any = None) -> AssignForm:
    summary = plans.reattachment_summary(plan=plan)
    persons = [(i.person_id, i.person.full_name) for i in summary.without_target]
    districts = plans.reattachment_districts(plan=plan, kato_prefix=scope.kato_prefix)
    return AssignForm(data, persons=persons, districts=districts)


@regional_page
@require_GET
def reattachment(request: HttpRequest, number: str, *, scope: StaffScope) -> HttpResponse:
    """A plan: persons per target district, those to decide by hand, its progress."""
    plan = _plan(scope, number)
    context = {
        "summary": plans.reattachment_summary(plan=plan),
        "assign": _assign_form(plan, scope) if plan.status == plan.Status.PLANNED else None,
    }
    return page(request, "workstation/reattachment.html", scope, context)


@regional_page
@require_POST
def reattachment_assign(request: HttpRequest, number: str, *, scope: StaffScope) -> HttpResponse:
    """Send the ticked persons to the chosen district."""
    plan = _plan(scope, number)
    form = _assign_form(plan, scope, request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            flash_error(request, " ".join(str(e) for e in errors))
        return redirect("workstation:reattachment", number=plan.number)
    district = plans.district_for_plan(
        plan=plan, kato_prefix=scope.kato_prefix, district_id=form.cleaned_data["district"]
    )
    try:
        moved = plans.reattachment_assign(
            plan=plan, person_ids=form.cleaned_data["persons"], district=found_or_404(district)
        )
    except DomainError as exc:
        flash_error(request, exc.message)
    else:
        messages.success(request, _("%(count)s persons sent to the district.") % {"count": moved})
    return redirect("workstation:reattachment", number=plan.number)


@regional_page
@require_POST
def reattachment_confirm(request: HttpRequest, number: str, *, scope: StaffScope) -> HttpResponse:
    """Confirm the plan; the worker carries it out."""
    plan = _plan(scope, number)
    try:
        plans.reattachment_confirm(plan=plan, confirmed_by=scope.actor)
    except DomainError as exc:
        flash_error(request, exc.message)
    else:
        messages.success(request, _("The plan is confirmed: the re-attachment has begun."))
    return redirect("workstation:reattachment", number=plan.number)


@regional_page
@require_GET
def reattachment_progress(request: HttpRequest, number: str, *, scope: StaffScope) -> JsonResponse:
    """The plan's progress, for the page to poll."""
    plan = _plan(scope, number)
    body = {
        "status": plan.status,
        "status_label": plan.get_status_display(),
        "processed": plan.processed,
        "total": plan.total,
        "counts": plan.counts,
        "text": _("%(done)s of %(total)s persons processed")
        % {"done": plan.processed, "total": plan.total},
    }
    return JsonResponse(body, headers={"Cache-Control": "no-store"})
