"""Certificate, CRL and key helpers of the test PKI (RSA-2048, SHA-256, the NCA profile)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    ObjectIdentifier,
)

OID_INDIVIDUAL = "1.2.398.3.3.4.1.1"
OID_ORGANIZATION = "1.2.398.3.3.4.1.2"
OID_ORG_HEAD = "1.2.398.3.3.4.1.2.1"
OID_ORG_SIGNER = "1.2.398.3.3.4.1.2.2"

KeySource = Callable[[str], rsa.RSAPrivateKey]
"""Gives the private key for a named slot ("root", "sign:<IIN>", ...)."""

_SIGN_USAGE = {"digital_signature": True, "content_commitment": True}
_AUTH_USAGE = {"digital_signature": True, "key_encipherment": True}
_OCSP_USAGE = {"digital_signature": True}


def fresh_key(slot: str) -> rsa.RSAPrivateKey:
    """A new RSA-2048 key, whatever the slot."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def cached_keys() -> KeySource:
    """A key source that makes one key per slot and gives it back on every later call, so
    that several test PKIs in one process cost the key generation once."""
    cache: dict[str, rsa.RSAPrivateKey] = {}

    def source(slot: str) -> rsa.RSAPrivateKey:
        if slot not in cache:
            cache[slot] = fresh_key(slot)
        return cache[slot]

    return source


_SHARED: list[KeySource] = []


def shared_keys() -> KeySource:
    """One cached key source for the whole process: tests that build several test PKIs
    generate each slot's key once."""
    if not _SHARED:
        _SHARED.append(cached_keys())
    return _SHARED[0]


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey


@dataclass(frozen=True)
class LeafProfile:
    """What a leaf certificate carries beside its subject."""

    not_before: dt.datetime
    not_after: dt.datetime
    usage: dict[str, bool]
    eku: tuple[ObjectIdentifier, ...]
    ocsp_nocheck: bool = False


def _validity(start: dt.datetime, days: int) -> tuple[dt.datetime, dt.datetime]:
    return start - dt.timedelta(hours=1), start + dt.timedelta(days=days)


def signing_profile(start: dt.datetime, *, days: int = 365) -> LeafProfile:
    """An individual's signing key (RSA in NCA's words): nonRepudiation, emailProtection."""
    nb, na = _validity(start, days)
    eku = (ExtendedKeyUsageOID.EMAIL_PROTECTION, ObjectIdentifier(OID_INDIVIDUAL))
    return LeafProfile(nb, na, _SIGN_USAGE, eku)


def auth_profile(start: dt.datetime, *, days: int = 365) -> LeafProfile:
    """An individual's authentication key (AUTH): keyEncipherment, clientAuth."""
    nb, na = _validity(start, days)
    eku = (ExtendedKeyUsageOID.CLIENT_AUTH, ObjectIdentifier(OID_INDIVIDUAL))
    return LeafProfile(nb, na, _AUTH_USAGE, eku)


def org_profile(start: dt.datetime, *, days: int = 365) -> LeafProfile:
    """An organization's signing key held by its head."""
    nb, na = _validity(start, days)
    eku = (
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        ObjectIdentifier(OID_ORGANIZATION),
        ObjectIdentifier(OID_ORG_HEAD),
    )
    return LeafProfile(nb, na, _SIGN_USAGE, eku)


def ocsp_profile(start: dt.datetime, *, days: int = 365) -> LeafProfile:
    """The OCSP responder's certificate: OCSPSigning, and id-pkix-ocsp-nocheck."""
    nb, na = _validity(start, days)
    return LeafProfile(nb, na, _OCSP_USAGE, (ExtendedKeyUsageOID.OCSP_SIGNING,), True)


def _key_usage(*, ca: bool = False, **flags: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
    )
    values = {name: flags.get(name, False) for name in names}
    return x509.KeyUsage(
        **values, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False
    )


def _base(
    subject: x509.Name, key: rsa.RSAPrivateKey, issuer: Issued | None
) -> x509.CertificateBuilder:
    issuer_name = issuer.cert.subject if issuer else subject
    issuer_key = issuer.key.public_key() if issuer else key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), False)
    )


def _with_distribution(
    builder: x509.CertificateBuilder, crl_url: str | None, ocsp_url: str | None
) -> x509.CertificateBuilder:
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), False)
    if ocsp_url:
        access = x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
        )
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), False)
    return builder


def make_ca(
    key: rsa.RSAPrivateKey,
    subject: x509.Name,
    parent: Issued | None,
    now: dt.datetime,
    *,
    years: int,
    path_length: int | None = None,
    crl_url: str | None = None,
) -> Issued:
    """A root (no parent) or an intermediate CA certificate."""
    builder = (
        _base(subject, key, parent)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), True)
        .add_extension(_key_usage(ca=True, digital_signature=True), True)
    )
    builder = _with_distribution(builder, crl_url, None)
    signer = parent.key if parent else key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def issue_leaf(
    key: rsa.RSAPrivateKey,
    subject: x509.Name,
    issuer: Issued,
    profile: LeafProfile,
    *,
    crl_url: str | None = None,
    ocsp_url: str | None = None,
) -> Issued:
    """An end-entity certificate signed by `issuer`."""
    builder = (
        _base(subject, key, issuer)
        .not_valid_before(profile.not_before)
        .not_valid_after(profile.not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(_key_usage(**profile.usage), True)
        .add_extension(x509.ExtendedKeyUsage(list(profile.eku)), False)
    )
    if profile.ocsp_nocheck:
        builder = builder.add_extension(x509.OCSPNoCheck(), False)
    else:
        builder = _with_distribution(builder, crl_url, ocsp_url)
    return Issued(builder.sign(issuer.key, hashes.SHA256()), key)


def make_crl(
    ca: Issued,
    revoked: Sequence[x509.Certificate],
    *,
    this_update: dt.datetime,
    days: int,
    at: dt.datetime,
    number: int = 1,
) -> x509.CertificateRevocationList:
    """A CRL of `ca` listing `revoked` (revoked at `at`), valid for `days` days."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(this_update - dt.timedelta(hours=1))
        .next_update(this_update + dt.timedelta(days=days))
        .add_extension(x509.CRLNumber(number), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), False
        )
    )
    for cert in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(at)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(ca.key, hashes.SHA256())
