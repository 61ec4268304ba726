"""Risk profiles (布控) through the services, on SQLite and PostgreSQL: a profile in force forces (or raises)
a matching declaration's selection, recorded so Replay reproduces it; an expired or deactivated one does
not; hits are counted in the user's ports; administration is for administrators, audited, validated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from portsight.db.models import AuditEntry, Enterprise, Port, RiskProfileHit, Selection, User
from portsight.domain.access import AccessDenied, Actor, Role
from portsight.domain.selection import derive_seed, uniform
from portsight.queries.risk_profiles import risk_profile_hits, risk_profiles
from portsight.services.declarations import register_declaration
from portsight.services.risk_profiles import (
    ProfileRefused,
    change_risk_profile_expiry,
    create_risk_profile,
    deactivate_risk_profile,
)
from portsight.services.selection import replay_selection, select_declaration

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
SUP = Actor(1, "sup", Role.SUPERVISOR, None)
ADMIN = Actor(2, "admin", Role.ADMIN, None)
SUP_NBO = Actor(3, "sup.nbo", Role.SUPERVISOR, frozenset({2}))
USCC_GENERAL = "91310000MA1FL8LQ34"
USCC_ADVANCED = "91440300MA5DC4XU5U"


@pytest.fixture
def world(db):
    db.execute(
        insert(Port),
        [
            {"id": 1, "code": "CNSGH", "name_en": "Shanghai", "name_zh": "上海", "kind": "sea"},
            {"id": 2, "code": "CNNBO", "name_en": "Ningbo", "name_zh": "宁波", "kind": "sea"},
        ],
    )
    db.execute(
        insert(Enterprise),
        [
            {"id": 1, "uscc": USCC_GENERAL, "name": "General Trading", "credit_tier": "general"},
            {"id": 2, "uscc": USCC_ADVANCED, "name": "Advanced Import", "credit_tier": "advanced_certified"},
        ],
    )
    db.execute(
        insert(User),
        [
            {"id": 1, "username": "sup", "display_name": "Sup", "role": "supervisor", "password_hash": "x"},
            {"id": 2, "username": "admin", "display_name": "Admin", "role": "admin", "password_hash": "x"},
            {"id": 3, "username": "sup.nbo", "display_name": "Sup NBO", "role": "supervisor", "password_hash": "x"},
        ],
    )
    return db


def declare(db, number, enterprise_id=2, hs="8517130000", origin="JP", port="CNSGH", value=5000):
    return register_declaration(
        db,
        SUP,
        {
            "number": number,
            "port_code": port,
            "enterprise_id": enterprise_id,
            "direction": "import",
            "transport_mode": "sea",
            "origin_country": origin,
            "declared_at": T0,
            "goods": [{"hs_code": hs, "description": "goods", "quantity": 10, "gross_weight_kg": 900, "value": value}],
            "containers": [{"number": "CSQU3054383", "size_type": "22G1", "declared_seal": "SL123456"}],
        },
        now=T0,
    )


def make_profile(db, **overrides) -> int:
    values = {
        "name": "Phones from Japan",
        "reason": "Intelligence note 17: undervalued smartphones",
        "action": "force",
        "hs_prefix": "8517",
        "origin_country": "JP",
        "starts_at": T0 - timedelta(days=1),
        "expires_at": T0 + timedelta(days=30),
        "now": T0 - timedelta(days=1),
    }
    return create_risk_profile(db, ADMIN, **{**values, **overrides})


# the random draw alone would release: u >= the general rate and any document-check share
RELEASING = next(s for s in (derive_seed("rp-int", i) for i in range(10_000)) if uniform(s, "select") > 0.99)


def test_a_profile_in_force_forces_the_selection_of_a_matching_declaration(world):
    profile_id = make_profile(world)
    d = declare(world, "RP-1")
    record = select_declaration(world, SUP, d, seed=RELEASING, now=T0)
    assert record.outcome == "inspect" and record.forced and record.inspection_id is not None
    assert {"code": "rule_hit", "rule_id": f"risk_profile:{profile_id}"} in record.reasons
    inputs = world.scalar(select(Selection.inputs).where(Selection.id == record.selection_id))
    assert f"risk_profile:{profile_id}" in inputs["forced_hits"] and inputs["forced"] is True  # counts as forced
    assert inputs["risk_profiles"] == [
        {"profile_id": profile_id, "action": "force", "rate": 1.0, "draw": None, "fired": True}
    ]
    assert replay_selection(world, record.selection_id).matches
    hit = world.execute(select(RiskProfileHit.__table__)).one()
    assert (hit.profile_id, hit.declaration_id, hit.selection_id, hit.fired) == (
        profile_id,
        d,
        record.selection_id,
        True,
    )


def test_a_declaration_outside_the_scope_is_drawn_as_before(world):
    make_profile(world)
    d = declare(world, "RP-2", origin="DE")
    record = select_declaration(world, SUP, d, seed=RELEASING, now=T0)
    assert record.outcome == "release" and not record.forced
    assert "risk_profiles" not in world.scalar(select(Selection.inputs).where(Selection.id == record.selection_id))
    assert world.scalar(select(func.count()).select_from(RiskProfileHit)) == 0


def test_an_expired_profile_does_not_force(world):
    make_profile(world, expires_at=T0 - timedelta(hours=1), now=T0 - timedelta(days=1))
    record = select_declaration(world, SUP, declare(world, "RP-3"), seed=RELEASING, now=T0)
    assert record.outcome == "release" and not record.forced
    assert world.scalar(select(func.count()).select_from(RiskProfileHit)) == 0


def test_a_profile_not_yet_started_or_deactivated_does_not_force(world):
    make_profile(world, starts_at=T0 + timedelta(days=1))
    deactivate_risk_profile(world, ADMIN, make_profile(world, name="Ended"), now=T0 - timedelta(hours=2))
    record = select_declaration(world, SUP, declare(world, "RP-4"), seed=RELEASING, now=T0)
    assert record.outcome == "release"


def test_a_profile_on_another_port_does_not_apply(world):
    make_profile(world, port_id=2)
    assert select_declaration(world, SUP, declare(world, "RP-5"), seed=RELEASING, now=T0).outcome == "release"


def test_a_raise_draws_its_own_number_from_the_seed_and_replays(world):
    profile_id = make_profile(world, action="raise", rate=0.4, hs_prefix=None, min_value="1000", max_value=9000)
    purpose = f"risk_profile:{profile_id}"
    seeds = (derive_seed("raise", i) for i in range(10_000))
    fires = next(s for s in seeds if uniform(s, purpose) < 0.4 and uniform(s, "select") > 0.99)
    misses = next(s for s in seeds if uniform(s, purpose) >= 0.4 and uniform(s, "select") > 0.99)
    fired = select_declaration(world, SUP, declare(world, "RP-6"), seed=fires, now=T0)
    missed = select_declaration(world, SUP, declare(world, "RP-7"), seed=misses, now=T0)
    assert fired.outcome == "inspect" and fired.forced
    assert missed.outcome == "release" and not missed.forced
    assert replay_selection(world, fired.selection_id).matches
    assert replay_selection(world, missed.selection_id).matches
    table = risk_profiles(world, None, now=T0).set_index("profile_id")
    assert (table.loc[profile_id, "hits"], table.loc[profile_id, "fired"]) == (2, 1)  # both matched, one forced


def test_hits_are_counted_in_the_users_ports(world):
    national = make_profile(world, name="Every port")
    shanghai = make_profile(world, name="Shanghai only", port_id=1)
    for n in range(3):
        select_declaration(world, SUP, declare(world, f"RP-S{n}"), seed=RELEASING, now=T0)
    select_declaration(world, SUP, declare(world, "RP-N1", port="CNNBO"), seed=RELEASING, now=T0)
    everyone = risk_profiles(world, None, now=T0).set_index("profile_id")
    assert everyone.loc[national, ["hits", "fired"]].tolist() == [4, 4]
    assert everyone.loc[shanghai, ["hits", "fired"]].tolist() == [3, 3]
    assert everyone.loc[national, "status"] == "active" and everyone.loc[national, "author"] == "Admin"
    ningbo = risk_profiles(world, SUP_NBO.port_ids, now=T0).set_index("profile_id")
    assert list(ningbo.index) == [national]  # the Shanghai profile is not theirs
    assert ningbo.loc[national, "hits"] == 1
    latest = risk_profile_hits(world, national, SUP_NBO.port_ids)
    assert latest["declaration"].tolist() == ["RP-N1"] and latest["outcome"].tolist() == ["inspect"]


def test_status_follows_start_expiry_and_deactivation(world):
    later = make_profile(world, starts_at=T0 + timedelta(days=2))
    ended = make_profile(world, expires_at=T0 - timedelta(hours=1))
    off = make_profile(world)
    deactivate_risk_profile(world, ADMIN, off, now=T0)
    status = risk_profiles(world, None, now=T0).set_index("profile_id")["status"]
    assert (status[later], status[ended], status[off]) == ("scheduled", "expired", "deactivated")


def test_only_administrators_create_and_change_profiles(world):
    with pytest.raises(AccessDenied):
        create_risk_profile(
            world, SUP, name="x", reason="y", action="force", hs_prefix="8517",
            starts_at=T0, expires_at=T0 + timedelta(days=1), now=T0,
        )  # fmt: skip
    profile_id = make_profile(world)
    with pytest.raises(AccessDenied):
        deactivate_risk_profile(world, SUP, profile_id)
    scoped_admin = Actor(2, "admin", Role.ADMIN, frozenset({1}))
    with pytest.raises(AccessDenied):  # a profile on every port needs an administrator of every port
        create_risk_profile(
            world, scoped_admin, name="x", reason="y", action="force", hs_prefix="8517",
            starts_at=T0, expires_at=T0 + timedelta(days=1), now=T0,
        )  # fmt: skip


def test_what_was_typed_wrong_is_refused_with_every_problem_named(world):
    with pytest.raises(ProfileRefused) as refused:
        make_profile(
            world,
            name=" ",
            action="raise",
            rate=1.5,
            hs_prefix="85Ａ",
            origin_country="XX",
            min_value="ten",
            enterprise_uscc="91310000MA1FL8LQ35",
            expires_at=T0 - timedelta(days=2),
        )
    keys = [p.key.removeprefix("risk_profiles.") for p in refused.value.problems]
    assert keys == [
        "error_country",
        "error_value_number",
        "error_uscc_invalid",
        "error_name_required",
        "error_rate",
        "error_hs_prefix",
        "error_expiry_before_start",
    ]
    assert "Give the profile a name." in str(refused.value)  # the exception's own text is English
    with pytest.raises(ProfileRefused) as unknown:
        make_profile(world, hs_prefix=None, origin_country=None, enterprise_uscc="91110000600037341L")
    assert [p.key for p in unknown.value.problems] == ["risk_profiles.error_enterprise_unknown"]


def test_full_width_input_is_accepted(world):
    profile_id = make_profile(world, hs_prefix="８５１７", origin_country="ｊｐ", enterprise_uscc=USCC_ADVANCED.lower())
    row = risk_profiles(world, None, now=T0).set_index("profile_id").loc[profile_id]
    assert (row["hs_prefix"], row["origin_country"], row["enterprise_uscc"]) == ("8517", "JP", USCC_ADVANCED)


def test_creating_changing_and_deactivating_are_audited(world):
    profile_id = make_profile(world)
    change_risk_profile_expiry(world, ADMIN, profile_id, T0 + timedelta(days=60), now=T0)
    deactivate_risk_profile(world, ADMIN, profile_id, now=T0)
    actions = world.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "risk_profile").order_by(AuditEntry.id)
    ).all()
    assert actions == ["risk_profile.create", "risk_profile.expiry", "risk_profile.deactivate"]
    expiry = world.execute(
        select(AuditEntry.before, AuditEntry.after).where(AuditEntry.action == "risk_profile.expiry")
    )
    before, after = expiry.one()
    assert before["expires_at"].startswith("2026-12-20") and after["expires_at"].startswith("2027-01-19")
    with pytest.raises(ProfileRefused) as refused:
        change_risk_profile_expiry(world, ADMIN, profile_id, T0 + timedelta(days=90), now=T0)
    assert refused.value.problems[0].key == "risk_profiles.error_inactive"


def test_an_expiry_cannot_be_moved_into_the_past(world):
    profile_id = make_profile(world)
    with pytest.raises(ProfileRefused) as refused:
        change_risk_profile_expiry(world, ADMIN, profile_id, T0 - timedelta(hours=1), now=T0)
    assert refused.value.problems[0].key == "risk_profiles.error_expiry_past"
