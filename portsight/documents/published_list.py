"""The published list of double random checks (双随机抽查结果公示) as CSV and as an A4 PDF.

The rows come from portsight.queries.selection.published_list and carry nothing confidential:
no declaration numbers, goods, values, rule hits, seeds or inspector names. reportlab is
imported when a PDF is made, not when a page imports this module.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from portsight.documents.cells import csv_row
from portsight.i18n import t
from portsight.queries.selection import PUBLISHED_COLUMNS


def _published_rows(df: pd.DataFrame, lang: str) -> tuple[list[str], list[list[str]]]:
    header = [t(lang, f"selection.pub_{c}") for c in PUBLISHED_COLUMNS]
    rows = [
        [
            str(r["date"]),
            str(r["port"]),
            str(r["enterprise"]),
            str(r["uscc"]),
            t(lang, f"selection.check_{r['check']}"),
            t(lang, f"selection.result_{r['result']}"),
        ]
        for r in df.to_dict("records")
    ]
    return header, rows


def published_list_csv(df: pd.DataFrame, lang: str) -> bytes:
    """The published list as CSV, UTF-8 with a byte-order mark so spreadsheet programs read Chinese."""
    header, rows = _published_rows(df, lang)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(csv_row(row) for row in rows)  # an enterprise named '=...' opens as text
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def published_list_pdf(df: pd.DataFrame, lang: str, title: str, subtitle: str = "") -> bytes:
    """The published list as a landscape A4 PDF, one row per checked enterprise."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer

    from portsight.documents.pdf import paragraph_style, ruled_table, text_paragraph

    header, rows = _published_rows(df, lang)
    cell = paragraph_style("cell", 8, 10)
    story = [
        text_paragraph(title, paragraph_style("title", 14, 18)),
        text_paragraph(subtitle, paragraph_style("sub", 9, 12)),
        Spacer(1, 4 * mm),
    ]
    data = [[text_paragraph(h, cell) for h in header]] + [[text_paragraph(v, cell) for v in row] for row in rows]
    if not rows:
        data.append([text_paragraph(t(lang, "selection.published_empty"), cell)] + [""] * (len(header) - 1))
    widths = [24 * mm, 18 * mm, 80 * mm, 42 * mm, 34 * mm, 40 * mm]
    story.append(ruled_table(data, widths, header=colors.HexColor("#e3e8ef"), rule=colors.grey, valign="TOP"))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
        bottomMargin=12 * mm, title=title,
    )  # fmt: skip
    doc.build(story)
    return buffer.getvalue()


__all__ = ["published_list_csv", "published_list_pdf"]
