"""Fixtures of the EDS tests beside the session's test PKI (tests/conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bekitu.devtools.testpki import TestPki, build_test_pki, shared_keys
from bekitu.eds.ocsp_client import OCSP_CACHE
from bekitu.eds.path_cache import CACHE


@pytest.fixture(scope="module")
def cdp_pki(tmp_path_factory: pytest.TempPathFactory, test_pki: TestPki) -> TestPki:
    """The test PKI's persons again, with certificates that name CRL distribution points (as
    the NCA's do): the intermediate's revocation is then checked in hard-fail mode."""
    return build_test_pki(
        tmp_path_factory.mktemp("cdp-pki"),
        persons=test_pki.persons,
        providers=test_pki.providers,
        crl_url="http://127.0.0.1:9/crl/",
        key_source=shared_keys(),
    )


@dataclass(frozen=True)
class OwnDirs:
    """A copy of a test PKI's trust store and CRL folder that a test may change."""

    trust: Path
    crl: Path


@pytest.fixture
def own_dirs(settings: Any, tmp_path: Path) -> Iterator[Any]:
    """`own_dirs(pki)` copies the PKI's trust/ and crl/ into the test's folder and points the
    settings at the copies; the session's PKI is never changed."""

    def use(pki: TestPki) -> OwnDirs:
        dirs = OwnDirs(tmp_path / "trust", tmp_path / "crl")
        shutil.copytree(pki.trust_dir, dirs.trust)
        shutil.copytree(pki.crl_dir, dirs.crl)
        settings.EDS_TRUST_DIR, settings.EDS_CRL_DIR = dirs.trust, dirs.crl
        settings.EDS_PROVIDER_KEYS_DIR = pki.providers_dir
        settings.EDS_OCSP_URL = ""
        return dirs

    yield use


@pytest.fixture
def empty_path_cache() -> None:
    """Start without any cached CA path (tests that count what the cache holds)."""
    CACHE.clear()


@pytest.fixture(autouse=True)
def _no_kept_ocsp_answers() -> None:
    # Each test's responder answers for itself (responders come and go on reused ports): no
    # answer kept from an earlier test's.
    OCSP_CACHE.clear()
