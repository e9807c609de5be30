"""A demo's test PKI keeps its CRLs current without new keys (fail-closed verification
would otherwise refuse every request once the CRLs pass their nextUpdate)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from bekitu.devtools.testpki import CRL_DAYS, TestPki
from bekitu.devtools.testpki_renew import renew_crls
from bekitu.eds.signing import sign_xml_with_p12
from bekitu.eds.verification import verify_request

pytestmark = pytest.mark.django_db


def _copy(test_pki: TestPki, tmp_path: Path) -> TestPki:
    shutil.copytree(test_pki.outdir, tmp_path / "pki")
    return TestPki.load(tmp_path / "pki")


def _crl(path: Path) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(path.read_bytes())


def test_current_crls_are_left_alone(test_pki: TestPki, tmp_path: Path) -> None:
    pki = _copy(test_pki, tmp_path)
    before = pki.intermediate_crl.read_bytes()
    assert renew_crls(pki) == []
    assert pki.intermediate_crl.read_bytes() == before


def test_stale_crls_are_reissued_with_the_same_revoked_entries(
    test_pki: TestPki, tmp_path: Path
) -> None:
    pki = _copy(test_pki, tmp_path)
    old = _crl(pki.intermediate_crl)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=CRL_DAYS + 30)
    assert set(renew_crls(pki, now=later)) == {pki.intermediate_crl, pki.root_crl}
    new = _crl(pki.intermediate_crl)
    assert new.next_update_utc is not None and new.next_update_utc > later
    assert {e.serial_number for e in new} == {e.serial_number for e in old}
    assert len(list(new)) >= 1
    number = new.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    old_number = old.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert number == old_number + 1


def test_after_renewal_a_request_verifies_where_it_was_refused(
    test_pki: TestPki, tmp_path: Path, settings: Any
) -> None:
    pki = _copy(test_pki, tmp_path)
    settings.EDS_TRUST_DIR, settings.EDS_CRL_DIR = pki.trust_dir, pki.crl_dir
    settings.EDS_OCSP_URL = ""
    person = pki.person
    signed = sign_xml_with_p12(
        p12_path=pki.person_sign_p12(person.iin),
        password=pki.password,
        xml=f"<request><iin>{person.iin}</iin></request>".encode(),
    )
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=CRL_DAYS + 1)
    assert verify_request(signed, expect_iin=person.iin, at=later).reason == "revocation_unknown"
    renew_crls(pki, now=later)
    assert verify_request(signed, expect_iin=person.iin, at=later).valid
