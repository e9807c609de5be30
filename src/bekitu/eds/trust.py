"""The trust store, and the certificate path from a signer to a configured root.

Roots and intermediates come from `EDS_TRUST_DIR` (`*.pem`, `*.crt`, `*.cer`, `*.der`; PEM files
may hold several certificates): a self-issued certificate is a root, any other an
intermediate. The path is built by pyhanko-certvalidator from these alone, never from
certificates a request carries. The store is re-read when a file in the folder changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

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


@dataclass(frozen=True)
class TrustStore:
    """The configured roots and intermediates."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]
    asn1_roots: tuple[asn1_x509.Certificate, ...] = field(repr=False, default=())
    asn1_intermediates: tuple[asn1_x509.Certificate, ...] = field(repr=False, default=())

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
    )


def read_certificates(path: Path) -> list[x509.Certificate]:
    """The certificates in one file, PEM (one or more) or DER."""
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def folder_state(directory: Path, suffixes: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """Names, modification times and sizes of the matching files: changes when they do."""
    if not directory.is_dir():
        return ()
    entries = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() in suffixes and path.is_file():
            stat = path.stat()
            entries.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def _load(directory: Path) -> TrustStore:
    certs: list[x509.Certificate] = []
    for name, _, _ in folder_state(directory, CERT_SUFFIXES):
        try:
            certs.extend(read_certificates(directory / name))
        except (ValueError, OSError):
            log.warning("eds.trust.unreadable", extra={"fields": {"file": name}})
    return build_store(certs)


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[tuple[str, int, int], ...], TrustStore]] = {}


def load_trust_store(directory: Path) -> TrustStore:
    """The trust store in `directory`, re-read only when its files change."""
    state = folder_state(directory, CERT_SUFFIXES)
    key = str(directory)
    with _lock:
        cached = _cache.get(key)
        if cached is None or cached[0] != state:
            cached = (state, _load(directory))
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
) -> ValidationContext:
    """A context with the store's roots and intermediates only, and no fetching."""
    return ValidationContext(
        trust_roots=list(store.asn1_roots),
        other_certs=list(store.asn1_intermediates),
        crls=list(crls),
        ocsps=list(ocsps),
        moment=moment,
        allow_fetching=False,
        revinfo_policy=REVOCATION_POLICY,
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
