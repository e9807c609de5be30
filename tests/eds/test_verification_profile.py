"""The NCA certificate profile, read from certificates built here: no database, no PKI."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bekitu.eds.profile import (
    OID_INDIVIDUAL,
    OID_ORG_HEAD,
    OID_ORG_SIGNER,
    OID_ORGANIZATION,
    check_holder,
    read_profile,
)
from bekitu.eds.refusal import Refused

_KEY = ec.generate_private_key(ec.SECP256R1())
_NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_SIGN = {"digital_signature": True, "content_commitment": True}
_AUTH = {"digital_signature": True, "key_encipherment": True}
_EMAIL = ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string
_CLIENT = ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string


def _cert(
    attributes: list[tuple[ObjectIdentifier, str]],
    *,
    usage: dict[str, bool] | None = None,
    eku: tuple[str, ...] = (_EMAIL, OID_INDIVIDUAL),
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA")]))
        .public_key(_KEY.public_key())
        .serial_number(0xABCDEF)
        .not_valid_before(_NOW)
        .not_valid_after(_NOW + dt.timedelta(days=365))
    )
    if usage is not None:
        flags = dict.fromkeys(
            (
                "digital_signature",
                "content_commitment",
                "key_encipherment",
                "data_encipherment",
                "key_agreement",
                "key_cert_sign",
                "crl_sign",
                "encipher_only",
                "decipher_only",
            ),
            False,
        )
        builder = builder.add_extension(x509.KeyUsage(**{**flags, **usage}), True)
    if eku:
        oids = [ObjectIdentifier(o) for o in eku]
        builder = builder.add_extension(x509.ExtendedKeyUsage(oids), False)
    return builder.sign(_KEY, hashes.SHA256())


def _person(iin: str = "850314301011") -> list[tuple[ObjectIdentifier, str]]:
    return [
        (NameOID.COMMON_NAME, "ТЕСТОВ АСАН"),
        (NameOID.SURNAME, "ТЕСТОВ"),
        (NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        (NameOID.COUNTRY_NAME, "KZ"),
        (NameOID.GIVEN_NAME, "АСАН"),
    ]


def _org(bin_: str = "050140000110") -> list[tuple[ObjectIdentifier, str]]:
    return [
        *_person(),
        (NameOID.ORGANIZATION_NAME, "ГКП «ЕМХАНА №1»"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{bin_}"),
    ]


_ORG_EKU = (_EMAIL, OID_ORGANIZATION, OID_ORG_HEAD)


def test_an_individuals_certificate_gives_iin_names_serial_and_validity() -> None:
    profile = read_profile(_cert(_person(), usage=_SIGN))
    assert profile.iin == "850314301011"
    assert profile.bin is None
    assert profile.common_name == "ТЕСТОВ АСАН"
    assert profile.organization is None
    assert profile.serial == "abcdef"
    assert profile.not_before == _NOW
    assert profile.is_individual and not profile.is_organization
    assert profile.usage.is_signing_key


def test_an_organizations_certificate_gives_bin_and_the_employees_iin() -> None:
    profile = read_profile(_cert(_org(), usage=_SIGN, eku=_ORG_EKU))
    assert profile.bin == "050140000110"
    assert profile.iin == "850314301011"
    assert profile.organization == "ГКП «ЕМХАНА №1»"
    assert profile.is_organization and not profile.is_individual


def test_a_bin_in_the_serial_number_is_accepted() -> None:
    attributes = [(NameOID.COMMON_NAME, "ТОО"), (NameOID.SERIAL_NUMBER, "BIN050140000110")]
    profile = read_profile(_cert(attributes, usage=_SIGN, eku=_ORG_EKU))
    assert profile.bin == "050140000110"
    assert profile.iin is None


def test_two_different_bins_give_none() -> None:
    attributes = [*_org("050140000110"), (NameOID.SERIAL_NUMBER, "BIN110140000220")]
    assert read_profile(_cert(attributes, usage=_SIGN, eku=_ORG_EKU)).bin is None


@pytest.mark.parametrize(
    "value", ["IIN12345", "850314301011", "IIN 850314301011X", "IINabcdefghijkl"]
)
def test_a_serial_number_not_of_the_form_iin_and_12_digits_gives_no_iin(value: str) -> None:
    attributes = [(NameOID.COMMON_NAME, "X"), (NameOID.SERIAL_NUMBER, value)]
    assert read_profile(_cert(attributes, usage=_SIGN)).iin is None


# Each example signs a certificate: on a shared, loaded machine that trips the speed check.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.from_regex(r"\A[0-9]{12}\Z"))
def test_any_twelve_digits_after_iin_are_read_back(iin: str) -> None:
    assert read_profile(_CERTS.setdefault(iin, _cert(_person(iin), usage=_SIGN))).iin == iin


_CERTS: dict[str, x509.Certificate] = {}


@pytest.mark.parametrize(
    ("usage", "eku", "signing"),
    [
        pytest.param(_SIGN, (_EMAIL, OID_INDIVIDUAL), True, id="signing"),
        pytest.param(_AUTH, (_CLIENT, OID_INDIVIDUAL), False, id="authentication"),
        pytest.param({"digital_signature": True}, (OID_INDIVIDUAL,), False, id="no-nonrepudiation"),
        pytest.param({"content_commitment": True}, (OID_INDIVIDUAL,), False, id="no-digitalsig"),
        pytest.param({**_SIGN, "key_encipherment": True}, (OID_INDIVIDUAL,), False, id="both"),
        pytest.param(_SIGN, (_CLIENT, OID_INDIVIDUAL), False, id="signing-bits-clientauth"),
        pytest.param(None, (OID_INDIVIDUAL,), False, id="no-key-usage"),
    ],
)
def test_only_a_signing_key_is_a_signing_key(
    usage: dict[str, bool] | None, eku: tuple[str, ...], signing: bool
) -> None:
    assert read_profile(_cert(_person(), usage=usage, eku=eku)).usage.is_signing_key is signing


@pytest.mark.parametrize(
    ("eku", "organization"),
    [
        pytest.param((OID_ORGANIZATION, OID_ORG_HEAD), True, id="head"),
        pytest.param((OID_ORGANIZATION, OID_ORG_SIGNER), True, id="may-sign"),
        pytest.param((OID_ORGANIZATION,), False, id="no-role"),
        pytest.param((OID_ORGANIZATION, "1.2.398.3.3.4.1.2.5"), False, id="employee-only"),
        pytest.param((OID_ORG_HEAD,), False, id="role-without-organization"),
        pytest.param((OID_INDIVIDUAL,), False, id="individual"),
    ],
)
def test_an_organization_signer_needs_the_oid_and_a_role_that_may_sign(
    eku: tuple[str, ...], organization: bool
) -> None:
    assert read_profile(_cert(_org(), usage=_SIGN, eku=eku)).is_organization is organization


def test_a_ca_certificate_is_never_a_signing_key() -> None:
    cert = _cert(_person(), usage=_SIGN)
    ca = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(_KEY.public_key())
        .serial_number(1)
        .not_valid_before(_NOW)
        .not_valid_after(_NOW + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(cert.extensions.get_extension_for_class(x509.KeyUsage).value, True)
        .add_extension(x509.ExtendedKeyUsage([ObjectIdentifier(OID_INDIVIDUAL)]), False)
        .sign(_KEY, hashes.SHA256())
    )
    assert read_profile(cert).usage.is_signing_key
    assert not read_profile(ca).usage.is_signing_key


def _reason(cert: x509.Certificate, kind: str, expected: str) -> str | None:
    try:
        check_holder(read_profile(cert), kind=kind, expected=expected)
    except Refused as refusal:
        return refusal.reason
    return None


def test_holder_checks_run_in_order_key_usage_then_kind_then_number() -> None:
    auth_org = _cert(_org(), usage=_AUTH, eku=(_CLIENT, OID_ORGANIZATION))
    assert _reason(auth_org, "individual", "000000000000") == "wrong_key_usage"
    org = _cert(_org(), usage=_SIGN, eku=_ORG_EKU)
    assert _reason(org, "individual", "000000000000") == "not_individual"
    person = _cert(_person(), usage=_SIGN)
    assert _reason(person, "individual", "000000000000") == "iin_mismatch"
    assert _reason(person, "individual", "850314301011") is None
    assert _reason(person, "organization", "050140000110") == "not_organization"
    assert _reason(org, "organization", "110140000220") == "bin_mismatch"
    assert _reason(org, "organization", "050140000110") is None


def test_an_individual_without_an_iin_is_a_mismatch_even_for_an_empty_expectation() -> None:
    cert = _cert([(NameOID.COMMON_NAME, "NO IIN")], usage=_SIGN)
    assert _reason(cert, "individual", "") == "iin_mismatch"


def test_an_unknown_reason_code_cannot_be_raised() -> None:
    with pytest.raises(ValueError, match="unknown refusal reason"):
        Refused("looks_fine")


def test_every_reason_has_a_message_for_people() -> None:
    from bekitu.eds.refusal import REASON_MESSAGES, REASONS

    assert set(REASON_MESSAGES) == set(REASONS)
    assert all(str(message).endswith(".") for message in REASON_MESSAGES.values())
