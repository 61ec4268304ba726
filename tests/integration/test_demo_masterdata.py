"""The demo's master data: enterprises under registered Chinese names (most also with their English name)
and valid codes, accounts people sign in with under Chinese display names, the simulator's own supervisor,
and a demo inspector who has no duty from `now` on."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import product

from sqlalchemy import select
from stdnum.cn import uscc

from portsight.clock import as_utc
from portsight.db import models as m
from portsight.demo.masterdata import DEMO_ACCOUNTS, SIMULATOR_SUPERVISOR
from portsight.demo.seed import seed_demo
from portsight.demo.world import CITY_DIVISION, CITY_NAMES, FORMS, NAME_WORDS, TRADE_WORDS
from portsight.security import hash_password, verify_password
from portsight.services.accounts import DEMO_PASSWORD

NOW = datetime(2025, 6, 4, 2, 0, tzinfo=UTC)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _org_code_valid(code: str) -> bool:
    """GB 11714-1997: eight characters (0-9 = 0-9, A-Z = 10-35) weighted 3 7 9 10 5 8 4 2; the check
    character is 11 - (sum mod 11), X for 10 and 0 for 11."""
    values = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    check = 11 - sum(values.index(c) * w for c, w in zip(code[:8], (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return code[8] == {10: "X", 11: "0"}.get(check, str(check))


def test_enterprises_have_registered_chinese_names_their_english_names_and_valid_codes(db):
    seed_demo(db, weeks=1, seed=7, now=NOW, password_hash="x")
    rows = db.execute(select(m.Enterprise.name, m.Enterprise.name_en, m.Enterprise.uscc)).all()
    english = {
        f"{city}{word}{trade}{form}": f"{city_en} {word_en} {trade_en} {form_en}"
        for (city, city_en), (word, word_en), (trade, trade_en), (form, form_en) in product(
            set(CITY_NAMES.values()), NAME_WORDS, TRADE_WORDS.values(), FORMS
        )
    }
    assert len(rows) == 320 and len({r.name for r in rows}) == 320
    assert all(r.name in english for r in rows), [r.name for r in rows if r.name not in english][:5]
    with_english = [r for r in rows if r.name_en is not None]
    assert 0.7 * len(rows) < len(with_english) < len(rows)
    assert all(r.name_en == english[r.name] for r in with_english)
    assert all(not CJK.search(r.name_en) for r in with_english)
    divisions = set(CITY_DIVISION.values())
    for r in rows:
        assert uscc.is_valid(r.uscc) and r.uscc[:2] == "91" and r.uscc[2:8] in divisions, r.uscc
        assert _org_code_valid(r.uscc[8:17]), r.uscc


def test_the_demo_accounts_read_in_chinese_and_nobody_signs_in_as_the_simulator(db):
    seed_demo(db, weeks=1, seed=7, now=NOW, password_hash=hash_password(DEMO_PASSWORD))
    users = {
        u.username: u
        for u in db.execute(
            select(m.User.username, m.User.display_name, m.User.role, m.User.all_ports, m.User.password_hash)
        )
    }
    for username, *_ in DEMO_ACCOUNTS:
        display = users[username].display_name
        assert CJK.search(display) and not re.search(r"[A-Za-z]", display), display
        assert verify_password(users[username].password_hash, DEMO_PASSWORD)
    simulator = users[SIMULATOR_SUPERVISOR]
    assert (simulator.role, simulator.all_ports) == ("supervisor", True) and CJK.search(simulator.display_name)
    assert not verify_password(simulator.password_hash, DEMO_PASSWORD)


def test_the_demo_inspector_has_no_duty_from_now_on(db):
    """So no draw of inspectors picks the demo inspector: only a person gives it work."""
    seed_demo(db, weeks=1, seed=7, now=NOW, password_hash="x")
    shifts = db.execute(
        select(m.User.username, m.DutyShift.starts_at, m.DutyShift.ends_at)
        .join(m.User, m.User.id == m.DutyShift.user_id)
        .join(m.Port, m.Port.id == m.DutyShift.port_id)
        .where(m.Port.code == "CNSGH")
    ).all()
    mine = [s for s in shifts if s.username == "inspector"]
    assert mine and all(as_utc(s.ends_at) <= NOW for s in mine)
    assert any(as_utc(s.starts_at) > NOW for s in shifts if s.username.startswith("insp.cnsgh."))
