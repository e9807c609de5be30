"""Bekitu. The Celery application is loaded with Django, so a task queued by the web process
(`.delay()`) goes through the project's broker, not Celery's default one."""

from bekitu.celery import app as celery_app

__all__ = ["celery_app"]
