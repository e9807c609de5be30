"""The portal's pages of the request (R9.5-R9.7) and of the cabinet."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from bekitu.core.vocabulary import AttachmentBasis, AttachmentReason
from bekitu.portal import directory, drafts, presenters
from bekitu.portal import requests as portal_requests
from bekitu.portal.dependants import dependants_of, discloses, person_named
from bekitu.portal.errors import MESSAGES, DraftInvalid, EdsNotConfirmed, PortalError
from bekitu.portal.forms import RequestForm, SignForm, WhoForm
from bekitu.portal.models import Account, CitizenRequest
from bekitu.portal.reattached import cabinet_notices
from bekitu.portal.retention import draft_expired
from bekitu.portal.views import _context, citizen_required


def _provider_label(p: directory.ProviderChoice) -> str:
    place = f"{p.name} — {p.locality}, {p.address}"
    if p.covers_address is None:  # not judged: the register's address of someone else's
        return place
    area = (
        _("your address is in its area: home visits")
        if p.covers_address
        else _("your address is outside its area: no home visits")
    )
    return f"{place} ({area})"


def _home(request: HttpRequest, basis: str) -> directory.Home | None:
    """Where the recipient lives, once the posted form gives a street and house: the list of
    providers then says whose area that address is in (decision 0012)."""
    house = request.POST.get("basis_house", "").strip()
    if basis == AttachmentBasis.REGISTERED_RESIDENCE or not (house.isascii() and house.isdigit()):
        return None
    return directory.Home(
        basis=basis,
        street=request.POST.get("basis_street", "")[:255],
        house=int(house),
    )


@citizen_required
def request_new(request: HttpRequest, account: Account) -> HttpResponse:
    """The request form: for whom and the search (step 1), then the rest (step 2)."""
    kin = dependants_of(account.iin)
    who = WhoForm(request.GET or None, dependants=kin)
    if not who.is_valid() or "applicant_role" not in request.GET:
        return render(request, "portal/request_who.html", _context(request, form=who))
    role = who.cleaned_data["applicant_role"]
    recipient = account.iin if role == "self" else who.cleaned_data["recipient"]
    recipient_name = next((d.name for d in kin if d.iin == recipient), "")
    basis = who.cleaned_data.get("basis") or AttachmentBasis.REGISTERED_RESIDENCE
    pregnant = bool(who.cleaned_data.get("pregnant"))
    try:
        person_named(account, recipient)
        home = _home(request, basis)
        found = directory.providers_search(
            who.cleaned_data["q"], recipient, home, disclose=discloses(account.iin, recipient, kin)
        )
        needed = directory.requirements(recipient, role, basis, pregnant)
    except PortalError as error:
        who.add_error(None, str(error.message))
        return render(request, "portal/request_who.html", _context(request, form=who))
    documents = [(d.code, d.title, d.why) for d in needed.documents]
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        providers=[(p.bin, _provider_label(p)) for p in found.providers],
        reasons=[(value, str(label)) for value, label in AttachmentReason.choices],
        documents=documents,
        representative=role == "representative",
        units=None
        if basis == AttachmentBasis.REGISTERED_RESIDENCE
        else [(u.code, u.name) for u in found.units],
        initial={"phone": ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        uploads = tuple(
            drafts.Upload(code, data[f"copy_{code}"].name, data[f"copy_{code}"].read())
            for code, _title, _why in documents
            if data.get(f"copy_{code}")
        )
        try:
            draft = drafts.draft_create(
                account,
                drafts.Form(
                    recipient_iin=recipient,
                    applicant_role=role,
                    provider_bin=data["provider_bin"],
                    reason=data["reason"],
                    phone=data["phone"],
                    email=data.get("email") or "",
                    poa_number=data.get("poa_number") or "",
                    poa_issued_on=data.get("poa_issued_on"),
                    poa_valid_until=data.get("poa_valid_until"),
                    poa_issued_by=data.get("poa_issued_by") or "",
                    language=(translation.get_language() or "ru")[:2],
                    uploads=uploads,
                    basis=basis,
                    basis_atu_code=data.get("basis_atu_code") or "",
                    basis_address=data.get("basis_address") or "",
                    basis_street=data.get("basis_street") or "",
                    basis_house=data.get("basis_house"),
                    basis_building=data.get("basis_building") or "",
                    basis_apartment=data.get("basis_apartment") or "",
                    pregnant=pregnant,
                ),
            )
        except DraftInvalid as invalid:
            for name, texts in invalid.fields.items():
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
        except PortalError as refused:
            form.add_error(None, str(refused.message))
        else:
            return redirect("portal:request-sign", draft_id=draft.pk)
    return render(
        request,
        "portal/request_form.html",
        _context(
            request,
            who=who,
            form=form,
            found=found,
            role=role,
            recipient=recipient,
            recipient_name=recipient_name,
            basis=AttachmentBasis(basis).label,
        ),
    )


@citizen_required
def request_sign(request: HttpRequest, account: Account, draft_id: str) -> HttpResponse:
    """The request to sign with NCALayer, and its submission: condition 2 (R9.6) or the
    refusal that names what failed (R9.7)."""
    try:
        draft = drafts.draft_get(account, draft_id)
    except PortalError:
        raise Http404 from None
    done = CitizenRequest.objects.filter(draft=draft).first()
    if done is not None:
        return redirect("portal:request", number=done.number)
    form = SignForm(request.POST or None)
    refusal = None
    if draft_expired(draft):
        refusal = {"code": "draft_expired", "message": MESSAGES["draft_expired"]}
    if request.method == "POST" and form.is_valid():
        try:
            sent = portal_requests.request_submit(
                account, draft.pk, form.cleaned_data["signed_xml"]
            )
        except EdsNotConfirmed as error:
            refusal = {"code": error.reason, "message": error.message}
        except DraftInvalid as invalid:  # as the form said it (the power of attorney expired)
            said = [text for texts in invalid.fields.values() for text in texts]
            refusal = {"code": invalid.code, "message": " ".join(said)}
        except PortalError as error:
            refusal = {"code": error.code, "message": error.message}
        else:
            messages.success(
                request, _("Request %(number)s is sent to the provider.") % {"number": sent.number}
            )
            return redirect("portal:request", number=sent.number)
    return render(
        request,
        "portal/request_sign.html",
        _context(
            request,
            draft=draft,
            xml=bytes(draft.xml).decode("utf-8"),
            form=SignForm(),
            refusal=refusal,
        ),
    )


def _own(account: Account, number: str) -> CitizenRequest:
    found = CitizenRequest.objects.filter(account=account, number=number).first()
    if found is None:
        raise Http404
    return found


@citizen_required
def request_detail(request: HttpRequest, account: Account, number: str) -> HttpResponse:
    """One request: its timeline, the time left, the talon or the refusal."""
    found = _own(account, number)
    left = presenters.time_left(found)
    events = presenters.timeline(found)
    return render(
        request,
        "portal/request.html",
        _context(
            request,
            item=found,
            events=events,
            decided=presenters.decided(found, events),
            hours_left=None if left is None else max(0, int(left.total_seconds() // 3600)),
            refusal=presenters.refusal(found),
            basis=presenters.basis(found),
        ),
    )


@citizen_required
def talon_file(request: HttpRequest, account: Account, number: str, kind: str) -> HttpResponse:
    found = presenters.talon_file(_own(account, number), kind)
    if found is None:
        raise Http404
    response = HttpResponse(found.content, content_type=found.media_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


def cabinet_context(account: Account) -> dict[str, Any]:
    """The cabinet's requests, and the attachments read from the register (or why not)."""
    rows = CitizenRequest.objects.filter(account=account).order_by("-submitted_at")
    try:
        persons, unavailable = directory.attachments(account.iin), None
    except PortalError as error:
        persons, unavailable = [], error.message
    return {
        # Each request with what its attachment rests on, as the citizen signed it.
        "requests": [(row, presenters.basis(row)) for row in rows],
        "persons": persons,
        "register_unavailable": unavailable,
        "notices": cabinet_notices(account),
    }
