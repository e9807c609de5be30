"""The order of the reasons: a certificate outside its validity at the moment of checking is
`expired` or `not_yet_valid` before any revocation is looked at (the order of REASONS), also
when the CRLs about its CAs are stale or missing by then. Unknown or revoked status still
refuses a certificate that is within its validity."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bekitu.devtools import testpki_certs
from bekitu.devtools.testpki import TestPki
from bekitu.eds.signing import load_p12
from bekitu.eds.verification import VerificationResult, verify_request

from .conftest import OwnDirs
from .verify_helpers import signed_request

pytestmark = pytest.mark.django_db


def _verify(pki: TestPki, p12: Path | None = None, at: dt.datetime | None = None) -> Any:
    result: VerificationResult = verify_request(
        signed_request(pki, p12=p12), expect_iin=pki.person.iin, at=at
    )
    return result.valid, result.reason


def _not_after(pki: TestPki) -> dt.datetime:
    return load_p12(
        pki.person_sign_p12(pki.person.iin), pki.password
    ).certificate.not_valid_after_utc


def _revoke_intermediate(pki: TestPki, dirs: OwnDirs) -> None:
    """The root's CRL, rewritten to list the intermediate."""
    key = serialization.load_pem_private_key(pki.root_key.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    root = testpki_certs.Issued(x509.load_pem_x509_certificate(pki.root_cert.read_bytes()), key)
    intermediate = x509.load_pem_x509_certificate(pki.intermediate_cert.read_bytes())
    now = dt.datetime.now(dt.UTC)
    crl = testpki_certs.make_crl(root, [intermediate], this_update=now, days=7, at=now, number=2)
    (dirs.crl / "root.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))


def test_a_request_checked_after_the_certificate_expired_is_expired(
    cdp_pki: TestPki, own_dirs: Any
) -> None:
    own_dirs(cdp_pki)
    at = _not_after(cdp_pki) + dt.timedelta(days=1)  # every CRL is stale by then too
    assert _verify(cdp_pki, at=at) == (False, "expired")


def test_an_expired_certificate_without_a_crl_for_its_ca_is_expired(
    cdp_pki: TestPki, own_dirs: Any
) -> None:
    dirs = own_dirs(cdp_pki)
    (dirs.crl / "root.crl").unlink()  # the intermediate's status is unknown
    assert _verify(cdp_pki, cdp_pki.negative("expired")) == (False, "expired")


def test_a_not_yet_valid_certificate_without_any_crl_is_not_yet_valid(
    cdp_pki: TestPki, own_dirs: Any
) -> None:
    dirs = own_dirs(cdp_pki)
    for crl in dirs.crl.iterdir():
        crl.unlink()
    assert _verify(cdp_pki, cdp_pki.negative("not_yet_valid")) == (False, "not_yet_valid")


def test_an_expired_certificate_of_a_revoked_ca_is_expired(cdp_pki: TestPki, own_dirs: Any) -> None:
    _revoke_intermediate(cdp_pki, own_dirs(cdp_pki))
    assert _verify(cdp_pki, cdp_pki.negative("expired")) == (False, "expired")


def test_a_valid_certificate_of_a_revoked_ca_is_still_revoked(
    cdp_pki: TestPki, own_dirs: Any
) -> None:
    _revoke_intermediate(cdp_pki, own_dirs(cdp_pki))
    assert _verify(cdp_pki) == (False, "revoked")


def test_a_ca_listed_on_its_issuers_crl_is_revoked_though_it_names_no_crl(
    test_pki: TestPki, own_dirs: Any
) -> None:
    # The session's test PKI: its intermediate names no CRL distribution point, so
    # certvalidator alone would not read the root's CRL about it.
    _revoke_intermediate(test_pki, own_dirs(test_pki))
    assert _verify(test_pki) == (False, "revoked")
    assert _verify(test_pki, test_pki.negative("expired")) == (False, "expired")


def test_a_valid_certificate_without_a_crl_for_its_ca_is_still_revocation_unknown(
    cdp_pki: TestPki, own_dirs: Any
) -> None:
    dirs = own_dirs(cdp_pki)
    (dirs.crl / "root.crl").unlink()
    assert _verify(cdp_pki) == (False, "revocation_unknown")


def test_an_untrusted_certificate_stays_untrusted_whatever_the_moment(
    cdp_pki: TestPki, own_dirs: Any
) -> None:
    own_dirs(cdp_pki)
    at = _not_after(cdp_pki) + dt.timedelta(days=1)
    assert _verify(cdp_pki, cdp_pki.negative("impostor"), at=at) == (False, "untrusted_chain")
