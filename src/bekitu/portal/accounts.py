"""Citizens' accounts: registration (R9.1) and login with condition 1 (R9.2-R9.4).

Registration asks the person to prove who they are, either by signing a one-time challenge
with their EDS authentication key (NCALayer) or by a one-time code sent to the phone number
the population register holds (the SMS port, `bekitu.core.sms`). Login is by IIN and
password or by the authentication key; condition 1 checks, in this order, that the IIN is
valid, the client has not failed too often (past the limit, a proof of work:
`address_limits`), the pair is not locked out
(the service's lockout, `bekitu.core.security`), the IIN has an account, the password is
right, the population register knows the person and they are alive, and the account is
active. Each failure is a `PortalError` with its code.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bekitu.core import security
from bekitu.core.audit import audit_context, audit_record
from bekitu.core.iin import is_valid_iin
from bekitu.core.sms import masked, normalise_phone, send_sms
from bekitu.core.work import Proof
from bekitu.eds.verification import verify_authentication
from bekitu.portal import address_limits
from bekitu.portal.errors import MESSAGES, EdsNotConfirmed, PortalError
from bekitu.portal.models import Account, ApiToken, Challenge
from bekitu.registry.population import PersonRecord, get_population_register

if TYPE_CHECKING:
    from bekitu.core.models import User

log = logging.getLogger("bekitu.portal")

CHALLENGE_NS = "urn:bekitu:portal:auth-challenge:1"
CODE_DIGITS = 6


@dataclass(frozen=True)
class Issued:
    """A challenge handed to the person: sign `xml` (EDS) or type the code sent to `phone`."""

    challenge: Challenge
    xml: str = ""
    phone: str = ""


def account_audit(action: str, iin: str, **data: Any) -> None:
    """Audit an event of the citizen's account, with the portal as actor and the IIN as subject."""
    with audit_context(actor="portal", channel="portal"):
        audit_record(action=action, object_type="portal.account", subject_iin=iin, data=data)


def clean_iin(iin: str) -> str:
    """The IIN without spaces; `invalid_iin` unless it is 12 digits with a right check digit."""
    value = (iin or "").strip()
    if not is_valid_iin(value):
        raise PortalError("invalid_iin")
    return value


def person_alive(iin: str) -> PersonRecord:
    """The population register's record of a living person (R9.3), or the refusal. A register
    that cannot answer confirms nothing: `population_unavailable` (fails closed), never a 500
    and never taken for a person it does not know."""
    try:
        record = get_population_register().lookup(iin)
    except Exception as exc:
        log.warning("portal.register_unreadable", extra={"fields": {"error": type(exc).__name__}})
        raise PortalError("population_unavailable") from exc
    if record is None:
        raise PortalError("person_not_found")
    if record.death_date is not None:
        raise PortalError("deceased")
    return record


