"""The queue, intake and one application's page with its two actions (R5, R8)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import REFUSAL_REASONS, Channel
from bekitu.registry import selectors as registry_selectors
from bekitu.service import queue_search, selectors, services
from bekitu.workstation import presenters, search
from bekitu.workstation.forms import (
    SCAN_ACCEPT,
    AcceptDocumentsForm,
    DistrictOverrideForm,
    IinLookupForm,
    IntakeForm,
    RefuseForm,
    ScanForm,
)
from bekitu.workstation.staff import (
    PDF_RETRY_SECONDS,
    StaffScope,
    flash_error,
    found_or_404,
    page,
    pdf_response,
    scan_response,
    staff_page,
)

if TYPE_CHECKING:
    from bekitu.service.models import Application

INTAKE_IIN = "workstation.intake_iin"
TICKS = "workstation.ticks.{number}"


def _ticks_keep(request: HttpRequest, number: str) -> None:
    """Remember the documents ticked on the page, so a failed action 1 or a scan upload
    (which leave the page and come back to it) do not lose them."""
    request.session[TICKS.format(number=number)] = request.POST.getlist("documents")


def _ticks_take(request: HttpRequest, number: str) -> list[str] | None:
    """The ticks remembered for the application, once; None when there are none."""
    ticks = request.session.pop(TICKS.format(number=number), None)
    return list(ticks) if isinstance(ticks, list) else None


@staff_page()
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest, *, scope: StaffScope) -> HttpResponse:
    """The open applications with their time left, the most urgent first (R5.3); searched by
    number, IIN or name and filtered, or the decided ones of a day (to reprint).

    A search is posted and answered with a redirect to an address that carries only a
    short-lived search id and the filters, never the IIN or name searched for."""
    if request.method == "POST":
        form = search.QueueSearchForm(request.POST)
        if form.is_valid():
            params = form.filters()
            text = form.cleaned_data["q"].strip()
            if text:
                params["s"] = search.remember(request, text)
            address = reverse("workstation:index")
            return redirect(f"{address}?{urlencode(params)}" if params else address)
        return _bad(page(request, "workstation/queue.html", scope, {"form": form, "rows": []}))
    sid = request.GET.get("s")
    text = search.recall(request, sid)
    data = request.GET.copy()
    data["q"] = text or ""
    form = search.QueueSearchForm(data)
    query = _queue_query(form) if form.is_valid() else queue_search.QueueQuery()
    now = timezone.now()
    found = queue_search.applications(scope=scope, query=query, now=now)
    unsigned = selectors.applications_signature_pending(
        numbers=[a.number for a in found if a.talon_number]
    )
    context = {
        "form": form,
        "rows": [presenters.queue_row(a, now, unsigned) for a in found],
        "query": query,
        "expired": bool(sid) and text is None,
        "searched": bool(text) or len(request.GET) > 0,
    }
    return page(request, "workstation/queue.html", scope, context)


def _queue_query(form: search.QueueSearchForm) -> queue_search.QueueQuery:
    data = form.cleaned_data
    day = None
    if data.get("decided") == "today":
        day = registry_selectors.today()
    elif data.get("decided") == "yesterday":
        day = registry_selectors.today() - dt.timedelta(days=1)
    elif data.get("decided") == "day":
        day = data.get("on")
    return queue_search.QueueQuery(
        signature_pending=data.get("decided") == "unsigned",
        text=data.get("q", "").strip(),
        state=data.get("state") or "",
        channel=data.get("channel") or "",
        left=data.get("left") or "",
        decided_on=day,
    )


@staff_page(act=True)
@require_http_methods(["GET", "POST"])
def intake_lookup(request: HttpRequest, *, scope: StaffScope) -> HttpResponse:
    """Intake, step 1: find the person by IIN (POSTed, so the IIN stays out of URLs)."""
    form = IinLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _lookup(scope, form.cleaned_data["iin"])
        except DomainError as exc:
            form.add_error("iin", str(exc.message))
        else:
            request.session[INTAKE_IIN] = form.cleaned_data["iin"]
            return redirect("workstation:intake-person")
    response = page(request, "workstation/intake_lookup.html", scope, {"form": form})
    return _bad(response) if form.errors else response


def _lookup(scope: StaffScope, iin: str) -> Any:
    return services.population_lookup(iin=iin, scope=scope, looked_up_by=scope.actor)


def _relatives(iin: str) -> list[Any]:
    """The parents and guardians of the person today, with their names."""
    person = registry_selectors.person_get_by_iin(iin)
    return list(registry_selectors.person_relatives(person=person)) if person else []


def _district_choices(scope: StaffScope) -> list[tuple[int, str]]:
    """The provider's districts, each with its doctor and its load against its size."""
    loads = registry_selectors.district_loads(provider=scope.provider, on=timezone.localdate())
    return [
        (
            load.district.pk,
            f"{load.district}: {load.district.doctor or '—'} "
            f"({load.attached} / {load.district.normative_size})",
        )
        for load in loads
    ]


