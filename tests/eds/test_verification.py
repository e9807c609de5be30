"""Verification of signed requests and talons: one test per reason code, with the test PKI."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from bekitu.core.models import AuditEntry
from bekitu.devtools.testpki import TestPki
from bekitu.eds import verification
from bekitu.eds.verification import (
    REASONS,
    VerificationResult,
    verify_provider_document,
    verify_request,
)

from .verify_helpers import recipient_iin, request_xml, sign, signed_request, talon_xml

pytestmark = pytest.mark.django_db


def _refused(result: VerificationResult, reason: str) -> None:
    assert result.reason == reason, result.detail
    assert result.valid is False
    assert result.signed_root is None


def test_a_request_signed_with_the_persons_signing_key_is_valid(
    test_pki: TestPki, eds_settings: Any
) -> None:
    person = test_pki.person
    result = verify_request(signed_request(test_pki), expect_iin=person.iin)
    assert result.valid is True, result.detail
    assert result.reason is None
    assert result.signer is not None
    assert result.signer.iin == person.iin
    assert result.signer.bin is None
    assert result.signer.common_name == f"{person.surname} {person.given_name}"
    assert result.signed_root is not None
    assert recipient_iin(result.signed_root) == person.iin


def test_the_signed_root_holds_the_document_without_its_signature(
    test_pki: TestPki, eds_settings: Any
) -> None:
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin)
    assert result.signed_root is not None
    assert result.signed_root.tag == "attachmentRequest"
    assert result.signed_root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is None


def test_the_providers_talon_is_valid_for_its_bin(test_pki: TestPki, eds_settings: Any) -> None:
    provider = test_pki.provider
    data = sign(test_pki.provider_p12(provider.bin), talon_xml(provider.bin, test_pki.person.iin))
    result = verify_provider_document(data, expect_bin=provider.bin)
    assert result.valid is True, result.detail
    assert result.signer is not None
    assert result.signer.bin == provider.bin
    assert result.signer.organization == provider.name
    assert result.signer.iin == provider.head_iin


def test_every_verification_is_audited_without_the_document(
    test_pki: TestPki, eds_settings: Any
) -> None:
    person = test_pki.person
    verify_request(signed_request(test_pki), expect_iin=person.iin)
    verify_request(b"<not-xml", expect_iin=person.iin)
    rows = list(AuditEntry.objects.filter(action="eds.verify").order_by("seq"))
    assert [r.data["outcome"] for r in rows] == ["valid", "refused"]
    assert rows[0].subject_iin == person.iin
    assert rows[0].data["signer_serial"] == rows[0].object_id != ""
    assert rows[1].data["reason"] == "malformed"
    assert all("attachmentRequest" not in str(r.data) for r in rows)


# --- one test per reason code, in the order the checks run -------------------------------


def test_malformed_when_not_well_formed(test_pki: TestPki, eds_settings: Any) -> None:
    data = signed_request(test_pki)[:-20]
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "malformed")


def test_malformed_when_larger_than_the_limit(test_pki: TestPki, eds_settings: Any) -> None:
    data = signed_request(test_pki)
    eds_settings.EDS_MAX_REQUEST_BYTES = len(data) - 1
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "malformed")


def test_malformed_when_unsigned(test_pki: TestPki, eds_settings: Any) -> None:
    data = request_xml(test_pki.person.iin)
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "malformed")


def test_unsupported_algorithm_for_a_signature_method_other_than_rsa_sha256(
    test_pki: TestPki, eds_settings: Any
) -> None:
    data = signed_request(test_pki).replace(b"xmldsig-more#rsa-sha256", b"xmldsig-more#rsa-sha512")
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "unsupported_algorithm")


def test_unsupported_algorithm_for_gost_without_a_backend(
    test_pki: TestPki, eds_settings: Any
) -> None:
    gost = b"urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512"
    data = signed_request(test_pki).replace(
        b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", gost
    )
    result = verify_request(data, expect_iin=test_pki.person.iin)
    _refused(result, "unsupported_algorithm")
    assert "no crypto backend" in result.detail


def test_bad_signature_when_the_signed_content_is_changed(
    test_pki: TestPki, eds_settings: Any
) -> None:
    data = signed_request(test_pki).replace(b"<reason>choice</reason>", b"<reason>moved</reason>")
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "bad_signature")


def test_bad_signature_when_the_signature_value_is_changed(
    test_pki: TestPki, eds_settings: Any
) -> None:
    data = signed_request(test_pki)
    start = data.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    flipped = b"A" if data[start : start + 1] != b"A" else b"B"
    data = data[:start] + flipped + data[start + 1 :]
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "bad_signature")


def test_untrusted_chain_for_an_impostor_with_the_same_subject_from_a_foreign_ca(
    test_pki: TestPki, eds_settings: Any
) -> None:
    data = signed_request(test_pki, p12=test_pki.negative("impostor"))
    result = verify_request(data, expect_iin=test_pki.person.iin)
    _refused(result, "untrusted_chain")
    assert result.signer is not None  # read from the certificate, for the record only


def test_untrusted_chain_when_the_trust_store_is_empty(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    eds_settings.EDS_TRUST_DIR = tmp_path
    _refused(
        verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin), "untrusted_chain"
    )


def test_untrusted_chain_when_only_the_root_is_trusted_and_the_request_cannot_add_the_intermediate(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    shutil.copy(test_pki.root_cert, tmp_path / "root.pem")
    eds_settings.EDS_TRUST_DIR = tmp_path
    _refused(
        verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin), "untrusted_chain"
    )


def test_not_yet_valid(test_pki: TestPki, eds_settings: Any) -> None:
    data = signed_request(test_pki, p12=test_pki.negative("not_yet_valid"))
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "not_yet_valid")


def test_not_yet_valid_at_a_moment_before_the_certificate(
    test_pki: TestPki, eds_settings: Any
) -> None:
    at = timezone.now() - dt.timedelta(days=30)
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin, at=at)
    _refused(result, "not_yet_valid")


def test_expired(test_pki: TestPki, eds_settings: Any) -> None:
    data = signed_request(test_pki, p12=test_pki.negative("expired"))
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "expired")


def test_revoked(test_pki: TestPki, eds_settings: Any) -> None:
    data = signed_request(test_pki, p12=test_pki.negative("revoked"))
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "revoked")


def test_revocation_unknown_without_any_crl_or_ocsp(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    eds_settings.EDS_CRL_DIR = tmp_path
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin)
    _refused(result, "revocation_unknown")


def test_revocation_unknown_when_the_crls_next_update_is_past(
    test_pki: TestPki, eds_settings: Any
) -> None:
    at = timezone.now() + dt.timedelta(days=8)  # the test CRLs are good for 7 days
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin, at=at)
    _refused(result, "revocation_unknown")


def test_wrong_key_usage_for_an_authentication_key(test_pki: TestPki, eds_settings: Any) -> None:
    data = signed_request(test_pki, p12=test_pki.person_auth_p12(test_pki.person.iin))
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "wrong_key_usage")


def test_wrong_key_usage_for_the_authentication_only_negative_case(
    test_pki: TestPki, eds_settings: Any
) -> None:
    data = signed_request(test_pki, p12=test_pki.negative("auth_only"))
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "wrong_key_usage")


def test_not_individual_for_an_organization_key(test_pki: TestPki, eds_settings: Any) -> None:
    data = signed_request(test_pki, p12=test_pki.negative("org_as_individual"))
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "not_individual")


def test_not_organization_for_a_persons_key_on_a_talon(
    test_pki: TestPki, eds_settings: Any
) -> None:
    provider = test_pki.provider
    p12 = test_pki.person_sign_p12(test_pki.person.iin)
    data = sign(p12, talon_xml(provider.bin, test_pki.person.iin))
    _refused(verify_provider_document(data, expect_bin=provider.bin), "not_organization")


def test_iin_mismatch_when_the_request_names_another_person(
    test_pki: TestPki, eds_settings: Any
) -> None:  # R9.6
    other = test_pki.persons[1].iin
    data = signed_request(test_pki, iin=other)
    _refused(verify_request(data, expect_iin=other), "iin_mismatch")


def test_bin_mismatch_when_another_provider_signed(test_pki: TestPki, eds_settings: Any) -> None:
    first, second = test_pki.providers[:2]
    data = sign(test_pki.provider_p12(second.bin), talon_xml(first.bin, test_pki.person.iin))
    _refused(verify_provider_document(data, expect_bin=first.bin), "bin_mismatch")


def test_every_reason_code_has_a_test_above() -> None:
    tested = {
        name.split("_", 1)[1]
        for name in globals()
        if name.startswith("test_") and not name.startswith("test_every")
    }
    for reason in REASONS:
        assert any(t.startswith(reason) for t in tested), reason


# --- failing closed -----------------------------------------------------------------------


def test_an_unexpected_error_in_path_validation_refuses_and_never_raises(
    test_pki: TestPki, eds_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(verification, "load_trust_store", explode)
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin)
    _refused(result, "untrusted_chain")


def test_an_unexpected_error_in_the_xml_stage_is_malformed(
    test_pki: TestPki, eds_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(verification, "check_xml", explode)
    _refused(verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin), "malformed")


def test_a_failing_audit_turns_a_valid_signature_into_a_refusal(
    test_pki: TestPki, eds_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(**kwargs: object) -> None:
        raise RuntimeError("database down")

    monkeypatch.setattr(verification, "audit_record", explode)
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin)
    _refused(result, "revocation_unknown")


def test_a_garbage_expected_iin_is_a_mismatch_not_an_error(
    test_pki: TestPki, eds_settings: Any
) -> None:
    _refused(verify_request(signed_request(test_pki), expect_iin="x" * 40), "iin_mismatch")


def test_a_naive_moment_is_read_in_the_service_time_zone(
    test_pki: TestPki, eds_settings: Any
) -> None:
    naive = dt.datetime.now() + dt.timedelta(days=1)  # noqa: DTZ005 - the point of the test
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin, at=naive)
    assert result.valid is True, result.detail


def test_the_result_json_has_the_shape_of_the_issue(test_pki: TestPki, eds_settings: Any) -> None:
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin)
    data = result.as_json()
    assert set(data) == {"valid", "reason", "signer"}
    assert {"iin", "bin", "common_name", "serial", "not_before", "not_after"} <= set(data["signer"])
    dt.datetime.fromisoformat(data["signer"]["not_after"])
