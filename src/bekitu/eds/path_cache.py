"""Validated CA paths, kept between requests: a signer of a known CA costs one signature check.

Full path validation (RFC 5280 in pyhanko-certvalidator, in pure Python) was two thirds of a
verification, and all of it but the signer's own step is the same for every signer of one CA.
So after a full validation succeeds, the CA part of its path (root ... issuing CA) is kept,
and the next signer of that CA is checked here for what RFC 5280 still asks of the last
certificate of a path whose CA part is valid: the issuer's name, the issuer's key verifies its
signature (SHA-2 with RSA of 2048 bits or more), its validity at the moment, and no critical
extension that certvalidator does not process.

Why an entry is safe to use:
- It is found by the signer's issuer name and then proves itself: the signer's certificate
  must verify with that exact CA certificate's key (an entry is that certificate, by SHA-256).
- It holds only for the trust store, the set of CRLs (each by SHA-256) and the crypto
  backend it was validated with: when any changes, every entry is dropped.
- It holds only from the moment it was validated for until the first of: a CA's notAfter,
  the nextUpdate of any CRL that was current then (so the CRLs that count stay the same), and
  MAX_AGE. Within that span nothing the CA part's validation looked at can change.
- It is kept only when nothing makes the CA part depend on the signer or on the moment
  beyond that: no name constraints, policy constraints, policy mappings or inhibitAnyPolicy
  in the path, and no CRL that lists a CA of the path at any date.
- It only ever shortens the way to "the path is valid". Anything it does not decide (another
  CA, an expired signer, another algorithm, a critical extension) goes to the full
  validation, which names the refusal; the signer's own revocation is checked on every
  request by the caller.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import SignatureAlgorithmOID
from pyhanko_certvalidator.authority import CertTrustAnchor, TrustQualifiers
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.validate import SUPPORTED_EXTENSIONS

from bekitu.eds.backends.base import CryptoBackend
from bekitu.eds.refusal import Refused
from bekitu.eds.revocation import LoadedCrl
from bekitu.eds.trust import TrustStore, ValidatedChain, chain_of, check_path, run_sync

log = logging.getLogger("bekitu.eds")

MAX_ENTRIES = 64  # CA certificates that issue signers' keys: the NCA has a handful
# A cached CA path is validated afresh at least this often, whatever else holds.
MAX_AGE = dt.timedelta(minutes=15)
MIN_RSA_BITS = 2048
_RSA_SHA2 = frozenset(
    {
        SignatureAlgorithmOID.RSA_WITH_SHA256,
        SignatureAlgorithmOID.RSA_WITH_SHA384,
        SignatureAlgorithmOID.RSA_WITH_SHA512,
    }
)

# The extensions certvalidator processes (a critical one of any other kind fails the path),
# by OID; policy constraints would make the path's policy processing depend on the leaf.
_PROCESSED = frozenset(
    {oid for oid, name in asn1_x509.ExtensionId._map.items() if name in SUPPORTED_EXTENSIONS}
    | {name for name in SUPPORTED_EXTENSIONS if name[:1].isdigit()}
)
_POLICY_CONSTRAINTS = "2.5.29.36"

Token = tuple[object, ...]


@dataclass(frozen=True)
class CaPath:
    """The validated CA part of a path, and the span of moments it holds for."""

    path: ValidationPath  # trust anchor and intermediates; its last certificate issues leaves
    issuer: asn1_x509.Certificate
    issuer_subject: bytes  # DER
    issuer_fingerprint: bytes  # SHA-256 of the issuer's certificate
    issuer_key: rsa.RSAPublicKey
    valid_from: dt.datetime
    valid_until: dt.datetime

    def holds_at(self, moment: dt.datetime) -> bool:
        """Whether the validation this entry records answers for `moment` too."""
        return self.valid_from <= moment <= self.valid_until


class PathCache:
    """CA paths by their issuing certificate's SHA-256, least recently used first out."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._max = max_entries
        self._token: Token | None = None
        self._entries: OrderedDict[bytes, CaPath] = OrderedDict()

    def candidates(self, token: Token, issuer_subject: bytes) -> list[CaPath]:
        """The entries of CAs named `issuer_subject`, for exactly this configuration."""
        with self._lock:
            if token != self._token:
                return []
            found = [e for e in self._entries.values() if e.issuer_subject == issuer_subject]
            for entry in found:
                self._entries.move_to_end(entry.issuer_fingerprint)
            return found

    def remember(self, token: Token, entry: CaPath) -> None:
        """Keep `entry`; a new configuration drops every older entry first."""
        with self._lock:
            if token != self._token:
                self._entries.clear()
                self._token = token
            self._entries[entry.issuer_fingerprint] = entry
            self._entries.move_to_end(entry.issuer_fingerprint)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def entries(self) -> list[CaPath]:
        """The cached paths, least recently used first."""
        with self._lock:
            return list(self._entries.values())

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._token = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


CACHE = PathCache()


def configuration_token(
    store: TrustStore, loaded: Iterable[LoadedCrl], backend: CryptoBackend | None
) -> Token:
    """What a cached CA path was validated with: the trust store's and the CRLs' bytes (by
    SHA-256) and the crypto backend."""
    return (store.token, tuple(sorted(c.digest for c in loaded)), id(backend))


