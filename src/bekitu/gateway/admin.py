"""The gateway operator's pages (Django admin): the outbox, the inbox, rejected envelopes and
the participants. Messages are read-only; a parked one can be replayed or discarded by an
operator with the `operate` permission. Every list page, every message opened and every
action is audited. The envelope's content (a person's request) is never shown: its parts are
listed by name, size and SHA-256."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bekitu.core.admin_audit import AuditedChangelistMixin, ReadOnlyMixin
from bekitu.core.audit import audit_context, audit_record
from bekitu.core.errors import DomainError
from bekitu.gateway import services
from bekitu.gateway.envelope import EnvelopeInvalid, parse, read_request, read_response
from bekitu.gateway.models import (
    InboxMessage,
    OutboxMessage,
    Participant,
    RejectedMessage,
)


def _as_operator(request: HttpRequest) -> Any:
    return audit_context(actor=f"admin:{request.user.get_username()}", channel="admin")


class _ReadOnly(AuditedChangelistMixin, ReadOnlyMixin, admin.ModelAdmin):
    show_full_result_count = False


class _MessageAdmin(_ReadOnly):
    """What the outbox and the inbox pages share: the parts summary, audited opening, and the
    replay and discard actions."""

    box = ""
    actions = ("replay", "discard")
    search_fields = ("message_id", "correlation_id", "service_id")
    exclude = ("envelope",)

    def has_operate_permission(self, request: HttpRequest) -> bool:
        """Replaying or discarding a parked message needs `gateway.operate_<model>`."""
        return request.user.has_perm(f"gateway.operate_{self.model._meta.model_name}")

    @admin.display(description=_("parts (name, media type, bytes, SHA-256)"))
    def parts(self, obj: OutboxMessage | InboxMessage) -> str:
        """The payload's parts by name, size and digest; never their content."""
        try:
            root = parse(bytes(obj.envelope), max_bytes=max(obj.size, 1))
            message = read_request(root) if obj.kind == "request" else read_response(root)
        except EnvelopeInvalid:
            return "-"
        return "; ".join(
            f"{p.name} ({p.media_type}, {len(p.content)}, {p.sha256[:16]}…)" for p in message.parts
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        row = self.get_object(request, object_id)
        # Audited as read only by whom the page is shown to: a refused open reads nothing.
        if row is not None and self.has_view_or_change_permission(request, row):
            with _as_operator(request):
                audit_record(
                    action=f"gateway.{self.box}.read",
                    object_type=f"gateway.{self.box}",
                    object_id=str(row.message_id),
                    data={"via": "admin", "status": row.status},
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def _act(self, request: HttpRequest, queryset: QuerySet[Any], verb: str) -> None:
        action = getattr(services, f"{self.box}_{verb}")
        done, skipped = 0, 0
        for row in queryset:
            try:
                with _as_operator(request):
                    action(message_id=str(row.message_id))
                done += 1
            except DomainError:
                skipped += 1
        if done:
            said = (
                ngettext("%(count)d message replayed.", "%(count)d messages replayed.", done)
                if verb == "replay"
                else ngettext("%(count)d message discarded.", "%(count)d messages discarded.", done)
            )
            self.message_user(request, said % {"count": done})
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message left alone: only a parked message can be replayed or "
                    "discarded.",
                    "%(count)d messages left alone: only a parked message can be replayed or "
                    "discarded.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Replay the selected parked messages"), permissions=["operate"])
    def replay(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Send (outbox) or handle (inbox) a parked message again."""
        self._act(request, queryset, "replay")

    @admin.action(description=_("Discard the selected parked messages"), permissions=["operate"])
    def discard(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """Give up a parked message for good."""
        self._act(request, queryset, "discard")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(_MessageAdmin):
    box = "outbox"
    list_audit_action = "gateway.outbox.list"
    list_display = (
        "created_at",
        "service_id",
        "sender_id",
        "route_id",
        "status",
        "attempts",
        "next_attempt_at",
        "receipt_code",
        "last_error",
    )
    list_filter = ("status", "kind", "service_id", "route_id", "created_at")
    readonly_fields = ("parts",)


@admin.register(InboxMessage)
class InboxMessageAdmin(_MessageAdmin):
    box = "inbox"
    list_audit_action = "gateway.inbox.list"
    list_display = (
        "received_at",
        "service_id",
        "sender_id",
        "route_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status", "kind", "service_id", "sender_id", "route_id", "received_at")
    readonly_fields = ("parts",)


@admin.register(RejectedMessage)
class RejectedMessageAdmin(_ReadOnly):
    list_audit_action = "gateway.rejected.list"
    list_display = (
        "received_at",
        "route_id",
        "code",
        "reason",
        "claimed_sender_id",
        "claimed_message_id",
        "size",
    )
    list_filter = ("code", "route_id")
    search_fields = ("claimed_message_id", "sha256")


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    """Participants are changed through `participant_register`, so each change is audited."""

    list_display = ("system_id", "bin", "title", "local", "active")
    list_filter = ("local", "active")
    search_fields = ("system_id", "bin", "title")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Deactivate instead: messages already sent name the participant.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("system_id", "created_at") if obj is not None else ("created_at",)

    def save_model(self, request: HttpRequest, obj: Participant, form: Any, change: bool) -> None:
        with _as_operator(request):
            saved = services.participant_register(
                system_id=obj.system_id,
                bin=obj.bin,
                title=obj.title,
                local=obj.local,
                active=obj.active,
            )
        obj.pk = saved.pk
