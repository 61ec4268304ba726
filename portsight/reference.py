"""Reference data shipped in data/ (see data/SOURCES.md): ports, HS nomenclature, country names.

Pure Python, read once and cached. Nothing here reads ../shared at run time.
"""

from __future__ import annotations

import csv
import gettext
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class PortRef:
    code: str
    name_en: str
    name_zh: str
    kind: str  # sea / air / land / rail
    city: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Locode:
    code: str
    name: str
    subdivision_iso: str
    function: str
    is_port: bool
    is_airport: bool
    is_rail: bool
    is_road: bool
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class HsChapter:
    chapter: str
    section: str
    description: str  # English; no Chinese chapter titles are shipped (data/SOURCES.md)


@dataclass(frozen=True)
class HsHeading:
    heading: str
    chapter: str
    section: str
    description: str  # English
    description_zh: str | None = None  # None where data/SOURCES.md found no Chinese text

    def text(self, lang: str) -> str:
        """The description in lang; English where the heading has no Chinese text."""
        return self.description_zh if lang.startswith("zh") and self.description_zh else self.description


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _float(text: str) -> float | None:
    return float(text) if text else None


@cache
def ports() -> tuple[PortRef, ...]:
    """The demo ports, in file order (largest first)."""
    return tuple(
        PortRef(
            code=r["locode"],
            name_en=r["name"],
            name_zh=r["name_zh"],
            kind=r["kind"],
            city=r["city"],
            lat=_float(r["lat"]),
            lon=_float(r["lon"]),
        )
        for r in _rows("cn_locodes_demo.csv")
    )


@cache
def locodes() -> dict[str, Locode]:
    """Every UN/LOCODE entry of China with a port, airport or border-crossing function."""
    out = {}
    for r in _rows("cn_locodes.csv"):
        out[r["locode"]] = Locode(
            code=r["locode"],
            name=r["name"],
            subdivision_iso=r["subdivision_iso"],
            function=r["function"],
            is_port=r["is_port"] == "true",
            is_airport=r["is_airport"] == "true",
            is_rail=r["is_rail"] == "true",
            is_road=r["is_road"] == "true",
            lat=_float(r["lat"]),
            lon=_float(r["lon"]),
        )
    return out


@cache
def port_aliases() -> dict[str, tuple[str, str]]:
    """Old city code -> (canonical code, note)."""
    return {r["old_code"]: (r["canonical"], r["note"]) for r in _rows("port_aliases.csv")}


def normalize_port_code(code: str) -> str:
    return "".join(str(code).split()).upper()


def resolve_port_code(code: str, transport_mode: str | None = None) -> tuple[str | None, str | None]:
    """Map a port code as written on a document to the UN/LOCODE entry PortSight uses.

    Returns (canonical, note): note is None when the code was taken as it is, and says what
    was mapped when an old city code (now an airport's) was read as its city/port entry.
    canonical is None when the code is not a known Chinese port, airport or border crossing.
    For air cargo (transport_mode "air") an airport code keeps its airport meaning.
    """
    norm = normalize_port_code(code)
    alias = port_aliases().get(norm)
    if alias is not None and transport_mode != "air":
        return alias
    if norm in locodes():
        return norm, None
    return None, None


def is_known_port_code(code: str) -> bool:
    return normalize_port_code(code) in locodes() or normalize_port_code(code) in port_aliases()


@cache
def hs_sections() -> dict[str, dict[str, str]]:
    return {r["section"]: r for r in _rows("hs_sections.csv")}


@cache
def hs_chapters() -> dict[str, HsChapter]:
    return {r["chapter"]: HsChapter(r["chapter"], r["section"], r["description"]) for r in _rows("hs_chapters.csv")}


@cache
def hs_headings() -> dict[str, HsHeading]:
    """Every HS 2022 heading with its English text and, where data/hs_headings_zh.csv has it, its Chinese."""
    zh = {r["heading"]: r["description_zh"] for r in _rows("hs_headings_zh.csv") if r["description_zh"]}
    return {
        r["heading"]: HsHeading(r["heading"], r["chapter"], r["section"], r["description"], zh.get(r["heading"]))
        for r in _rows("hs_headings.csv")
    }


def _digits(code: str) -> str:
    return "".join(ch for ch in str(code) if ch.isdigit())


def hs_chapter(code: str) -> HsChapter | None:
    """The chapter of an HS code of any length (2, 4, 6, 8 or 10 digits), or None."""
    digits = _digits(code)
    return hs_chapters().get(digits[:2]) if len(digits) >= 2 else None


def hs_heading(code: str) -> HsHeading | None:
    digits = _digits(code)
    return hs_headings().get(digits[:4]) if len(digits) >= 4 else None


def hs_heading_exists(code: str) -> bool:
    return hs_heading(code) is not None


@cache
def _country_translation(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])


def country_name(alpha2: str, lang: str = "en") -> str:
    """Country name in English ("en") or Simplified Chinese ("zh_CN"); the code itself when unknown."""
    country = pycountry.countries.get(alpha_2=str(alpha2).upper())
    if country is None:
        return str(alpha2)
    if lang == "en":
        return getattr(country, "common_name", None) or country.name
    return _country_translation(lang).gettext(country.name)
