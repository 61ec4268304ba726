"""The printed inspection report (查验报告): one inspection as a bilingual A4 PDF, and a zip of several.

The report is given already said in both languages (components/inspections/report.py reads the
record and labels it); this module lays it out: every text as a (Chinese, English) pair, Chinese
first and the English under it where it differs. Photos are printed as bounded thumbnails with
their SHA-256: at most PHOTOS_PER_BLOCK per step and PHOTOS_PER_REPORT in all, each downscaled
within the photo gate's pixel limit (portsight.images), so a report of a long inspection stays
under a megabyte, and a missing or damaged file prints a line saying so instead of failing it.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from portsight.documents.pdf import cjk_font, paragraph_style, pdf_text
from portsight.documents.receipt import qr_png
from portsight.i18n import t
from portsight.images import MAX_PIXELS, picture_size

Pair = tuple[str, str]  # (Chinese, English)

PHOTOS_PER_BLOCK = 6
PHOTOS_PER_REPORT = 36
THUMBNAIL_EDGE = 360  # pixels: some 230 dpi at 40 mm wide, some 15 KB as JPEG
THUMBNAIL_WIDTH = 40 * mm
THUMBNAIL_HEIGHT = 56 * mm
HEADING_ROOM = 45 * mm  # what a block's heading needs below it on the page
PHOTOS_PER_ROW = 4
MAX_TEXT = 1500  # characters of one cell: a longer typed text is cut so that a cell fits on a page
MAX_ROWS = 300  # rows of one table (the audit trail of a long inspection): the rest is counted
REPORTS_PER_ZIP = 20
TEXT_WIDTH = A4[0] - 30 * mm
# Characters STSong-Light has no glyph for, printed as the nearest one it has: the micro sign of
# μGy/h as the Greek mu, the middle dot between a step and its container as the CJK middle dot.
_SUBSTITUTES = str.maketrans({"\u00b5": "\u03bc", "\u00b7": "\u30fb"})
GRID = colors.HexColor("#b0bec5")
SHADE = colors.HexColor("#e3f2fd")


@dataclass(frozen=True)
class Photo:
    """A stored photo: its file (None when the record names no file for it) and its caption."""

    sha256: str
    path: Path | None
    caption: Pair


@dataclass(frozen=True)
class Block:
    """A part of a section: a heading line, a table whose first row is its header (when header is
    set) and the photos that go with it."""

    heading: Pair | None = None
    rows: list[list[Pair]] = field(default_factory=list)
    widths: tuple[float, ...] | None = None  # fractions of the text width
    header: bool = True
    photos: list[Photo] = field(default_factory=list)
    qr: str | None = None  # a release receipt's token, printed with its QR code


@dataclass(frozen=True)
class Section:
    title: Pair
    blocks: list[Block]
    empty: Pair | None = None  # printed when there is no block


@dataclass(frozen=True)
class Signature:
    role: Pair
    name: str


@dataclass(frozen=True)
class InspectionReport:
    inspection_id: int
    title: Pair
    subtitle: Pair
    head: list[tuple[Pair, Pair]]  # label, value
    sections: list[Section]
    signatures: list[Signature]

    @property
    def file_name(self) -> str:
        return f"inspection-{self.inspection_id}.pdf"


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": paragraph_style("r_title", 17, 22),
        "subtitle": paragraph_style("r_subtitle", 10, 14, textColor=colors.grey),
        "h2": paragraph_style("r_h2", 12, 16, spaceBefore=9, spaceAfter=3),
        "h3": paragraph_style("r_h3", 9.5, 13, spaceBefore=5, spaceAfter=2),
        # CJK wrapping breaks anywhere: a typed text without spaces (a hash, a long code) still wraps.
        "cell": paragraph_style("r_cell", 7.5, 9.5, wordWrap="CJK"),
        "small": paragraph_style("r_small", 6.5, 8.5, wordWrap="CJK", textColor=colors.HexColor("#455a64")),
    }


def _clean(text: object) -> str:
    """Typed text as printable characters: control characters (but line breaks) dropped, and a
    text longer than MAX_TEXT cut with an ellipsis."""
    value = "".join(
        ch for ch in str(text) if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn")
    ).translate(_SUBSTITUTES)
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"


def _markup(text: object) -> str:
    return pdf_text(_clean(text)).replace("\n", "<br/>")


def _both(pair: Pair, style: ParagraphStyle) -> Paragraph:
    """Chinese, and the English in a smaller grey line under it where it says something else."""
    zh, en = pair
    text = _markup(zh)
    if en and en != zh:
        size = max(style.fontSize - 1, 5)
        text += f'<br/><font size="{size}" color="#546e7a">{_markup(en)}</font>'
    return Paragraph(text, style)


def _one_line(pair: Pair, style: ParagraphStyle) -> Paragraph:
    """A heading: Chinese then English on the same line."""
    zh, en = pair
    return Paragraph(_markup(zh if not en or en == zh else f"{zh}  {en}"), style)


def _label(key: str, **values: object) -> Pair:
    return t("zh_CN", key, **values), t("en", key, **values)


def _grid(rows: list[list[Paragraph]], widths: list[float] | None, *, header: bool) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.25, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    table.setStyle(TableStyle(style))
    return table


def _table(block: Block, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if not block.rows:
        return []
    rows = block.rows
    more = 0
    if len(rows) > MAX_ROWS + int(block.header):
        more = len(rows) - MAX_ROWS - int(block.header)
        rows = rows[: MAX_ROWS + int(block.header)]
    width = max(len(r) for r in rows)
    fractions = block.widths or tuple(1 / width for _ in range(width))
    cells = [
        [_both(c, styles["cell"]) for c in row] + [Paragraph("", styles["cell"])] * (width - len(row)) for row in rows
    ]
    out: list[Flowable] = [_grid(cells, [f * TEXT_WIDTH for f in fractions], header=block.header)]
    if more:
        out.append(_both(_label("report.rows_not_printed", count=more), styles["small"]))
    return out


class _PhotoBudget:
    """How many thumbnails the report may still print (PHOTOS_PER_REPORT in all)."""

    def __init__(self) -> None:
        self.left = PHOTOS_PER_REPORT


def _thumbnail_bytes(data: bytes) -> bytes | None:
    """A JPEG at most THUMBNAIL_EDGE pixels a side, None when the file is not a picture or is larger
    than the photo gate lets through (its header is read first, as the gate does).

    A JPEG is decoded straight at a fraction of its size (draft mode): some 30 ms for a 12-megapixel
    phone photo, where a full decode and re-encode (portsight.images.preview) takes about a second.
    Stored photos passed the gate on upload, so they are upright and without metadata already.
    """
    from PIL import Image, ImageOps

    size = picture_size(data)
    if size is None or size[0] * size[1] > MAX_PIXELS:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (THUMBNAIL_EDGE, THUMBNAIL_EDGE))
            small = ImageOps.exif_transpose(image).convert("RGB")
        small.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
        out = io.BytesIO()
        small.save(out, format="JPEG", quality=80)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return out.getvalue()


def _thumbnail(photo: Photo, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The photo downscaled, its caption and its hash; a line saying why when it cannot be printed."""
    data: bytes | None = None
    why = "report.photo_missing"
    if photo.path is not None:
        try:
            data = _thumbnail_bytes(photo.path.read_bytes())
        except OSError:
            data = None
        else:
            why = "report.photo_unreadable"
    cell: list[Flowable] = []
    if data is None:
        cell.append(_both(_label(why), styles["cell"]))
    else:
        image = Image(io.BytesIO(data))
        # within a box 40 mm wide and 56 mm high, in proportion (a tall phone photo does not fill a page)
        scale = min(THUMBNAIL_WIDTH / image.imageWidth, THUMBNAIL_HEIGHT / image.imageHeight)
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        cell.append(image)
    cell.append(_both(photo.caption, styles["small"]))
    cell.append(Paragraph(f'<font face="Courier" size="5.5">SHA-256 {pdf_text(photo.sha256)}</font>', styles["small"]))
    return cell


