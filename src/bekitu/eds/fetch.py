"""Downloads of revocation information (CRLs, OCSP answers): one address, no redirects, and a
body no larger than a cap, counted while it streams in.

A redirect is a failure, not followed: the addresses come from the trust store's certificates
and the settings, and a CRL or OCSP address that moved is a change the operator should make
(`BEKITU_EDS_CRL_URLS`, `BEKITU_EDS_OCSP_URL`), not one a server may make for us, perhaps to a
host inside our own network. The cap (`BEKITU_EDS_CRL_MAX_BYTES`, `BEKITU_EDS_OCSP_MAX_BYTES`)
keeps a server that sends without end from filling the worker's memory: the body is read in
chunks and the connection dropped at the first byte past it. The timeout,
`BEKITU_EDS_HTTP_TIMEOUT`, bounds the connection and each read (`requests`'), and the whole
download too (DOWNLOAD_TIMEOUTS of it): a server that sends a byte at a time cannot hold the
worker beyond it.
"""

from __future__ import annotations

import time

import requests
import urllib3

CHUNK_BYTES = 64 * 1024
# The whole download may take this many times the timeout (a CRL of megabytes over a slow
# link takes longer than one read may wait), and no longer.
DOWNLOAD_TIMEOUTS = 10


class FetchError(Exception):
    """The address gave no usable body: unreachable, not 200, a redirect, or too large."""


def fetch_capped(
    method: str,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """The body of a 200 answer of at most `max_bytes`; `FetchError` otherwise."""
    # identity: a compressed body would be inflated past the cap before it could be counted
    sent = {"Accept-Encoding": "identity", **(headers or {})}
    try:
        reply = requests.request(
            method,
            url,
            data=data,
            headers=sent,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        )
    except requests.RequestException as exc:
        raise FetchError(f"cannot reach {url}: {exc.__class__.__name__}") from exc
    with reply:
        if reply.is_redirect or reply.is_permanent_redirect:
            raise FetchError(f"{url} answered a redirect (HTTP {reply.status_code}), not followed")
        if reply.status_code != 200:
            raise FetchError(f"{url} answered HTTP {reply.status_code}")
        return _read_capped(
            reply, url, max_bytes, deadline=time.monotonic() + timeout * DOWNLOAD_TIMEOUTS
        )


def _read_capped(reply: requests.Response, url: str, max_bytes: int, *, deadline: float) -> bytes:
    declared = reply.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url} announced {declared} bytes, more than {max_bytes}")
    body = bytearray()
    try:
        # At most one read of the socket at a time (`read1`), so that the size and the time
        # are looked at between any two: a server that trickles cannot hold a read open.
        while chunk := reply.raw.read1(CHUNK_BYTES, decode_content=False):
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(f"{url} sent more than {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise FetchError(f"{url} took longer than a download may take")
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchError(f"{url} broke off: {exc.__class__.__name__}") from exc
    return bytes(body)
