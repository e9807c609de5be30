"""Re-attachment in bulk: the plan proposes a district for each person by the service areas,
the administrator decides the rest by hand and confirms, the run carries it out in batches
that each commit whole, and a run stopped half-way ends as one clean run would."""

from __future__ import annotations

from typing import Any

import pytest

from bekitu.core.audit import audit_context, audit_verify
from bekitu.core.errors import Conflict, DomainError
from bekitu.core.models import AuditEntry
from bekitu.core.sms import MemorySmsSender
from bekitu.registry.models import Attachment
from bekitu.registry.services import attachment_transfer
from bekitu.service import services
from bekitu.service.reattachment import run as run_module
from bekitu.service.reattachment.models import Reattachment, ReattachmentItem
from bekitu.service.reattachment.notices import reattachment_sms_send
from bekitu.service.reattachment.plan import (
    reattachment_assign,
    reattachment_confirm,
    reattachment_plan,
    reattachment_summary,
)
from bekitu.service.reattachment.run import reattachment_run
from bekitu.talons.models import Talon
from bekitu.talons.services import talon_pdf_make
from tests.factories import AttachmentFactory, PersonFactory
from tests.service.reattachment_world import ON, World, build_world, open_attachment
from tests.talons.pdfcheck import pdf_text

pytestmark = pytest.mark.django_db
Kind = Reattachment.Kind


