"""The test PKI: the files it writes and the NCA profile of every certificate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID, ObjectIdentifier

from bekitu.devtools.testpki import (
    NEGATIVE_CASES,
    OID_INDIVIDUAL,
    OID_ORG_HEAD,
    OID_ORGANIZATION,
    PASSWORD,
    PersonSpec,
    ProviderSpec,
    TestPki,
    build_test_pki,
    shared_keys,
)


def _p12(path: Path) -> tuple[x509.Certificate, list[x509.Certificate]]:
    key, cert, extra = pkcs12.load_key_and_certificates(path.read_bytes(), PASSWORD.encode())
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert cert is not None and cert.public_key().public_numbers() == (
        key.public_key().public_numbers()
    )
    return cert, extra


def _pem(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _attr(name: x509.Name, oid: ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


def _eku(cert: x509.Certificate) -> set[str]:
    return {
        oid.dotted_string
        for oid in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    }


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def test_person_signing_key_has_the_individual_nca_profile(test_pki: TestPki) -> None:
    person = test_pki.person
    cert, chain = _p12(test_pki.person_sign_p12(person.iin))
    subject = cert.subject
    assert _attr(subject, NameOID.COMMON_NAME) == [f"{person.surname} {person.given_name}"]
    assert _attr(subject, NameOID.SURNAME) == [person.surname]
    assert _attr(subject, NameOID.GIVEN_NAME) == [person.given_name]
    assert _attr(subject, NameOID.SERIAL_NUMBER) == [f"IIN{person.iin}"]
    assert _attr(subject, NameOID.COUNTRY_NAME) == ["KZ"]
    assert _attr(subject, NameOID.ORGANIZATION_NAME) == []
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_encipherment
    assert _eku(cert) == {ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string, OID_INDIVIDUAL}
    assert cert.signature_hash_algorithm is not None
    assert cert.signature_hash_algorithm.name == "sha256"
    assert [c.subject for c in chain] == [
        _pem(test_pki.intermediate_cert).subject,
        _pem(test_pki.root_cert).subject,
    ]


def test_person_authentication_key_is_client_auth_without_non_repudiation(
    test_pki: TestPki,
) -> None:
    cert, _ = _p12(test_pki.person_auth_p12(test_pki.person.iin))
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_encipherment
    assert not usage.content_commitment
    assert _eku(cert) == {ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string, OID_INDIVIDUAL}


def test_provider_key_has_the_organization_profile_and_a_password_file(
    test_pki: TestPki,
) -> None:
    provider = test_pki.provider
    cert, _ = _p12(test_pki.provider_p12(provider.bin))
    assert _attr(cert.subject, NameOID.ORGANIZATION_NAME) == [provider.name]
    assert _attr(cert.subject, NameOID.ORGANIZATIONAL_UNIT_NAME) == [f"BIN{provider.bin}"]
    assert _attr(cert.subject, NameOID.SERIAL_NUMBER) == [f"IIN{provider.head_iin}"]
    assert OID_ORGANIZATION in _eku(cert) and OID_ORG_HEAD in _eku(cert)
    assert OID_INDIVIDUAL not in _eku(cert)
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment
    pass_file = test_pki.providers_dir / f"{provider.bin}.pass"
    assert pass_file.read_text() == PASSWORD
    assert pass_file.stat().st_mode & 0o077 == 0


def test_chain_root_signs_intermediate_signs_leaves(test_pki: TestPki) -> None:
    root, inter = _pem(test_pki.root_cert), _pem(test_pki.intermediate_cert)
    assert _issued_by(root, root) and _issued_by(inter, root)
    assert inter.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for path in (
        test_pki.person_sign_p12(test_pki.person.iin),
        test_pki.provider_p12(test_pki.provider.bin),
    ):
        assert _issued_by(_p12(path)[0], inter)
    assert _issued_by(_pem(test_pki.ocsp_cert), inter)


def test_ocsp_responder_certificate_signs_ocsp_and_needs_no_revocation_check(
    test_pki: TestPki,
) -> None:
    cert = _pem(test_pki.ocsp_cert)
    assert _eku(cert) == {ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string}
    assert cert.extensions.get_extension_for_oid(ExtensionOID.OCSP_NO_CHECK)
    key = test_pki.ocsp_key.read_bytes()
    assert b"PRIVATE KEY" in key and test_pki.ocsp_key.stat().st_mode & 0o077 == 0


def test_intermediate_crl_lists_only_the_revoked_case_and_is_current(test_pki: TestPki) -> None:
    crl = x509.load_der_x509_crl(test_pki.intermediate_crl.read_bytes())
    inter = _pem(test_pki.intermediate_cert)
    assert crl.is_signature_valid(inter.public_key())
    revoked_cert, _ = _p12(test_pki.negative("revoked"))
    assert [r.serial_number for r in crl] == [revoked_cert.serial_number]
    now = dt.datetime.now(dt.UTC)
    assert crl.last_update_utc <= now < crl.next_update_utc  # type: ignore[operator]
    assert crl.next_update_utc - now > dt.timedelta(days=3)  # type: ignore[operator]
    root_crl = x509.load_der_x509_crl(test_pki.root_crl.read_bytes())
    assert root_crl.is_signature_valid(_pem(test_pki.root_cert).public_key()) and len(root_crl) == 0


def test_negative_cases_each_fail_in_their_own_way(test_pki: TestPki) -> None:
    now = dt.datetime.now(dt.UTC)
    person = test_pki.person
    certs = {case: _p12(test_pki.negative(case))[0] for case in NEGATIVE_CASES}
    assert certs["expired"].not_valid_after_utc < now
    assert certs["not_yet_valid"].not_valid_before_utc > now
    assert (
        not certs["auth_only"]
        .extensions.get_extension_for_class(x509.KeyUsage)
        .value.content_commitment
    )
    assert OID_ORGANIZATION in _eku(certs["org_as_individual"])
    assert OID_INDIVIDUAL not in _eku(certs["org_as_individual"])
    impostor = certs["impostor"]
    real, _ = _p12(test_pki.person_sign_p12(person.iin))
    assert impostor.subject == real.subject
    assert _issued_by(impostor, _pem(test_pki.foreign_root_cert))
    assert not _issued_by(impostor, _pem(test_pki.intermediate_cert))
    trusted = [_pem(p) for p in test_pki.trust_dir.glob("*.pem")]
    assert _pem(test_pki.foreign_root_cert) not in trusted
    assert not any(_issued_by(impostor, ca) for ca in trusted)
    assert format(impostor.serial_number, "x") not in test_pki.serials
    for case in ("revoked", "expired", "not_yet_valid", "auth_only"):
        assert _attr(certs[case].subject, NameOID.SERIAL_NUMBER) == [f"IIN{person.iin}"]


def test_urls_go_into_distribution_points_and_aia(tmp_path: Path) -> None:
    person = PersonSpec("850314301011", "A", "B")
    pki = build_test_pki(
        tmp_path,
        persons=[person],
        providers=[],
        ocsp_url="http://127.0.0.1:8089/ocsp",
        crl_url="http://127.0.0.1:8089/crl/",
        key_source=shared_keys(),
    )
    cert, _ = _p12(pki.person_sign_p12(person.iin))
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for n in cdp[0].full_name or []] == [
        "http://127.0.0.1:8089/crl/intermediate.crl"
    ]
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [a.access_location.value for a in aia] == ["http://127.0.0.1:8089/ocsp"]
    inter_cdp = _pem(pki.intermediate_cert).extensions.get_extension_for_class(
        x509.CRLDistributionPoints
    )
    assert inter_cdp.value[0].full_name[0].value == "http://127.0.0.1:8089/crl/root.crl"  # type: ignore[index]


def test_without_urls_leaves_carry_no_distribution_point(test_pki: TestPki) -> None:
    cert, _ = _p12(test_pki.person_sign_p12(test_pki.person.iin))
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)


def test_manifest_lists_everything_and_loads_back(test_pki: TestPki) -> None:
    data = json.loads(test_pki.manifest.read_text())
    assert data["password"] == PASSWORD
    assert {p["iin"] for p in data["persons"]} == {p.iin for p in test_pki.persons}
    assert set(data["provider_keys"]) == {p.bin for p in test_pki.providers}
    assert set(data["negative"]) == set(NEGATIVE_CASES)
    for rel in [
        *data["trust"],
        *data["crl"],
        *data["negative"].values(),
        *data["provider_keys"].values(),
    ]:
        assert (test_pki.outdir / rel).is_file()
    loaded = TestPki.load(test_pki.outdir)
    assert loaded == test_pki
    revoked_cert, _ = _p12(test_pki.negative("revoked"))
    assert data["revoked"] == [format(revoked_cert.serial_number, "x")]
    assert format(revoked_cert.serial_number, "x") in loaded.serials


def test_a_pki_needs_a_person(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one person"):
        build_test_pki(tmp_path, persons=[], providers=[ProviderSpec("050140000110", "X", "1")])


def test_signatures_are_rsa_pkcs1_sha256(test_pki: TestPki) -> None:
    inter = _pem(test_pki.intermediate_cert)
    cert, _ = _p12(test_pki.person_sign_p12(test_pki.person.iin))
    public = inter.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    assert cert.signature_hash_algorithm is not None
    public.verify(
        cert.signature,
        cert.tbs_certificate_bytes,
        padding.PKCS1v15(),
        cert.signature_hash_algorithm,
    )


def _command(*args: str) -> tuple[int, str]:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    try:
        call_command("eds", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_command_makes_a_demo_pki_with_a_readme_and_keeps_it_when_up_to_date(
    tmp_path: Path,
) -> None:
    code, out = _command("test-pki", str(tmp_path), "--persons", "2")
    assert code == 0 and "2 persons, 2 providers" in out
    pki = TestPki.load(tmp_path)
    readme = (tmp_path / "README.txt").read_text()
    assert pki.password in readme and all(p.iin in readme for p in pki.persons)
    assert all(o.bin in readme and o.name in readme for o in pki.providers)
    root_before = pki.root_cert.read_bytes()
    code, out = _command("test-pki", str(tmp_path), "--persons", "2")
    assert code == 0 and "up to date" in out and pki.root_cert.read_bytes() == root_before
    code, out = _command(
        "test-pki", str(tmp_path), "--persons", "2", "--ocsp-url", "http://127.0.0.1:1/"
    )
    assert code == 0 and "written" in out and pki.root_cert.read_bytes() != root_before
    assert TestPki.load(tmp_path).ocsp_url == "http://127.0.0.1:1/"


@pytest.mark.django_db
def test_command_from_the_database_takes_its_providers_and_first_adult_citizens(
    tmp_path: Path,
) -> None:
    from django.utils import timezone

    from bekitu.core.models import AuditEntry
    from bekitu.registry.models import Person
    from tests.factories import PersonFactory, ProviderFactory

    adults = PersonFactory.create_batch(
        3, status=Person.Status.CITIZEN, birth_date=dt.date(1980, 5, 1)
    )
    PersonFactory(
        status=Person.Status.CITIZEN, birth_date=timezone.localdate() - dt.timedelta(days=365)
    )
    PersonFactory(status=Person.Status.KANDAS, birth_date=dt.date(1980, 5, 1))
    PersonFactory(
        status=Person.Status.CITIZEN, birth_date=dt.date(1950, 1, 1), death_date=dt.date(2020, 1, 1)
    )
    providers = ProviderFactory.create_batch(2)
    code, out = _command("test-pki", str(tmp_path), "--persons-from-db", "--persons", "10")
    assert code == 0, out
    pki = TestPki.load(tmp_path)
    assert [p.iin for p in pki.persons] == [a.iin for a in adults]
    assert pki.persons[0].surname == adults[0].surname.upper()
    from bekitu.devtools.cli.test_pki import PORTAL_OPERATOR_NAME, portal_operator_bin

    # The providers, and the demo portal's operator (it signs the portal's gateway envelopes).
    assert {o.bin: o.name for o in pki.providers} == {
        **{p.bin: p.name_ru for p in providers},
        portal_operator_bin(): PORTAL_OPERATOR_NAME,
    }
    for provider in providers:
        assert (pki.providers_dir / f"{provider.bin}.p12").is_file()
        assert (pki.providers_dir / f"{provider.bin}.pass").read_text() == PASSWORD
    reads = AuditEntry.objects.filter(action="eds.test_pki.person.read")
    assert sorted(reads.values_list("subject_iin", flat=True)) == sorted(a.iin for a in adults)


@pytest.mark.django_db
def test_command_from_the_database_gives_a_parent_of_a_minor_keys(tmp_path: Path) -> None:
    """The demo shows a parent applying for their child on the portal: the second person with
    keys is a parent of a child under 18."""
    from bekitu.registry.models import Person
    from tests.factories import PersonFactory, PersonRelationFactory

    adults = PersonFactory.create_batch(
        4, status=Person.Status.CITIZEN, birth_date=dt.date(1980, 5, 1)
    )
    PersonRelationFactory(relative=adults[3], person__birth_date=dt.date(2019, 2, 3))
    code, out = _command("test-pki", str(tmp_path), "--persons-from-db", "--persons", "3")
    assert code == 0, out
    pki = TestPki.load(tmp_path)
    assert [p.iin for p in pki.persons] == [adults[0].iin, adults[3].iin, adults[1].iin]


@pytest.mark.django_db
def test_command_from_the_database_gives_a_newcomer_keys_before_the_parent(tmp_path: Path) -> None:
    """The demo's citizen can get a talon on the portal on any day: after the first person
    (who holds the negative keys) comes an adult not attached anywhere whose home an adult's
    district of an open provider covers (a first attachment needs no campaign)."""
    from bekitu.registry.models import District, Person
    from tests.factories import (
        AttachmentFactory,
        PersonFactory,
        PersonRelationFactory,
        ServiceAreaFactory,
    )

    adults = PersonFactory.create_batch(
        5, status=Person.Status.CITIZEN, birth_date=dt.date(1980, 5, 1)
    )
    PersonRelationFactory(relative=adults[4], person__birth_date=dt.date(2019, 2, 3))
    # Covered, but attached already; covered only by a paediatric district; covered: chosen.
    for adult, kind in ((adults[1], District.Kind.GP), (adults[2], District.Kind.PAEDIATRIC)):
        ServiceAreaFactory(street=adult.address.street, district__kind=kind)
    AttachmentFactory(person=adults[1])
    ServiceAreaFactory(street=adults[3].address.street, district__kind=District.Kind.THERAPIST)
    code, out = _command("test-pki", str(tmp_path), "--persons-from-db", "--persons", "4")
    assert code == 0, out
    pki = TestPki.load(tmp_path)
    expected = (adults[0], adults[3], adults[4], adults[1])
    assert [p.iin for p in pki.persons] == [a.iin for a in expected]


@pytest.mark.django_db
def test_command_from_the_database_keeps_its_keys_once_the_newcomer_is_attached(
    tmp_path: Path,
) -> None:
    """The demo's newcomer attached through the demo itself is no reason to make the PKI
    again (new keys, and talons signed with the old provider keys no longer verified): its
    persons are kept while each is in the register; one gone, they are chosen anew."""
    from bekitu.registry.models import Person
    from tests.factories import AttachmentFactory, PersonFactory, ServiceAreaFactory

    adults = PersonFactory.create_batch(
        3, status=Person.Status.CITIZEN, birth_date=dt.date(1980, 5, 1)
    )
    area = ServiceAreaFactory(street=adults[2].address.street)
    assert _command("test-pki", str(tmp_path), "--persons-from-db", "--persons", "3")[0] == 0
    made = TestPki.load(tmp_path).persons
    assert made[1].iin == adults[2].iin
    # Attached at the provider that covers the home (no provider added: the same providers).
    AttachmentFactory(person=adults[2], provider=area.district.provider, district=area.district)
    code, out = _command("test-pki", str(tmp_path), "--persons-from-db", "--persons", "3")
    assert code == 0 and "up to date" in out
    assert TestPki.load(tmp_path).persons == made
    adults[1].delete()
    PersonFactory(status=Person.Status.CITIZEN, birth_date=dt.date(1980, 5, 1))
    code, out = _command("test-pki", str(tmp_path), "--persons-from-db", "--persons", "3")
    assert code == 0 and "written" in out
    assert adults[1].iin not in [p.iin for p in TestPki.load(tmp_path).persons]


@pytest.mark.django_db
def test_command_from_an_empty_database_is_a_usage_error(tmp_path: Path) -> None:
    code, out = _command("test-pki", str(tmp_path), "--persons-from-db")
    assert code == 2 and "no adult citizens" in out
    assert not (tmp_path / "manifest.json").exists()


def test_responder_and_dev_server_commands_refuse_bad_input(tmp_path: Path) -> None:
    code, out = _command("ocsp-responder", "--pki", str(tmp_path))
    assert code == 2 and "no test PKI" in out
    code, out = _command("ncalayer-dev", "--p12", str(tmp_path / "none.p12"), "--password", "x")
    assert code == 2 and "cannot be read" in out
    code, out = _command("ncalayer-dev", "--p12", "x.p12", "--password", "x", "--host", "10.0.0.1")
    assert code == 2 and "loopback" in out
