"""The re-attachment API of the regional administrator: plan, decide by hand, confirm, follow
the progress; the same services and scope as the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from bekitu.core.errors import DomainError
from bekitu.service.reattachment import plan as plans
from bekitu.service.reattachment.models import Reattachment
from bekitu.workstation.api.views import ACTION_ERRORS, ERRORS, StaffAPIView
from bekitu.workstation.staff import NotPermitted, found_or_404


class PlanCreateSerializer(serializers.Serializer):
    provider_bin = serializers.RegexField(r"^\d{12}$", help_text="The provider's BIN.")
    kind = serializers.ChoiceField(choices=Reattachment.Kind.choices)
    on = serializers.DateField(help_text="The day the new attachments start (YYYY-MM-DD).")


class AssignSerializer(serializers.Serializer):
    district_id = serializers.IntegerField()
    person_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)


class TargetSerializer(serializers.Serializer):
    provider_bin = serializers.CharField()
    district_id = serializers.IntegerField()
    district_number = serializers.IntegerField()
    persons = serializers.IntegerField()


class UnplacedSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    iin = serializers.CharField()
    full_name = serializers.CharField()


class PlanSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=Reattachment.Kind.choices)
    provider_bin = serializers.CharField()
    on = serializers.DateField()
    status = serializers.ChoiceField(choices=Reattachment.Status.choices)
    total = serializers.IntegerField()
    processed = serializers.IntegerField()
    batches = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    targets = TargetSerializer(many=True)
    without_target = UnplacedSerializer(many=True)


def plan_data(plan: Reattachment) -> dict[str, Any]:
    summary = plans.reattachment_summary(plan=plan)
    return {
        "number": plan.number,
        "kind": plan.kind,
        "provider_bin": plan.provider.bin,
        "on": plan.on,
        "status": plan.status,
        "total": plan.total,
        "processed": plan.processed,
        "batches": plan.batches,
        "counts": plan.counts,
        "targets": [
            {
                "provider_bin": t.district.provider.bin,
                "district_id": t.district.pk,
                "district_number": t.district.number,
                "persons": t.persons,
            }
            for t in summary.targets
        ],
        "without_target": [
            {"person_id": i.person_id, "iin": i.person.iin, "full_name": i.person.full_name}
            for i in summary.without_target
        ],
    }


class _RegionalView(StaffAPIView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not self.scope.is_regional:
            raise NotPermitted(_("Only a regional administrator may do this."))

    def plan(self, number: str) -> Reattachment:
        found = plans.reattachment_get(number=number, kato_prefix=self.scope.kato_prefix)
        return found_or_404(found)

    def answer(self, plan: Reattachment, code: int = status.HTTP_200_OK) -> Response:
        plan.refresh_from_db()
        return Response(PlanSerializer(plan_data(plan)).data, status=code)


class PlanListCreate(_RegionalView):
    @extend_schema(
        operation_id="reattachments_create",
        summary="Plan a re-attachment: a provider closing, or its districts redrawn",
        request=PlanCreateSerializer,
        responses={201: PlanSerializer, **ACTION_ERRORS},
        tags=["reattachment"],
    )
    def post(self, request: Request) -> Response:
        data = PlanCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        provider = self.scope.providers().filter(bin=v["provider_bin"]).first()
        if provider is None:
            raise DomainError(_("No provider with this BIN in your territory."), code="not_found")
        plan = plans.reattachment_plan(
            provider=provider,
            kind=v["kind"],
            on=v["on"],
            kato_prefix=self.scope.kato_prefix,
            planned_by=self.scope.actor,
        )
        return self.answer(plan, status.HTTP_201_CREATED)


class PlanDetail(_RegionalView):
    @extend_schema(
        operation_id="reattachments_retrieve",
        summary="A plan: persons per target district, those without one, the progress",
        responses={200: PlanSerializer, **ERRORS},
        tags=["reattachment"],
    )
    def get(self, request: Request, number: str) -> Response:
        return self.answer(self.plan(number))


class PlanAssign(_RegionalView):
    @extend_schema(
        operation_id="reattachments_assign",
        summary="Send persons of the plan to a district chosen by hand",
        request=AssignSerializer,
        responses={200: PlanSerializer, **ACTION_ERRORS},
        tags=["reattachment"],
    )
    def post(self, request: Request, number: str) -> Response:
        plan = self.plan(number)
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        district = plans.district_for_plan(
            plan=plan, kato_prefix=self.scope.kato_prefix, district_id=v["district_id"]
        )
        if district is None:
            raise DomainError(
                _("The persons of this plan cannot be sent to that district."),
                code="district_not_allowed",
            )
        plans.reattachment_assign(plan=plan, person_ids=v["person_ids"], district=district)
        return self.answer(plan)


class PlanConfirm(_RegionalView):
    @extend_schema(
        operation_id="reattachments_confirm",
        summary="Confirm the plan: the worker re-attaches every person of it",
        request=None,
        responses={200: PlanSerializer, **ACTION_ERRORS},
        tags=["reattachment"],
    )
    def post(self, request: Request, number: str) -> Response:
        plan = plans.reattachment_confirm(plan=self.plan(number), confirmed_by=self.scope.actor)
        return self.answer(plan)
