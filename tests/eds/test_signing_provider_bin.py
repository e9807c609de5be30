"""R9.12: nothing is signed in a provider's name with a key whose certificate names another
BIN, whichever key store holds it; the refusal is `key_bin_mismatch`, one of the codes that
mean the provider's key is unavailable."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bekitu.core.models import AuditEntry
from bekitu.devtools.testpki import PASSWORD, TestPki
from bekitu.eds.signing import (
    KEY_BIN_MISMATCH,
    KEY_UNAVAILABLE,
    DirectoryKeyStore,
    FakeKeyStore,
    SigningKeyError,
    check_key_bin,
    load_p12,
    sign_pdf_as_provider,
    sign_xml_as_provider,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def swapped(test_pki: TestPki, tmp_path: Path) -> DirectoryKeyStore:
    """A key folder whose file for the first provider holds the second provider's key."""
    first, second = test_pki.providers[:2]
    folder = tmp_path / "keys"
    folder.mkdir()
    source = test_pki.providers_dir
    shutil.copy(source / f"{second.bin}.p12", folder / f"{first.bin}.p12")
    shutil.copy(source / f"{second.bin}.pass", folder / f"{first.bin}.pass")
    return DirectoryKeyStore(folder)


def _refused(call: Any) -> SigningKeyError:
    with pytest.raises(SigningKeyError) as info:
        call()
    return info.value


def test_a_provider_key_of_another_bin_does_not_sign_the_xml(
    test_pki: TestPki, swapped: DirectoryKeyStore
) -> None:
    bin_ = test_pki.providers[0].bin
    error = _refused(
        lambda: sign_xml_as_provider(provider_bin=bin_, xml=b"<talon/>", key_store=swapped)
    )
    assert error.code == KEY_BIN_MISMATCH and error.code in KEY_UNAVAILABLE
    assert not AuditEntry.objects.filter(action="eds.sign").exists()


def test_a_provider_key_of_another_bin_does_not_sign_the_pdf(
    test_pki: TestPki, swapped: DirectoryKeyStore
) -> None:
    bin_ = test_pki.providers[0].bin
    error = _refused(
        lambda: sign_pdf_as_provider(provider_bin=bin_, pdf=b"%PDF-1.7", key_store=swapped)
    )
    assert error.code == KEY_BIN_MISMATCH
    assert not AuditEntry.objects.filter(action="eds.sign").exists()


def test_the_directory_store_itself_refuses_it_also_from_its_cache(
    test_pki: TestPki, swapped: DirectoryKeyStore
) -> None:
    # what the gateway signs envelopes with goes through the store's load
    bin_ = test_pki.providers[0].bin
    for _ in range(2):  # opened, then kept: both refused
        assert _refused(lambda: swapped.load(bin_)).code == KEY_BIN_MISMATCH


def test_the_fake_store_refuses_it_like_the_real_one(test_pki: TestPki) -> None:
    first, second = test_pki.providers[:2]
    key = load_p12(test_pki.provider_p12(second.bin), PASSWORD)
    store = FakeKeyStore({first.bin: key})
    assert _refused(lambda: store.load(first.bin)).code == KEY_BIN_MISMATCH


def test_the_check_holds_for_any_key_store(test_pki: TestPki) -> None:
    first, second = test_pki.providers[:2]

    class Lenient:  # an adapter that hands out whatever it holds
        def load(self, provider_bin: str) -> Any:
            return load_p12(test_pki.provider_p12(second.bin), PASSWORD)

        def has_key(self, provider_bin: str) -> bool:
            return True

    error = _refused(
        lambda: sign_xml_as_provider(provider_bin=first.bin, xml=b"<t/>", key_store=Lenient())
    )
    assert error.code == KEY_BIN_MISMATCH


def test_a_person_key_names_no_bin_and_is_refused(test_pki: TestPki) -> None:
    person_key = load_p12(test_pki.person_sign_p12(test_pki.person.iin), PASSWORD)
    with pytest.raises(SigningKeyError) as info:
        check_key_bin(test_pki.provider.bin, person_key)
    assert info.value.code == KEY_BIN_MISMATCH


def test_the_providers_own_key_signs(test_pki: TestPki, eds_settings: Any) -> None:
    bin_ = test_pki.provider.bin
    assert sign_xml_as_provider(provider_bin=bin_, xml=b"<talon/>").startswith(b"<?xml")
    assert AuditEntry.objects.filter(action="eds.sign", object_id=bin_).exists()
