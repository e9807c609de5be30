"""The portal's API for the personal cabinet: the account's requests page by page, and the
attachment (current and history) of the person and of their children and wards, read from the
register through the gateway as the cabinet's page reads it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from bekitu.portal import directory, presenters
from bekitu.portal.api.auth import citizen
from bekitu.portal.api.requests import CitizenRequestOut, DraftsView, PortalProviderRef
from bekitu.portal.api.views import ERRORS, GATEWAY_ERRORS, PortalView, query_checked
from bekitu.portal.dependants import GUARDIAN, PARENT, dependant_get
from bekitu.portal.models import CitizenRequest

# Whose attachment an answer gives, in the register's answer's terms (the schema's
# AttachmentRelationEnum); a dependant's relation to the reader in those terms.
RELATIONS = ["self", "child", "ward"]
RELATION = {PARENT: "child", GUARDIAN: "ward"}


class CurrentAttachmentOut(serializers.Serializer):
    provider = PortalProviderRef()
    district = serializers.CharField(help_text="the district's number, empty when none")
    doctor = serializers.CharField(help_text="the district's doctor, empty when none")
    since = serializers.DateField()
    home_visits = serializers.BooleanField(help_text="whether the provider visits at home")


class AttachmentPeriodOut(serializers.Serializer):
    provider = PortalProviderRef()
    district = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True, help_text="exclusive; null: in force")
    reason = serializers.CharField(help_text="why it started: choice, change_of_residence, ...")
    reason_label = serializers.CharField(help_text="the reason in the reader's language")


class PersonAttachmentOut(serializers.Serializer):
    iin = serializers.CharField()
    name = serializers.CharField()
    relation = serializers.ChoiceField(
        choices=RELATIONS,
        help_text="self: the logged-in person; child: their child under 18; ward: their ward",
    )
    current = CurrentAttachmentOut(allow_null=True, help_text="null: not attached")
    history = AttachmentPeriodOut(many=True, help_text="every attachment, the latest first")


class NoQuery(serializers.Serializer):
    """An operation that takes no query string: `?for=<iin>` is refused (400), never read as
    the reader's own attachment."""


class AttachmentView(PortalView):
    @extend_schema(
        responses={200: PersonAttachmentOut, **GATEWAY_ERRORS},
        summary="My attachment now and its history, read from the register",
    )
    def get(self, request: Request) -> Response:
        query_checked(NoQuery, request)
        person = directory.attachment(citizen(request).iin)
        return Response(PersonAttachmentOut(presenters.attachment_data(person)).data)


class DependantAttachmentView(PortalView):
    @extend_schema(
        responses={200: PersonAttachmentOut, **GATEWAY_ERRORS},
        summary="The attachment of my child under 18 or my ward (one of me/dependants)",
    )
    def get(self, request: Request, iin: str) -> Response:
        query_checked(NoQuery, request)
        # Checked against the population register before the register of attachments is
        # asked anything: a person not listed as the reader's is never read.
        dependant = dependant_get(citizen(request).iin, iin)
        person = directory.attachment(dependant.iin)
        data = presenters.attachment_data(person, RELATION[dependant.relation])
        return Response(PersonAttachmentOut(data).data)


class RequestsQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=100, default=20)


class CitizenRequestsOut(serializers.Serializer):
    requests = CitizenRequestOut(many=True)
    count = serializers.IntegerField(help_text="the account's requests in all")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.CharField(allow_null=True, help_text="the next page's address")
    previous = serializers.CharField(allow_null=True, help_text="the previous page's address")


def _page_url(request: Request, page: int, size: int) -> str:
    return f"{request.path}?page={page}&page_size={size}"


class RequestsView(DraftsView):
    """`attachment-requests`: a new request (POST, DraftsView) or the account's list (GET)."""

    @extend_schema(
        operation_id="portal_requests_list",
        parameters=[RequestsQuery],
        responses={200: CitizenRequestsOut, **ERRORS},
        summary="My requests, newest first, page by page",
    )
    def get(self, request: Request) -> Response:
        query = query_checked(RequestsQuery, request)
        page, size = query["page"], query["page_size"]
        rows = CitizenRequest.objects.filter(account=citizen(request))
        count = rows.count()
        start = (page - 1) * size
        shown = rows.order_by("-submitted_at", "-pk").prefetch_related("events")
        pages = max(1, -(-count // size))
        return Response(
            {
                "requests": [presenters.request_data(r) for r in shown[start : start + size]],
                "count": count,
                "page": page,
                "pages": pages,
                "next": _page_url(request, page + 1, size) if page < pages else None,
                "previous": _page_url(request, min(page - 1, pages), size) if page > 1 else None,
            }
        )