def _code_hash(challenge_id: Any, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def challenge_xml(challenge: Challenge) -> str:
    """The document the person signs with the authentication key: who, why, a nonce, when."""
    return (
        f'<AuthChallenge xmlns="{CHALLENGE_NS}" version="1">'
        f"<iin>{escape(challenge.iin)}</iin>"
        f"<purpose>{escape(challenge.purpose)}</purpose>"
        f"<nonce>{escape(challenge.nonce)}</nonce>"
        f"<issuedAt>{challenge.issued_at.isoformat()}</issuedAt>"
        "</AuthChallenge>"
    )


def _new_challenge(iin: str, purpose: str, way: str) -> Challenge:
    now = timezone.now()
    return Challenge.objects.create(
        iin=iin,
        purpose=purpose,
        way=way,
        nonce=secrets.token_hex(16),
        issued_at=now,
        expires_at=now + timedelta(seconds=settings.PORTAL_CHALLENGE_SECONDS),
    )


def _check_may_start(iin: str, purpose: str) -> None:
    registered = Account.objects.filter(iin=iin).exists()
    if purpose == Challenge.Purpose.REGISTER and registered:
        raise PortalError("already_registered")
    if purpose == Challenge.Purpose.LOGIN and not registered:
        raise PortalError("not_registered")


def challenge_issue(iin: str, purpose: str = Challenge.Purpose.REGISTER) -> Issued:
    """A challenge for the authentication key: (to register) no account yet, or (to log in)
    one. Whether the person is alive in the register is asked only once they have signed it
    (`register`, `login_by_eds`): a challenge tells no one who is dead."""
    iin = clean_iin(iin)
    _check_may_start(iin, purpose)
    challenge = _new_challenge(iin, purpose, Challenge.Way.EDS)
    return Issued(challenge, xml=challenge_xml(challenge))


def registration_code_text(code: str, minutes: int) -> str:
    """The SMS with a registration code, in the active language; one SMS (docs/decisions/0019)."""
    return _(
        "Bekitu: your registration code is %(code)s, valid for %(minutes)d minutes. "
        "Do not tell it to anyone."
    ) % {"code": code, "minutes": minutes}


def code_send(request: Any, iin: str, proof: Proof | None = None) -> Issued:
    """Send a one-time registration code to the phone the population register holds. At
    most BEKITU_PORTAL_CODES_PER_HOUR codes an hour go for one IIN, and a new one voids
    those sent before: the guesses at a code, and the messages to a phone, are bounded. A
    person recorded as deceased is answered as one without a phone (`no_phone`): the code's
    page tells no one who is dead. At most BEKITU_PORTAL_CODES_PER_CLIENT_HOUR are asked for
    from one client, counted before the register is read, whatever the answer; past it each
    needs a proof of work (`proof`, decision 0020)."""
    iin = clean_iin(iin)
    proved = _client_may_ask(request, iin, proof)
    _check_may_start(iin, Challenge.Purpose.REGISTER)
    try:
        person = person_alive(iin)
    except PortalError as refused:
        if refused.code != "deceased":
            raise
        raise PortalError("no_phone") from None
    phone = normalise_phone(person.phone)
    if not phone:
        raise PortalError("no_phone")
    if security.hit(f"portal.code:{security.digest(iin)}", 3600).count > (
        settings.PORTAL_CODES_PER_HOUR
    ):
        account_audit("portal.account.code_refused", iin, code="too_many_codes")
        raise PortalError("too_many_codes")
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
    with transaction.atomic():
        sent_before = Challenge.objects.filter(iin=iin, way=Challenge.Way.SMS, used_at=None)
        sent_before.update(used_at=timezone.now())  # one code in force at a time
        challenge = _new_challenge(iin, Challenge.Purpose.REGISTER, Challenge.Way.SMS)
        challenge.code_hash = _code_hash(challenge.id, code)
        challenge.save(update_fields=["code_hash"])
        minutes = max(1, settings.PORTAL_CHALLENGE_SECONDS // 60)
        try:
            send_sms(phone, registration_code_text(code, minutes))
        except Exception as exc:
            # The operator did not take it: the new code is undone, the earlier ones stand.
            log.warning("portal.code.not_sent", extra={"fields": {"error": type(exc).__name__}})
            raise PortalError("sms_unavailable") from exc
    account_audit("portal.account.code_sent", iin, phone=masked(phone), address_proof=proved)
    return Issued(challenge, phone=masked(phone))


def _client_may_ask(request: Any, iin: str, proof: Proof | None) -> bool:
    """Count one code asked for from this client; past BEKITU_PORTAL_CODES_PER_CLIENT_HOUR
    only with a proof of work (`address_limits`), the refusal audited. True when a proof
    let it through."""
    try:
        return address_limits.client_counted(request, address_limits.CODE, proof)
    except PortalError as refused:
        account_audit(
            "portal.account.code_refused", iin, code=refused.code, address_proof=proof is not None
        )
        raise


def _client_may_try(request: Any, proof: Proof | None) -> None:
    """Count one login from this client as failed until it is proved (`_client_proved`);
    past BEKITU_PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR only with a proof of work. The lockout
    counts per IIN; this bounds one password tried against many IINs (credential stuffing),
    and is checked before the password, so a refused guess learns nothing."""
    address_limits.client_counted(request, address_limits.LOGIN, proof)


def _client_proved(request: Any) -> None:
    """A login proved (a right password, a verified signature) was no failure: its count is
    taken back, so a busy shared address is held up only by its failures."""
    address_limits.client_proved(request, address_limits.LOGIN)


def _open_challenge(
    challenge_id: Any, iin: str, purpose: str, way: str, *, lock: bool
) -> Challenge:
    """The challenge, if it is this person's, for this purpose and way, unused and current."""
    rows = Challenge.objects.select_for_update() if lock else Challenge.objects.all()
    try:
        challenge = rows.get(pk=challenge_id)
    except (Challenge.DoesNotExist, ValidationError, ValueError):
        raise PortalError("challenge_invalid") from None
    if (
        challenge.iin != iin
        or challenge.purpose != purpose
        or challenge.way != way
        or challenge.used_at is not None
        or challenge.expires_at <= timezone.now()
    ):
        raise PortalError("challenge_invalid")
    return challenge


def _signed_challenge_matches(root: Any, challenge: Challenge) -> bool:
    """Whether the verified signed root is the challenge issued: same IIN, purpose, nonce."""
    if root is None or root.tag != f"{{{CHALLENGE_NS}}}AuthChallenge":
        return False

    def text(name: str) -> str:
        node = root.find(f"{{{CHALLENGE_NS}}}{name}")
        return (node.text or "") if node is not None else ""

    return (
        text("iin") == challenge.iin
        and text("purpose") == challenge.purpose
        and text("nonce") == challenge.nonce
    )


def _prove(
    challenge_id: Any, iin: str, purpose: str, *, signed_xml: str | bytes, code: str
) -> None:
    """Check the proof before anything is written: the signed challenge (its verification
    is audited whatever follows) or the code (a wrong one counts, and voids it at the
    limit)."""
    if signed_xml:
        challenge = _open_challenge(challenge_id, iin, purpose, Challenge.Way.EDS, lock=False)
        data = signed_xml.encode("utf-8") if isinstance(signed_xml, str) else signed_xml
        result = verify_authentication(data, expect_iin=iin)
        if not result.valid:
            raise EdsNotConfirmed(result.reason or "malformed")
        if not _signed_challenge_matches(result.signed_root, challenge):
            raise PortalError("challenge_invalid")
        return
    with transaction.atomic():
        challenge = _open_challenge(challenge_id, iin, purpose, Challenge.Way.SMS, lock=True)
        entered = (code or "").strip()
        if challenge.code_hash and hmac.compare_digest(
            _code_hash(challenge.id, entered), challenge.code_hash
        ):
            return
        challenge.attempts += 1
        if challenge.attempts >= settings.PORTAL_CODE_ATTEMPTS:
            challenge.used_at = timezone.now()  # void: a new code must be asked for
        challenge.save(update_fields=["attempts", "used_at"])
    raise PortalError("wrong_code")


def _use(challenge_id: Any, iin: str, purpose: str, way: str) -> None:
    """Mark the challenge used, in the caller's transaction: it proves once."""
    challenge = _open_challenge(challenge_id, iin, purpose, way, lock=True)
    challenge.used_at = timezone.now()
    challenge.save(update_fields=["used_at"])


def password_check(iin: str, password: str, password2: str | None = None) -> None:
    """Django's validators (length, common, numeric, similar to the IIN); raises
    ValidationError with their messages."""
    if password2 is not None and password != password2:
        raise ValidationError(str(MESSAGES["passwords_differ"]), code="passwords_differ")
    user_model = get_user_model()
    validate_password(password, user_model(username=iin, iin=iin))


def register(
    *,
    iin: str,
    password: str,
    challenge_id: Any,
    signed_xml: str | bytes = "",
    code: str = "",
) -> Account:
    """Create the account once the person proved who they are (R9.1): by the challenge
    signed with their authentication key, or by the code sent to their phone. Django's
    password validators run first (ValidationError)."""
    iin = clean_iin(iin)
    password_check(iin, password)
    purpose = Challenge.Purpose.REGISTER
    _prove(challenge_id, iin, purpose, signed_xml=signed_xml, code=code)
    way = Challenge.Way.EDS if signed_xml else Challenge.Way.SMS
    try:
        with transaction.atomic():
            _use(challenge_id, iin, purpose, way)
            person_alive(iin)
            account = _create(iin, password, way)
            account_audit("portal.account.register", iin, proof=way)
    except IntegrityError:
        raise PortalError("already_registered") from None
    except PortalError as refused:
        if refused.code == "login_taken":  # for the support service that renames the login
            account_audit("portal.account.register_refused", iin, code=refused.code)
        raise
    return account


def _create(iin: str, password: str, way: str) -> Account:
    if Account.objects.filter(iin=iin).exists():
        raise PortalError("already_registered")
    user = _citizen_login(iin)
    user.set_password(password)
    user.save()
    return Account.objects.create(user=user, iin=iin, proof=way, registered_at=timezone.now())


def _citizen_login(iin: str) -> User:
    """The login of a new account: its name is the IIN. A login left by an earlier account
    of this IIN is taken again; a staff login named by the IIN, or recording it, is never
    taken over (its password would change): `login_taken` (docs/decisions/0018)."""
    user_model = get_user_model()
    found = list(user_model.objects.filter(Q(username=iin) | Q(iin=iin))[:2])
    if not found:
        return user_model(username=iin, iin=iin)
    user = found[0]
    # The workstation's profile by its relation's name: the portal does not import it.
    staff = user.is_staff or user.is_superuser or hasattr(user, "staff_profile")
    if len(found) > 1 or user.username != iin or user.iin != iin or staff:
        raise PortalError("login_taken")
    return user


def account_lock(*, account_id: int, locked: bool, by: str) -> bool:
    """Disable (`locked`) or enable a citizen's account from the admin: a disabled account
    is refused at login (`account_disabled`) and its API tokens are revoked. Audited as
    `portal.account.lock` or `.unlock` by `by`; False when it already was so."""
    with transaction.atomic():
        account = Account.objects.select_for_update().select_related("user").get(pk=account_id)
        user = account.user
        if user.is_active is not locked:
            return False
        user.is_active = not locked
        user.save(update_fields=["is_active"])
        revoked = ApiToken.objects.filter(account=account).delete()[0] if locked else 0
        with audit_context(actor=by, channel="admin"):
            audit_record(
                action="portal.account.lock" if locked else "portal.account.unlock",
                object_type="portal.account",
                object_id=account.pk,
                subject_iin=account.iin,
                data={"tokens_revoked": revoked},
            )
    return True


def account_active(account: Account) -> Account:
    """The parts of condition 1 (R9.3) that can change after login: the person alive in the
    population register and the account not locked; else the refusal."""
    person_alive(account.iin)
    if not account.user.is_active:
        raise PortalError("account_disabled")
    return account


def login_check(request: Any, iin: str, password: str, proof: Proof | None = None) -> Account:
    """Condition 1 (R9.3) for IIN and password: the account, or the refusal (R9.4), audited
    with its code. Every attempt counts towards the lockout of this IIN from this address
    until one succeeds; past the address's limit it needs a proof of work (`proof`)."""
    iin = clean_iin(iin)
    with _refusals_audited(iin, "password", proof):
        return _login_check(request, iin, password, proof)


@contextmanager
def _refusals_audited(iin: str, way: str, proof: Proof | None) -> Iterator[None]:
    """Audit a refused login (`portal.login.refused`, with its code, its way and whether a
    proof of work came with it), then refuse."""
    try:
        yield
    except PortalError as refused:
        given = proof is not None
        account_audit("portal.login.refused", iin, code=refused.code, way=way, address_proof=given)
        raise


def _login_check(request: Any, iin: str, password: str, proof: Proof | None) -> Account:
    # Each attempt counts before its password is checked (from this client, then the
    # service's lockout of this IIN from it); a right password clears the IIN's count and
    # takes back the client's.
    _client_may_try(request, proof)
    if not security.take_attempt(request, iin):
        raise PortalError("locked")
    account = Account.objects.select_related("user").filter(iin=iin).first()
    if account is None:
        raise PortalError("not_registered")
    if not account.user.check_password(password):
        raise PortalError("wrong_credentials")
    security.clear_failures(request, iin)
    _client_proved(request)
    account_active(account)
    account_audit("portal.login", iin, way="password", address_proof=proof is not None)
    return account


def login_by_eds(
    request: Any,
    *,
    iin: str,
    challenge_id: Any,
    signed_xml: str | bytes,
    proof: Proof | None = None,
) -> Account:
    """Condition 1 (R9.3) when logging in with the authentication key; a refusal is audited
    with its code."""
    iin = clean_iin(iin)
    with _refusals_audited(iin, "eds", proof):
        return _login_by_eds(request, iin, challenge_id, signed_xml, proof)


def _login_by_eds(
    request: Any, iin: str, challenge_id: Any, signed_xml: str | bytes, proof: Proof | None
) -> Account:
    # Counted as a password is: each attempt before its signature is verified (a full path
    # and revocation check), and a proved login clears the count.
    _client_may_try(request, proof)
    if not security.take_attempt(request, iin):
        raise PortalError("locked")
    _prove(challenge_id, iin, Challenge.Purpose.LOGIN, signed_xml=signed_xml or b"-", code="")
    with transaction.atomic():
        _use(challenge_id, iin, Challenge.Purpose.LOGIN, Challenge.Way.EDS)
    _client_proved(request)
    account = Account.objects.select_related("user").filter(iin=iin).first()
    if account is None:
        raise PortalError("not_registered")
    security.clear_failures(request, iin)
    account_active(account)
    account_audit("portal.login", iin, way="eds", address_proof=proof is not None)
    return account


def proof_missing_message() -> str:
    """What the API says when neither a signature nor a code (or password) came."""
    return _("Sign the challenge with your EDS or enter the code sent to your phone.")


def display_name(account: Account) -> str:
    """The person's name as the population register has it ("" when it no longer knows)."""
    record = get_population_register().lookup(account.iin)
    if record is None:
        return ""
    return " ".join(p for p in (record.surname, record.given_name, record.patronymic) if p)
