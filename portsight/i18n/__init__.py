"""Message catalogues (zh_CN and en) and formatting of numbers and dates per language.

Catalogues are JSON files, one per page or area: portsight/i18n/<lang>/<namespace>.json.
A key is "<namespace>.<name>"; both languages must define the same keys (a test checks it).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
_ROOT = Path(__file__).resolve().parent


@cache
def catalogue(lang: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    for path in sorted((_ROOT / lang).glob("*.json")):
        namespace = path.stem
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            messages[f"{namespace}.{key}"] = text
    return messages


def t(lang: str, key: str, **values: object) -> str:
    """The message for key in lang; a missing key shows as the key itself rather than failing."""
    text = catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE).get(key, key)
    return text.format(**values) if values else text


def fmt_number(lang: str, value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text  # both languages group thousands with commas


def fmt_percent(lang: str, value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def fmt_datetime(lang: str, value: datetime | None, tz: str = "Asia/Shanghai") -> str:
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(tz)) if value.tzinfo else value
    if lang == "zh_CN":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%d %b %Y %H:%M}"


def fmt_date(lang: str, value: date | None) -> str:
    if value is None:
        return "—"
    if lang == "zh_CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value:%d %b %Y}"


def fmt_duration_minutes(lang: str, minutes: float | None) -> str:
    if minutes is None:
        return "—"
    hours, mins = divmod(int(round(minutes)), 60)
    if lang == "zh_CN":
        return f"{hours}小时{mins}分" if hours else f"{mins}分钟"
    return f"{hours} h {mins} min" if hours else f"{mins} min"
