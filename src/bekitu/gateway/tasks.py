"""The gateway's background work (Celery): relay, receive, retry; and their beat schedule.

`message_send` asks for `gateway.relay` after its transaction commits (BEKITU_GATEWAY_KICK),
`message_call` for `gateway.receive`; the beat runs all three every BEKITU_GATEWAY_POLL_SECONDS
in case a request was lost. For the lowest latency run `bekitu gateway run` beside the worker.
Once a day the beat deletes what the gateway is done with beyond its retention (`gateway.purge`).
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings

from bekitu.celery import app
from bekitu.gateway.inbox import inbox_receive, inbox_retry_due
from bekitu.gateway.outbox import outbox_relay
from bekitu.gateway.retention import DAY, gateway_purge
from bekitu.gateway.selectors import local_route_ids
from bekitu.gateway.transports import get_transport


@app.task(name="gateway.relay", ignore_result=True)
def relay() -> dict[str, int]:
    """Deliver what is due in the outbox; then receive, if this installation is a receiver."""
    report = outbox_relay()
    if report.sent and local_route_ids():
        receive.apply_async()
    return asdict(report)


@app.task(name="gateway.receive", ignore_result=True)
def receive() -> dict[str, int]:
    """Receive what has arrived on the local routes (without waiting), then let go of the
    connection, so that nothing stays prefetched in an idle worker."""
    transport = get_transport()
    try:
        return asdict(inbox_receive(transport=transport))
    finally:
        transport.close()


@app.task(name="gateway.retry", ignore_result=True)
def retry() -> dict[str, int]:
    """Run the handlers of incoming messages whose retry is due."""
    return asdict(inbox_retry_due())


@app.task(name="gateway.purge", ignore_result=True)
def purge() -> dict[str, int] | None:
    """Delete the messages done with and older than BEKITU_GATEWAY_RETENTION_DAYS."""
    report = gateway_purge()
    return None if report is None else {k: v for k, v in asdict(report).items() if k != "cutoff"}


app.add_periodic_task(float(DAY), purge.s(), name="gateway-purge")
for _task in (relay, receive, retry):
    app.add_periodic_task(
        float(settings.GATEWAY_POLL_SECONDS), _task.s(), name=f"gateway-{_task.name[8:]}"
    )
