"""Demo accounts only in the demo: the seed sets the published password only when asked to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portsight.db import models as m
from portsight.db.instance import is_demo
from portsight.demo.seed import seed_demo
from portsight.services.accounts import DEMO_PASSWORD, InvalidCredentials, authenticate, demo_password_users

NOW = datetime(2025, 6, 4, 10, 0, tzinfo=UTC)


def test_seed_without_the_demo_flag_leaves_no_account_with_a_known_password(db):
    seed_demo(db, weeks=1, seed=3, now=NOW)
    assert db.scalar(select(func.count()).select_from(m.User)) > 50  # the history needs its people
    assert demo_password_users(db) == ([], 0)
    assert not is_demo(db)
    with pytest.raises(InvalidCredentials):
        authenticate(db, "admin", DEMO_PASSWORD)


def test_seed_with_the_demo_flag_gives_the_demo_password_and_marks_the_database(db):
    seed_demo(db, weeks=1, seed=3, now=NOW, demo=True)
    names, _ = demo_password_users(db)
    assert {"admin", "supervisor", "inspector", "gate"} <= set(names)
    assert is_demo(db)
    assert authenticate(db, "admin", DEMO_PASSWORD).actor.role.value == "admin"


def test_reseeding_without_the_flag_clears_the_demo_mark(db):
    seed_demo(db, weeks=1, seed=3, now=NOW, demo=True)
    seed_demo(db, weeks=1, seed=3, now=NOW, force=True)
    assert not is_demo(db)
