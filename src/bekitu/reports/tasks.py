"""Background work of the reports (Celery): make an export, delete old ones."""

from __future__ import annotations

from celery import shared_task

from bekitu.reports.services import report_run_execute, report_runs_purge


@shared_task(name="reports.tasks.export_run", ignore_result=True)
def export_run(run_id: str) -> str:
    """Make the export of a run (by id) and return its status."""
    return report_run_execute(run_id=run_id).status


@shared_task(name="reports.tasks.purge", ignore_result=True)
def purge() -> int:
    """Delete exports past their keeping time (hourly)."""
    return report_runs_purge()
