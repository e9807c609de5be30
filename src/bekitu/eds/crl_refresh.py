"""Refreshing the CRLs: `bekitu eds refresh-crl` and the periodic task.

The addresses are the CRL distribution points of the trust-store certificates and the configured
ones, each fetched without following a redirect and no larger than `BEKITU_EDS_CRL_MAX_BYTES`
(`fetch`). A downloaded CRL is kept only if a trust-store CA vouches for it (its key verifies
it, it may sign CRLs, it was valid at the CRL's thisUpdate) and its nextUpdate is not past;
it then replaces its file in `EDS_CRL_DIR` atomically (temporary file and rename), so that a
verification running at the same time reads the old CRL or the new one, never half.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from bekitu.eds.backends.base import CryptoBackend
from bekitu.eds.fetch import FetchError, fetch_capped
from bekitu.eds.revocation import checked_crl_signer, read_crl
from bekitu.eds.trust import TrustStore

log = logging.getLogger("bekitu.eds")

DEFAULT_MAX_BYTES = 20_000_000  # BEKITU_EDS_CRL_MAX_BYTES


@dataclass(frozen=True)
class RefreshOutcome:
    """What happened to one CRL address."""

    url: str
    ok: bool
    file: str
    detail: str

    def as_json(self) -> dict[str, object]:
        """The shape the command prints."""
        return {"url": self.url, "ok": self.ok, "file": self.file, "detail": self.detail}


def distribution_points(cert: x509.Certificate) -> list[str]:
    """The http(s) CRL addresses in a certificate's CRL distribution points."""
    try:
        cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return [
        str(name.value)
        for point in cdp
        for name in point.full_name or ()
        if isinstance(name, x509.UniformResourceIdentifier)
        and str(name.value).lower().startswith(("http://", "https://"))
    ]


def crl_addresses(store: TrustStore, configured: list[str]) -> list[str]:
    """The trust-store certificates' distribution points, then the configured ones, once each."""
    found = [url for cert in store.certificates for url in distribution_points(cert)]
    return list(dict.fromkeys(found + configured))


def crl_file_name(url: str) -> str:
    """A stable file name for a CRL address: its last path segment and a short hash."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(url.encode())
    stem = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".crl")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:40] or "crl"
    return f"{safe}-{digest.finalize().hex()[:8]}.crl"


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def download_crl(
    url: str,
    *,
    store: TrustStore,
    backend: CryptoBackend | None,
    now: datetime,
    timeout: float,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> x509.CertificateRevocationList:
    """Fetch a CRL (no redirect, at most `max_bytes`) and accept it only if a trust-store CA
    vouches for it (`checked_crl_signer`) and it is current."""
    crl = read_crl(fetch_capped("GET", url, timeout=timeout, max_bytes=max_bytes))
    checked_crl_signer(crl, store, backend)
    next_update = crl.next_update_utc
    if next_update is None or next_update < now:
        raise ValueError("the CRL's nextUpdate is past")
    return crl


def refresh_crls(
    *,
    directory: Path,
    store: TrustStore,
    urls: list[str],
    backend: CryptoBackend | None,
    now: datetime,
    timeout: float,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[RefreshOutcome]:
    """Download each CRL, check it, and replace its file in `directory` atomically."""
    outcomes = []
    for url in urls:
        name = crl_file_name(url)
        try:
            crl = download_crl(
                url, store=store, backend=backend, now=now, timeout=timeout, max_bytes=max_bytes
            )
        except (FetchError, ValueError) as exc:
            outcomes.append(RefreshOutcome(url, False, name, str(exc) or exc.__class__.__name__))
            log.warning("eds.crl.refresh_failed", extra={"fields": {"url": url}})
            continue
        write_atomically(directory / name, crl.public_bytes(Encoding.DER))
        outcomes.append(RefreshOutcome(url, True, name, f"nextUpdate {crl.next_update_utc}"))
        log.info("eds.crl.refreshed", extra={"fields": {"url": url, "file": name}})
    return outcomes
