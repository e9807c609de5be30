"""The test PKI's OCSP responder: RFC 6960 answers over HTTP, signed, with the nonce echoed."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp

from bekitu.devtools.ocsp_responder import (
    OCSP_REQUEST_TYPE,
    OCSP_RESPONSE_TYPE,
    OcspAuthority,
    RunningResponder,
    run_in_thread,
)
from bekitu.devtools.testpki import PASSWORD, PersonSpec, TestPki, build_test_pki, shared_keys


def _cert(p12: Path) -> x509.Certificate:
    _, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), PASSWORD.encode())
    assert cert is not None
    return cert


def _pem(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _request(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    nonce: bytes | None = None,
    algorithm: hashes.HashAlgorithm | None = None,
) -> bytes:
    # SHA-1 CertIDs are what most OCSP clients send (RFC 6960 allows it; it is no signature).
    algorithm = algorithm or hashes.SHA1()  # noqa: S303
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, algorithm)
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def _post(url: str, body: bytes) -> ocsp.OCSPResponse:
    answer = requests.post(url, data=body, headers={"Content-Type": OCSP_REQUEST_TYPE}, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == OCSP_RESPONSE_TYPE
    return ocsp.load_der_ocsp_response(answer.content)


@pytest.fixture(scope="module")
def responder(test_pki: TestPki) -> Iterator[RunningResponder]:
    with run_in_thread(test_pki.outdir) as running:
        yield running


def test_a_valid_certificate_is_good_and_the_answer_is_signed_by_the_responder(
    test_pki: TestPki, responder: RunningResponder
) -> None:
    inter = _pem(test_pki.intermediate_cert)
    cert = _cert(test_pki.person_sign_p12(test_pki.person.iin))
    response = _post(responder.url, _request(cert, inter, nonce=os.urandom(16)))
    assert response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert response.serial_number == cert.serial_number
    signer = _pem(test_pki.ocsp_cert)
    assert response.certificates == [signer]
    assert response.responder_key_hash == (
        x509.SubjectKeyIdentifier.from_public_key(signer.public_key()).digest
    )
    public = signer.public_key()
    assert isinstance(public, rsa.RSAPublicKey) and response.signature_hash_algorithm
    public.verify(
        response.signature,
        response.tbs_response_bytes,
        padding.PKCS1v15(),
        response.signature_hash_algorithm,
    )
    signer.verify_directly_issued_by(inter)
    now = dt.datetime.now(dt.UTC)
    assert response.this_update_utc <= now < response.next_update_utc  # type: ignore[operator]


def test_the_nonce_is_echoed(test_pki: TestPki, responder: RunningResponder) -> None:
    nonce = os.urandom(20)
    inter = _pem(test_pki.intermediate_cert)
    cert = _cert(test_pki.person_sign_p12(test_pki.person.iin))
    response = _post(responder.url, _request(cert, inter, nonce=nonce))
    assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
    plain = _post(responder.url, _request(cert, inter))
    with pytest.raises(x509.ExtensionNotFound):
        plain.extensions.get_extension_for_class(x509.OCSPNonce)


def test_a_certificate_listed_in_the_crl_is_revoked_with_its_time_and_reason(
    test_pki: TestPki, responder: RunningResponder
) -> None:
    inter = _pem(test_pki.intermediate_cert)
    cert = _cert(test_pki.negative("revoked"))
    response = _post(responder.url, _request(cert, inter, algorithm=hashes.SHA256()))
    assert response.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_reason == x509.ReasonFlags.key_compromise
    crl = x509.load_der_x509_crl(test_pki.intermediate_crl.read_bytes())
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None and response.revocation_time_utc == entry.revocation_date_utc


def test_a_certificate_of_another_issuer_or_never_issued_is_unknown(
    test_pki: TestPki, responder: RunningResponder
) -> None:
    impostor = _cert(test_pki.negative("impostor"))
    foreign = _pem(test_pki.foreign_root_cert)
    assert _post(responder.url, _request(impostor, foreign)).certificate_status == (
        ocsp.OCSPCertStatus.UNKNOWN
    )
    # The impostor's CertID under our intermediate's name and key: a serial never issued.
    inter = _pem(test_pki.intermediate_cert)
    assert _post(responder.url, _request(impostor, inter)).certificate_status == (
        ocsp.OCSPCertStatus.UNKNOWN
    )


def test_get_requests_work_like_post(test_pki: TestPki, responder: RunningResponder) -> None:
    inter = _pem(test_pki.intermediate_cert)
    cert = _cert(test_pki.negative("revoked"))
    encoded = urllib.parse.quote(base64.b64encode(_request(cert, inter)).decode(), safe="")
    answer = requests.get(responder.url + encoded, timeout=10)
    response = ocsp.load_der_ocsp_response(answer.content)
    assert response.certificate_status == ocsp.OCSPCertStatus.REVOKED


def test_garbage_gets_malformed_request(responder: RunningResponder) -> None:
    response = _post(responder.url, b"\x30\x03garbage")
    assert response.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    answer = requests.get(responder.url + "not-base64!!", timeout=10)
    status = ocsp.load_der_ocsp_response(answer.content).response_status
    assert status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_the_crls_are_served_too(test_pki: TestPki, responder: RunningResponder) -> None:
    answer = requests.get(responder.url + "crl/intermediate.crl", timeout=10)
    assert answer.content == test_pki.intermediate_crl.read_bytes()
    assert requests.get(responder.url + "crl/manifest.json", timeout=10).status_code == 404
    elsewhere = requests.get(responder.url + "manifest.json", timeout=10)
    assert PASSWORD.encode() not in elsewhere.content


def test_a_newly_revoked_certificate_is_answered_revoked_once_the_crl_changes(
    tmp_path: Path,
) -> None:
    person = PersonSpec("850314301011", "A", "B")
    pki = build_test_pki(tmp_path, persons=[person], providers=[], key_source=shared_keys())
    authority = OcspAuthority.from_dir(tmp_path)
    inter = _pem(pki.intermediate_cert)
    cert = _cert(pki.person_sign_p12(person.iin))
    request = _request(cert, inter)
    before = ocsp.load_der_ocsp_response(authority.respond(request))
    assert before.certificate_status == ocsp.OCSPCertStatus.GOOD
    key = serialization.load_pem_private_key(pki.intermediate_key.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    now = dt.datetime.now(dt.UTC)
    revoked = x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(inter.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=1))
        .add_revoked_certificate(revoked.revocation_date(now).build())
        .sign(key, hashes.SHA256())
    )
    pki.intermediate_crl.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    os.utime(pki.intermediate_crl, (now.timestamp() + 5, now.timestamp() + 5))
    after = ocsp.load_der_ocsp_response(authority.respond(request))
    assert after.certificate_status == ocsp.OCSPCertStatus.REVOKED


def test_pyhanko_certvalidator_in_hard_fail_mode_gets_its_answers_from_the_responder(
    tmp_path: Path,
) -> None:
    """A real path validator that fetches revocation data accepts the good key through this
    responder (OCSP for the leaf, the served CRL for the intermediate) and refuses the revoked."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import RevokedError

    person = PersonSpec("850314301011", "A", "B")
    with run_in_thread(tmp_path) as running:
        pki = build_test_pki(
            tmp_path,
            persons=[person],
            providers=[],
            ocsp_url=running.url + "ocsp",
            crl_url=running.url + "crl",
            key_source=shared_keys(),
        )

        def validate(p12: Path) -> ValidationContext:
            context = ValidationContext(
                trust_roots=[load_cert_from_pemder(str(pki.root_cert))],
                other_certs=[load_cert_from_pemder(str(pki.intermediate_cert))],
                allow_fetching=True,
                revocation_mode="hard-fail",
            )
            leaf = load_cert_from_pemder_bytes(_cert(p12))
            validator = CertificateValidator(leaf, validation_context=context)
            asyncio.run(validator.async_validate_usage({"non_repudiation"}))
            return context

        context = validate(pki.person_sign_p12(person.iin))
        assert len(context.ocsps) >= 1
        with pytest.raises(RevokedError):
            validate(pki.negative("revoked"))