def _bad(response: HttpResponse) -> HttpResponse:
    response.status_code = 400
    return response


@staff_page(act=True)
@require_http_methods(["GET", "POST"])
def intake_person(request: HttpRequest, *, scope: StaffScope) -> HttpResponse:
    """Intake, step 2: the register's data, who applies and on what authority, the channel."""
    iin = request.session.get(INTAKE_IIN)
    if not iin:
        return redirect("workstation:intake")
    form = IntakeForm(request.POST or None, districts=_district_choices(scope))
    if request.method == "POST" and form.is_valid():
        # The intake reads the population register itself, once (and checks a telephone
        # caller's answers against it): the page reads it again only to show the form with
        # its errors.
        created = _create(request, scope, iin, form)
        if created is not None:
            request.session.pop(INTAKE_IIN, None)
            return created
    try:
        record = _lookup(scope, iin)
    except DomainError as exc:
        flash_error(request, exc.message)
        return redirect("workstation:intake")
    context = {
        "form": form,
        "person": presenters.person_record(record),
        "relatives": presenters.relatives(_relatives(iin)),
        "outlook": selectors.intake_outlook(scope=scope, iin=iin, basis=_basis_stated(form)),
        "streets": registry_selectors.street_names(atu_code=scope.provider.atu_code),
        "phone_required": form.phone_required,
    }
    response = page(request, "workstation/intake_person.html", scope, context)
    return _bad(response) if form.errors else response


def _basis_stated(form: IntakeForm) -> services.Basis | None:
    """The basis the posted form states, when its part of the form is valid: the outlook then
    judges home visits where the person lives (decision 0012)."""
    if not form.is_bound or any(name.startswith("basis") for name in form.errors):
        return None
    return form.basis_stated()


def _create(
    request: HttpRequest,
    scope: StaffScope,
    iin: str,
    form: IntakeForm,
) -> HttpResponse | None:
    data = form.cleaned_data
    intake = services.Intake(
        recipient_iin=iin,
        channel=data["channel"],
        reason=data["reason"],
        applicant_role=data["applicant_role"],
        applicant_iin=data.get("applicant_iin") or "",
        power_of_attorney=form.power_of_attorney(),
        declared=form.declared(),
        district_id=data.get("district"),
        basis=form.basis_stated(),
        caller=form.caller_answers(),
    )
    try:
        application = services.application_intake(
            scope=scope, intake=intake, by=_user(request), looked_up_by=scope.actor
        )
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return None
    messages.success(request, _("Application %(number)s recorded.") % {"number": application})
    return redirect("workstation:application", number=application.number)


def _user(request: HttpRequest) -> Any:
    """The logged-in staff member (staff_page lets no one else in)."""
    return request.user


def _application(scope: StaffScope, number: str) -> Application:
    return found_or_404(selectors.application_get(number=number, scope=scope))


@staff_page()
def application_detail(request: HttpRequest, number: str, *, scope: StaffScope) -> HttpResponse:
    """One application: the person, the checklist (R8.1), the checks, the actions."""
    application = _application(scope, number)
    view = presenters.application_view(application, timezone.now())
    context: dict[str, Any] = {"app": application, "view": view}
    ticked = _ticks_take(request, application.number)
    context["ticked"] = set(view.presented_codes if ticked is None else ticked)
    context["accept_form"] = AcceptDocumentsForm(
        checklist=view.checklist_choices, initial={"documents": sorted(context["ticked"])}
    )
    # When a check failed, the refusal is offered with that check's reason.
    initial = {"reason_code": view.failed.code} if view.failed else {}
    context["refuse_form"] = RefuseForm(reasons=presenters.refusal_choices(), initial=initial)
    context["scan_accept"] = SCAN_ACCEPT
    context["scan_max"] = filesizeformat(settings.SCAN_MAX_BYTES)
    if scope.is_head and application.is_open:
        # Only the head admits a district above its size (decision 10): no one else sees it.
        context["override_form"] = DistrictOverrideForm(
            districts=_district_choices(scope), initial={"district": application.district_id}
        )
    return page(request, "workstation/application.html", scope, context)


def _action(request: HttpRequest, number: str, scope: StaffScope, run: Any) -> HttpResponse:
    """Run one action on an application in scope and come back to its page (PRG)."""
    application = _application(scope, number)
    try:
        message = run(application)
    except DomainError as exc:
        flash_error(request, exc.message)
    else:
        if message:
            messages.success(request, message)
    return redirect("workstation:application", number=application.number)


@require_POST
@staff_page(act=True)
def accept_documents(request: HttpRequest, number: str, *, scope: StaffScope) -> HttpResponse:
    """Action 1 (R5.1, R8.1)."""

    def run(application: Any) -> str:
        checklist = presenters.application_view(application, timezone.now()).checklist_choices
        form = AcceptDocumentsForm(request.POST, checklist=checklist)
        _ticks_keep(request, application.number)
        if not form.is_valid():
            raise DomainError(_("Tick the documents presented from the checklist."))
        services.application_accept_documents(
            application=application, documents=form.cleaned_data["documents"], by=_user(request)
        )
        _ticks_take(request, application.number)
        return _("Documents accepted (action 1).")

    return _action(request, number, scope, run)


