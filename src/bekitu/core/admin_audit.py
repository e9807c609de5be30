"""Admin list pages of people's data are reads too: each page shown writes one audit row.

Opening a person, an attachment or an application in the admin was audited, and a search of
persons; the lists themselves (a hundred names and IINs a page) were not, so browsing the
register left no trace. The row names the admin user, the page, the filters and the primary
keys of the rows shown (not their IINs).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from bekitu.core.audit import audit_context, audit_record

MAX_IDS = 200


class ReadOnlyMixin:
    """For a ModelAdmin or an inline whose rows are a record: nothing is added, changed or
    deleted through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def audit_admin_read(request: HttpRequest, *, action: str, **data: Any) -> None:
    """One audit row for something an admin user was shown."""
    with audit_context(actor=f"admin:{request.user.get_username()}", channel="admin"):
        audit_record(action=action, data={"via": "admin", **data})


class AuditedChangelistMixin:
    """For a ModelAdmin: audit every list page as `<list_audit_action>` with what it showed."""

    list_audit_action = ""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The list page, audited once it is known which rows it shows."""
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and request.method == "GET":
            ids = [row.pk for row in changelist.result_list][:MAX_IDS]
            audit_admin_read(
                request,
                action=self.list_audit_action,
                page=changelist.page_num,
                query=request.GET.urlencode()[:200],
                shown=len(ids),
                ids=ids,
            )
        return response
