"""`bekitu eds verify`: exit 0 valid, 1 refused, 2 usage error; the JSON of the issue."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from bekitu.core.iin import is_valid_iin
from bekitu.core.models import AuditEntry
from bekitu.devtools import testpki_certs
from bekitu.devtools.testpki import (
    PersonSpec,
    ProviderSpec,
    TestPki,
    organization_name,
    person_name,
)
from bekitu.eds.signing import sign_xml_with_key

from .verify_helpers import issued_key, request_xml, sign, signed_request, talon_xml

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("eds", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def request_file(test_pki: TestPki, tmp_path: Path) -> Path:
    path = tmp_path / "request.xml"
    path.write_bytes(signed_request(test_pki))
    return path


def test_a_valid_request_exits_0_and_prints_the_json(
    test_pki: TestPki, eds_settings: Any, request_file: Path
) -> None:
    iin = test_pki.person.iin
    code, out, _ = _run(str(request_file), "--expect-iin", iin, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["valid"] is True
    assert data["reason"] is None
    assert data["signer"]["iin"] == iin
    assert data["signer"]["bin"] is None
    assert set(data["signer"]) >= {"common_name", "serial", "not_before", "not_after"}


def test_a_refused_request_exits_1_with_the_reason(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    path = tmp_path / "revoked.xml"
    path.write_bytes(signed_request(test_pki, p12=test_pki.negative("revoked")))
    code, out, _ = _run(str(path), "--expect-iin", test_pki.person.iin, "--json")
    assert code == 1
    data = json.loads(out)
    assert (data["valid"], data["reason"]) == (False, "revoked")
    assert data["signer"]["serial"]


def test_a_malformed_file_exits_1_with_no_signer(eds_settings: Any, tmp_path: Path) -> None:
    path = tmp_path / "junk.xml"
    path.write_bytes(b"not xml at all")
    code, out, _ = _run(str(path), "--expect-iin", "850314301011", "--json")
    assert code == 1
    assert json.loads(out) == {"valid": False, "reason": "malformed", "signer": None}


def test_at_checks_another_moment(test_pki: TestPki, eds_settings: Any, request_file: Path) -> None:
    code, out, _ = _run(
        str(request_file), "--expect-iin", test_pki.person.iin, "--at", "2001-01-01T00:00:00+05:00"
    )
    assert code == 1
    assert out.startswith("refused: not_yet_valid")


def test_without_json_it_prints_one_line_for_people(
    test_pki: TestPki, eds_settings: Any, request_file: Path
) -> None:
    code, out, _ = _run(str(request_file), "--expect-iin", test_pki.person.iin)
    assert code == 0
    assert out.startswith("valid: signed by ")
    assert out.count("\n") == 1


def test_expect_bin_verifies_a_providers_document(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    provider = test_pki.provider
    path = tmp_path / "talon.xml"
    path.write_bytes(
        sign(test_pki.provider_p12(provider.bin), talon_xml(provider.bin, test_pki.person.iin))
    )
    code, out, _ = _run(str(path), "--expect-bin", provider.bin, "--json")
    assert code == 0
    assert json.loads(out)["signer"]["bin"] == provider.bin


def test_the_command_is_audited_as_the_cli(
    test_pki: TestPki, eds_settings: Any, request_file: Path
) -> None:
    _run(str(request_file), "--expect-iin", test_pki.person.iin)
    row = AuditEntry.objects.get(action="eds.verify")
    assert (row.actor, row.channel) == ("cli", "cli")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--expect-iin", "850314301011"], id="no-file"),
        pytest.param(["{file}"], id="no-expected-iin"),
        pytest.param(["{file}", "--expect-iin", "12345"], id="iin-too-short"),
        pytest.param(["{file}", "--expect-iin", "8503143010111"], id="iin-too-long"),
        pytest.param(["{file}", "--expect-iin", "85031430101x"], id="iin-not-digits"),
        pytest.param(["{file}", "--expect-iin", "８５０３１４３０１０１１"], id="iin-wide-digits"),
        pytest.param(["{file}", "--expect-bin", "05014000011"], id="bin-too-short"),
        pytest.param(["{file}", "--expect-iin", "850314301011", "--at", "yesterday"], id="bad-at"),
        pytest.param(["{missing}", "--expect-iin", "850314301011"], id="missing-file"),
        pytest.param(
            ["{file}", "--expect-iin", "850314301011", "--expect-bin", "050140000110"],
            id="iin-and-bin",
        ),
    ],
)
def test_usage_errors_exit_2(
    args: list[str], eds_settings: Any, request_file: Path, tmp_path: Path
) -> None:
    filled = [a.format(file=request_file, missing=tmp_path / "nope.xml") for a in args]
    code, out, _ = _run(*filled)
    assert code == 2
    assert out == ""
    assert not AuditEntry.objects.filter(action="eds.verify").exists()


# The NCA's own test certificates carry these numbers; neither passes the checksum.
NCA_TEST_IIN, NCA_TEST_BIN = "123456789011", "123456789021"


def test_the_nca_test_numbers_fail_the_checksum() -> None:
    # The premise of the two tests below: were these valid IINs, they would prove nothing.
    assert not is_valid_iin(NCA_TEST_IIN) and not is_valid_iin(NCA_TEST_BIN)


def test_expect_iin_accepts_the_nca_test_iin_and_matches_it(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    key = issued_key(test_pki, person_name(PersonSpec(NCA_TEST_IIN, "ТЕСТОВ", "ТЕСТ")))
    path = tmp_path / "nca-test.xml"
    path.write_bytes(sign_xml_with_key(key=key, xml=request_xml(NCA_TEST_IIN)))
    code, out, _ = _run(str(path), "--expect-iin", NCA_TEST_IIN, "--json")
    assert code == 0, out
    data = json.loads(out)
    assert (data["valid"], data["signer"]["iin"]) == (True, NCA_TEST_IIN)
    # Any twelve digits are matched, not waved through: another number is a mismatch.
    code, out, _ = _run(str(path), "--expect-iin", "123456789012", "--json")
    assert (code, json.loads(out)["reason"]) == (1, "iin_mismatch")


def test_expect_bin_accepts_the_nca_test_bin(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    provider = ProviderSpec(NCA_TEST_BIN, "ТОО ТЕСТ", NCA_TEST_IIN)
    now = dt.datetime.now(dt.UTC)
    key = issued_key(test_pki, organization_name(provider), testpki_certs.org_profile(now))
    path = tmp_path / "nca-test-talon.xml"
    path.write_bytes(sign_xml_with_key(key=key, xml=talon_xml(NCA_TEST_BIN, NCA_TEST_IIN)))
    code, out, _ = _run(str(path), "--expect-bin", NCA_TEST_BIN, "--json")
    assert code == 0, out
    assert json.loads(out)["signer"]["bin"] == NCA_TEST_BIN
