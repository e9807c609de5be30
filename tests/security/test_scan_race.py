"""Two processes replace the scan of one document at once, ten times each: afterwards the
media folder holds exactly the file the document records (no orphan of a person's
document, no record without its file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from bekitu.service import services
from bekitu.service.models import ApplicationDocument
from bekitu.workstation.staff import scope_for
from tests.security.processes import Processes, migrated_sqlite, processes
from tests.workstation.conftest import build_desk

__all__ = ["migrated_sqlite", "processes"]

REPLACE = """
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from bekitu.core.audit import audit_context
from bekitu.service import services
from bekitu.service.models import Application
user = get_user_model().objects.get(username="specialist")
done = 0
with audit_context(actor="staff:specialist", channel="desk"):
    for i in range(10):
        application = Application.objects.get(number=ARG["number"])
        body = b"%PDF-1.4\\n% scan " + f"{ARG['who']}-{i}".encode() + b"\\n%%EOF\\n"
        services.application_document_add(
            application=application, kind="identity_document",
            file=ContentFile(body, name="scan.pdf"), by=user)
        done += 1
print(json.dumps(done))
"""


@pytest.mark.slow
@pytest.mark.skipif(connection.vendor != "postgresql", reason="run on PostgreSQL")
def test_two_processes_replacing_one_scan_leave_exactly_its_file(
    processes: Processes, test_pki: Any, eds_settings: Any
) -> None:
    desk = build_desk(test_pki)
    scope = scope_for(desk.users["specialist"])
    assert scope is not None
    entry = services.Intake(recipient_iin=desk.person.iin, channel="desk", reason="choice")
    application = services.application_intake(
        scope=scope, intake=entry, by=desk.users["specialist"], looked_up_by=scope.actor
    )
    processes.env["BEKITU_GATEWAY_KICK"] = "false"
    done = processes.run(REPLACE, [{"number": application.number, "who": w} for w in "ab"])
    assert done == [10, 10]
    document = ApplicationDocument.objects.get(application=application, kind="identity_document")
    media = Path(processes.env["BEKITU_VAR_DIR"]) / "media"
    files = sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())
    assert files == [document.file.name]
