"""Looking at a PDF as a reader would: its pages' text, its page as a picture, its QR code."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """The text of every page, as a PDF reader extracts it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def render_png(pdf: bytes, tmp_path: Path, dpi: int = 150) -> Path:
    """The first page rendered by poppler's pdftoppm, as a PNG file."""
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(source), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    return tmp_path / "page.png"


def qr_texts(png: Path) -> list[str]:
    """What every QR code seen on the picture says."""
    with Image.open(png) as image:
        return [b.text for b in zxingcpp.read_barcodes(image) if b.format.name == "QRCode"]
