"""The Kazakh NCA certificate profile: who holds a key, and what the key may do.

An individual's subject holds `SERIALNUMBER=IIN<12 digits>`; an organization's also
`O=<name>` and `OU=BIN<12 digits>` (or `SERIALNUMBER=BIN...`). The key holder's kind sits in
the extended key usage as an NCA OID. Signing keys carry digitalSignature + nonRepudiation;
authentication keys (keyEncipherment, clientAuth) must not sign a request. Pure: no Django.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bekitu.eds.refusal import Refused

OID_INDIVIDUAL = "1.2.398.3.3.4.1.1"
OID_ORGANIZATION = "1.2.398.3.3.4.1.2"
OID_ORG_HEAD = "1.2.398.3.3.4.1.2.1"
OID_ORG_SIGNER = "1.2.398.3.3.4.1.2.2"
OID_CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string
OID_ANY_EKU = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE.dotted_string

_IIN = re.compile(r"^IIN(\d{12})$")
_BIN = re.compile(r"^BIN(\d{12})$")


@dataclass(frozen=True)
class KeyUsage:
    """The key usage bits and extended key usages that decide signing versus authentication."""

    digital_signature: bool
    non_repudiation: bool
    key_encipherment: bool
    extended: frozenset[str]
    is_ca: bool = False

    @property
    def is_signing_key(self) -> bool:
        """A person's or organization's signing key: digitalSignature + nonRepudiation,
        nothing of authentication (nor anyExtendedKeyUsage, which includes it), and not a
        CA's key."""
        return (
            not self.is_ca
            and self.digital_signature
            and self.non_repudiation
            and not self.key_encipherment
            and OID_CLIENT_AUTH not in self.extended
            and OID_ANY_EKU not in self.extended
        )

    @property
    def is_authentication_key(self) -> bool:
        """A person's authentication key (NCA's AUTH_RSA): digitalSignature and the clientAuth
        extended usage, not a CA's key. It proves who logs in, never signs a request."""
        return not self.is_ca and self.digital_signature and OID_CLIENT_AUTH in self.extended


@dataclass(frozen=True)
class CertificateProfile:
    """What the NCA profile says about a certificate's holder and key."""

    iin: str | None
    bin: str | None
    common_name: str
    organization: str | None
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    usage: KeyUsage

    @property
    def _names_organization(self) -> bool:
        return any(
            oid == OID_ORGANIZATION or oid.startswith(OID_ORGANIZATION + ".")
            for oid in self.usage.extended
        )

    @property
    def is_individual(self) -> bool:
        """The individual key-holder OID is present, and no organization's: a certificate
        that claims both is ambiguous and serves neither profile."""
        return OID_INDIVIDUAL in self.usage.extended and not self._names_organization

    @property
    def is_organization(self) -> bool:
        """The organization OID and a role that may sign for it (head or authorised signer),
        and not the individual key-holder OID."""
        ext = self.usage.extended
        return (
            OID_ORGANIZATION in ext
            and (OID_ORG_HEAD in ext or OID_ORG_SIGNER in ext)
            and OID_INDIVIDUAL not in ext
        )


def _attributes(name: x509.Name) -> dict[x509.ObjectIdentifier, list[str]]:
    """The name's values by attribute type, in order: one pass over the name."""
    values: dict[x509.ObjectIdentifier, list[str]] = {}
    for attribute in name:
        values.setdefault(attribute.oid, []).append(str(attribute.value))
    return values


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _match_one(pattern: re.Pattern[str], values: list[str]) -> str | None:
    """The 12 digits of the only value that matches; None when none or several differ."""
    found = {m.group(1) for v in values if (m := pattern.match(v.strip()))}
    return found.pop() if len(found) == 1 else None


def read_key_usage(cert: x509.Certificate) -> KeyUsage:
    """Key usage bits and extended key usages; absent extensions give no usage at all."""
    bits, extended, is_ca = (False, False, False), frozenset[str](), False
    for extension in cert.extensions:  # one pass: a verification reads every certificate once
        value = extension.value
        if isinstance(value, x509.KeyUsage):
            bits = (value.digital_signature, value.content_commitment, value.key_encipherment)
        elif isinstance(value, x509.ExtendedKeyUsage):
            extended = frozenset(oid.dotted_string for oid in value)
        elif isinstance(value, x509.BasicConstraints):
            is_ca = value.ca
    return KeyUsage(*bits, extended=extended, is_ca=is_ca)


def serial_hex(cert: x509.Certificate) -> str:
    """The certificate's serial number as the NCA shows it: lower-case hexadecimal."""
    return format(cert.serial_number, "x")


# A certificate's profile never changes, and the same few (the providers' and the portal's
# organization keys, their CAs) are read for every envelope and talon: reading one anew cost
# more than the signature check it serves. Certificates compare and hash by their DER bytes.
@functools.lru_cache(maxsize=1024)
def read_profile(cert: x509.Certificate) -> CertificateProfile:
    """Read the holder's IIN, BIN, names, serial, validity and key usage from a certificate."""
    subject = _attributes(cert.subject)
    serials = subject.get(NameOID.SERIAL_NUMBER, [])
    units = subject.get(NameOID.ORGANIZATIONAL_UNIT_NAME, [])
    return CertificateProfile(
        iin=_match_one(_IIN, serials),
        bin=_match_one(_BIN, units + serials),
        common_name=_first(subject.get(NameOID.COMMON_NAME, [])) or "",
        organization=_first(subject.get(NameOID.ORGANIZATION_NAME, [])),
        serial=serial_hex(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        usage=read_key_usage(cert),
    )


def check_holder(profile: CertificateProfile, *, kind: str, expected: str) -> None:
    """The last checks, in order: a signing key, the holder's kind, the holder's number.

    `kind` is "individual" (a citizen's request, `expected` the IIN, R9.6), "authentication"
    (a citizen proving who they are with the authentication key, R9.1, `expected` the IIN)
    or "organization" (the provider's talon, `expected` the BIN, R9.12). Raises `Refused`.
    """
    if kind == "authentication":
        if not profile.usage.is_authentication_key:
            raise Refused("wrong_key_usage", "not an authentication key (clientAuth)")
    elif not profile.usage.is_signing_key:
        raise Refused("wrong_key_usage", "not a signing key (nonRepudiation)")
    if kind in ("individual", "authentication"):
        if not profile.is_individual:
            raise Refused("not_individual", "no individual key-holder OID")
        if profile.iin is None or profile.iin != expected:  # R9.6
            raise Refused("iin_mismatch", "the certificate's IIN is not the request's")
        return
    if not profile.is_organization:
        raise Refused("not_organization", "no organization signer OID")
    if profile.bin is None or profile.bin != expected:  # R9.12
        raise Refused("bin_mismatch", "the certificate's BIN is not the provider's")
