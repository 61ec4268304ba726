"""The scheduler's interface: `python -m portsight import` exit codes and report, `export` printing the cursor."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from portsight import reference
from portsight.db.migrate import upgrade
from portsight.db.models import OutboxEntry, Port
from portsight.db.session import make_engine
from portsight.exchange.synthetic import declaration_rows, rows_to_csv

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "exchange" / "sample_declarations.csv"


@pytest.fixture
def cli(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(Port),
            [{"code": p.code, "name_en": p.name_en, "name_zh": p.name_zh, "kind": p.kind} for p in reference.ports()],
        )
    env = {**os.environ, "DATABASE_URL": url, "PORTSIGHT_DATA_DIR": str(tmp_path), "PORTSIGHT_SECRET": "t"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "portsight", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    yield run, engine
    engine.dispose()


def read_report(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8-sig")))


def test_import_exit_codes_0_1_2_with_reports(cli, tmp_path):
    run, _ = cli
    ok = run("import", str(SAMPLE), "--report", str(tmp_path / "ok.csv"))
    assert ok.returncode == 0, ok.stderr
    assert "rejected" in ok.stdout and {r["status"] for r in read_report(tmp_path / "ok.csv")} == {"accepted"}
    again = run("import", str(SAMPLE))
    assert again.returncode == 0 and "already imported" in again.stdout

    rows = declaration_rows(4, seed=51, prefix="CLI")
    rows[0]["hs_code"] = "0000"
    (tmp_path / "some-bad.csv").write_bytes(rows_to_csv(rows))
    some = run("import", str(tmp_path / "some-bad.csv"), "--report", str(tmp_path / "bad.csv"))
    assert some.returncode == 1, some.stderr
    [bad] = [r for r in read_report(tmp_path / "bad.csv") if r["status"] == "rejected"]
    assert bad["column"] == "hs_code" and bad["row"] == "2" and bad["reason"]

    (tmp_path / "garbage.csv").write_text("no,columns,we,know\n1,2,3,4\n")
    unreadable = run("import", str(tmp_path / "garbage.csv"), "--report", str(tmp_path / "garbage-report.csv"))
    assert unreadable.returncode == 2 and "Required columns missing" in unreadable.stderr
    assert read_report(tmp_path / "garbage-report.csv")[0]["status"] == "unreadable"
    assert run("import", str(tmp_path / "missing.csv")).returncode == 2


def test_export_prints_the_next_cursor_and_sends_each_entry_once(cli, tmp_path):
    run, engine = cli
    with engine.begin() as conn:
        conn.execute(
            insert(OutboxEntry),
            [
                {
                    "kind": "decision",
                    "inspection_id": None,
                    "payload": {"decision": "release"},
                    "created_at": datetime(2026, 3, 2, tzinfo=UTC),
                }
            ],
        )
    first = run("export", "--since", "0", "--format", "jsonl", "--out", str(tmp_path / "a.jsonl"))
    assert first.returncode == 0, first.stderr
    cursor = first.stdout.strip()
    records = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert [r["cursor"] for r in records] == [int(cursor)] and records[0]["decision"] == "release"
    second = run("export", "--since", cursor, "--format", "csv", "--out", str(tmp_path / "b.csv"))
    assert second.stdout.strip() == cursor and len((tmp_path / "b.csv").read_text().splitlines()) == 1
    assert (
        run("export", "--since", "last", "--format", "csv", "--out", str(tmp_path / "c.csv")).stdout.strip() == cursor
    )
    bad = run("export", "--since", "yesterday", "--format", "csv", "--out", str(tmp_path / "d.csv"))
    assert bad.returncode == 2 and "cursor" in bad.stderr and not (tmp_path / "d.csv").exists()