@pytest.fixture
def world(eds_settings: Any, test_pki: Any, settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_world(test_pki)


def _plan(world: World, **kw: Any) -> Reattachment:
    return reattachment_plan(
        provider=world.closing,
        kind=Kind.PROVIDER_CLOSED,
        on=ON,
        kato_prefix="63",
        planned_by="staff:region",
        **kw,
    )


def _targets(plan: Reattachment) -> dict[int, int | None]:
    return dict(plan.items.values_list("person_id", "target_district_id"))


def _confirmed(world: World, batch_size: int = 500) -> Reattachment:
    plan = _plan(world)
    lonely = world.persons[-1]
    reattachment_assign(plan=plan, person_ids=[lonely.pk], district=world.south_therapist)
    Reattachment.objects.filter(pk=plan.pk).update(batch_size=batch_size)
    return reattachment_confirm(plan=plan, confirmed_by="staff:region")


def test_the_plan_proposes_the_districts_serving_each_address(world: World) -> None:
    plan = _plan(world)
    north_1, north_2, north_3, south_1, south_2, child, lonely = world.persons
    assert plan.total == 7 and plan.status == Reattachment.Status.PLANNED
    assert _targets(plan) == {
        # the GP district of the north is preferred (the same kind) until it is full
        north_1.pk: world.north_gp.pk,
        north_2.pk: world.north_gp.pk,
        north_3.pk: world.south_therapist.pk,
        south_1.pk: world.south_therapist.pk,
        south_2.pk: world.south_therapist.pk,
        child.pk: world.south_paediatric.pk,  # a child goes to a paediatric district
        lonely.pk: None,  # no open provider serves the street
    }
    summary = reattachment_summary(plan=plan)
    counts = {(t.district.provider_id, t.district.pk): t.persons for t in summary.targets}
    assert counts == {
        (world.north.pk, world.north_gp.pk): 2,
        (world.south.pk, world.south_therapist.pk): 3,
        (world.south.pk, world.south_paediatric.pk): 1,
    }
    assert [i.person_id for i in summary.without_target] == [lonely.pk]
    # nothing in the register changes before the plan is confirmed
    assert Attachment.objects.filter(provider=world.closing, valid_to__isnull=True).count() == 7
    assert AuditEntry.objects.filter(action="service.reattachment.plan").count() == 1


def test_a_plan_is_confirmed_only_once_every_person_has_a_target(world: World) -> None:
    plan = _plan(world)
    with pytest.raises(Conflict) as err:
        reattachment_confirm(plan=plan, confirmed_by="staff:region")
    assert err.value.code == "targets_missing"
    world.closing.refresh_from_db()
    assert world.closing.is_active  # nothing was half-done
    lonely = world.persons[-1]
    with pytest.raises(DomainError) as closed:
        reattachment_assign(plan=plan, person_ids=[lonely.pk], district=world.closing_district)
    assert closed.value.code == "provider_closed"
    assert (
        reattachment_assign(plan=plan, person_ids=[lonely.pk], district=world.south_therapist) == 1
    )
    confirmed = reattachment_confirm(plan=plan, confirmed_by="staff:region")
    assert confirmed.status == Reattachment.Status.CONFIRMED
    world.closing.refresh_from_db()
    assert (world.closing.is_active, world.closing.closed_on) == (False, ON)
    with pytest.raises(Conflict) as again:
        reattachment_confirm(plan=plan, confirmed_by="staff:region")
    assert again.value.code == "reattachment_confirmed"


def test_a_second_open_plan_of_the_provider_is_refused(world: World) -> None:
    _plan(world)
    with pytest.raises(Conflict) as err:
        _plan(world)
    assert err.value.code == "reattachment_open"


def _assert_carried_out(world: World, plan: Reattachment) -> None:
    """The register after the plan: as one clean run leaves it."""
    plan.refresh_from_db()
    assert (plan.status, plan.processed, plan.counts) == ("done", 7, {"attached": 7})
    for item in plan.items.select_related("person"):
        new = open_attachment(item.person)
        assert (new.provider_id, new.district_id) == (
            item.target_provider_id,
            item.target_district_id,
        )
        assert (new.valid_from, new.reason) == (ON, "provider_closed")
        assert new.application_number == plan.number
        talon = Talon.objects.get(attachment=new)
        assert (talon.number, talon.channel) == (item.talon_number, "region")
        assert not talon.signature_pending and b"SignatureValue" in bytes(talon.xml)
        assert Attachment.objects.filter(person=item.person).count() == 2
    assert Talon.objects.count() == 7
    assert AuditEntry.objects.filter(action="registry.attachment.create").count() == 7
    assert AuditEntry.objects.filter(action="talons.talon.issue").count() == 7
    done = AuditEntry.objects.get(action="service.reattachment.done")
    assert (done.data["persons"], done.data["attached"]) == (7, 7)
    assert audit_verify().ok


def test_the_run_reattaches_everyone_with_a_signed_talon_in_batches(world: World) -> None:
    plan = _confirmed(world, batch_size=3)
    with audit_context(actor="worker", channel="system"):
        done = reattachment_run(plan_id=plan.pk)
    assert done.batches == 3  # 3 + 3 + 1
    _assert_carried_out(world, done)
    # the printable talon says it came from the regional health department, in kk and ru
    pdf = talon_pdf_make(talon_id=Talon.objects.order_by("pk").first().pk)  # type: ignore[union-attr]
    assert "переприкреплён управлением" in " ".join(pdf_text(pdf).split())


def test_a_run_stopped_mid_batch_resumes_and_ends_as_one_clean_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _confirmed(world, batch_size=3)
    issued = 0
    real = run_module.talon_issue

    def dies_at_the_fifth(**kw: Any) -> Talon:
        nonlocal issued
        issued += 1
        if issued == 5:  # in the second batch: the process goes down here
            raise SystemExit("killed")
        return real(**kw)

    monkeypatch.setattr(run_module, "talon_issue", dies_at_the_fifth)
    with pytest.raises(SystemExit):
        reattachment_run(plan_id=plan.pk)
    plan.refresh_from_db()
    # the first batch stands whole, nothing of the second
    assert (plan.checkpoint, plan.processed, plan.batches) == (
        plan.items.order_by("pk")[2].pk,
        3,
        1,
    )
    assert Talon.objects.count() == 3
    assert Attachment.objects.filter(reason="provider_closed", valid_to__isnull=True).count() == 3
    assert ReattachmentItem.objects.filter(outcome="pending").count() == 4
    monkeypatch.setattr(run_module, "talon_issue", real)
    reattachment_run(plan_id=plan.pk)
    _assert_carried_out(world, plan)


def test_max_batches_stops_between_batches_and_a_new_run_continues(world: World) -> None:
    plan = _confirmed(world, batch_size=2)
    first = reattachment_run(plan_id=plan.pk, max_batches=2)
    assert (first.status, first.processed) == ("running", 4)
    _assert_carried_out(world, reattachment_run(plan_id=plan.pk))


def test_a_person_attached_elsewhere_meanwhile_is_left_where_they_are(world: World) -> None:
    plan = _confirmed(world)
    moved = world.persons[0]
    elsewhere = AttachmentFactory(person=PersonFactory(), provider=world.north).district
    attachment_transfer(
        person=moved,
        provider=world.north,
        district=elsewhere,
        valid_from=ON,
        reason="provider_closed",
        source="desk",
    )
    done = reattachment_run(plan_id=plan.pk)
    assert done.counts == {"attached": 6, "already_attached": 1}
    item = done.items.get(person=moved)
    assert (item.outcome, item.talon_number) == ("already_attached", "")
    assert open_attachment(moved).district_id == elsewhere.pk


def test_a_plan_not_confirmed_is_not_run(world: World) -> None:
    plan = _plan(world)
    assert reattachment_run(plan_id=plan.pk).status == "planned"
    assert Talon.objects.count() == 0


def test_each_reattached_person_with_a_phone_gets_an_sms_once(world: World, settings: Any) -> None:
    settings.SMS_SENDER = "bekitu.core.sms.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    world.persons[1].phone = ""
    world.persons[1].save()
    plan = reattachment_run(plan_id=_confirmed(world).pk)
    assert reattachment_sms_send(plan_id=plan.pk) == 6
    assert reattachment_sms_send(plan_id=plan.pk) == 0  # each is told once
    first = plan.items.get(person=world.persons[0])
    message = next(m for m in MemorySmsSender.outbox if m.phone == world.persons[0].phone)
    # In Kazakh and Russian: from when, the new provider and its district.
    district = f"№{first.target_district.number}"
    assert "01.12.2026 бастап" in message.text and "с 01.12.2026" in message.text
    assert f"{first.target_provider.name_kk}, учаске {district}" in message.text
    assert f"{first.target_provider.name_ru}, участок {district}" in message.text
    assert not plan.items.filter(notified=False).exists()


def test_districts_redrawn_move_only_those_their_district_no_longer_serves(
    eds_settings: Any, test_pki: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world(test_pki)
    north = world.north
    near = PersonFactory(
        birth_date=world.persons[0].birth_date, address__street=world.main, address__house=10
    )
    far = PersonFactory(birth_date=near.birth_date, address__street=world.main, address__house=40)
    by_choice = PersonFactory(
        birth_date=near.birth_date, address__street=world.main, address__house=45
    )
    for person in (near, far):
        AttachmentFactory(person=person, provider=north, district=world.north_gp)
    AttachmentFactory(person=by_choice, provider=north, district=world.north_gp, home_visits=False)
    # the redraw: the GP district keeps houses 1-30, a new one takes 31-50
    from tests.factories import DistrictFactory, ServiceAreaFactory

    world.north_gp.areas.update(house_to=30)
    second = DistrictFactory(provider=north, kind="gp")
    ServiceAreaFactory(district=second, street=world.main, house_from=31, house_to=50)
    plan = reattachment_plan(
        provider=north, kind=Kind.DISTRICTS_REDRAWN, on=ON, kato_prefix="", planned_by="staff:r"
    )
    assert _targets(plan) == {far.pk: second.pk}
    reattachment_confirm(plan=plan, confirmed_by="staff:r")
    north.refresh_from_db()
    assert north.is_active  # a redraw closes nothing
    done = reattachment_run(plan_id=plan.pk)
    assert done.counts == {"attached": 1}
    new = open_attachment(far)
    assert (new.provider_id, new.district_id, new.valid_from) == (north.pk, second.pk, ON)
    old = Attachment.objects.get(person=far, district=world.north_gp)
    assert (old.valid_to, old.end_reason) == (ON, "transfer")
    assert open_attachment(near).district_id == world.north_gp.pk
    assert open_attachment(by_choice).district_id == world.north_gp.pk
    assert Talon.objects.get(attachment=new).channel == "region"
    assert audit_verify().ok


def test_the_plan_proposes_a_district_where_the_application_said_the_person_lives(
    world: World,
) -> None:
    # The person on the street nobody else serves lives temporarily at house 70 of the main
    # street, as their application stated: only the south's therapist district serves it.
    lonely = world.persons[-1]
    application = services.application_create(
        channel="desk",
        recipient=lonely,
        provider=world.closing,
        reason="change_of_residence",
        basis=services.Basis(
            "temporary_residence",
            atu_code=world.closing.atu_code,
            street=world.main.name_ru,
            house=70,
        ),
    )
    Attachment.objects.filter(person=lonely).update(application_number=application.number)
    targets = _targets(_plan(world))
    assert targets[lonely.pk] == world.south_therapist.pk
    # The others still go where their registered address is served.
    assert targets[world.persons[0].pk] == world.north_gp.pk
