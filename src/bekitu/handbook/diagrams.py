"""The handbook's three diagrams and where their BPMN files live."""

from __future__ import annotations

from pathlib import Path

from bekitu.handbook.appendix1 import INTERACTION
from bekitu.handbook.appendix2 import PORTAL, PROVIDER
from bekitu.handbook.model import Diagram

BPMN_DIR = Path(__file__).resolve().parent / "bpmn"

DIAGRAMS: dict[str, Diagram] = {d.id: d for d in (INTERACTION, PROVIDER, PORTAL)}


def bpmn_path(diagram: Diagram) -> Path:
    """The committed file that modelling tools open."""
    return BPMN_DIR / diagram.file_name
