"""The trust store, and the certificate path from a signer to a configured root.

Roots and intermediates come from `EDS_TRUST_DIR` (`*.pem`, `*.crt`, `*.cer`, `*.der`; PEM files
may hold several certificates): a self-issued certificate is a root, any other an
intermediate. The path is built by pyhanko-certvalidator from these alone, never from
certificates a request carries. The store is re-read when a file in the folder changes.

A path is checked in the order of REASONS: untrusted, then not yet valid or expired, and only
then revoked or of unknown status (`check_path`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from bekitu.eds.backends.base import CryptoBackend
from bekitu.eds.backends.registry import BackendAlgorithmPolicy, BackendSignatureValidator
from bekitu.eds.refusal import Refused

log = logging.getLogger("bekitu.eds")
T = TypeVar("T")

CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")

# The leaf's revocation is checked by `revocation.check_leaf` (CRL first, then OCSP with a
# nonce, and unknown is a refusal); intermediates are checked here in hard-fail mode. A CRL
# issued after the moment of checking still tells whether the certificate was revoked then.
REVOCATION_POLICY = CertRevTrustPolicy(
    RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.NO_CHECK,
        intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
    ),
    retroactive_revinfo=True,
)
# The same path with no revocation checked at all: what it would be refused for before
# revocation is looked at (see `check_path`).
NO_REVOCATION_POLICY = CertRevTrustPolicy(
    RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.NO_CHECK,
        intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
    ),
)


@dataclass(frozen=True)
class TrustStore:
    """The configured roots and intermediates."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]
    asn1_roots: tuple[asn1_x509.Certificate, ...] = field(repr=False, default=())
    asn1_intermediates: tuple[asn1_x509.Certificate, ...] = field(repr=False, default=())
    # SHA-256 of every certificate, sorted: equal exactly when the stores hold the same bytes.
    token: tuple[bytes, ...] = field(repr=False, default=())

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        """Every CA certificate in the store, roots first."""
        return self.roots + self.intermediates

    def issued_to(self, name: x509.Name) -> list[x509.Certificate]:
        """The store's certificates whose subject is `name` (the candidates for an issuer)."""
        return [cert for cert in self.certificates if cert.subject == name]


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def build_store(certificates: Iterable[x509.Certificate]) -> TrustStore:
    """Split certificates into roots (self-issued) and intermediates, without duplicates."""
    unique = {cert.fingerprint(hashes.SHA256()): cert for cert in certificates}
    certs = list(unique.values())
    roots = tuple(c for c in certs if c.subject == c.issuer)
    inter = tuple(c for c in certs if c.subject != c.issuer)
    return TrustStore(
        roots,
        inter,
        tuple(_to_asn1(c) for c in roots),
        tuple(_to_asn1(c) for c in inter),
        tuple(sorted(unique)),
    )


def read_certificates(path: Path) -> list[x509.Certificate]:
    """The certificates in one file, PEM (one or more) or DER."""
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


# A file rewritten within one tick of the file system's clock keeps its modification time
# and may keep its size; while a file is younger than this, its content's hash stands in its
# state too, so that such a rewrite is still seen at once (git's "racily clean" entries).
RACY_SECONDS = 2.0

FolderState = tuple[tuple[str, int, int, int, bytes], ...]


def _racy_digest(path: str, mtime: float, now: float) -> bytes:
    if now - mtime >= RACY_SECONDS:
        return b""
    try:
        with open(path, "rb") as file:
            return hashlib.sha256(file.read()).digest()
    except OSError:
        return b"unreadable"  # gone meanwhile: the next look sees it gone


def folder_state(directory: Path, suffixes: tuple[str, ...]) -> FolderState:
    """Name, inode, modification time and size of each matching file (and the content's hash
    of a file changed in the last seconds): different whenever a file was replaced or
    rewritten. Looked at on every verification, so kept to one directory listing."""
    try:
        listing = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return ()
    now = time.time()
    entries = []
    for entry in sorted(listing, key=lambda e: e.name):
        if os.path.splitext(entry.name)[1].lower() in suffixes and entry.is_file():
            stat = entry.stat()
            digest = _racy_digest(entry.path, stat.st_mtime, now)
            entries.append((entry.name, stat.st_ino, stat.st_mtime_ns, stat.st_size, digest))
    return tuple(entries)


def _load(directory: Path, state: FolderState) -> TrustStore:
    certs: list[x509.Certificate] = []
    for name, *_ in state:
        try:
            certs.extend(read_certificates(directory / name))
        except (ValueError, OSError):
            log.warning("eds.trust.unreadable", extra={"fields": {"file": name}})
    return build_store(certs)


_lock = threading.Lock()
_cache: dict[str, tuple[FolderState, TrustStore]] = {}


