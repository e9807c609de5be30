"""The public check of a talon in the REST API: the same answer as the page, as JSON."""

from __future__ import annotations

from dataclasses import asdict

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bekitu.core.audit import audit_context
from bekitu.talons.selectors import Status, talon_verify
from bekitu.talons.throttle import TalonVerifyThrottle


class TalonVerificationSerializer(serializers.Serializer):
    """What anyone holding a talon's code may learn about it."""

    found = serializers.BooleanField(help_text=_("Whether a talon has this code."))
    authentic = serializers.BooleanField(
        help_text=_("The talon's e-document carries a valid signature of its provider.")
    )
    status = serializers.ChoiceField(
        choices=[Status.CURRENT, Status.SUPERSEDED, Status.ENDED],
        allow_blank=True,
        help_text=_(
            "current: still the person's attachment; superseded: replaced by a later "
            "attachment; ended: ended by death, departure or the provider's closure."
        ),
    )
    signature_pending = serializers.BooleanField(
        help_text=_(
            "The talon was issued while the medical organization's electronic signature key "
            "was unavailable: the printed talon is valid with a handwritten signature and "
            "stamp, and its e-document is not yet signed (authentic is false until it is)."
        )
    )
    current = serializers.BooleanField(help_text=_("The status is current."))
    in_force = serializers.BooleanField(help_text=_("The attachment is in force today."))
    number = serializers.CharField(allow_blank=True)
    initials = serializers.CharField(allow_blank=True, help_text=_("Initials of the person."))
    provider_name = serializers.CharField(allow_blank=True)
    provider_bin = serializers.CharField(allow_blank=True)
    issued_at = serializers.DateTimeField(allow_null=True)
    effective_date = serializers.DateField(allow_null=True, help_text=_("Attached from."))
    ended_on = serializers.DateField(
        allow_null=True, help_text=_("The day the attachment ends or ended (exclusive).")
    )
    in_force_until = serializers.DateField(
        allow_null=True, help_text=_("The last day the attachment is in force, if it ends.")
    )


class TalonVerifyView(APIView):
    """GET /api/v1/talons/verify/<code>/ for anyone, without logging in."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [TalonVerifyThrottle]

    @extend_schema(
        operation_id="talons_verify",
        summary="Check a talon by its verification code",
        description=(
            "Whether the talon is authentic (its XML e-document is signed by its provider) "
            "and whether it is still the person's attachment. Shows initials only. An "
            "unknown code answers 404 with found=false and nothing else."
        ),
        parameters=[
            OpenApiParameter(
                "code", str, OpenApiParameter.PATH, description="The 10-character code."
            )
        ],
        responses={200: TalonVerificationSerializer, 404: TalonVerificationSerializer},
        auth=[],
        tags=["talons"],
    )
    def get(self, request: Request, code: str) -> Response:
        """The check of the talon with this code."""
        with audit_context(actor="anonymous", channel="public"):
            result = talon_verify(code=code)
        data = {k: v for k, v in asdict(result).items() if k != "problem"}
        body = TalonVerificationSerializer(data).data
        response = Response(body, status=200 if result.found else 404)
        response["Cache-Control"] = "no-store"
        return response
