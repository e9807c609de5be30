"""The Celery application: background work (SLA monitoring, gateway delivery, CRL refresh)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bekitu.settings")

app = Celery("bekitu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
