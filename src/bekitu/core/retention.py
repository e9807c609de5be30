"""Deleting what a retention rule says is no longer kept: a batch of rows per transaction, so
that a purge of months of messages holds no lock and no snapshot for long, and a purge that
stops half-way leaves whole batches deleted and the rest as they were."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

BATCH = 5_000


def delete_in_batches(rows: QuerySet, batch: int = BATCH) -> int:
    """Delete the rows (and what cascades from them) a batch per transaction; how many of
    the rows' own model went."""
    deleted = 0
    model = rows.model
    while ids := list(rows.order_by("pk").values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            deleted += model.objects.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)
    return deleted
