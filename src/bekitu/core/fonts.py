"""PT Sans for every PDF the service draws (the talon and the refusal, the handbook):
ParaType's public font, made for the languages of Kazakhstan and Russia, static TTFs that
carry every Kazakh letter.

It is registered with ReportLab once per process, here, under one name. ReportLab keeps one
font per typeface: a second registration of the same face under another name is given the
first registration's font. When the handbook registered the whole font files as its own
name, a talon drawn after the handbook in the same process embedded the whole font's
hinted outlines (a talon of 122 KB instead of 40), and a handbook drawn after a talon the cut
font; which one a document got depended on what the process had drawn before.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import fontpkg_pt_sans
from fontTools import subset
from fontTools import ttLib as fonttools
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT, FONT_BOLD = "PTSans", "PTSans-Bold"

# What a document can print: Latin, the whole Cyrillic block (every Kazakh letter is in it),
# the punctuation of names, addresses and the regulation's text, the number sign and the tenge.
CHARACTERS = frozenset(
    set(range(0x20, 0x7F))
    | set(range(0xA0, 0x180))
    | set(range(0x400, 0x530))
    | set(range(0x2010, 0x2030))
    | {0x2116, 0x20B8}
)


def _lean_font(path: Path) -> io.BytesIO:
    """The font cut down to `CHARACTERS`, without hinting or layout tables: printing needs
    neither, and each embedded subset is then a few KiB instead of 48."""
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GPOS", "GSUB", "GDEF", "kern", "DSIG"]
    options.name_IDs = [1, 2, 4, 6]
    font = fonttools.TTFont(str(path))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=CHARACTERS)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    out.seek(0)
    return out


@cache
def register_fonts() -> None:
    """Register PT Sans, regular and bold, as `FONT` and `FONT_BOLD` (a family, so `<b>`
    in a paragraph takes the bold), once per process. The fonts are cut and parsed here,
    once; each document then embeds only the glyphs it uses."""
    # Streams are compressed only, not also ASCII85-encoded: a quarter smaller, and every
    # PDF reader takes binary streams.
    rl_config.useA85 = 0
    files = fontpkg_pt_sans.ROOT / "files"
    pdfmetrics.registerFont(TTFont(FONT, _lean_font(files / "PT_Sans-Web-Regular.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, _lean_font(files / "PT_Sans-Web-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
