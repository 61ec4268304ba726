"""data/hs_headings_zh.csv: Chinese heading texts, each read from a published page (data/SOURCES.md)."""

from __future__ import annotations

import csv
import re

from portsight import reference
from portsight.demo.world import HS_CODES

# Demo headings whose published Chinese text was not found (data/SOURCES.md lists where it was looked for).
# Pages show these as the bare code on a Chinese page; a heading leaves this set once its row is sourced.
DEMO_HEADINGS_WITHOUT_CHINESE = frozenset(
    """0207 0208 0303 0306 0307 0401 0406 0810 2204 2906 2910 3304 3901 3921 4408 4409 4414
    4418 4707 6204 6207 6301 6302 7602 8418 8421 8428 8443 8517 8518 8528 8541 8709 9401""".split()
)


def _rows() -> list[dict[str, str]]:
    with open(reference.DATA_DIR / "hs_headings_zh.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_row_is_an_hs2022_heading_with_its_text_and_source() -> None:
    rows = _rows()
    headings = [r["heading"] for r in rows]
    assert rows and len(set(headings)) == len(headings)
    hs2022 = reference.hs_headings()
    for r in rows:
        assert r["heading"] in hs2022, r["heading"]
        assert r["description_zh"] and r["description_zh"] == r["description_zh"].strip(), r["heading"]
        assert r["source"].strip(), r["heading"]


def test_texts_carry_no_listing_marks() -> None:
    # Listings end a heading with ":" or "(+)" and often print half-width punctuation; the rows keep the words
    # and set the punctuation in full width, as Chinese legal texts print it.
    for r in _rows():
        text = r["description_zh"]
        assert "+" not in text and not text.endswith(("：", ":")), r["heading"]
        assert not re.search(r"[,;:()]", text), r["heading"]


def test_the_loader_gives_each_row_its_chinese_text() -> None:
    hs = reference.hs_headings()
    for r in _rows():
        assert hs[r["heading"]].text("zh_CN") == r["description_zh"]
        assert hs[r["heading"]].text("en") == hs[r["heading"]].description


def test_no_new_demo_heading_lacks_its_chinese_text() -> None:
    missing = {h for h in HS_CODES if (heading := reference.hs_heading(h)) is None or not heading.description_zh}
    assert missing <= DEMO_HEADINGS_WITHOUT_CHINESE, sorted(missing - DEMO_HEADINGS_WITHOUT_CHINESE)
