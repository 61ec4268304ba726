"""`python -m portsight users ...` and `seed [--demo]` on a database of their own (SQLite file)."""

from __future__ import annotations

import io
import sys

import pytest

from portsight.__main__ import main
from portsight.db.instance import is_demo
from portsight.db.session import make_engine
from portsight.services.accounts import DEMO_PASSWORD, authenticate, demo_password_users

PW = "harbour-crane-42"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'portsight.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PORTSIGHT_DATA_DIR", str(tmp_path))

    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    engine = make_engine(url)
    run.engine = engine  # type: ignore[attr-defined]
    yield run
    engine.dispose()


def test_seed_without_demo_then_the_first_administrator(cli):
    code, out, _ = cli("seed", "--weeks", "1", "--seed", "3")
    assert code == 0 and "users create admin --role admin" in out
    assert demo_password_users(cli.engine) == ([], 0)
    assert not is_demo(cli.engine)
    code, out, err = cli("users", "create", "chief", "--role", "admin", "--password-stdin", stdin=PW + "\n")
    assert (code, err) == (0, "") and "chief" in out
    signed = authenticate(cli.engine, "chief", PW)
    assert signed.actor.role.value == "admin" and signed.actor.port_ids is None


def test_seed_with_demo_marks_the_database_and_health_stays_quiet(cli):
    code, out, _ = cli("seed", "--weeks", "1", "--seed", "3", "--demo")
    assert code == 0 and "password 'demo'" in out
    assert is_demo(cli.engine) and "admin" in demo_password_users(cli.engine)[0]
    assert cli("db", "upgrade")[2] == ""


def test_a_demo_password_outside_the_demo_is_warned_about(cli):
    cli("seed", "--weeks", "1", "--seed", "3", "--demo")
    cli("seed", "--weeks", "1", "--seed", "3", "--force")  # real data now, yet:
    assert cli("users", "create", "old", "--role", "admin", "--password-stdin", stdin=PW)[0] == 0
    from sqlalchemy import update

    from portsight.db.models import User
    from portsight.security import hash_password

    with cli.engine.begin() as conn:
        conn.execute(update(User).where(User.username == "old").values(password_hash=hash_password(DEMO_PASSWORD)))
    code, _, err = cli("db", "upgrade")
    assert code == 0 and "demo password: old" in err


def test_exit_codes_and_messages(cli):
    ok = ("users", "create", "ops", "--role", "admin", "--password-stdin")
    assert cli(*ok, stdin=PW)[0] == 0
    code, _, err = cli("users", "create", "weak", "--role", "admin", "--password-stdin", stdin="short")
    assert code == 2 and "too short" in err
    code, _, err = cli("users", "create", "demo1", "--role", "admin", "--password-stdin", stdin="demo")
    assert code == 2
    assert cli(*ok, stdin=PW)[:1] == (2,)  # taken
    code, _, err = cli("users", "create", "gate1", "--role", "gate", "--password-stdin", stdin=PW)
    assert code == 2 and "--ports" in err
    code, _, err = cli("users", "create", "gate1", "--role", "gate", "--ports", "CNXXX", "--password-stdin", stdin=PW)
    assert code == 2 and "CNXXX" in err
    code, _, err = cli("users", "create", "noterm", "--role", "admin", stdin=PW)  # no tty, no --password-stdin
    assert code == 2 and "--password-stdin" in err
    code, _, err = cli("users", "passwd", "nobody", "--password-stdin", stdin=PW)
    assert code == 2 and "nobody" in err
    assert cli("users", "passwd", "ops", "--password-stdin", stdin="quay-side-lamp-7")[0] == 0
    assert authenticate(cli.engine, "ops", "quay-side-lamp-7").must_change_password is True
    assert cli("users", "unlock", "ops")[0] == 0
    code, _, err = cli("users", "deactivate", "ops")
    assert code == 2 and "last active administrator" in err
    code, out, _ = cli("users", "list")
    assert code == 0 and "ops" in out and "1 account(s)." in out
    with pytest.raises(SystemExit) as bad_role:
        cli("users", "create", "x", "--role", "king", "--password-stdin", stdin=PW)
    assert bad_role.value.code == 2  # argparse's own refusal
