"""Rule switches, alert upserts and back-testing against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portsight.catalogue import default_catalogue
from portsight.db.alert_store import raise_alert
from portsight.db.models import (
    Alert,
    AuditEntry,
    Container,
    Declaration,
    Enterprise,
    Evidence,
    GoodsLine,
    Inspection,
    Port,
    RuleSetting,
    StepResult,
)
from portsight.db.rule_switches import rule_switches, rules_in_force
from portsight.db.session import unit_of_work
from portsight.domain import iso6346
from portsight.domain.access import AccessDenied, Actor, Role
from portsight.errors import InvalidInput, NotFound
from portsight.queries.backtest import backtest_rule
from portsight.services.rules import set_rule_enabled

ADMIN = Actor(user_id=None, username="admin", role=Role.ADMIN, port_ids=None)
SUPERVISOR = Actor(user_id=None, username="sup", role=Role.SUPERVISOR, port_ids=None)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class World:
    """Minimal rows inserted by hand (the seed functions are not needed here)."""

    def __init__(self, session):
        self.s = session
        self.n = 0
        self.ports = {}
        for code, kind in (("CNQIN", "sea"), ("CNNBO", "sea"), ("CNPVG", "air")):
            port = Port(code=code, name_en=code, name_zh=code, kind=kind)
            session.add(port)
            self.ports[code] = port
        self.enterprises = {}
        for i, tier in enumerate(("general", "dishonest", "advanced_certified")):
            ent = Enterprise(uscc=f"91370200MA3C{i:06d}", name=tier, credit_tier=tier)
            session.add(ent)
            self.enterprises[tier] = ent
        session.flush()

    def declaration(
        self, port: str, hs: str, day: date, *, tier="general", size_type="22G1", weight=20000.0, seal="S1"
    ):
        self.n += 1
        d = Declaration(
            number=f"T{self.n:08d}",
            port_id=self.ports[port].id,
            enterprise_id=self.enterprises[tier].id,
            direction="import",
            transport_mode="air" if port == "CNPVG" else "sea",
            origin_country="US",
            declared_at=at(day),
        )
        d.goods.append(
            GoodsLine(line_no=1, hs_code=hs, description="x", quantity=1, unit="kg", gross_weight_kg=weight, value=1)
        )
        if port != "CNPVG":
            first10 = f"ABCU{self.n:06d}"
            d.containers.append(
                Container(number=first10 + str(iso6346.check_digit(first10)), size_type=size_type, declared_seal=seal)
            )
        self.s.add(d)
        self.s.flush()
        return d

    def inspection(self, d: Declaration, *, minutes: float | None = None, photos: int = 0, day: date | None = None):
        day = day or d.declared_at.date()
        ins = Inspection(
            declaration_id=d.id, port_id=d.port_id, state="completed", created_at=at(day, 8), started_at=at(day, 9)
        )
        if minutes is not None:
            ins.completed_at = at(day, 9) + timedelta(minutes=minutes)
        self.s.add(ins)
        self.s.flush()
        for _ in range(photos):
            self.s.add(
                Evidence(
                    inspection_id=ins.id,
                    sha256="0" * 64,
                    media_type="image/jpeg",
                    size_bytes=1,
                    source="camera",
                    taken_at=at(day, 9),
                )  # fmt: skip
            )
        return ins

    def step(self, ins: Inspection, key: str, values: dict, day: date, container_id: int | None = None):
        self.s.add(
            StepResult(
                inspection_id=ins.id,
                step_key=key,
                container_id=container_id,
                outcome="conforming",
                values=values,
                recorded_at=at(day, 11),
            )  # fmt: skip
        )
        self.s.flush()


@pytest.fixture
def world(db):
    with unit_of_work(db) as session:
        yield World(session)


# --------------------------------------------------------------------------- switches


def test_switching_a_rule_off_writes_the_setting_and_an_audit_entry(db):
    assert set_rule_enabled(db, ADMIN, "gross_weight_tolerance", False) is False
    with unit_of_work(db) as s:
        setting = s.get(RuleSetting, "gross_weight_tolerance")
        assert setting is not None and setting.enabled is False
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "rule")).one()
    assert entry.entity_id == "gross_weight_tolerance" and entry.actor == "admin"
    assert entry.before == {"enabled": True} and entry.after == {"enabled": False}
    assert entry.action == "rule.disable"

    set_rule_enabled(db, ADMIN, "gross_weight_tolerance", True)
    with unit_of_work(db) as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "rule").order_by(AuditEntry.id)).all()
    assert [(e.before, e.after) for e in entries][-1] == ({"enabled": False}, {"enabled": True})
    assert rule_switches(db) == {"gross_weight_tolerance": True}


def test_only_an_administrator_switches_rules(db):
    with pytest.raises(AccessDenied):
        set_rule_enabled(db, SUPERVISOR, "gross_weight_tolerance", False)
    with pytest.raises(NotFound):
        set_rule_enabled(db, ADMIN, "no_such_rule", False)


def test_rules_in_force_honour_dates_and_switches(db):
    ids_2017 = set(rules_in_force(db, date(2017, 6, 1)).ids)
    assert "recovered_paper_impurity" in ids_2017 and "solid_waste_import_ban" not in ids_2017
    set_rule_enabled(db, ADMIN, "recovered_paper_impurity", False)
    assert "recovered_paper_impurity" not in set(rules_in_force(db, date(2017, 6, 1)).ids)  # switched off
    set_rule_enabled(db, ADMIN, "gross_weight_tolerance", False)
    ids = set(rules_in_force(db, date(2022, 6, 1)).ids)
    assert "solid_waste_import_ban" in ids  # the paper limit ended 2020-12-31; the ban took over
    assert ids == set(default_catalogue().in_force(date(2022, 6, 1)).ids) - {"gross_weight_tolerance"}


# --------------------------------------------------------------------------- alerts


def test_raise_alert_dedupes_and_reopens_a_resolved_alert(db, world):
    port = world.ports["CNQIN"].id
    first = raise_alert(
        world.s, dedupe_key="rule:x:decl:1", kind="rule", severity="high", port_id=port, title="t1",
        detail={"n": 1}, rule_id="solid_waste_import_ban",
    )  # fmt: skip
    again = raise_alert(
        world.s, dedupe_key="rule:x:decl:1", kind="rule", severity="high", port_id=port, title="t2", detail={"n": 2}
    )
    assert again.id == first.id and again.count == 2 and again.state == "open"
    alert = world.s.get(Alert, first.id)
    assert alert.title == "t2" and alert.rule_id == "solid_waste_import_ban"
    assert alert.last_raised_at >= alert.first_raised_at

    alert.state, alert.resolved_at, alert.comment = "resolved", datetime.now(UTC), "checked"
    world.s.flush()
    third = raise_alert(world.s, dedupe_key="rule:x:decl:1", kind="rule", severity="high", port_id=port, title="t3")
    assert third.count == 3 and third.state == "open"
    world.s.refresh(alert)
    assert alert.state == "open" and alert.resolved_at is None
    assert world.s.scalar(select(Alert.id).where(Alert.dedupe_key == "rule:x:decl:1")) == first.id

    other = raise_alert(world.s, dedupe_key="rule:x:decl:2", kind="rule", severity="low", port_id=port, title="u")
    assert other.id != first.id and other.count == 1


def test_acknowledged_alert_stays_acknowledged_when_raised_again(db, world):
    a = raise_alert(world.s, dedupe_key="k-ack", kind="rule", severity="medium", port_id=None, title="t")
    alert = world.s.get(Alert, a.id)
    alert.state = "acknowledged"
    world.s.flush()
    assert raise_alert(world.s, dedupe_key="k-ack", kind="rule", severity="medium", port_id=None, title="t").state == (
        "acknowledged"
    )


# --------------------------------------------------------------------------- back-testing


def _by_port(result) -> dict[str, tuple[int, int]]:
    return {p.port_code: (p.subjects, p.hits) for p in result.by_port}


def test_backtest_of_the_ban_counts_declarations_in_scope_from_2021(db, world):
    w = world
    w.declaration("CNQIN", "4707100000", date(2021, 2, 1))
    w.declaration("CNQIN", "4707100000", date(2021, 3, 1))
    w.declaration("CNQIN", "8471300000", date(2021, 3, 1))
    w.declaration("CNNBO", "7404000090", date(2021, 5, 1))
    w.declaration("CNNBO", "4707100000", date(2020, 12, 31))  # before the ban
    w.declaration("CNQIN", "4707100000", date(2023, 1, 1))  # after the period
    result = backtest_rule(db, ADMIN, "solid_waste_import_ban", date(2020, 12, 1), date(2022, 12, 31))
    # From-scratch count: declarations in [2021-01-01, 2022-12-31] with an HS code under 3915/4707/7204/7404/7602.
    assert _by_port(result) == {"CNQIN": (3, 2), "CNNBO": (1, 1)}
    assert result.total_hits == 3 and result.unit == "declarations" and result.in_force


def test_backtest_of_the_ban_leaves_out_recycled_raw_materials_from_their_dates(db, world):
    w = world
    w.declaration("CNQIN", "7404000030", date(2022, 3, 1))  # recycled copper (from 2020-11-01): not banned
    w.declaration("CNQIN", "7204490030", date(2022, 3, 1))  # recycled steel (from 2021-01-01): not banned
    w.declaration("CNQIN", "7404", date(2022, 3, 1))  # copper waste under the heading: banned
    w.declaration("CNNBO", "7404000040", date(2023, 6, 1))  # not yet a recycled code: banned
    w.declaration("CNNBO", "7404000040", date(2025, 1, 10))  # recycled copper alloy (from 2024-11-15)
    result = backtest_rule(db, ADMIN, "solid_waste_import_ban", date(2021, 1, 1), date(2025, 12, 31))
    assert _by_port(result) == {"CNQIN": (3, 1), "CNNBO": (2, 1)}


def test_backtest_of_paper_impurity_follows_the_dated_limit_and_a_changed_parameter(db, world):
    w = world
    cases = [
        ("CNQIN", date(2017, 6, 1), 0.8),  # passes (1.5 %)
        ("CNQIN", date(2017, 7, 1), 1.6),  # fails
        ("CNQIN", date(2019, 6, 1), 0.8),  # fails (0.5 %)
        ("CNNBO", date(2019, 6, 1), 0.4),  # passes
        ("CNNBO", date(2019, 7, 1), 0.9),  # fails
    ]
    for port, day, pct in cases:
        d = w.declaration(port, "4707100000", day)
        w.step(w.inspection(d, minutes=60, photos=2), "impurity", {"impurity_pct": pct}, day)
    # a copper step is out of the paper rule's scope
    d = w.declaration("CNQIN", "7404000090", date(2019, 6, 1))
    w.step(w.inspection(d, minutes=60, photos=1), "impurity", {"impurity_pct": 0.9}, date(2019, 6, 1))

    result = backtest_rule(db, ADMIN, "recovered_paper_impurity", date(2017, 1, 1), date(2019, 12, 31))
    expected = {}
    for port, day, pct in cases:
        limit = 1.5 if day < date(2018, 3, 1) else 0.5
        subjects, hits = expected.get(port, (0, 0))
        expected[port] = (subjects + 1, hits + (pct > limit))
    assert _by_port(result) == expected == {"CNQIN": (3, 2), "CNNBO": (2, 1)}

    relaxed = backtest_rule(
        db, SUPERVISOR, "recovered_paper_impurity", date(2017, 1, 1), date(2019, 12, 31), {"impurity_max_pct": 1.0}
    )
    assert _by_port(relaxed) == {"CNQIN": (3, 1), "CNNBO": (2, 0)}
    assert relaxed.parameters == {"impurity_max_pct": 1.0}
    copper = backtest_rule(db, ADMIN, "nonferrous_scrap_impurity", date(2019, 1, 1), date(2019, 12, 31))
    assert _by_port(copper) == {"CNQIN": (1, 0)}


def test_backtest_of_weight_and_seal_uses_the_declared_values(db, world):
    w = world
    day = date(2024, 3, 4)
    for weighed in (20500, 21500, 18000):
        d = w.declaration("CNQIN", "8429520000", day, weight=20000)
        ins = w.inspection(d, minutes=45, photos=3)
        w.step(ins, "goods", {"description_matches": True, "quantity": 1, "gross_weight_kg": weighed}, day)
        w.step(
            ins,
            "seal",
            {"seal_number": "s-1" if weighed == 20500 else "X9", "seal_class": "H"},
            day,
            d.containers[0].id,
        )
        w.step(
            ins,
            "container_number",
            {"number": d.containers[0].number if weighed != 18000 else "ABCU0000000"},
            day,
            d.containers[0].id,
        )
    weight = backtest_rule(db, ADMIN, "gross_weight_tolerance", day, day)
    assert _by_port(weight) == {"CNQIN": (3, 2)}
    seal = backtest_rule(db, ADMIN, "seal_matches_declared", day, day)
    assert _by_port(seal) == {"CNQIN": (3, 2)}
    numbers = backtest_rule(db, ADMIN, "iso6346_check_digit", day, day)
    assert _by_port(numbers) == {"CNQIN": (3, 1)} and numbers.method == "sql+python"


def test_backtest_of_quick_close_counts_inspections_without_photos(db, world):
    w = world
    day = date(2024, 4, 2)
    for minutes, photos in ((4, 0), (4, 2), (30, 0), (9.5, 0)):
        w.inspection(w.declaration("CNNBO", "8429520000", day), minutes=minutes, photos=photos)
    w.inspection(w.declaration("CNNBO", "8429520000", day), minutes=None)  # not completed
    result = backtest_rule(db, ADMIN, "quick_close_without_photo", day, day)
    assert _by_port(result) == {"CNNBO": (4, 2)} and result.unit == "inspections"
    stricter = backtest_rule(db, ADMIN, "quick_close_without_photo", day, day, {"max_minutes": 5})
    assert _by_port(stricter) == {"CNNBO": (4, 1)}


def test_backtest_of_the_dishonest_tier_rate_reports_each_port(db, world):
    w = world
    day = date(2022, 5, 5)
    for i in range(5):
        d = w.declaration("CNQIN", "8429520000", day, tier="dishonest")
        if i < 3:
            w.inspection(d, minutes=40, photos=2)
    w.declaration("CNQIN", "8429520000", day, tier="general")
    result = backtest_rule(db, ADMIN, "credit_dishonest_inspection_rate", day, day)
    (port,) = result.by_port
    assert (port.port_code, port.subjects, port.hits) == ("CNQIN", 5, 5)
    assert port.detail["inspection_rate_pct"] == pytest.approx(60.0) and port.detail["conforms"] is False


def test_backtest_respects_port_scope_and_checks_its_inputs(db, world):
    w = world
    w.declaration("CNQIN", "4707100000", date(2021, 2, 1))
    w.declaration("CNNBO", "4707100000", date(2021, 2, 1))
    local = Actor(user_id=None, username="sup", role=Role.SUPERVISOR, port_ids=frozenset({w.ports["CNNBO"].id}))
    result = backtest_rule(db, local, "solid_waste_import_ban", date(2021, 1, 1), date(2021, 12, 31))
    assert _by_port(result) == {"CNNBO": (1, 1)}
    with pytest.raises(InvalidInput):
        backtest_rule(db, ADMIN, "recovered_paper_impurity", date(2021, 1, 1), date(2021, 2, 1), {"nope": 1})
    inspector = Actor(user_id=None, username="i", role=Role.INSPECTOR, port_ids=None)
    with pytest.raises(AccessDenied):
        backtest_rule(db, inspector, "solid_waste_import_ban", date(2021, 1, 1), date(2021, 2, 1))
    early = backtest_rule(db, ADMIN, "solid_waste_import_ban", date(2019, 1, 1), date(2019, 12, 31))
    assert early.by_port == () and not early.in_force


def test_rules_page_rows_show_switch_and_history(db):
    from portsight.queries.rules import rule_catalogue_rows, rule_switch_history

    set_rule_enabled(db, ADMIN, "quick_close_without_photo", False)
    rows = {r["id"]: r for r in rule_catalogue_rows(db, date(2019, 6, 1))}
    assert set(rows) == set(default_catalogue().ids)
    assert rows["quick_close_without_photo"]["enabled"] is False
    assert rows["recovered_paper_impurity"]["parameters"] == "impurity_max_pct = 0.5 %"
    assert rows["solid_waste_import_ban"]["in_force"] is False
    (entry,) = rule_switch_history(db, "quick_close_without_photo")
    assert entry["before"] == {"enabled": True} and entry["after"] == {"enabled": False}
