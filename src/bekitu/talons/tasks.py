"""Background work of the talons (Celery): the talon's PDF, made after the decision commits."""

from __future__ import annotations

from celery import shared_task

from bekitu.talons.services import talon_pdf_make as make


@shared_task(name="talons.tasks.talon_pdf_make", ignore_result=True)
def talon_pdf_make(talon_id: int) -> int:
    """Render, attach the signed XML to and sign the PDF of a talon; returns its size."""
    return len(make(talon_id=talon_id))
