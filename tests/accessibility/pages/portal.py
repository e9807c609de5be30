"""The citizen portal: its start, registration (both ways, with errors), login (with a
refusal), login with EDS, and the cabinet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone

from tests.accessibility.registry import Visit, not_a_page, pages
from tests.accessibility.world import World
from tests.factories import PersonFactory, PersonRelationFactory

not_a_page("portal:logout", "POST only: logs out and redirects to the portal's start")
not_a_page("portal:talon-xml", "the signed e-talon, downloaded")
not_a_page("portal:talon-pdf", "the talon's PDF, downloaded")

# The portal's queries (providers, the checklist, the register's attachments) answered in the
# live server's thread: a memory transport of the process that serves them at once.
GATEWAY = "memory://accessibility-portal"
ANSWERED = {"GATEWAY_TRANSPORT": GATEWAY, "GATEWAY_KEYS_DIR": ""}


def _gateway(world: World) -> None:
    from django.conf import settings

    from bekitu.gateway.inbox import inbox_receive
    from bekitu.gateway.services import participant_register
    from bekitu.gateway.transports import transport_for

    operator = world.desk.other.bin
    participant_register(system_id=settings.PORTAL_SYSTEM_ID, bin=operator, local=True)
    participant_register(system_id=settings.GATEWAY_REGISTER_SYSTEM_ID, bin=operator, local=True)
    participant_register(system_id=world.desk.provider.bin, bin=world.desk.provider.bin, local=True)
    transport = transport_for(GATEWAY)
    transport.serve = lambda: inbox_receive(transport=transport, wait=2)  # type: ignore[attr-defined]


def _request(world: World, status: str) -> str:
    """A request of the world's citizen in a status, with its timeline; its number."""
    import datetime as dt

    from bekitu.portal.models import STATUS_RANK, CitizenRequest, Draft, RequestEvent, Status

    account = world.users[_citizen(world)].citizen_account
    now = timezone.now()
    number = f"P-{now:%Y%m%d}-9{len(status):02d}{STATUS_RANK[Status(status)]:03d}"
    draft = Draft.objects.create(
        account=account,
        number=number,
        recipient_iin=account.iin,
        applicant_role="self",
        provider_bin=world.desk.provider.bin,
        provider_name=world.desk.provider.name_ru,
        xml=b"<AttachmentRequest/>",
        created_at=now,
    )
    request = CitizenRequest.objects.create(
        number=number,
        account=account,
        draft=draft,
        recipient_iin=account.iin,
        provider_bin=world.desk.provider.bin,
        provider_name=world.desk.provider.name_ru,
        signed_xml=b"<AttachmentRequest/>",
        signed_sha256=number.ljust(64, "0")[:64],
        status=status,
        submitted_at=now,
        deadline=now + dt.timedelta(hours=20),
        registration_number="A-2026-009999",
        talon_number="T-1" if status == Status.TALON_ISSUED else "",
        talon_verify_url="/verify/" if status == Status.TALON_ISSUED else "",
        talon_pdf=b"%PDF-1.4" if status == Status.TALON_ISSUED else None,
        refusal_code="outside_campaign" if status == Status.REFUSED else "",
        refusal_legal_ground={"kk": "Қағида", "ru": "Правила", "en": "Rules"},
        refusal_message={"kk": "Науқан жабық.", "ru": "Кампания закрыта.", "en": "Closed."},
    )
    for step in Status:
        if STATUS_RANK[step] <= STATUS_RANK[Status(status)] and step != (
            Status.REFUSED if status == Status.TALON_ISSUED else Status.TALON_ISSUED
        ):
            RequestEvent.objects.create(request=request, status=step, at=now)
    return number


MEMORY_SMS = {"SMS_SENDER": "bekitu.core.sms.MemorySmsSender"}


def _submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _citizen(world: World) -> str:
    """A registered citizen of the world, logged in as `citizen`."""
    from bekitu.core.models import User
    from bekitu.portal.models import Account

    if "citizen" not in world.users:
        import datetime as dt

        person = PersonFactory()
        # A child and a ward, so that the request's first step offers them as a list.
        PersonRelationFactory(relative=person, person__birth_date=dt.date(2017, 4, 9))
        PersonRelationFactory(
            relative=person, kind="guardian", person__birth_date=dt.date(1948, 1, 2)
        )
        user = User.objects.create_user(person.iin, iin=person.iin, password="Zhasyl-Alma-2026")
        Account.objects.create(user=user, iin=person.iin, proof="eds", registered_at=timezone.now())
        world.users["citizen"] = user
    return "citizen"


@pages("portal:index")
def _index(world: World) -> Iterator[Visit]:
    yield Visit("portal: start", reverse("portal:index"))


