"""What verification keeps between requests, and that it never lets anything through that a
verification from scratch would refuse: a cached CA path serves other signers of that CA only
through their own signature check; a CRL that changes on disk is seen at the next request; a
certificate or CA revoked after its path was cached is refused; a changed trust store drops
every cached path."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from bekitu.core.iin import make_iin
from bekitu.devtools import testpki_certs
from bekitu.devtools.testpki import PersonSpec, TestPki, person_name
from bekitu.eds import path_cache
from bekitu.eds.path_cache import CACHE, CaPath, PathCache
from bekitu.eds.signing import SigningKey, sign_xml_with_key
from bekitu.eds.verification import verify_request

from .conftest import OwnDirs
from .verify_helpers import intermediate, issued_key, request_xml, signed_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_path_cache")]

DER = serialization.Encoding.DER


def _signer(pki: TestPki, serial: int) -> tuple[SigningKey, str]:
    """A signer of the test PKI's intermediate with a certificate (and IIN) of its own."""
    iin = make_iin(dt.date(1990, 1, 1), "female", serial)
    assert iin is not None
    return issued_key(pki, person_name(PersonSpec(iin, "ТЕСТОВА", "ӘСЕЛ"))), iin


def _verify(key: SigningKey, iin: str) -> tuple[bool, str | None]:
    result = verify_request(sign_xml_with_key(key=key, xml=request_xml(iin)), expect_iin=iin)
    return result.valid, result.reason


def _verify_person(pki: TestPki, p12: Path | None = None) -> tuple[bool, str | None]:
    result = verify_request(signed_request(pki, p12=p12), expect_iin=pki.person.iin)
    return result.valid, result.reason


def _no_full_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("validated from scratch although the CA's path is cached")

    monkeypatch.setattr(path_cache, "check_path", fail)


def _crl(ca: testpki_certs.Issued, serials: list[int], *, number: int, days: int = 7) -> bytes:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=days))
        .add_extension(x509.CRLNumber(number), False)
    )
    for serial in serials:
        revoked = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now)
        builder = builder.add_revoked_certificate(revoked.build())
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(DER)


# --- a cached CA path serves other signers, through their own signature only ---------------


def test_signers_of_one_ca_share_its_cached_path(
    test_pki: TestPki, eds_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _verify(*_signer(test_pki, 401)) == (True, None)
    assert len(CACHE) == 1
    _no_full_validation(monkeypatch)
    assert _verify(*_signer(test_pki, 402)) == (True, None)


def test_a_certificate_changed_after_issue_is_refused_though_its_cas_path_is_cached(
    test_pki: TestPki, eds_settings: Any
) -> None:
    key, iin = _signer(test_pki, 403)
    assert _verify(key, iin) == (True, None)
    other = make_iin(dt.date(1990, 1, 1), "female", 404)
    assert other is not None and len(other) == len(iin)
    # Same key, same issuer name, another IIN: the XML signature verifies, the CA's does not.
    forged = x509.load_der_x509_certificate(
        key.certificate.public_bytes(DER).replace(iin.encode(), other.encode())
    )
    assert forged.subject != key.certificate.subject
    forged_key = SigningKey(certificate=forged, private_key=key.private_key)
    assert _verify(forged_key, other) == (False, "untrusted_chain")


def test_a_foreign_ca_that_copies_the_issuer_name_is_refused_though_the_path_is_cached(
    test_pki: TestPki, eds_settings: Any
) -> None:
    assert _verify_person(test_pki) == (True, None)
    assert _verify_person(test_pki, test_pki.negative("impostor")) == (False, "untrusted_chain")


def test_an_expired_certificate_of_a_cached_ca_is_expired(
    test_pki: TestPki, eds_settings: Any
) -> None:
    assert _verify_person(test_pki) == (True, None)
    assert _verify_person(test_pki, test_pki.negative("expired")) == (False, "expired")
    assert _verify_person(test_pki, test_pki.negative("not_yet_valid")) == (
        False,
        "not_yet_valid",
    )


def test_a_cached_path_does_not_answer_after_the_crls_next_update(
    test_pki: TestPki, eds_settings: Any
) -> None:
    assert _verify_person(test_pki) == (True, None)
    (entry,) = CACHE.entries()
    crl = x509.load_der_x509_crl(test_pki.intermediate_crl.read_bytes())
    assert crl.next_update_utc is not None and entry.valid_until <= crl.next_update_utc
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)  # the test CRLs last 7 days
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin, at=later)
    assert (result.valid, result.reason) == (False, "revocation_unknown")


