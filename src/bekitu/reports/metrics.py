"""The service's metrics for its operators' monitoring (Prometheus' text format, `GET /metrics`):
the gateway's messages still at work (a growing backlog or a parked message needs a person),
open applications by their term's flag and channel (R5.3, R9.13: how many are near or past
the working-day term), talons awaiting their e-signature (a provider's key unavailable).

Answered only to BEKITU_METRICS_NETWORKS (loopback and private networks by default, as the
admin is); elsewhere 404, as if there were nothing. Each scrape is a few grouped queries over
indexed columns, never a count of what is done with (that grows with the retention)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bekitu.core.security import address_in, client_ip
from bekitu.core.vocabulary import Channel
from bekitu.gateway.selectors import gateway_backlog
from bekitu.service.monitoring import open_by_term
from bekitu.talons.selectors import signature_pending_application_query

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SLA_FLAGS = ("on_time", "near", "breached")


def _family(name: str, help_text: str, samples: list[tuple[dict[str, str], int]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        text = ",".join(f'{k}="{v}"' for k, v in labels.items())
        lines.append(f"{name}{{{text}}} {value}" if text else f"{name} {value}")
    return lines


def metrics_text() -> str:
    """The metrics, every series present (zero included), so that an alert sees a rise."""
    backlog = gateway_backlog()
    outbox = [({"status": s}, backlog["outbox"].get(s, 0)) for s in ("pending", "sent", "parked")]
    inbox = [({"status": s}, backlog["inbox"].get(s, 0)) for s in ("retrying", "parked")]
    term = open_by_term()
    applications = [
        ({"sla": sla, "channel": channel}, term.get((sla, channel), 0))
        for sla in SLA_FLAGS
        for channel in Channel.values
    ]
    pending = signature_pending_application_query().count()
    lines = [
        *_family(
            "bekitu_gateway_outbox_messages",
            "Outgoing messages still at work: waiting, sent and not yet confirmed, parked.",
            outbox,
        ),
        *_family(
            "bekitu_gateway_inbox_messages",
            "Incoming messages whose handler waits for a retry, or parked for an operator.",
            inbox,
        ),
        *_family(
            "bekitu_applications_open",
            "Open applications by their term's flag (last SLA scan) and channel.",
            applications,
        ),
        *_family(
            "bekitu_talons_signature_pending",
            "Talons issued while the provider's key was unavailable, awaiting their e-signature.",
            [({}, pending)],
        ),
    ]
    return "\n".join(lines) + "\n"


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics, to BEKITU_METRICS_NETWORKS only."""
    if not address_in(client_ip(request), list(settings.METRICS_NETWORKS)):
        raise Http404
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE)