@pages("portal:register")
def _register(world: World) -> Iterator[Visit]:
    url = reverse("portal:register")
    iin = PersonFactory().iin

    def bad_iin(page: Any, base: str) -> None:
        page.fill("#id_iin", "123456789012")
        _submit(page, "#register-next")

    def by(way: str) -> Any:
        def drive(page: Any, base: str) -> None:
            page.fill("#id_iin", iin)
            page.check(f"input[name=way][value={way}]")
            _submit(page, "#register-next")

        return drive

    def weak_password(page: Any, base: str) -> None:
        by("sms")(page, base)
        page.fill("#id_code", "000000")
        page.fill("#id_password1", "123")
        page.fill("#id_password2", "123")
        _submit(page, "#register-submit")

    yield Visit("portal: register", url)
    yield Visit("portal: register, a wrong IIN", url, drive=bad_iin)
    yield Visit("portal: register, sign with EDS", url, drive=by("eds"))
    yield Visit("portal: register, SMS code", url, drive=by("sms"), settings=MEMORY_SMS)
    yield Visit("portal: register, weak password", url, drive=weak_password, settings=MEMORY_SMS)


@pages("portal:login")
def _login(world: World) -> Iterator[Visit]:
    url = reverse("portal:login")
    _citizen(world)
    iin = world.users["citizen"].username

    def wrong_password(page: Any, base: str) -> None:
        page.fill("#id_iin", iin)
        page.fill("#id_password", "not the password")
        _submit(page, "#login-submit")

    yield Visit("portal: login", url)
    yield Visit("portal: login, wrong password", url, drive=wrong_password)


@pages("portal:login-eds")
def _login_eds(world: World) -> Iterator[Visit]:
    url = reverse("portal:login-eds")
    _citizen(world)
    iin = world.users["citizen"].username

    def to_sign(page: Any, base: str) -> None:
        page.fill("#id_iin", iin)
        _submit(page, "#login-eds-next")

    yield Visit("portal: login with EDS", url)
    yield Visit("portal: login with EDS, the document to sign", url, drive=to_sign)


def _reattachment_notice(world: World) -> None:
    """The citizen was re-attached when their provider closed: a notice heads the cabinet."""
    from bekitu.portal.models import Account, CabinetNotice

    provider = world.desk.provider
    CabinetNotice.objects.create(
        account=Account.objects.get(user=world.users["citizen"]),
        number="RA-2026-000001",
        reason="provider_closed",
        provider_bin=provider.bin,
        provider_name_kk=provider.name_kk,
        provider_name_ru=provider.name_ru,
        provider_address=provider.address,
        provider_phone=provider.phone,
        district_number=world.desk.district.number,
        valid_from=timezone.localdate(),
        talon_number="T-000000000000-2026-000001",
        talon_verify_url="https://bekitu.example.kz/verify/ABCDEFGHJK",
        received_at=timezone.now(),
    )


@pages("portal:cabinet")
def _cabinet(world: World) -> Iterator[Visit]:
    user = _citizen(world)
    _gateway(world)
    _reattachment_notice(world)
    url = reverse("portal:cabinet")
    yield Visit(
        "portal: cabinet, the register silent",
        url,
        user=user,
        settings={"GATEWAY_CALL_TIMEOUT_SECONDS": 0},
    )
    yield Visit("portal: cabinet", url, user=user, settings=ANSWERED)


@pages("portal:request-new")
def _request_new(world: World) -> Iterator[Visit]:
    url = reverse("portal:request-new")
    user = _citizen(world)
    _gateway(world)
    yield Visit("portal: new request, for whom", url, user=user)
    yield Visit(
        "portal: new request, for whom, no child chosen",
        f"{url}?applicant_role=parent&dependant=&recipient_iin=&q=",
        user=user,
    )
    yield Visit(
        "portal: new request, the form",
        f"{url}?applicant_role=self&recipient_iin=&q=",
        user=user,
        settings=ANSWERED,
    )

    def with_errors(page: Any, base: str) -> None:
        _submit(page, "#request-next")

    yield Visit(
        "portal: new request, the form with errors",
        f"{url}?applicant_role=self&recipient_iin=&q=",
        user=user,
        settings=ANSWERED,
        drive=with_errors,
    )
    yield Visit(
        "portal: new request, the form on the place of work, with errors",
        f"{url}?applicant_role=self&recipient_iin=&q=&basis=work",
        user=user,
        settings=ANSWERED,
        drive=with_errors,
    )


@pages("portal:request-sign")
def _request_sign(world: World) -> Iterator[Visit]:
    from bekitu.portal.models import Draft

    user = _citizen(world)
    account = world.users[user].citizen_account
    draft = Draft.objects.create(
        account=account,
        number=f"P-{timezone.now():%Y%m%d}-800001",
        recipient_iin=account.iin,
        applicant_role="self",
        provider_bin=world.desk.provider.bin,
        provider_name=world.desk.provider.name_ru,
        xml=b'<AttachmentRequest version="1"><number>P-1</number></AttachmentRequest>',
        created_at=timezone.now(),
    )
    url = reverse("portal:request-sign", args=[draft.pk])

    def refused(page: Any, base: str) -> None:
        page.evaluate("document.querySelector('input[name=signed_xml]').value = '<x/>'")
        _submit(page, "#sign-submit")

    yield Visit("portal: sign the request", url, user=user)
    yield Visit("portal: sign the request, EDS not confirmed", url, user=user, drive=refused)


@pages("portal:request")
def _request_page(world: World) -> Iterator[Visit]:
    user = _citizen(world)
    for status in ("delivered", "talon_issued", "refused"):
        number = _request(world, status)
        yield Visit(
            f"portal: request, {status}", reverse("portal:request", args=[number]), user=user
        )
