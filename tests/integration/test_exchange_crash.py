"""SIGKILL in the middle of a 50k-row import leaves only whole batches, each counted in the statistics;
running it again completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from portsight import reference
from portsight.db.migrate import upgrade
from portsight.db.models import DailyPortRollup, Declaration, GoodsLine, ImportBatch, Port
from portsight.db.session import make_engine
from portsight.exchange.importer import file_sha256
from portsight.exchange.synthetic import declaration_rows, rows_to_csv
from tests.conftest import missing, postgres_url

ROOT = Path(__file__).resolve().parents[2]
ROWS = 50_000
BATCH = 500


def _postgres_crash_url() -> str:
    """A database of its own next to the test database: the child process commits for real."""
    base = postgres_url()
    if base is None:
        missing("PostgreSQL", "set TEST_POSTGRES_URL=postgresql+psycopg://user@127.0.0.1:5432/db")
    url = make_url(base)
    name = f"{url.database}_crash"
    try:
        admin = make_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - no right to create databases: not available here
        missing("PostgreSQL", f"cannot create {name}: {exc.__class__.__name__}: {exc}")
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    url = _postgres_crash_url()
    yield url
    admin = make_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _run_import(url: str, path: Path, tmp_path: Path, kill_after_batches: int | None) -> int:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORTSIGHT_DATA_DIR": str(tmp_path),
        "PORTSIGHT_SECRET": "test",
        "PYTHONPATH": str(ROOT),
    }
    cmd = [sys.executable, "-m", "portsight", "import", str(path), "--progress", "--batch-size", str(BATCH)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if kill_after_batches is None:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        return proc.returncode
    for line in proc.stderr:
        if line.startswith("progress "):
            done = int(line.split()[1].split("/")[0])
            if done >= kill_after_batches * BATCH:
                proc.send_signal(signal.SIGKILL)  # no cleanup, no rollback handler: the database must cope
                break
    proc.wait(timeout=60)
    proc.stderr.close()
    return proc.returncode


@pytest.mark.slow
def test_sigkill_mid_import_leaves_whole_batches_and_rerun_completes(crash_url, tmp_path):
    upgrade(crash_url)
    engine = make_engine(crash_url)
    with engine.begin() as conn:
        conn.execute(
            insert(Port),
            [{"code": p.code, "name_en": p.name_en, "name_zh": p.name_zh, "kind": p.kind} for p in reference.ports()],
        )
    rows = declaration_rows(ROWS, seed=5, prefix="KILL")
    lines_of = Counter(r["declaration_id"] for r in rows)
    path = tmp_path / "backbone-50k.csv"
    path.write_bytes(rows_to_csv(rows))
    sha = file_sha256(path.read_bytes())
    total_batches = -(-len(lines_of) // BATCH)

    code = _run_import(crash_url, path, tmp_path, kill_after_batches=5)
    assert code == -signal.SIGKILL

    with engine.connect() as conn:
        batches = conn.execute(
            select(ImportBatch.batch_no, ImportBatch.rows_accepted).where(ImportBatch.file_sha256 == sha)
        ).all()
        stored = dict(
            conn.execute(
                select(Declaration.source_system_id, func.count(GoodsLine.id))
                .join(GoodsLine, GoodsLine.declaration_id == Declaration.id)
                .group_by(Declaration.source_system_id)
            ).all()
        )
        n_declarations = conn.scalar(select(func.count()).select_from(Declaration))
        rolled_up = conn.scalar(select(func.sum(DailyPortRollup.declarations)))
    assert 5 <= len(batches) < total_batches, "killed in the middle"
    assert rolled_up == n_declarations, "the statistics count every committed batch, before any re-run"
    assert sorted(b for b, _ in batches) == list(range(1, len(batches) + 1)), "batches commit in order"
    assert n_declarations == len(stored) == sum(a for _, a in batches) == len(batches) * BATCH
    assert all(stored[k] == lines_of[k] for k in stored), "no declaration with a part of its goods lines"
    order = list(lines_of)
    assert set(stored) == set(order[: len(batches) * BATCH]), "exactly the first whole batches"

    _run_import(crash_url, path, tmp_path, kill_after_batches=None)
    with engine.connect() as conn:
        n_batches = conn.scalar(select(func.count()).select_from(ImportBatch).where(ImportBatch.file_sha256 == sha))
        n_declarations = conn.scalar(select(func.count()).select_from(Declaration))
        n_lines = conn.scalar(select(func.count()).select_from(GoodsLine))
        rolled_up = conn.scalar(select(func.sum(DailyPortRollup.declarations)))
    assert n_batches == total_batches
    assert n_declarations == len(lines_of) and n_lines == ROWS
    assert rolled_up == n_declarations
    engine.dispose()