def load_trust_store(directory: Path) -> TrustStore:
    """The trust store in `directory`, re-read only when its files change."""
    state = folder_state(directory, CERT_SUFFIXES)
    key = str(directory)
    with _lock:
        cached = _cache.get(key)
        if cached is None or cached[0] != state:
            cached = (state, _load(directory, state))
            _cache[key] = cached
            log.info("eds.trust.loaded", extra={"fields": {"certificates": len(state)}})
        return cached[1]


def validation_context(
    store: TrustStore,
    *,
    moment: datetime,
    backend: CryptoBackend | None,
    crls: Iterable[asn1_crl.CertificateList] = (),
    ocsps: Iterable[asn1_ocsp.OCSPResponse] = (),
    revocation: CertRevTrustPolicy = REVOCATION_POLICY,
) -> ValidationContext:
    """A context with the store's roots and intermediates only, and no fetching."""
    return ValidationContext(
        trust_roots=list(store.asn1_roots),
        other_certs=list(store.asn1_intermediates),
        crls=list(crls),
        ocsps=list(ocsps),
        moment=moment,
        allow_fetching=False,
        revinfo_policy=revocation,
        algorithm_usage_policy=BackendAlgorithmPolicy(backend),
        signature_validator=BackendSignatureValidator(backend),
    )


async def validate_path(leaf: asn1_x509.Certificate, context: ValidationContext) -> ValidationPath:
    """The validated path to a root, or `Refused` with the first failing check's reason."""
    try:
        return await CertificateValidator(leaf, validation_context=context).async_validate_path()
    except PathBuildingError as exc:
        raise Refused("untrusted_chain", "no path to a configured root") from exc
    except NotYetValidError as exc:
        raise Refused("not_yet_valid", "a certificate in the path is not yet valid") from exc
    except ExpiredError as exc:
        raise Refused("expired", "a certificate in the path has expired") from exc
    except RevokedError as exc:
        raise Refused("revoked", "a CA certificate in the path is revoked") from exc
    except InsufficientRevinfoError as exc:
        raise Refused("revocation_unknown", "no current CRL for a CA in the path") from exc
    except (PathValidationError, ValidationError) as exc:
        raise Refused("untrusted_chain", exc.__class__.__name__) from exc


async def check_path(
    leaf: asn1_x509.Certificate,
    store: TrustStore,
    *,
    moment: datetime,
    backend: CryptoBackend | None,
    crls: Iterable[asn1_crl.CertificateList] = (),
) -> ValidationPath:
    """`validate_path` with the CAs' revocation, refusing in the order of REASONS.

    certvalidator checks each certificate's revocation before it reaches the next one, so a
    leaf checked after it expired (when the CRLs about its CAs are stale too) would come out
    `revocation_unknown`. When revocation refuses, the path is checked again without any
    revocation: if it is untrusted, not yet valid or expired even so, that is the reason.
    """
    crl_list = list(crls)
    context = validation_context(store, moment=moment, backend=backend, crls=crl_list)
    try:
        return await validate_path(leaf, context)
    except Refused as refusal:
        if refusal.reason not in ("revoked", "revocation_unknown"):
            raise
        bare = validation_context(
            store, moment=moment, backend=backend, revocation=NO_REVOCATION_POLICY
        )
        await validate_path(leaf, bare)  # raises the earlier reason, if there is one
        raise


class ValidatedChain:
    """A signer's validated path and its issuer, whose CRL or OCSP answers for it. The
    path's certvalidator objects are made only when a check needs them."""

    def __init__(
        self,
        *,
        leaf_der: bytes,
        serial: int,
        issuer: asn1_x509.Certificate,
        issuer_fingerprint: bytes,
        path: Callable[[asn1_x509.Certificate], ValidationPath],
    ) -> None:
        self.leaf_der = leaf_der
        self.serial = serial
        self.issuer = issuer
        self.issuer_fingerprint = issuer_fingerprint  # SHA-256 of the issuer's certificate
        self._path = path

    @functools.cached_property
    def leaf(self) -> asn1_x509.Certificate:
        """The signer's certificate, as certvalidator reads it."""
        return asn1_x509.Certificate.load(self.leaf_der)

    @functools.cached_property
    def path(self) -> ValidationPath:
        """The whole validated path, ending with the signer's certificate."""
        return self._path(self.leaf)


def chain_of(path: ValidationPath) -> ValidatedChain:
    """The validated chain of a path whose last certificate is the signer's."""
    leaf = path.last
    issuer = path[path.pkix_len - 1]
    return ValidatedChain(
        leaf_der=leaf.dump(),
        serial=leaf.serial_number,
        issuer=issuer,
        issuer_fingerprint=hashlib.sha256(issuer.dump()).digest(),
        path=lambda _: path,
    )


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end, also when the caller is inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