@require_POST
@staff_page(act=True)
def issue_talon(request: HttpRequest, number: str, *, scope: StaffScope) -> HttpResponse:
    """Action 2 (R5.2, R8.2): the talon, signed; then print it."""

    def run(application: Any) -> str:
        decided = services.application_issue_talon(application=application, by=_user(request))
        if decided.refusal_code:
            # Action 2 runs the checks again; one failed, so the service refused instead of
            # issuing (R8.2): the message says what happened, not what was asked for.
            reason = REFUSAL_REASONS[decided.refusal_code].text
            flash_error(
                request,
                _("No talon was issued: a check failed and the application was refused. %(reason)s")
                % {"reason": reason},
            )
            return ""
        if decided.channel == Channel.PORTAL:  # R9.12: the talon goes back through the portal
            return _(
                "Talon %(number)s issued (action 2). The citizen receives it through the portal."
            ) % {"number": decided.talon_number}
        if decided.channel == Channel.PHONE and decided.recipient.phone:
            # The service sends the SMS after the decision commits.
            return _(
                "Talon %(number)s issued (action 2). The person is told by SMS where to collect it."
            ) % {"number": decided.talon_number}
        return _("Talon %(number)s issued (action 2). Print it for the person.") % {
            "number": decided.talon_number
        }

    return _action(request, number, scope, run)


@require_POST
@staff_page(act=True)
def refuse(request: HttpRequest, number: str, *, scope: StaffScope) -> HttpResponse:
    """Refuse with a reason (R4-1); then print the refusal."""

    def run(application: Any) -> str:
        form = RefuseForm(request.POST, reasons=presenters.refusal_choices())
        if not form.is_valid():
            raise DomainError(_("Choose the reason for the refusal."), code="reason_required")
        refused = services.application_refuse(
            application=application,
            reason_code=form.cleaned_data["reason_code"],
            comment=form.cleaned_data["comment"],
            by=_user(request),
        )
        if refused.channel == Channel.PORTAL:  # R9.11: the refusal goes back through the portal
            return _("Refusal recorded. The citizen receives it through the portal.")
        return _("Refusal recorded. Print it for the person.")

    return _action(request, number, scope, run)


@require_POST
@staff_page()
def district_override(request: HttpRequest, number: str, *, scope: StaffScope) -> HttpResponse:
    """The head admits a district above its normative size, with a written reason (decision
    10); the service decides who may, as for the API."""

    def run(application: Any) -> str:
        form = DistrictOverrideForm(request.POST, districts=_district_choices(scope))
        if not form.is_valid():
            raise DomainError(_form_error(form), code="invalid")
        decided = services.application_district_override(
            application=application,
            by=_user(request),
            reason=form.cleaned_data["reason"],
            district_id=form.cleaned_data["district"],
        )
        return _("District %(district)s admitted above its normative size.") % {
            "district": decided.district
        }

    return _action(request, number, scope, run)


@staff_page()
def document_pdf(
    request: HttpRequest, number: str, kind: str, *, scope: StaffScope
) -> HttpResponseBase:
    """The talon or the refusal of an application, as its PDF, to print."""
    application = _application(scope, number)
    name, body = found_or_404(
        selectors.application_document_pdf(application=application, kind=kind)
    )
    if body is None:
        # A fresh talon's PDF is being signed in the background: this page asks again.
        context = {"number": application.number, "retry": PDF_RETRY_SECONDS}
        response = page(request, "workstation/document_pending.html", scope, context)
        response.status_code = 202
        response["Refresh"] = str(PDF_RETRY_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return pdf_response(body, name)


def _form_error(form: ScanForm | DistrictOverrideForm) -> str:
    return next(str(e) for errors in form.errors.values() for e in errors)


@require_POST
@staff_page(act=True)
def scan_attach(request: HttpRequest, number: str, *, scope: StaffScope) -> HttpResponse:
    """Attach the scan of a document of the checklist (R8.1); type and size are checked."""

    def run(application: Any) -> str:
        # The scan's button is in the checklist's form: the ticks come along and are kept.
        if "ticks" in request.POST:
            _ticks_keep(request, application.number)
        form = ScanForm.for_kind(request.POST, request.FILES)
        if not form.is_valid():
            raise DomainError(_form_error(form), code="invalid")
        data = form.cleaned_data
        document = services.application_document_add(
            application=application,
            kind=data["kind"],
            file=data["file"],
            note=data["note"],
            by=_user(request),
        )
        label = presenters.document_label(document.kind)
        return _("Scan attached: %(document)s.") % {"document": label}

    return _action(request, number, scope, run)


@staff_page()
def scan_file(request: HttpRequest, number: str, pk: int, *, scope: StaffScope) -> HttpResponseBase:
    """A scan, downloaded (never shown inline) with the type it was stored with; audited."""
    return scan_response(scope, number, pk)
