"""The portal's pages: registration (R9.1), login (R9.2-R9.4), the cabinet."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bekitu.core.work import Proof
from bekitu.portal import accounts, address_limits, sessions
from bekitu.portal.errors import ChallengeRequired, PortalError
from bekitu.portal.forms import (
    EdsLoginFinishForm,
    EdsLoginStartForm,
    LoginForm,
    RegisterFinishForm,
    RegisterStartForm,
)
from bekitu.portal.models import Account, Challenge

BACKEND = "bekitu.core.security.LockoutModelBackend"


def current_account(request: HttpRequest) -> Account | None:
    """The logged-in citizen's account, or None."""
    user = request.user
    if not user.is_authenticated:
        return None
    return Account.objects.filter(user=user).first()


def citizen_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages of the cabinet: a logged-in citizen, else the login page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = current_account(request)
        if account is None:
            return redirect(f"{_login_url()}?next={request.path}")
        refused = _session_refused(request, account)
        if refused is not None:
            return refused
        return view(request, account, *args, **kwargs)

    return wrapped


def _session_refused(request: HttpRequest, account: Account) -> HttpResponse | None:
    """Condition 1 again for the session's person when due (R9.3): a session it no longer
    allows is logged out and sent to the login page with the message; while the population
    register cannot be read, the page is refused (503) and the session stands."""
    try:
        sessions.session_recheck(request.session, account)
    except PortalError as error:
        if error.code != "session_ended":
            context = _context(request, code=error.code, message=error.message)
            return render(request, "portal/unconfirmed.html", context, status=503)
        logout(request)
        messages.error(request, str(error.message))
        return redirect(f"{_login_url()}?next={request.path}")
    return None


def _login_url() -> str:
    from django.urls import reverse

    return reverse("portal:login")


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"account": current_account(request), "ncalayer_url": settings.EDS_NCALAYER_URL, **extra}


def _refuse(form: Any, error: PortalError, field: str | None = None) -> None:
    form.add_error(field, error.message)
    form.refusal_code = error.code


def _proof(request: HttpRequest) -> Proof | None:
    """The proof of work the page's script put in the form's `proof_*` fields, if any."""
    return address_limits.proof_read(request.POST, "proof_") if request.method == "POST" else None


def _challenge(request: HttpRequest, what: str, refused: PortalError | None) -> Any:
    """The puzzle a page carries (decision 0020): the one a refusal gave, else the one the
    next attempt from this address needs past its limit; None within it."""
    if isinstance(refused, ChallengeRequired):
        return refused.challenge
    puzzle = address_limits.puzzle_pending(request, what)
    return address_limits.puzzle_fields(puzzle) if puzzle is not None else None


def _sign_in(request: HttpRequest, account: Account) -> HttpResponse:
    login(request, account.user, backend=BACKEND)
    sessions.session_checked(request.session)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/portal/") and not target.startswith("//"):
        return redirect(target)
    return redirect("portal:cabinet")


def index(request: HttpRequest) -> HttpResponse:
    """The portal's start: what it offers, and the way in."""
    if current_account(request) is not None:
        return redirect("portal:cabinet")
    return render(request, "portal/index.html", _context(request))


