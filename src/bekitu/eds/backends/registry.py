"""Which crypto backend is configured, and the hooks that let path validation use it.

`get_backend()` instantiates the class named by `EDS_CRYPTO_BACKEND` (a dotted path), once per
name. With none configured, or one that cannot be loaded, GOST is refused: the hooks below
tell pyhanko-certvalidator that GOST signatures on certificates, CRLs and OCSP responses are
not allowed, and the XML check refuses a GOST request with `unsupported_algorithm`.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from asn1crypto import algos, keys
from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.utils.module_loading import import_string
from pyhanko_certvalidator.errors import AlgorithmNotSupported
from pyhanko_certvalidator.policy_decl import (
    AlgorithmUsageConstraint,
    DisallowWeakAlgorithmsPolicy,
)
from pyhanko_certvalidator.sig_validate import (
    DefaultSignatureValidator,
    SignatureValidationContext,
)

from bekitu.eds.backends.base import CryptoBackend, is_gost_oid

log = logging.getLogger("bekitu.eds")

_lock = threading.Lock()
_loaded: dict[str, CryptoBackend | None] = {}


def _load(path: str) -> CryptoBackend | None:
    try:
        backend = import_string(path)()
    except Exception:
        log.exception("eds.backend.load_failed", extra={"fields": {"backend": path}})
        return None
    if not isinstance(backend, CryptoBackend):
        log.error("eds.backend.not_a_backend", extra={"fields": {"backend": path}})
        return None
    return backend


def get_backend() -> CryptoBackend | None:
    """The configured GOST backend, or None (GOST is then refused)."""
    path = settings.EDS_CRYPTO_BACKEND.strip()
    if not path:
        return None
    with _lock:
        if path not in _loaded:
            _loaded[path] = _load(path)
        return _loaded[path]


def _algorithm_oids(
    signature_algorithm: algos.SignedDigestAlgorithm, public_key: keys.PublicKeyInfo | None
) -> tuple[str, str]:
    key_oid = public_key["algorithm"]["algorithm"].dotted if public_key is not None else ""
    return signature_algorithm["algorithm"].dotted, key_oid


class BackendAlgorithmPolicy(DisallowWeakAlgorithmsPolicy):
    """The default policy for RSA and the rest; GOST only where a backend handles it."""

    def __init__(self, backend: CryptoBackend | None) -> None:
        super().__init__()
        self.backend = backend

    def signature_algorithm_allowed(
        self,
        algo: algos.SignedDigestAlgorithm,
        moment: datetime | None,
        public_key: keys.PublicKeyInfo | None,
    ) -> AlgorithmUsageConstraint:
        """Allow a GOST signature only when the backend handles its OID."""
        sig_oid, key_oid = _algorithm_oids(algo, public_key)
        if is_gost_oid(sig_oid) or is_gost_oid(key_oid):
            allowed = self.backend is not None and self.backend.handles(sig_oid)
            reason = None if allowed else "no crypto backend for GOST is configured"
            return AlgorithmUsageConstraint(allowed, failure_reason=reason)
        return super().signature_algorithm_allowed(algo, moment, public_key)


class BackendSignatureValidator(DefaultSignatureValidator):
    """Verify GOST signatures through the backend, everything else with `cryptography`."""

    def __init__(self, backend: CryptoBackend | None) -> None:
        self.backend = backend

    def validate_signature(
        self,
        signature: bytes,
        signed_data: bytes,
        public_key_info: keys.PublicKeyInfo,
        signature_algorithm: algos.SignedDigestAlgorithm,
        context: SignatureValidationContext = SignatureValidationContext(),  # noqa: B008
    ) -> None:
        """Raise InvalidSignature unless the signature verifies."""
        sig_oid, key_oid = _algorithm_oids(signature_algorithm, public_key_info)
        if not (is_gost_oid(sig_oid) or is_gost_oid(key_oid)):
            super().validate_signature(
                signature, signed_data, public_key_info, signature_algorithm, context
            )
            return
        if self.backend is None or not self.backend.handles(sig_oid):
            raise AlgorithmNotSupported(f"no crypto backend for {sig_oid}")
        ok = self.backend.verify(
            algorithm=sig_oid,
            public_key_info=public_key_info.dump(),
            signature=signature,
            data=signed_data,
        )
        if not ok:
            raise InvalidSignature(f"{sig_oid} signature does not verify")
