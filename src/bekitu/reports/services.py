"""Writes of the reports: an export asked for by a reader, made by the background worker,
downloaded, and deleted after BEKITU_REPORTS_KEEP_HOURS. Audited like every read of the
register: who asked for which report of which providers, and who downloaded it."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bekitu.core.audit import audit_context, audit_record
from bekitu.reports.catalog import KINDS, make_report
from bekitu.reports.exports import write_csv, write_xlsx
from bekitu.reports.models import ReportRun
from bekitu.reports.scope import ReportScope

log = logging.getLogger("bekitu.reports")

# The table a CSV export holds when the reader names none (a CSV file holds one table).
MAIN_TABLE = {
    "attached-population": "cells",
    "movement": "months",
    "service": "steps",
    "district-load": "districts",
}


def audit_report_read(*, kind: str, params: dict[str, Any], scope: ReportScope) -> None:
    """The audit row of reading a report (page, API or command)."""
    audit_record(
        action="reports.report.read",
        object_type="reports.report",
        object_id=kind,
        data={
            "params": params,
            "regional": scope.regional,
            "providers": sorted(scope.provider_ids)[:200],
        },
    )


def run_path(run: ReportRun) -> Path:
    return Path(settings.REPORTS_DIR) / run.file_name


@transaction.atomic
def report_run_create(
    *, kind: str, fmt: str, params: dict[str, str], scope: ReportScope, user: Any
) -> ReportRun:
    """Queue an export of a report for the background worker; it starts after commit."""
    from bekitu.reports.tasks import export_run  # the task module imports this one

    if kind not in KINDS or fmt not in ReportRun.Format.values:
        raise ValueError(f"unknown report or format: {kind}.{fmt}")
    run = ReportRun.objects.create(
        kind=kind,
        format=fmt,
        params=params,
        provider_ids=sorted(scope.provider_ids),
        regional=scope.regional,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        requested_by=user,
        actor=scope.actor,
    )
    audit_record(
        action="reports.export.request",
        object_type="reports.run",
        object_id=str(run.pk),
        data={"kind": kind, "format": fmt, "params": params, "regional": scope.regional},
    )
    run_id = str(run.pk)
    transaction.on_commit(lambda: export_run.delay(run_id))
    return run


def _update(run: ReportRun, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    ReportRun.objects.filter(pk=run.pk).update(**fields)


def report_run_execute(*, run_id: str) -> ReportRun:
    """Make the export: count the report for the scope kept on the run, in the reader's
    language, write the file, mark it ready (or failed, saying so). A run that is not
    queued is left alone, so a message delivered twice makes the file once."""
    claimed = ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.QUEUED).update(
        status=ReportRun.Status.RUNNING, progress=5
    )
    run = ReportRun.objects.get(pk=run_id)
    if not claimed:
        return run
    try:
        with translation.override(run.language), audit_context(actor=run.actor, channel="system"):
            _make(run)
    except Exception:
        log.exception("reports.export.failed", extra={"fields": {"run": run_id, "kind": run.kind}})
        with translation.override(run.language):
            _update(
                run,
                status=ReportRun.Status.FAILED,
                error=_("The report could not be made."),
                finished_at=timezone.now(),
            )
    return run


def _make(run: ReportRun) -> None:
    # A region-wide export holds aggregates only: no list that names applications.
    made = make_report(
        run.kind,
        run.params,
        frozenset(run.provider_ids),
        regional=run.regional,
        aggregates_only=run.regional,
    )
    _update(run, progress=60)
    folder = Path(settings.REPORTS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{run.pk}.{run.format}"
    path = folder / f".{name}.part"
    if run.format == ReportRun.Format.CSV:
        table = made.tables.table(run.params.get("table") or MAIN_TABLE[run.kind])
        with path.open("w", encoding="utf-8", newline="") as stream:
            write_csv(table, stream)
    else:
        write_xlsx(made.tables, str(path), about=_about(run, made.tables.title))
    path.chmod(0o600)
    path.replace(folder / name)  # the file appears whole or not at all
    _update(
        run,
        status=ReportRun.Status.DONE,
        progress=100,
        file_name=name,
        size=(folder / name).stat().st_size,
        finished_at=timezone.now(),
    )
    audit_record(
        action="reports.export.made",
        object_type="reports.run",
        object_id=str(run.pk),
        data={"kind": run.kind, "format": run.format, "size": run.size},
    )
    log.info("reports.export.made", extra={"fields": {"run": str(run.pk), "size": run.size}})


def _about(run: ReportRun, title: str) -> dict[str, str]:
    scope = _("region-wide, aggregates only") if run.regional else _("one provider")
    about = {
        _("Report"): title,
        _("Scope"): scope,
        _("Made at"): timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    about.update({k: str(v) for k, v in run.params.items()})
    return about


def report_run_downloaded(*, run: ReportRun) -> None:
    """Audit a download of an export."""
    audit_record(
        action="reports.export.download",
        object_type="reports.run",
        object_id=str(run.pk),
        data={"kind": run.kind, "format": run.format},
    )


def report_runs_purge(*, now: dt.datetime | None = None) -> int:
    """Delete exports older than BEKITU_REPORTS_KEEP_HOURS, files first; returns how many."""
    limit = (now or timezone.now()) - dt.timedelta(hours=settings.REPORTS_KEEP_HOURS)
    old = list(ReportRun.objects.filter(created_at__lt=limit))
    for run in old:
        if run.file_name:
            run_path(run).unlink(missing_ok=True)
    ReportRun.objects.filter(pk__in=[r.pk for r in old]).delete()
    return len(old)
