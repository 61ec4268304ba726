"""Hostile import files through `python -m portsight import`, as a scheduler runs it: each gives its
message and exit code, the process stays within a memory bound (its peak RSS, measured), and
nothing is half-written.

The files are built by tests/hostile_files.py: a 2 KB .xlsx whose rows jump to row 1,048,576 and column XFD (openpyxl
padded every gap row: 3.7 GB), damaged .xlsx files, UTF-16 text, a field of a million characters,
one broken JSON line, a 50 MB declaration id.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from portsight import reference
from portsight.db.migrate import upgrade
from portsight.db.models import Declaration, GoodsLine, ImportBatch, Port
from portsight.db.session import make_engine
from portsight.exchange.synthetic import declaration_rows, rows_to_csv
from tests.hostile_files import (
    broken_workbook_xlsx,
    broken_xml_xlsx,
    gap_xlsx,
    json_lines,
    long_field_csv,
    truncated_xlsx,
)

ROOT = Path(__file__).resolve().parents[2]
PEAK_RSS_MB = 400  # generous: the command with its libraries is ~75 MB; the gap file took 3,700
# `python -m portsight ...` that writes its own peak RSS (VmHWM) to a file when it exits. The child's
# rusage would not do: Linux carries the parent's (pytest's) peak over a fork and exec into it.
MEASURED = """
import atexit, runpy, sys
out = sys.argv.pop(1)

def peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(out, "w") as f:
        f.write(kb)

