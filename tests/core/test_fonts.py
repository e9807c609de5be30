"""One PT Sans for every PDF: the talon and the handbook draw with the same cut font,
whichever of them a process draws first (bekitu.core.fonts)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from bekitu.core.fonts import CHARACTERS
from bekitu.handbook.clauses import CLAUSES
from bekitu.handbook.content import procedures
from bekitu.handbook.diagrams import DIAGRAMS
from bekitu.handbook.pdf import WORDS

ROOT = Path(__file__).resolve().parents[2]

# Draws the documents named on the command line in one process, in that order, and prints
# for each the lengths of the font programs it embeds (a FontFile2 stream's /Length1).
DRAW = """
import json, re, sys, django
django.setup()
from bekitu.handbook.pdf import handbook_pdf
from bekitu.talons.pdf import render_talon_pdf
from tests.talons.test_xml import content
sizes = []
for name in sys.argv[1:]:
    pdf = render_talon_pdf(content()) if name == "talon" else handbook_pdf(name)
    sizes.append(sorted(int(n) for n in re.findall(rb"/Length1 (\\d+)", pdf)))
print(json.dumps(sizes))
"""


def _fonts(*documents: str) -> list[list[int]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bekitu.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    done = subprocess.run(
        [sys.executable, "-c", DRAW, *documents],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_talon_drawn_after_the_handbook_is_the_talon_drawn_alone() -> None:
    [alone] = _fonts("talon")
    handbook_first, talon_after = _fonts("ru", "talon")
    talon_first, handbook_after = _fonts("talon", "ru")
    assert talon_after == alone == talon_first
    assert handbook_after == handbook_first
    assert len(alone) == 2 and max(alone) < 40 * 1024  # regular and bold, each cut


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _strings(getattr(value, item.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def test_the_cut_font_has_every_character_the_handbook_prints() -> None:
    texts = [*_strings(WORDS), *_strings(CLAUSES), *_strings(DIAGRAMS)]
    texts += [
        s for d in DIAGRAMS.values() for lang in ("kk", "ru") for s in _strings(procedures(d, lang))
    ]
    missing = {c for text in texts for c in text if ord(c) not in CHARACTERS and c != "\n"}
    assert len(texts) > 500
    assert not missing, sorted(missing)
