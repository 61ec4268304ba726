"""Synthetic, valid declaration files in the import format: for the samples, the bench and the tests.

Deterministic for a seed. Rows use the canonical English headers; `zh=True` writes the Chinese ones.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from stdnum.cn import uscc as uscc_mod

from portsight import reference
from portsight.domain import iso6346
from portsight.exchange.schema import COLUMNS, DECLARATION_FIELDS, GOODS_FIELDS

SEA_PORTS = ("CNSGH", "CNNBO", "CNSNZ", "CNQIN", "CNTNJ", "CNXAM", "CNGGZ", "CNDAL")
OWNERS = ("CSQ", "MSK", "MSC", "CMA", "OOL", "COS", "EGH", "HLX", "TGH", "YML")
SIZE_TYPES = ("22G1", "42G1", "45G1", "45R1", "22R1", "22U1")
ORIGINS = ("DE", "US", "JP", "KR", "AU", "BR", "VN", "TH", "FR", "IT", "NL", "CL", "NZ", "MY")
CURRENCIES = ("USD", "EUR", "JPY", "CNY")
UNITS = ("kg", "pcs", "set", "t")


def make_uscc(rng: random.Random) -> str:
    body = "9131" + "".join(rng.choice("0123456789") for _ in range(2)) + "00"
    body += "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_mod.calc_check_digit(body)


def make_container(rng: random.Random) -> str:
    first10 = rng.choice(OWNERS) + "U" + f"{rng.randrange(1_000_000):06d}"
    return first10 + str(iso6346.check_digit(first10))


def declaration_rows(
    n_rows: int,
    *,
    seed: int = 1,
    start: datetime | None = None,
    enterprises: int = 200,
    prefix: str = "BB",
    ports: tuple[str, ...] = SEA_PORTS,
) -> list[dict]:
    """About n_rows flat rows (one goods line each, 1-3 lines per declaration), canonical headers."""
    rng = random.Random(seed)
    start = start or datetime(2026, 1, 5, tzinfo=UTC)
    headings = sorted(reference.hs_headings())
    firms = [(make_uscc(rng), f"示例贸易有限公司 {i:04d}") for i in range(enterprises)]
    rows: list[dict] = []
    n = 0
    while len(rows) < n_rows:
        n += 1
        uscc, name = rng.choice(firms)
        lines = min(rng.choice((1, 1, 2, 3)), n_rows - len(rows))
        boxes = ";".join(
            f"{make_container(rng)}:{rng.choice(SIZE_TYPES)}:CN{rng.randrange(10**7):07d}"
            for _ in range(rng.randint(1, 2))
        )
        header = {
            "declaration_id": f"{prefix}{seed:03d}{n:09d}",
            "declaration_number": f"2201{seed:03d}{n:011d}",
            "port_code": rng.choice(ports),
            "enterprise_uscc": uscc,
            "enterprise_name": name,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": rng.choice(ORIGINS),
            "declared_at": (start + timedelta(minutes=7 * n)).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        }
        for line in range(1, lines + 1):
            heading = rng.choice(headings)
            rows.append(
                {
                    **header,
                    "line_no": line,
                    "hs_code": heading + f"{rng.randrange(100):02d}0000",
                    "description": reference.hs_headings()[heading].description[:80],
                    "quantity": rng.randint(1, 5000),
                    "unit": rng.choice(UNITS),
                    "gross_weight_kg": round(rng.uniform(10, 25000), 1),
                    "value": f"{rng.uniform(100, 500000):.2f}",
                    "currency": rng.choice(CURRENCIES),
                    "containers": boxes if line == 1 else "",
                }
            )
    return rows


def header_names(zh: bool = False) -> list[str]:
    return [c.zh[0] if zh else c.name for c in COLUMNS]


def rows_to_csv(rows: list[dict], *, zh: bool = False) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header_names(zh))
    for r in rows:
        writer.writerow(["" if r.get(c.name) is None else r.get(c.name) for c in COLUMNS])
    return buf.getvalue().encode("utf-8")


def rows_to_nested_json(rows: list[dict]) -> bytes:
    """Nested JSON: one object per declaration with goods and containers lists."""
    out: dict[str, dict] = {}
    for r in rows:
        decl = out.get(r["declaration_id"])
        if decl is None:
            decl = {k: r[k] for k in DECLARATION_FIELDS}
            decl["goods"], decl["containers"] = [], []
            out[r["declaration_id"]] = decl
        decl["goods"].append({k: r[k] for k in GOODS_FIELDS if k in r})  # optional columns only when given
        for part in filter(None, (r.get("containers") or "").split(";")):
            number, size_type, *rest = part.split(":")
            box = {"number": number, "size_type": size_type, "declared_seal": rest[0] if rest and rest[0] else None}
            if len(rest) > 1 and rest[1]:
                box["declared_seal_class"] = rest[1]
            decl["containers"].append(box)
    doc = {"format": "portsight.declarations", "version": 1, "declarations": list(out.values())}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def rows_to_xlsx(rows: list[dict], *, zh: bool = False) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("declarations")
    ws.append(header_names(zh))
    for r in rows:
        ws.append([_xlsx_value(c.name, r.get(c.name)) for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_value(name: str, value: Any) -> object:
    """Numbers as numbers (as a spreadsheet holds them), codes and ids as text (keeps leading zeros)."""
    if value is None or value == "":
        return None
    if name in {"quantity", "gross_weight_kg", "value", "line_no", "package_count"}:
        return int(value) if name in ("line_no", "package_count") else float(value)
    return str(value)


def sample_rows() -> list[dict]:
    """The documented samples: 9 declarations at the demo sea ports, one with an old port code
    (CNSHA, read as CNSGH), one by air without containers, Chinese values for direction/mode."""
    rows = declaration_rows(14, seed=9, enterprises=4, prefix="BBS")
    for r in rows:
        if r["declaration_id"].endswith("000000002"):
            r["port_code"] = "CNSHA"  # old city code, reported as mapped
        if r["declaration_id"].endswith("000000003"):
            r.update(port_code="CNPVG", transport_mode="航空运输", containers="")  # air cargo at Pudong
        if r["declaration_id"].endswith("000000004"):
            r["direction"] = "进口"
    return rows


def write_samples(folder: str) -> None:
    """data/exchange/sample_declarations.{csv,xlsx,json}: the same declarations in each format
    (CSV with English headers, Excel with Chinese headers, nested JSON)."""
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rows = sample_rows()
    (out / "sample_declarations.csv").write_bytes(rows_to_csv(rows))
    (out / "sample_declarations.xlsx").write_bytes(rows_to_xlsx(rows, zh=True))
    (out / "sample_declarations.json").write_bytes(rows_to_nested_json(rows))


if __name__ == "__main__":  # python -m portsight.exchange.synthetic data/exchange
    import sys

    write_samples(sys.argv[1] if len(sys.argv) > 1 else "data/exchange")