atexit.register(peak)
sys.argv[0] = "portsight"
runpy.run_module("portsight", run_name="__main__", alter_sys=True)
"""


# --- the files (built by tests/hostile_files.py) -------------------------------------------------


def _rows(n: int, prefix: str) -> list[dict]:
    return declaration_rows(n, seed=61, prefix=prefix, enterprises=3)


def _ids(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(r["declaration_id"] for r in rows))


# --- running the command ------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path):
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(Port),
            [{"code": p.code, "name_en": p.name_en, "name_zh": p.name_zh, "kind": p.kind} for p in reference.ports()],
        )
    env = {**os.environ, "DATABASE_URL": url, "PORTSIGHT_DATA_DIR": str(tmp_path), "PORTSIGHT_SECRET": "t"}

    def run(path: Path, *extra: str) -> tuple[int, str, float, list[dict]]:
        """Exit code, stderr, peak RSS in MB of the import process, and its report."""
        report = path.with_suffix(".report.csv")
        out, err, peak = tmp_path / "stdout", tmp_path / "stderr", tmp_path / "peak"
        peak.unlink(missing_ok=True)
        with out.open("wb") as o, err.open("wb") as e:
            proc = subprocess.run(
                [sys.executable, "-c", MEASURED, str(peak), "import", str(path), "--report", str(report), *extra],
                cwd=ROOT,
                env=env,
                stdout=o,
                stderr=e,
                timeout=600,
            )
        entries = list(csv.DictReader(report.open(encoding="utf-8-sig"))) if report.exists() else []
        return proc.returncode, err.read_text(), int(peak.read_text()) / 1024, entries

    yield run, engine
    engine.dispose()


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(conn.scalar(select(func.count()).select_from(m)) for m in (Declaration, GoodsLine, ImportBatch))


# --- the tests ----------------------------------------------------------------------------------


def test_an_xlsx_whose_rows_jump_to_the_last_row_costs_what_it_holds(cli, tmp_path):
    run, engine = cli
    rows = _rows(6, "GAP")
    path = tmp_path / "gap.xlsx"
    path.write_bytes(gap_xlsx(rows))
    assert path.stat().st_size < 20_000
    code, err, peak, report = run(path)
    assert code == 0, err
    assert peak < PEAK_RSS_MB, f"peak RSS {peak:.0f} MB"
    assert {r["declaration_id"] for r in report if r["status"] == "accepted"} == set(_ids(rows))
    assert counts(engine)[:2] == (len(_ids(rows)), len(rows))


@pytest.mark.parametrize("damage", [broken_xml_xlsx, broken_workbook_xlsx, truncated_xlsx])
def test_a_damaged_xlsx_is_bad_input_exit_2_not_run_again(cli, tmp_path, damage):
    run, engine = cli
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(damage(_rows(4, "BRK")))
    before = counts(engine)
    code, err, peak, report = run(path)
    assert code == 2, err
    assert "Excel" in err and "Traceback" not in err and "run the same command again" not in err
    assert report[0]["status"] == "unreadable"
    assert counts(engine) == before
    assert peak < PEAK_RSS_MB


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])  # with and without a byte-order mark
def test_utf16_text_is_named_as_such(cli, tmp_path, encoding):
    run, engine = cli
    path = tmp_path / "unicode.csv"
    path.write_bytes(rows_to_csv(_rows(3, "U16")).decode("utf-8").encode(encoding))
    code, err, _peak, report = run(path)
    assert code == 2 and "UTF-16" in err and "save it as UTF-8" in err, err
    assert "NUL" not in err
    assert counts(engine) == (0, 0, 0)


def test_a_field_of_a_million_characters_refuses_its_declaration_only(cli, tmp_path):
    run, engine = cli
    rows = _rows(8, "BIG")
    path = tmp_path / "long-field.csv"
    path.write_bytes(long_field_csv(rows, 2, 1_000_000))
    code, err, peak, report = run(path)
    assert code == 1, err
    refused = rows[2]["declaration_id"]
    [entry] = [r for r in report if r["status"] == "rejected"]
    assert (entry["declaration_id"], entry["row"], entry["column"]) == (refused, "4", "description")
    assert "field longer than 131,072 characters" in entry["reason"]
    assert len(entry["reason"]) < 300
    accepted = {r["declaration_id"] for r in report if r["status"] == "accepted"}
    assert accepted == set(_ids(rows)) - {refused}
    with engine.connect() as conn:
        stored = set(conn.scalars(select(Declaration.source_system_id)))
        lines = conn.scalar(select(func.count()).select_from(GoodsLine))
    assert stored == accepted, "the refused declaration left nothing behind"
    assert lines == sum(1 for r in rows if r["declaration_id"] != refused)
    assert peak < PEAK_RSS_MB


def test_one_broken_json_line_refuses_that_line_only(cli, tmp_path):
    run, engine = cli
    rows = _rows(5, "JL")
    lines = json_lines(rows)
    lines[2] = lines[2][:-7]  # cut off the end of the object
    path = tmp_path / "declarations.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err, _peak, report = run(path)
    assert code == 1, err
    [entry] = [r for r in report if r["status"] == "rejected"]
    assert entry["row"] == "3" and "line 3 is not JSON" in entry["reason"]
    fine = {r["declaration_id"] for i, r in enumerate(rows) if i != 2}
    # a declaration with a goods line on the broken line is not imported with the rest of its lines
    partial = {rows[2]["declaration_id"]}
    accepted = {r["declaration_id"] for r in report if r["status"] == "accepted"}
    assert accepted <= fine and accepted >= fine - partial
    assert counts(engine)[0] == len(accepted)


def test_a_50_mb_id_gives_a_small_report_and_nothing_large_in_the_database(cli, tmp_path):
    run, engine = cli
    rows = _rows(4, "HUGE")
    first = rows[0]["declaration_id"]
    huge = "=" + "9" * (50 * 1024 * 1024)
    records = [dict(rows[0], declaration_id=huge)] + [r for r in rows if r["declaration_id"] != first]
    path = tmp_path / "huge-id.jsonl"
    path.write_text("\n".join(json_lines(records)) + "\n", encoding="utf-8")
    code, err, peak, report = run(path)
    assert code == 1, err
    assert (tmp_path / "huge-id.report.csv").stat().st_size < 20_000
    rejected = [r for r in report if r["status"] == "rejected"]
    assert rejected and all(len(r["declaration_id"]) < 300 for r in rejected)
    assert [r["row"] for r in rejected] == ["1"]
    assert "line 1 is longer than 4,194,304 characters" in rejected[0]["reason"]  # not even parsed
    assert {r["declaration_id"] for r in report if r["status"] == "accepted"} == set(_ids(rows)) - {first}
    with engine.connect() as conn:
        stored_reports = conn.scalars(select(ImportBatch.report)).all()
        longest_id = conn.scalar(select(func.max(func.length(Declaration.source_system_id))))
    assert len(json.dumps(stored_reports)) < 20_000
    assert longest_id is not None and longest_id <= 64
    assert peak < PEAK_RSS_MB, f"peak RSS {peak:.0f} MB"


def test_a_file_needing_more_memory_than_the_ceiling_is_refused_with_exit_2(cli, tmp_path):
    run, engine = cli
    rows = _rows(4, "MEM")
    records = [dict(r, description="x" * (300 * 1024 * 1024 // len(rows))) for r in rows]
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(json_lines(records)) + "\n", encoding="utf-8")
    code, err, _peak, _report = run(path, "--memory-limit-mb", "600")
    assert code == 2, err
    assert "more memory than an import may use (600 MB)" in err and "MemoryError" not in err
    assert counts(engine) == (0, 0, 0)


def test_more_rows_than_allowed_is_refused_whole(cli, tmp_path):
    run, engine = cli
    path = tmp_path / "many.csv"
    path.write_bytes(rows_to_csv(_rows(12, "MANY")))
    code, err, _peak, _report = run(path, "--max-rows", "10")
    assert code == 2 and "more than 10 rows" in err, err
    assert counts(engine) == (0, 0, 0)
