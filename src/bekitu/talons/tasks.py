"""Background work of the talons (Celery): the talon's PDF, made after the decision commits."""

from __future__ import annotations

from celery import shared_task

from bekitu.talons.services import talon_pdf_make as make
from bekitu.talons.services import talons_pdf_missing_make, talons_sign_pending


@shared_task(name="talons.tasks.talon_pdf_make", ignore_result=True)
def talon_pdf_make(talon_id: int) -> int:
    """Render, attach the signed XML to and sign the PDF of a talon; returns its size."""
    return len(make(talon_id=talon_id))


@shared_task(name="talons.tasks.sign_pending", ignore_result=True)
def sign_pending() -> int:
    """Sign the talons issued while their provider's key was unavailable; returns how many."""
    return talons_sign_pending()[0]


@shared_task(name="talons.tasks.pdf_missing", ignore_result=True)
def pdf_missing() -> int:
    """Make the talons' PDFs whose job the worker lost; returns how many (R9.12)."""
    return talons_pdf_missing_make()
