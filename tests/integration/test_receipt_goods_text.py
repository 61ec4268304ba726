"""The printed release receipt says each goods line in Chinese first, the English under it, whether
the line's description was stored in both languages or is only its HS heading's English text."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select, update

from portsight.db.models import GoodsLine, Inspection
from portsight.documents import receipt as document
from tests.integration.test_field import LEAD
from tests.integration.test_receipts import released  # noqa: F401 - the fixture

ZH, EN = "回收牛皮纸", "Recovered kraft paper"


def receipt_lines(db, insp: int, **goods) -> list[str]:
    declaration = db.scalar(select(Inspection.declaration_id).where(Inspection.id == insp))
    db.execute(update(GoodsLine).where(GoodsLine.declaration_id == declaration).values(**goods))
    _name, pdf = document.receipt_pdf(db, LEAD, insp)
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines()


def test_a_bilingual_description_prints_its_chinese_line_with_the_code_and_its_english_under_it(released):  # noqa: F811
    db, insp, _result = released
    lines = receipt_lines(db, insp, description=f"{ZH}\n{EN}")
    goods = next(i for i, line in enumerate(lines) if "4707100000" in line)
    assert ZH in lines[goods] and EN not in lines[goods]
    assert lines[goods + 1].strip() == EN


def test_a_heading_kept_in_english_prints_the_headings_chinese_text(released):  # noqa: F811
    db, insp, _result = released
    lines = receipt_lines(db, insp, hs_code="7404000020", description="Copper; waste and scrap")
    goods = next(i for i, line in enumerate(lines) if "7404000020" in line)
    assert "铜废碎料" in lines[goods] and "Copper" not in lines[goods]
    assert lines[goods + 1].strip() == "Copper; waste and scrap"


def test_a_description_in_one_language_prints_once(released):  # noqa: F811
    db, insp, _result = released
    text = "\n".join(receipt_lines(db, insp, description=EN))
    assert text.count(EN) == 1
