"""Killing the server between two steps loses no saved step: a process records a step and is SIGKILLed,
then a fresh process reads the database and resumes at the next step (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from portsight.db.migrate import upgrade
from portsight.db.models import Container
from portsight.db.session import make_engine
from tests.conftest import missing, postgres_url
from tests.integration.test_field import BOX, make_world, started_inspection

ROOT = Path(__file__).resolve().parents[2]

RECORD_THEN_HANG = """
import sys, time
from portsight.db.session import make_engine
from portsight.domain.access import Actor, Role
from portsight.services import field
engine = make_engine(sys.argv[1])
lead = Actor(2, "insp.1", Role.INSPECTOR, frozenset({1}))
out = field.record_step_result(engine, lead, int(sys.argv[2]), "container_number", {"number": sys.argv[4]},
                               int(sys.argv[3]))
print("saved", out.outcome, out.next_slot, flush=True)
time.sleep(600)  # between two steps: the next one never comes, the process is killed here
"""

READ_STATE = """
import json, sys
from portsight.db.session import make_engine
from portsight.queries.field import checklist_state
state = checklist_state(make_engine(sys.argv[1]), int(sys.argv[2]))
print(json.dumps({"done": state["done"], "resume": state["resume"],
                  "outcomes": {k: v["outcome"] for k, v in state["progress"].items()}}))
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request, tmp_path):
    """A database of its own (the work is committed, so it must not be the shared test database)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kill.db'}"
        yield url
        return
    base = postgres_url()
    if base is None:
        missing("PostgreSQL", "set TEST_POSTGRES_URL=postgresql+psycopg://user@127.0.0.1:5432/db")
    name = f"{make_url(base).database}_fieldkill"
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server or no right to create databases
        missing("PostgreSQL", f"cannot create a database: {exc}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def python(script: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)  # fmt: skip


def read_line(proc: subprocess.Popen, timeout: float = 60) -> str:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(timeout):
        proc.kill()
        raise AssertionError(f"no output within {timeout}s: {proc.stderr.read()}")
    return proc.stdout.readline().strip()


def test_a_saved_step_survives_a_killed_server_and_a_fresh_process_resumes_after_it(own_database):
    upgrade(own_database)
    engine = make_engine(own_database)
    with engine.begin() as conn:
        make_world(conn)
    inspection = started_inspection(engine)
    with engine.connect() as conn:
        box = conn.scalar(select(Container.id).where(Container.number == BOX))
    engine.dispose()

    server = python(RECORD_THEN_HANG, own_database, str(inspection), str(box), BOX)
    line = read_line(server)
    assert line == f"saved conforming seal@{BOX}", (line, server.stderr)
    server.send_signal(signal.SIGKILL)
    assert server.wait(timeout=30) == -signal.SIGKILL

    reader = python(READ_STATE, own_database, str(inspection))
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    state = json.loads(out)
    assert state["done"] == 1 and state["resume"] == f"seal@{BOX}"
    assert state["outcomes"][f"container_number@{BOX}"] == "conforming"
