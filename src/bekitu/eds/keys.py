"""Signing keys: PKCS#12 files, and the providers' key store (R9.12, R3.1).

A provider's organization key lives outside the database, as `<BIN>.p12` with its password in
`<BIN>.pass` in `EDS_PROVIDER_KEYS_DIR`. Neither the key nor the password is ever logged, and a
`SigningKey` does not show its key in its repr.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError

log = logging.getLogger("bekitu.eds")


@dataclass(frozen=True)
class SigningKey:
    """A private key, its certificate and the certificates that came with it (the chain)."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey = field(repr=False)
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def serial_hex(self) -> str:
        """The certificate's serial number in hex, as audit rows show it."""
        return format(self.certificate.serial_number, "x")


class SigningKeyError(DomainError):
    """The key cannot be found or opened."""

    code = "key_unavailable"


def load_p12(path: Path, password: str) -> SigningKey:
    """Open a PKCS#12 file; an RSA key with a certificate is required."""
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            _("The signing key file cannot be read."), code="key_missing"
        ) from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(blob, password.encode())
    except ValueError as exc:
        # The message of cryptography's error is not passed on: it may echo input.
        raise SigningKeyError(
            _("The signing key cannot be opened (wrong password or damaged file)."),
            code="key_unreadable",
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
        raise SigningKeyError(
            _("The signing key must be an RSA key with its certificate."), code="key_unsupported"
        )
    return SigningKey(certificate=cert, private_key=key, chain=tuple(extra))


class ProviderKeyStore(Protocol):
    """Where the providers' organization keys come from."""

    def load(self, provider_bin: str) -> SigningKey:
        """The provider's signing key, or SigningKeyError (code key_missing / key_unreadable)."""
        ...

    def has_key(self, provider_bin: str) -> bool:
        """Whether a key is configured for the provider."""
        ...


class DirectoryKeyStore:
    """The real adapter: `<dir>/<BIN>.p12` with the password in `<dir>/<BIN>.pass`."""

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory

    @property
    def directory(self) -> Path:
        """The folder read now (the setting, unless one was given)."""
        return self._directory or Path(settings.EDS_PROVIDER_KEYS_DIR)

    def _paths(self, provider_bin: str) -> tuple[Path, Path]:
        if not (len(provider_bin) == 12 and provider_bin.isascii() and provider_bin.isdigit()):
            raise SigningKeyError(_("A BIN has 12 digits."), code="key_missing")
        return self.directory / f"{provider_bin}.p12", self.directory / f"{provider_bin}.pass"

    def has_key(self, provider_bin: str) -> bool:
        """Whether both the key file and its password file exist."""
        p12, pass_file = self._paths(provider_bin)
        return p12.is_file() and pass_file.is_file()

    def load(self, provider_bin: str) -> SigningKey:
        """Open the provider's key; the password file's trailing newline is ignored."""
        p12, pass_file = self._paths(provider_bin)
        if not self.has_key(provider_bin):
            log.warning("eds.provider_key.missing", extra={"fields": {"dir": str(p12.parent)}})
            raise SigningKeyError(
                _("No signing key is configured for this provider."), code="key_missing"
            )
        stamp = (str(p12), *_stamp(p12), *_stamp(pass_file))
        with _CACHE_LOCK:
            cached = _CACHE.get(stamp)
        if cached is not None:
            return cached
        _warn_if_open(p12, pass_file)
        password = pass_file.read_text(encoding="utf-8").rstrip("\r\n")
        key = load_p12(p12, password)
        with _CACHE_LOCK:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.clear()
            _CACHE[stamp] = key
        return key


# Opening a PKCS#12 file (its key derivation) costs about a third of a talon's signing time,
# so opened keys are kept in this process, keyed by the files' identity and modification
# time: a replaced key or password file is read again at once.
_CACHE: dict[tuple[object, ...], SigningKey] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 512


def _warn_if_open(*paths: Path) -> None:
    """Say so (once per opening) when a key or its password can be read by other users of
    the machine: the service still signs, but the operator should narrow them to 0600."""
    open_to_others = [p.name for p in paths if p.stat().st_mode & 0o077]
    if open_to_others:
        log.warning(
            "eds.provider_key.open_permissions", extra={"fields": {"files": open_to_others}}
        )


def _stamp(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns, info.st_size


class FakeKeyStore:
    """A key store in memory, for tests that should not touch files."""

    def __init__(self, keys: dict[str, SigningKey] | None = None) -> None:
        self.keys: dict[str, SigningKey] = dict(keys or {})

    def has_key(self, provider_bin: str) -> bool:
        """Whether the store holds the provider's key."""
        return provider_bin in self.keys

    def load(self, provider_bin: str) -> SigningKey:
        """The key put in for the provider, or SigningKeyError like the real store."""
        if provider_bin not in self.keys:
            raise SigningKeyError(
                _("No signing key is configured for this provider."), code="key_missing"
            )
        return self.keys[provider_bin]


def default_key_store() -> ProviderKeyStore:
    """The configured store: the directory named by EDS_PROVIDER_KEYS_DIR."""
    return DirectoryKeyStore()
