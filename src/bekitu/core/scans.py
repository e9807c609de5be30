"""The checks of a scanned copy of a document, the same at the desk and on the portal: the
type is read from the first bytes, never trusted from the name (PDF, JPEG, PNG), and the
size is bounded (BEKITU_SCAN_MAX_BYTES)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_type(head: bytes) -> str | None:
    """The content type a scan's first bytes show (PDF, JPEG, PNG), or None."""
    return next((kind for magic, kind in _SIGNATURES if head.startswith(magic)), None)


class ScanRejected(ValueError):
    """A scan of a type or a size the service does not accept."""

    def __init__(self, code: str, message: Promise) -> None:
        super().__init__(str(message))
        self.code, self.message = code, message


def scan_check(head: bytes, size: int, max_bytes: int) -> str:
    """The scan's content type, or ScanRejected for an empty, too large or foreign file."""
    if size <= 0:
        raise ScanRejected("scan_empty", _("The file is empty."))
    if size > max_bytes:
        raise ScanRejected("scan_too_large", _("The file is larger than allowed."))
    kind = sniff_type(head)
    if kind is None:
        raise ScanRejected("scan_type", _("Only PDF, JPEG and PNG scans are accepted."))
    return kind
