"""What every PDF of the app shares: the Chinese font, paragraph styles in it, and the ruled table.

Chinese goes through reportlab's built-in CID font STSong-Light: nothing to install or ship,
the reader's PDF viewer supplies the glyphs, and the same font prints English.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, Table, TableStyle

CJK_FONT = "STSong-Light"


def cjk_font() -> str:
    """The name of the Chinese-capable font, registered with reportlab on first use."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def paragraph_style(name: str, size: float, leading: float, **extra: Any) -> ParagraphStyle:
    """A paragraph style in the Chinese-capable font; extra sets any other ParagraphStyle attribute."""
    return ParagraphStyle(name, fontName=cjk_font(), fontSize=size, leading=leading, **extra)


def pdf_text(value: object) -> str:
    """value as literal text inside reportlab Paragraph markup: a Paragraph reads its text as
    XML-like markup, so a name with "<" breaks the document and "<a href>" becomes a live link."""
    return escape(str(value))


def text_paragraph(value: object, style: ParagraphStyle) -> Paragraph:
    """A Paragraph showing value as written (see pdf_text); every Paragraph of the app's PDFs is one."""
    return Paragraph(pdf_text(value), style)


def ruled_table(rows: list[list[Any]], widths: list[float] | None, *, header: Color, rule: Color, valign: str) -> Table:
    """A table with a shaded header row repeated on every page and thin rules round every cell."""
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), header),
                ("GRID", (0, 0), (-1, -1), 0.25, rule),
                ("VALIGN", (0, 0), (-1, -1), valign),
            ]
        )
    )
    return table
