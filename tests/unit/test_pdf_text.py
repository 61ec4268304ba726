"""Names in the app's PDFs print as written: reportlab's Paragraph markup neither breaks on "<" nor
turns "<a href>" into a link."""

from __future__ import annotations

import dataclasses
import io

import pandas as pd
import pytest
from pypdf import PdfReader

from portsight.documents.pdf import pdf_text
from portsight.documents.published_list import published_list_pdf
from portsight.documents.weekly_pdf import render_pdf
from portsight.queries.statistics import PortInfo
from tests.unit.test_stats_report import review

HOSTILE = '<a href="http://x">A&B</a> <b>'


def text_and_links(pdf: bytes) -> tuple[str, list]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = "\n".join(page.extract_text() for page in pages)
    links = [a for page in pages for a in (page.get("/Annots") or [])]
    return text, links


def test_pdf_text_escapes_markup_and_keeps_plain_text():
    assert pdf_text(HOSTILE) == '&lt;a href="http://x"&gt;A&amp;B&lt;/a&gt; &lt;b&gt;'
    assert pdf_text("Hengda Paper Co. 上海") == "Hengda Paper Co. 上海"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_weekly_pdf_prints_a_hostile_port_and_inspector_name_as_written(lang):
    week = review()
    week.by_inspector["inspector"] = [HOSTILE]
    week.by_port["name_en"] = [HOSTILE, "Ningbo"]
    week = dataclasses.replace(week, ports=[PortInfo(1, "CNSGH", HOSTILE, "上海", "Asia/Shanghai"), *week.ports[1:]])

    text, links = text_and_links(render_pdf(week, lang))

    assert text.count("A&B") >= 3  # the scope line, the port table and the inspector table
    assert '<a href="http://x">' in text.replace("\n", " ")
    assert links == []


def test_the_published_list_pdf_prints_a_hostile_enterprise_name_as_written():
    listed = pd.DataFrame(
        [{"date": "2026-03-02", "port": "CNSGH", "enterprise": HOSTILE, "uscc": "91310000MA1FL8LQ34",
          "check": "document", "result": "conforming"}]
    )  # fmt: skip

    text, links = text_and_links(published_list_pdf(listed, "en", "Published <list>", "2026 & after"))

    assert "A&B" in text and "<b>" in text and "Published <list>" in text and "2026 & after" in text
    assert links == []
