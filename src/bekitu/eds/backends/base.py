"""The port a GOST crypto backend implements, and how GOST is recognised.

Kazakh NCA keys come in RSA and in GOST: GOST 34.310-2004 (OIDs 1.2.398.3.10.1.1.1.*) and
GOST R 34.10-2015 (1.2.398.3.10.1.1.2.*). RSA is verified here with `cryptography`; GOST goes
to the class named by `BEKITU_EDS_CRYPTO_BACKEND`, which must implement `CryptoBackend`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

GOST_OID_PREFIXES = ("1.2.398.3.10.1.1.1.", "1.2.398.3.10.1.1.2.")

# XML-DSig algorithm identifiers that NCALayer writes for GOST keys.
GOST_SIGNATURE_URIS = frozenset(
    {
        "http://www.w3.org/2001/04/xmldsig-more#gost34310-gost34311",
        "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512",
        "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-256",
    }
)
GOST_DIGEST_URIS = frozenset(
    {
        "http://www.w3.org/2001/04/xmldsig-more#gost34311",
        "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-512",
        "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-256",
    }
)


def is_gost_oid(oid: str) -> bool:
    """True for the OIDs of the Kazakh GOST key and signature algorithms."""
    return oid.startswith(GOST_OID_PREFIXES)


def is_gost_uri(uri: str) -> bool:
    """True for NCALayer's GOST signature or digest method URIs."""
    return uri in GOST_SIGNATURE_URIS or uri in GOST_DIGEST_URIS


@runtime_checkable
class CryptoBackend(Protocol):
    """Digest and signature primitives for algorithms `cryptography` does not have.

    `algorithm` is an XML-DSig URI (the request's SignatureMethod / DigestMethod) or a dotted
    OID (certificate, CRL and OCSP signatures). The backend answers only for what it knows.
    """

    def handles(self, algorithm: str) -> bool:
        """True when this backend can compute or verify `algorithm`."""
        ...

    def digest(self, algorithm: str, data: bytes) -> bytes:
        """The digest of `data` under a digest algorithm (an XML-DSig DigestMethod URI)."""
        ...

    def verify(
        self, *, algorithm: str, public_key_info: bytes, signature: bytes, data: bytes
    ) -> bool:
        """Whether `signature` over `data` verifies under the DER SubjectPublicKeyInfo."""
        ...