def _leaf_step(entry: CaPath, leaf: x509.Certificate, moment: dt.datetime) -> bool:
    """RFC 5280 6.1.3 and 6.1.5 for the last certificate, under an entry's conditions."""
    if leaf.signature_algorithm_oid not in _RSA_SHA2 or leaf.signature_hash_algorithm is None:
        return False
    try:
        entry.issuer_key.verify(
            leaf.signature,
            leaf.tbs_certificate_bytes,
            padding.PKCS1v15(),
            leaf.signature_hash_algorithm,
        )
    except InvalidSignature:
        return False
    if not leaf.not_valid_before_utc <= moment <= leaf.not_valid_after_utc:
        return False
    for extension in leaf.extensions:
        oid = extension.oid.dotted_string
        if oid == _POLICY_CONSTRAINTS or (extension.critical and oid not in _PROCESSED):
            return False
    return True


def _from_cache(
    token: Token, leaf: x509.Certificate, leaf_der: bytes, moment: dt.datetime
) -> ValidatedChain | None:
    # Names as encoded (re-encoded alike by one library): equal bytes are the same name under
    # any comparison rule; anything else goes to the full validation.
    try:
        issuer_subject = leaf.issuer.public_bytes()
        candidates = CACHE.candidates(token, issuer_subject)
        entry = next(
            (e for e in candidates if e.holds_at(moment) and _leaf_step(e, leaf, moment)), None
        )
    except Exception:  # anything odd about the certificate: the full validation decides
        log.warning("eds.path_cache.unexpected", exc_info=True)
        return None
    if entry is not None:
        return ValidatedChain(
            leaf_der=leaf_der,
            serial=leaf.serial_number,
            issuer=entry.issuer,
            issuer_fingerprint=entry.issuer_fingerprint,
            path=entry.path.copy_and_append,
        )
    return None


def _constrains_leaves(cert: asn1_x509.Certificate) -> bool:
    """An extension that makes a CA's validation depend on what it issues."""
    return (
        cert.name_constraints_value is not None
        or cert.policy_constraints_value is not None
        or cert.policy_mappings_value is not None
        or cert.inhibit_any_policy_value is not None
    )


def _listed(serial: int, loaded: Iterable[LoadedCrl]) -> bool:
    return any(c.crl.get_revoked_certificate_by_serial_number(serial) for c in loaded)


def _entry(
    path: ValidationPath,
    moment: dt.datetime,
    loaded: list[LoadedCrl],
    current: list[LoadedCrl],
) -> CaPath | None:
    """The CA part of a validated path as a cache entry, or None when it may not be kept."""
    anchor = path.trust_anchor
    if not isinstance(anchor, CertTrustAnchor) or anchor.trust_qualifiers != TrustQualifiers():
        return None
    ca_path = ValidationPath(anchor, interm=[], leaf=None)
    for cert in list(path.iter_certs(include_root=False))[:-1]:
        ca_path = ca_path.copy_and_append(cert)
    cas = list(ca_path.iter_certs(include_root=True))
    if any(_constrains_leaves(c) or _listed(c.serial_number, loaded) for c in cas):
        return None
    issuer = cas[-1]
    issuer_c = x509.load_der_x509_certificate(issuer.dump())
    key = issuer_c.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        return None
    ends = [c["tbs_certificate"]["validity"]["not_after"].native for c in cas]
    ends += [c.crl.next_update_utc for c in current if c.crl.next_update_utc is not None]
    until = min([*ends, moment + MAX_AGE])
    if until < moment:
        return None
    return CaPath(
        path=ca_path,
        issuer=issuer,
        issuer_subject=issuer_c.subject.public_bytes(),
        issuer_fingerprint=hashlib.sha256(issuer.dump()).digest(),
        issuer_key=key,
        valid_from=moment,
        valid_until=until,
    )


@dataclass(frozen=True)
class PathInput:
    """What validating a signer's path needs: the configuration and the moment."""

    store: TrustStore
    loaded: list[LoadedCrl]  # every CRL read, current or not
    current: list[LoadedCrl]  # those that count at the moment
    backend: CryptoBackend | None
    moment: dt.datetime


def _refuse_listed_cas(path: ValidationPath, current: list[LoadedCrl], moment: dt.datetime) -> None:
    """`Refused` if a current CRL of its issuer lists a CA of the path as revoked at the moment.

    certvalidator checks a CA's revocation only when its certificate names where to (a CRL
    distribution point): a CRL on disk that lists a CA naming none would go unread.
    """
    cas = list(path.iter_certs(include_root=True))[:-1]  # root ... the signer's issuer
    for issuer, ca in itertools.pairwise(cas):
        fingerprint = hashlib.sha256(issuer.dump()).digest()
        for loaded in current:
            if loaded.issuer_fingerprint != fingerprint:
                continue
            entry = loaded.crl.get_revoked_certificate_by_serial_number(ca.serial_number)
            if entry is not None and entry.revocation_date_utc <= moment:
                raise Refused("revoked", "a CA certificate in the path is revoked")


def validated_chain(leaf: x509.Certificate, leaf_der: bytes, inp: PathInput) -> ValidatedChain:
    """The signer's validated path, from a cached CA path when one answers, else validated in
    full (and its CA part kept). Raises `Refused` with the first failing check's reason."""
    token = configuration_token(inp.store, inp.loaded, inp.backend)
    found = _from_cache(token, leaf, leaf_der, inp.moment)
    if found is not None:
        return found
    leaf_asn1 = asn1_x509.Certificate.load(leaf_der)
    crls = [c.asn1 for c in inp.current]
    path = run_sync(
        check_path(leaf_asn1, inp.store, moment=inp.moment, backend=inp.backend, crls=crls)
    )
    _refuse_listed_cas(path, inp.current, inp.moment)
    try:
        entry = _entry(path, inp.moment, inp.loaded, inp.current)
    except Exception:  # not kept, then; the path itself is valid
        log.warning("eds.path_cache.unexpected", exc_info=True)
        entry = None
    if entry is not None:
        CACHE.remember(token, entry)
    return chain_of(path)
