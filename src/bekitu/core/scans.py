"""The checks of a scanned copy of a document, the same at the desk and on the portal: the
type is read from the first bytes, never trusted from the name (PDF, JPEG, PNG), the size
is bounded (BEKITU_SCAN_MAX_BYTES), and a PDF with active content (JavaScript, an action run
on opening, a launch of a program, embedded files, forms that run scripts) is refused: a
scan is an image of paper and needs none, while the specialist's viewer might run it."""

from __future__ import annotations

import re
import zlib

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


# PDF names that make a document act rather than show.
_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|OpenAction|AA|Launch|EmbeddedFile|EmbeddedFiles|RichMedia|XFA|"
    rb"SubmitForm|ImportData|GoToE|GoToR)(?![A-Za-z0-9])"
)
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.DOTALL)
# Decompressed stream bytes examined at most, over the whole file (a zip bomb stops here).
_INFLATE_LIMIT = 50_000_000


def _names(data: bytes) -> bytes:
    """PDF names with their #xx escapes undone (/Java#53cript is /JavaScript)."""
    return _NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), data)


def pdf_has_active_content(data: bytes) -> bool:
    """Whether a PDF names JavaScript or another active feature, in its objects or inside a
    compressed object stream; a stream that does not inflate is looked at as it is."""
    if _ACTIVE.search(_names(data)):
        return True
    budget = _INFLATE_LIMIT
    for match in _STREAM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(match[1], budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        if _ACTIVE.search(_names(inflated)):
            return True
        if budget <= 0:
            return True  # too much to look through: refused rather than trusted
    return False


class ScanRejected(ValueError):
    """A scan of a type or a size the service does not accept."""

    def __init__(self, code: str, message: Promise) -> None:
        super().__init__(str(message))
        self.code, self.message = code, message


def scan_check(head: bytes, size: int, max_bytes: int, content: bytes | None = None) -> str:
    """The scan's content type, or ScanRejected for an empty, too large or foreign file, or
    (when the whole `content` is given) a PDF with active content."""
    if size <= 0:
        raise ScanRejected("scan_empty", _("The file is empty."))
    if size > max_bytes:
        raise ScanRejected("scan_too_large", _("The file is larger than allowed."))
    kind = sniff_type(head)
    if kind is None:
        raise ScanRejected("scan_type", _("Only PDF, JPEG and PNG scans are accepted."))
    if kind == "application/pdf" and content is not None and pdf_has_active_content(content):
        raise ScanRejected(
            "scan_active_content",
            _("The PDF contains scripts or actions; scan the paper document as an image."),
        )
    return kind
