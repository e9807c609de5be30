"""Transports behind one port (`base.Transport`): `db://` (the default, a queue table),
`amqp://` (RabbitMQ through kombu) and `memory://` (one process, for tests)."""

from __future__ import annotations

import threading

from django.conf import settings

from bekitu.gateway.transports.base import Delivery, Outgoing, Transport, TransportError

__all__ = ["Delivery", "Outgoing", "Transport", "TransportError", "get_transport", "transport_for"]

_local = threading.local()
_shared_memory: dict[str, Transport] = {}


def transport_for(url: str, *, prefix: str | None = None) -> Transport:
    """A new transport for a URL: db://, amqp://user:password@host:port/vhost, memory://."""
    scheme = url.split("://", 1)[0]
    if scheme == "db":
        from bekitu.gateway.transports.database import DatabaseTransport

        return DatabaseTransport()
    if scheme in {"amqp", "pyamqp", "amqps"}:
        from bekitu.gateway.transports.rabbitmq import RabbitTransport

        return RabbitTransport(url, prefix=prefix or settings.GATEWAY_AMQP_PREFIX)
    if scheme == "memory":
        from bekitu.gateway.transports.memory import MemoryTransport

        # One per process, so that the sender and the receiver in it see the same queues.
        return _shared_memory.setdefault(url, MemoryTransport())
    raise ValueError(f"unknown gateway transport {scheme!r}: use db://, amqp:// or memory://")


def get_transport() -> Transport:
    """The configured transport (BEKITU_GATEWAY_TRANSPORT), one per thread: a broker
    connection is not shared between threads."""
    key = (settings.GATEWAY_TRANSPORT, settings.GATEWAY_AMQP_PREFIX)
    cached = getattr(_local, "transports", None)
    if cached is None:
        cached = _local.transports = {}
    if key not in cached:
        cached[key] = transport_for(key[0], prefix=key[1])
    return cached[key]