def _root(pki: TestPki) -> testpki_certs.Issued:
    key = serialization.load_pem_private_key(pki.root_key.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return testpki_certs.Issued(x509.load_pem_x509_certificate(pki.root_cert.read_bytes()), key)


def test_a_cached_path_does_not_answer_after_its_cas_crl_is_stale(
    cdp_pki: TestPki, own_dirs: Any
) -> None:
    # The signer's own CRL is still current then; only the CA's part of the path is unknown.
    dirs: OwnDirs = own_dirs(cdp_pki)
    (dirs.crl / "root.crl").write_bytes(_crl(_root(cdp_pki), [], number=2, days=1))
    assert _verify_person(cdp_pki) == (True, None)
    assert len(CACHE) == 1
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    result = verify_request(signed_request(cdp_pki), expect_iin=cdp_pki.person.iin, at=later)
    assert (result.valid, result.reason) == (False, "revocation_unknown")


def test_a_path_through_a_ca_with_name_constraints_is_not_kept(
    test_pki: TestPki, own_dirs: Any
) -> None:
    # Name constraints make a CA's part of the path depend on what it issues: never cached.
    dirs: OwnDirs = own_dirs(test_pki)
    root = _root(test_pki)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CONSTRAINED INTERMEDIATE")])
    ca_key = testpki_certs.shared_keys()("intermediate")
    now = dt.datetime.now(dt.UTC)
    excluded = [x509.DNSName("example.com")]  # nothing the signer's certificate names
    cert = (
        testpki_certs._base(name, ca_key, root)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(testpki_certs._key_usage(ca=True, digital_signature=True), True)
        .add_extension(x509.NameConstraints(None, excluded), True)
        .sign(root.key, hashes.SHA256())
    )
    ca = testpki_certs.Issued(cert, ca_key)
    (dirs.trust / "constrained.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (dirs.crl / "constrained.crl").write_bytes(_crl(ca, [], number=1))
    iin = test_pki.person.iin
    key = issued_key(test_pki, person_name(test_pki.person), issuer=ca)
    assert _verify(key, iin) == (True, None)
    assert CACHE.entries() == []


def test_the_cache_keeps_a_bounded_number_of_paths_least_recently_used_out() -> None:
    cache = PathCache(max_entries=2)
    entries = [
        CaPath(
            path=None,  # type: ignore[arg-type]
            issuer=None,  # type: ignore[arg-type]
            issuer_subject=b"name",
            issuer_fingerprint=bytes([n]),
            issuer_key=None,  # type: ignore[arg-type]
            valid_from=dt.datetime.min.replace(tzinfo=dt.UTC),
            valid_until=dt.datetime.max.replace(tzinfo=dt.UTC),
        )
        for n in range(3)
    ]
    cache.remember(("config",), entries[0])
    cache.remember(("config",), entries[1])
    assert cache.candidates(("config",), b"name") == entries[:2]  # both used: 0 is older
    cache.candidates(("config",), b"name")
    cache.remember(("config",), entries[2])
    assert [e.issuer_fingerprint for e in cache.entries()] == [b"\x01", b"\x02"]
    assert cache.candidates(("another config",), b"name") == []
    cache.remember(("another config",), entries[0])
    assert cache.entries() == [entries[0]]


# --- the configuration changes: trust store and CRLs --------------------------------------


def test_a_certificate_revoked_after_its_path_was_cached_is_refused(
    test_pki: TestPki, own_dirs: Any
) -> None:
    dirs: OwnDirs = own_dirs(test_pki)
    key, iin = _signer(test_pki, 405)
    assert _verify(key, iin) == (True, None)
    assert len(CACHE) == 1
    crl = _crl(intermediate(test_pki), [key.certificate.serial_number], number=2)
    (dirs.crl / "intermediate.crl").write_bytes(crl)  # rewritten in place
    assert _verify(key, iin) == (False, "revoked")


def test_a_ca_revoked_after_its_path_was_cached_is_refused(cdp_pki: TestPki, own_dirs: Any) -> None:
    dirs: OwnDirs = own_dirs(cdp_pki)
    assert _verify_person(cdp_pki) == (True, None)
    assert len(CACHE) == 1
    listed = x509.load_pem_x509_certificate(cdp_pki.intermediate_cert.read_bytes())
    (dirs.crl / "root.crl").write_bytes(_crl(_root(cdp_pki), [listed.serial_number], number=2))
    assert _verify_person(cdp_pki) == (False, "revoked")


def test_a_crl_rewritten_in_place_with_the_same_size_and_time_is_seen_at_once(
    test_pki: TestPki, own_dirs: Any
) -> None:
    # The file system's clock ticks coarsely: a rewrite may keep the size and the time.
    dirs: OwnDirs = own_dirs(test_pki)
    key, iin = _signer(test_pki, 406)
    serial, ca = key.certificate.serial_number, intermediate(test_pki)
    other = serial ^ 1  # another serial of the same length: the same CRL size
    path = dirs.crl / "intermediate.crl"
    path.write_bytes(_crl(ca, [other], number=2))
    before = path.stat()
    assert _verify(key, iin) == (True, None)
    revoking = _crl(ca, [serial], number=2)
    assert len(revoking) == before.st_size
    path.write_bytes(revoking)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )
    assert _verify(key, iin) == (False, "revoked")


def test_a_crl_replaced_by_a_newer_file_is_seen_at_once(test_pki: TestPki, own_dirs: Any) -> None:
    # As `bekitu eds refresh-crl` does it: a new file renamed over the old one.
    dirs: OwnDirs = own_dirs(test_pki)
    key, iin = _signer(test_pki, 407)
    assert _verify(key, iin) == (True, None)
    fresh = dirs.crl / "intermediate.crl.tmp"
    fresh.write_bytes(_crl(intermediate(test_pki), [key.certificate.serial_number], number=2))
    fresh.rename(dirs.crl / "intermediate.crl")
    assert _verify(key, iin) == (False, "revoked")


def test_an_intermediate_removed_from_the_trust_store_is_not_used_from_the_cache(
    test_pki: TestPki, own_dirs: Any
) -> None:
    dirs: OwnDirs = own_dirs(test_pki)
    assert _verify_person(test_pki) == (True, None)
    (dirs.trust / "intermediate.pem").unlink()
    assert _verify_person(test_pki) == (False, "untrusted_chain")


def test_a_root_removed_from_the_trust_store_is_not_used_from_the_cache(
    test_pki: TestPki, own_dirs: Any
) -> None:
    # No CRL of the root is on disk, so the set of CRLs stays the same: only the trust store
    # changes, and that alone must drop the cached path.
    dirs: OwnDirs = own_dirs(test_pki)
    (dirs.crl / "root.crl").unlink()
    assert _verify_person(test_pki) == (True, None)
    assert len(CACHE) == 1
    (dirs.trust / "root.pem").unlink()
    assert _verify_person(test_pki) == (False, "untrusted_chain")


def test_another_trust_store_with_the_same_root_does_not_inherit_cached_paths(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    assert _verify_person(test_pki) == (True, None)
    only_root = tmp_path / "only-root"
    only_root.mkdir()
    shutil.copy(test_pki.root_cert, only_root / "root.pem")
    eds_settings.EDS_TRUST_DIR = only_root
    assert _verify_person(test_pki) == (False, "untrusted_chain")