def load_cert_from_pemder_bytes(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@pytest.mark.django_db
def test_verification_without_the_leaf_crl_asks_this_responder(
    eds_settings: Any, test_pki: TestPki, responder: RunningResponder, tmp_path: Path
) -> None:
    """With only the root's CRL on disk, the service's verifier must ask OCSP (here through
    BEKITU_EDS_OCSP_URL): good for the signing key, revoked for the revoked one."""
    from bekitu.eds.signing import sign_xml_with_p12
    from bekitu.eds.verification import verify_request

    crl_dir = tmp_path / "crl"
    crl_dir.mkdir()
    (crl_dir / "root.crl").write_bytes(test_pki.root_crl.read_bytes())
    eds_settings.EDS_CRL_DIR = crl_dir
    eds_settings.EDS_OCSP_URL = responder.url
    iin = test_pki.person.iin
    xml = f"<request><iin>{iin}</iin></request>".encode()
    good = sign_xml_with_p12(p12_path=test_pki.person_sign_p12(iin), password=PASSWORD, xml=xml)
    result = verify_request(good, expect_iin=iin)
    assert result.valid, result.detail
    revoked = sign_xml_with_p12(p12_path=test_pki.negative("revoked"), password=PASSWORD, xml=xml)
    assert verify_request(revoked, expect_iin=iin).reason == "revoked"
