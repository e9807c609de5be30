"""Downloads of revocation information (CRLs, OCSP answers): one address, no redirects, and a
body no larger than a cap, counted while it streams in.

A redirect is a failure, not followed: the addresses come from the trust store's certificates
and the settings, and a CRL or OCSP address that moved is a change the operator should make
(`BEKITU_EDS_CRL_URLS`, `BEKITU_EDS_OCSP_URL`), not one a server may make for us, perhaps to a
host inside our own network. The cap (`BEKITU_EDS_CRL_MAX_BYTES`, `BEKITU_EDS_OCSP_MAX_BYTES`)
keeps a server that sends without end from filling the worker's memory: the body is read in
chunks and the connection dropped at the first byte past it. The timeout is `requests`' (to
connect, and between two reads), `BEKITU_EDS_HTTP_TIMEOUT`.
"""

from __future__ import annotations

import requests

CHUNK_BYTES = 64 * 1024


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
        return _read_capped(reply, url, max_bytes)


def _read_capped(reply: requests.Response, url: str, max_bytes: int) -> bytes:
    declared = reply.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url} announced {declared} bytes, more than {max_bytes}")
    body = bytearray()
    try:
        for chunk in reply.iter_content(CHUNK_BYTES):
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(f"{url} sent more than {max_bytes} bytes")
    except requests.RequestException as exc:
        raise FetchError(f"{url} broke off: {exc.__class__.__name__}") from exc
    return bytes(body)