def register(request: HttpRequest) -> HttpResponse:
    """Registration (R9.1): the IIN and the way to prove it, then the proof and a password."""
    if request.method == "POST" and request.POST.get("step") == "finish":
        return _register_finish(request)
    form = RegisterStartForm(request.POST or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        iin, way = form.cleaned_data["iin"], form.cleaned_data["way"]
        try:
            if way == Challenge.Way.EDS:
                issued = accounts.challenge_issue(iin, Challenge.Purpose.REGISTER)
            else:
                issued = accounts.code_send(request, iin, _proof(request))
        except PortalError as error:
            _refuse(form, error, "iin" if error.code == "invalid_iin" else None)
            refused = error
        else:
            finish = RegisterFinishForm(
                initial={
                    "iin": issued.challenge.iin,
                    "way": way,
                    "challenge_id": issued.challenge.id,
                }
            )
            return _finish_page(request, finish, issued.xml, issued.phone, way)
    challenge = _challenge(request, address_limits.CODE, refused)
    return render(
        request, "portal/register.html", _context(request, form=form, challenge=challenge)
    )


def _finish_page(
    request: HttpRequest, form: RegisterFinishForm, xml: str, phone: str, way: str
) -> HttpResponse:
    return render(
        request,
        "portal/register_finish.html",
        _context(request, form=form, xml=xml, phone=phone, way=way),
    )


def _register_finish(request: HttpRequest) -> HttpResponse:
    form = RegisterFinishForm(request.POST)
    way = request.POST.get("way", "")
    xml = phone = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            accounts.password_check(data["iin"], data["password1"], data["password2"])
            account = accounts.register(
                iin=data["iin"],
                password=data["password1"],
                challenge_id=data["challenge_id"],
                signed_xml=data["signed_xml"] if way == Challenge.Way.EDS else "",
                code=data["code"] if way == Challenge.Way.SMS else "",
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("password1", message)
        except PortalError as error:
            _refuse(form, error, "code" if error.code == "wrong_code" else None)
        else:
            messages.success(request, _("Your account is registered. Welcome!"))
            return _sign_in(request, account)
    challenge_id = request.POST.get("challenge_id", "")
    challenge = None
    if way == Challenge.Way.EDS and challenge_id:
        try:
            challenge = Challenge.objects.filter(pk=challenge_id).first()
        except ValidationError:
            challenge = None
    if challenge is not None:
        xml = accounts.challenge_xml(challenge)
    return _finish_page(request, form, xml, phone, way)


def login_page(request: HttpRequest) -> HttpResponse:
    """Login by IIN and password (R9.2), condition 1 (R9.3), its refusals (R9.4)."""
    form = LoginForm(request.POST or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = accounts.login_check(request, data["iin"], data["password"], _proof(request))
        except PortalError as error:
            _refuse(form, error, "iin" if error.code == "invalid_iin" else None)
            refused = error
        else:
            return _sign_in(request, account)
    context = _context(
        request,
        form=form,
        next=request.GET.get("next", ""),
        challenge=_challenge(request, address_limits.LOGIN, refused),
    )
    return render(request, "portal/login.html", context)


def login_eds(request: HttpRequest) -> HttpResponse:
    """Login with the EDS authentication key: the IIN, then the challenge to sign."""
    if request.method == "POST" and request.POST.get("step") == "finish":
        finish = EdsLoginFinishForm(request.POST)
        if finish.is_valid():
            data = finish.cleaned_data
            try:
                account = accounts.login_by_eds(
                    request,
                    iin=data["iin"],
                    challenge_id=data["challenge_id"],
                    signed_xml=data["signed_xml"],
                    proof=_proof(request),
                )
            except PortalError as error:
                _refuse(finish, error)
            else:
                return _sign_in(request, account)
        start = EdsLoginStartForm(initial={"iin": request.POST.get("iin", "")})
        return render(
            request, "portal/login_eds.html", _context(request, form=start, failed=finish)
        )
    form = EdsLoginStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = accounts.challenge_issue(form.cleaned_data["iin"], Challenge.Purpose.LOGIN)
        except PortalError as error:
            _refuse(form, error, "iin" if error.code == "invalid_iin" else None)
        else:
            finish = EdsLoginFinishForm(
                initial={"iin": issued.challenge.iin, "challenge_id": issued.challenge.id}
            )
            return render(
                request,
                "portal/login_eds_sign.html",
                _context(
                    request,
                    form=finish,
                    xml=issued.xml,
                    challenge=_challenge(request, address_limits.LOGIN, None),
                ),
            )
    return render(request, "portal/login_eds.html", _context(request, form=form))


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    """Log out of the pages; audited as `portal.logout` (way `session`), as the API's is."""
    account = current_account(request)
    logout(request)
    if account is not None:
        accounts.account_audit("portal.logout", account.iin, way="session")
    return redirect("portal:index")


@citizen_required
def cabinet(request: HttpRequest, account: Account) -> HttpResponse:
    """The personal cabinet: who is logged in, and their applications."""
    from bekitu.portal.views_requests import cabinet_context

    return render(
        request,
        "portal/cabinet.html",
        _context(request, name=accounts.display_name(account), **cabinet_context(account)),
    )
