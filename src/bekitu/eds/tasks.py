"""Background work of the EDS app: refresh the CRLs before they go stale.

The beat schedule entry `eds-refresh-crl` runs `eds.refresh_crl` every
`BEKITU_EDS_CRL_REFRESH_MINUTES`; without it, once the CRLs' nextUpdate passes, every request
is refused with `revocation_unknown` unless an OCSP responder answers.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from bekitu.celery import app
from bekitu.eds.backends.registry import get_backend
from bekitu.eds.crl_refresh import RefreshOutcome, crl_addresses, refresh_crls
from bekitu.eds.trust import load_trust_store

log = logging.getLogger("bekitu.eds")

TASK_NAME = "eds.refresh_crl"
SCHEDULE_ENTRY = "eds-refresh-crl"


def refresh_crls_now(*, extra_urls: list[str] | None = None) -> list[RefreshOutcome]:
    """Download the trust store's CRLs (and the configured ones) into EDS_CRL_DIR."""
    store = load_trust_store(settings.EDS_TRUST_DIR)
    configured = list(settings.EDS_CRL_URLS) + list(extra_urls or [])
    return refresh_crls(
        directory=settings.EDS_CRL_DIR,
        store=store,
        urls=crl_addresses(store, configured),
        backend=get_backend(),
        now=timezone.now(),
        timeout=float(settings.EDS_HTTP_TIMEOUT),
        max_bytes=settings.EDS_CRL_MAX_BYTES,
    )


@app.task(name=TASK_NAME, ignore_result=True)
def refresh_crl() -> dict[str, int]:
    """The periodic task: refresh every CRL; count the successes and failures."""
    outcomes = refresh_crls_now()
    counts = {"ok": sum(o.ok for o in outcomes), "failed": sum(not o.ok for o in outcomes)}
    log.info("eds.crl.refresh_done", extra={"fields": counts})
    return counts


app.add_periodic_task(
    timedelta(minutes=settings.EDS_CRL_REFRESH_MINUTES), refresh_crl.s(), name=SCHEDULE_ENTRY
)
