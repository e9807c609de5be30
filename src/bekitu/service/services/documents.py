"""The documents of an application: scans attached (R8.1) and action 1 (R5.1, R8.1), which
accepts the documents against the checklist of paragraph 9 of the standard."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import Action
from bekitu.service.facts import case_build, required_documents
from bekitu.service.models import Application, ApplicationDocument
from bekitu.service.procedure import (
    audit_application,
    lock,
    require_action,
    require_open,
    step_record,
)
from bekitu.service.requirements import KINDS as DOCUMENT_KINDS
from bekitu.service.requirements import ScanRejected, scan_check
from bekitu.service.services.decision import checks_store

if TYPE_CHECKING:
    from django.core.files import File

    from bekitu.core.models import User

log = logging.getLogger("bekitu.service")


def _scan_type(file: File) -> tuple[str, int]:
    """The scan's content type (read from its first bytes) and size, or DomainError."""
    size = file.size or 0
    file.seek(0)
    content = file.read(settings.SCAN_MAX_BYTES + 1) if size <= settings.SCAN_MAX_BYTES else b""
    file.seek(0)
    try:
        return scan_check(content[:16], size, settings.SCAN_MAX_BYTES, content), size
    except ScanRejected as exc:
        raise DomainError(exc.message, code=exc.code) from exc


@transaction.atomic
def application_document_add(
    *,
    application: Application,
    kind: str,
    file: File | None = None,
    presented: bool = True,
    note: str = "",
    by: User | None = None,
) -> ApplicationDocument:
    """Add (or replace) a document of the checklist, with an optional scan (PDF, JPEG, PNG).

    The scan's type is read from its content and its size limited by BEKITU_SCAN_MAX_BYTES;
    the scan records who attached it and when. Without a file, an earlier scan is kept. A
    replaced scan's file is deleted once the new one is committed, so no copy of a person's
    document outlives its record; a refused file is never stored.
    """
    application = lock(application)
    require_open(application)
    if kind not in DOCUMENT_KINDS:
        raise DomainError(_("Unknown kind of document."), code="invalid_document_kind")
    content_type, size = _scan_type(file) if file is not None else ("", 0)
    earlier = (
        ApplicationDocument.objects.filter(application=application, kind=kind)
        .values_list("file", flat=True)
        .first()
    )
    defaults: dict[str, object] = {"presented": presented, "note": note}
    if file is not None:
        defaults |= {"content_type": content_type, "size": size}
        defaults |= {"scan_at": timezone.now(), "scan_by": by}
    document, _created = ApplicationDocument.objects.update_or_create(
        application=application, kind=kind, defaults=defaults
    )
    if file is not None:
        document.file.save(f"{kind}.{content_type.rsplit('/', 1)[-1]}", file, save=True)
        if earlier and earlier != document.file.name:
            transaction.on_commit(lambda: default_storage.delete(earlier))
        log.info("scan.attached", extra={"fields": {"application": application.number}})
    audit_application(
        application,
        "document_add",
        kind=kind,
        presented=presented,
        content_type=content_type,
        size=size,
    )
    return document


@transaction.atomic
def application_accept_documents(
    *, application: Application, documents: Iterable[str], by: User | None
) -> Application:
    """Action 1 (R5.1, R8.1): accept the documents against the checklist for the case.

    `documents` are the kinds presented now (added to those already recorded). Raises
    DomainError "documents_incomplete" naming what is missing, leaving the state unchanged;
    then runs the checks so the specialist sees their results before action 2.
    """
    application = lock(application)
    require_action(application, Action.ACCEPT_DOCUMENTS)
    presented = set(documents)
    unknown = presented - set(DOCUMENT_KINDS)
    if unknown:
        raise DomainError(_("Unknown kind of document."), code="invalid_document_kind")
    for kind in presented:
        ApplicationDocument.objects.update_or_create(
            application=application, kind=kind, defaults={"presented": True}
        )
    presented |= set(application.documents.filter(presented=True).values_list("kind", flat=True))
    missing = [r for r in required_documents(application) if r.kind not in presented]
    if missing:
        raise DomainError(
            _("Documents missing: %(list)s.") % {"list": ", ".join(str(r.label) for r in missing)},
            code="documents_incomplete",
        )
    step_record(
        application,
        Action.ACCEPT_DOCUMENTS,
        by=by,
        at=timezone.now(),
        outcome="accepted",
        comment=", ".join(sorted(presented)),
    )
    checks_store(application, case_build(application))
    return application