def _photos(photos: list[Photo], budget: _PhotoBudget, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if not photos:
        return []
    shown = photos[: min(PHOTOS_PER_BLOCK, budget.left)]
    budget.left -= len(shown)
    out: list[Flowable] = []
    if shown:
        cells = [_thumbnail(p, styles) for p in shown]
        rows = [cells[i : i + PHOTOS_PER_ROW] for i in range(0, len(cells), PHOTOS_PER_ROW)]
        rows[-1] = rows[-1] + [[]] * (PHOTOS_PER_ROW - len(rows[-1]))
        grid = Table(rows, colWidths=[TEXT_WIDTH / PHOTOS_PER_ROW] * PHOTOS_PER_ROW)
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
        out.append(grid)
    if len(photos) > len(shown):
        out.append(_both(_label("report.photos_not_printed", count=len(photos) - len(shown)), styles["small"]))
    return out


def _receipt(token: str, styles: dict[str, ParagraphStyle]) -> Flowable:
    qr = Image(io.BytesIO(qr_png(token)), width=32 * mm, height=32 * mm)
    text = [
        _both(_label("report.receipt_code"), styles["cell"]),
        Paragraph(f'<font face="Courier" size="8">{pdf_text(token)}</font>', styles["cell"]),
    ]
    table = Table([[qr, text]], colWidths=[36 * mm, TEXT_WIDTH - 36 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _signatures(report: InspectionReport, styles: dict[str, ParagraphStyle]) -> Flowable:
    rows = [
        [
            _both(s.role, styles["cell"]),
            Paragraph(_markup(s.name), styles["cell"]),
            _both(_label("report.signature"), styles["small"]),
            _both(_label("report.date"), styles["small"]),
        ]
        for s in report.signatures
    ]
    table = Table(rows, colWidths=[0.22 * TEXT_WIDTH, 0.22 * TEXT_WIDTH, 0.34 * TEXT_WIDTH, 0.22 * TEXT_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (2, 0), (3, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 14),
            ]
        )
    )
    return KeepTogether([_one_line(_label("report.signatures"), styles["h2"]), table])


def render_report(report: InspectionReport) -> bytes:
    """The report as an A4 PDF."""
    styles = _styles()
    budget = _PhotoBudget()
    story: list[Flowable] = [
        _one_line(report.title, styles["title"]),
        _both(report.subtitle, styles["subtitle"]),
        Spacer(1, 4 * mm),
        _grid(
            [[_both(label, styles["cell"]), _both(value, styles["cell"])] for label, value in report.head],
            [0.3 * TEXT_WIDTH, 0.7 * TEXT_WIDTH],
            header=False,
        ),
    ]
    for section in report.sections:
        story.append(_one_line(section.title, styles["h2"]))
        if not section.blocks and section.empty:
            story.append(_both(section.empty, styles["small"]))
        for block in section.blocks:
            if block.heading:
                # a heading at the foot of a page goes over with what it heads; a long table still splits
                story.append(CondPageBreak(HEADING_ROOM))
                story.append(_one_line(block.heading, styles["h3"]))
            story.extend(_table(block, styles))
            story.extend(_photos(block.photos, budget, styles))
            if block.qr:
                story.append(_receipt(block.qr, styles))
    story.append(_signatures(report, styles))

    zh_title, en_title = report.title
    footer = f"{zh_title} {en_title}"

    def page(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(cjk_font(), 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(15 * mm, 9 * mm, _clean(footer)[:120])
        number = " ".join(t(lang, "report.page", page=doc.page) for lang in ("zh_CN", "en"))
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, number)
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=_clean(en_title)[:200],
        author="PortSight",
    )
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buf.getvalue()


def zip_reports(files: list[tuple[str, bytes]]) -> bytes:
    """The PDFs of several reports in one zip (the caller keeps to REPORTS_PER_ZIP)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buf.getvalue()


__all__ = [
    "PHOTOS_PER_BLOCK",
    "PHOTOS_PER_REPORT",
    "REPORTS_PER_ZIP",
    "Block",
    "InspectionReport",
    "Pair",
    "Photo",
    "Section",
    "Signature",
    "render_report",
    "zip_reports",
]
