"""The national-scale dataset the benches share: N declarations over three years at 32 real ports.

PYTHONPATH=. .venv/bin/python bench/national.py [--declarations 2000000] [--database sqlite|postgresql]
    [--rebuild]

Other benches call `national.dataset(n, database)` and get an Engine on it. It is built once and
reused: SQLite in bench/datasets/national_v<V>_<N>.db (git-ignored); PostgreSQL in the database
of TEST_POSTGRES_URL, recognised by the bench_national marker table (n, version). A dataset of
another N or generator version is rebuilt; after a new migration the reused dataset is upgraded
and its rollups rebuilt (the marker remembers the schema revision they were built at).

Shape (proportions taken from the demo seed and the issue texts), 2M declarations ->
- 32 ports: the 12 demo ports and 20 more real UN/LOCODE sea ports (data/cn_locodes.csv), Zipf-
  weighted volumes; 6,000 enterprises (25 % advanced certified, 70 % general, 5 % dishonest);
  240 inspectors on duty across ports; 4 supervisors;
- declarations in time order (ids follow time, as in production), busy in the local daytime,
  1-4 goods lines (HS headings of data/hs_headings.csv), 0-3 ISO 6346 containers with seals,
  one recorded selection draw each;
- inspections at the tier's rate (about 8 % overall): five-state timeline with transitions,
  one or two inspectors, three checklist steps and a photo, findings (5 % of releases, most
  non-releases), release receipts, remote assists (1 in 15), alerts (1 in 4, the last two days
  still open), one audit entry per event (declaration registered, every transition);
- the newest hours still open (pending .. completed), so the live board has work in progress.

Loaded in bulk: executemany in one transaction per table on SQLite, COPY (psycopg 3
cursor.copy) on PostgreSQL; then the product's own rebuild_rollups and ANALYZE.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402

from portsight import reference  # noqa: E402
from portsight.db.migrate import upgrade  # noqa: E402
from portsight.db.rollups import rebuild_rollups  # noqa: E402
from portsight.db.session import make_engine  # noqa: E402
from portsight.domain.iso6346 import check_digit  # noqa: E402

DATASETS = ROOT / "bench" / "datasets"
VERSION = 3  # bump when the generator changes: a dataset of another version is rebuilt
YEARS = 3
N_PORTS = 32
N_ENTERPRISES = 6000
N_INSPECTORS = 240
# The dataset's "now": a Monday 16:00 in China, so the last complete ISO week ends the day before
# and the live board has a busy day in progress.
END = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
TIERS = np.array(["advanced_certified", "general", "dishonest"])
TIER_SHARE = [0.25, 0.70, 0.05]
TIER_RATE = {"advanced_certified": 0.01, "general": 0.07, "dishonest": 0.80}
COUNTRIES = np.array(
    [
        "US",
        "DE",
        "JP",
        "KR",
        "VN",
        "AU",
        "BR",
        "TH",
        "MY",
        "ID",
        "RU",
        "GB",
        "FR",
        "IT",
        "NL",
        "CA",
        "IN",
        "CL",
        "NZ",
        "ZA",
        "SA",
        "AE",
        "MX",
        "ES",
        "PH",
        "SG",
        "AR",
        "PE",
        "KZ",
        "PK",
    ]
)
OPEN_STATES = np.array(["pending", "assigned", "in_progress", "completed"])
STEPS = np.array(["documents", "container_number", "seal", "goods_match", "sampling"])
MARKER = "bench_national"


# ---------------------------------------------------------------------------------------------
# Generation (numpy, vectorised; Python loops only where a value needs a domain function)


def _ports() -> pd.DataFrame:
    demo = list(reference.ports())
    rows = [(p.code, p.name_en, p.name_zh, p.kind, p.lat, p.lon) for p in demo]
    taken = {p.code for p in demo}
    for c in reference.locodes().values():
        if len(rows) >= N_PORTS:
            break
        if c.is_port and c.code not in taken and c.lat is not None:
            rows.append((c.code, c.name, c.name, "sea", c.lat, c.lon))
    df = pd.DataFrame(rows, columns=["code", "name_en", "name_zh", "kind", "lat", "lon"])
    df.insert(0, "id", np.arange(1, len(df) + 1))
    df["timezone"] = "Asia/Shanghai"
    return df


def _container_numbers(k: int, rng: np.random.Generator) -> list[str]:
    owners = ["MSKU", "CSQU", "TGHU", "OOLU", "COSU", "CMAU", "HLXU", "MSCU", "EISU", "TCLU"]
    owner = np.array(owners)[rng.integers(0, len(owners), k)]
    serial = rng.integers(0, 1_000_000, k)
    first10 = [f"{o}{s:06d}" for o, s in zip(owner, serial, strict=True)]
    return [f + str(check_digit(f)) for f in first10]


def generate(n: int, seed: int = 10) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ports = _ports()
    n_ports = len(ports)
    end64 = np.datetime64(END.replace(tzinfo=None), "s")
    # Day slots start at local (China) midnight; the last slot is the day of "now".
    midnight = end64 - np.timedelta64(16, "h")  # END is 16:00 local
    start64 = midnight - np.timedelta64(YEARS * 365 - 1, "D")

    tiers = rng.choice(TIERS, size=N_ENTERPRISES, p=TIER_SHARE)
    enterprises = pd.DataFrame(
        {
            "id": np.arange(1, N_ENTERPRISES + 1),
            "uscc": [f"91{i:016d}" for i in range(1, N_ENTERPRISES + 1)],
            "name": [f"National bench trading co. {i}" for i in range(1, N_ENTERPRISES + 1)],
            "credit_tier": tiers,
            "under_investigation": rng.random(N_ENTERPRISES) < 0.01,
        }
    )
    n_users = N_INSPECTORS + 4
    role = np.array(["inspector"] * N_INSPECTORS + ["supervisor"] * 4)
    users = pd.DataFrame(
        {
            "id": np.arange(1, n_users + 1),
            "username": [f"nat.{r}.{i}" for i, r in enumerate(role, start=1)],
            "display_name": [f"{r.title()} {i}" for i, r in enumerate(role, start=1)],
            "role": role,
            "password_hash": "x",
            "active": True,
            "all_ports": role == "supervisor",
            "language": "zh_CN",
            "failed_logins": 0,
        }
    )
    insp_port = rng.integers(1, n_ports + 1, N_INSPECTORS)
    user_ports = pd.DataFrame({"user_id": np.arange(1, N_INSPECTORS + 1), "port_id": insp_port})

    # Declarations: days uniform over the span, local hours around 10:30, time order. The part of
    # the last day after "now" moves to the day before (so today is a day in progress).
    day = rng.integers(0, YEARS * 365, n)
    sec = (rng.normal(10.5, 3.0, n).clip(0, 23.99) * 3600).astype(np.int64)
    declared = start64 + (day * 86400 + sec).astype("timedelta64[s]")
    declared = np.where(declared >= end64, declared - np.timedelta64(1, "D"), declared)
    declared = np.sort(declared)
    weight = 1.0 / np.arange(1, n_ports + 1) ** 0.8
    port_id = rng.choice(n_ports, size=n, p=weight / weight.sum()) + 1
    kind = ports["kind"].to_numpy()[port_id - 1]
    mode = np.select([kind == "air", kind == "rail", kind == "land"], ["air", "rail", "road"], "sea")
    ent = rng.integers(1, N_ENTERPRISES + 1, n)
    ids = np.arange(1, n + 1)
    cw = 1.0 / np.arange(1, len(COUNTRIES) + 1) ** 0.9
    decl = pd.DataFrame(
        {
            "id": ids,
            "number": [f"NAT{VERSION}{i:011d}" for i in ids],
            "port_id": port_id,
            "enterprise_id": ent,
            "direction": np.where(rng.random(n) < 0.8, "import", "export"),
            "transport_mode": mode,
            "origin_country": COUNTRIES[rng.choice(len(COUNTRIES), n, p=cw / cw.sum())],
            "declared_at": declared,
        }
    )

    # Goods lines: 1-4 per declaration, headings Zipf-weighted.
    headings = pd.read_csv(ROOT / "data" / "hs_headings.csv", dtype=str)
    headings = headings[headings["chapter"] != "77"].reset_index(drop=True)
    hw = 1.0 / np.arange(1, len(headings) + 1) ** 0.7
    hw = rng.permutation(hw / hw.sum())
    lines = rng.choice([1, 2, 3, 4], size=n, p=[0.6, 0.25, 0.1, 0.05])
    g_decl = np.repeat(ids, lines)
    g_no = (np.arange(len(g_decl)) - np.repeat(np.cumsum(lines) - lines, lines)) + 1
    h = rng.choice(len(headings), size=len(g_decl), p=hw)
    m_g = len(g_decl)
    goods = pd.DataFrame(
        {
            "id": np.arange(1, m_g + 1),
            "declaration_id": g_decl,
            "line_no": g_no,
            "hs_code": headings["heading"].to_numpy()[h] + np.char.zfill(rng.integers(0, 999999, m_g).astype(str), 6),
            "description": headings["description"].str.slice(0, 120).to_numpy()[h],
            "quantity": rng.integers(1, 5000, m_g).astype(float),
            "unit": "kg",
            "gross_weight_kg": np.round(rng.lognormal(7, 1.2, m_g), 1),
            "value": np.round(rng.lognormal(9, 1.5, m_g), 2),
            "currency": "USD",
        }
    )

    # Containers: sea declarations carry 0-3.
    boxes = np.where(mode == "sea", rng.choice([0, 1, 2, 3], size=n, p=[0.1, 0.6, 0.2, 0.1]), 0)
    c_decl = np.repeat(ids, boxes)
    k = len(c_decl)
    containers = pd.DataFrame(
        {
            "id": np.arange(1, k + 1),
            "declaration_id": c_decl,
            "number": _container_numbers(k, rng),
            "size_type": np.array(["22G1", "42G1", "45G1", "45R1"])[rng.integers(0, 4, k)],
            "declared_seal": [f"SL{v:08d}" for v in rng.integers(0, 10**8, k)],
        }
    )

    # Selection draws: one per declaration, at the tier's rate.
    rate = np.vectorize(TIER_RATE.get)(tiers[ent - 1])
    picked = rng.random(n) < rate
    outcome = np.where(picked, "inspect", np.where(rng.random(n) < 0.1, "document_check", "release"))
    reasons = np.char.add('["tier:', np.char.add(tiers[ent - 1].astype(str), '"]'))
    selections = pd.DataFrame(
        {
            "id": ids,
            "declaration_id": ids,
            "outcome": outcome,
            "reasons": reasons,
            "rate": rate,
            "seed": [f"{v:016x}" for v in rng.integers(0, 2**62, n)],
            "inputs": "{}",
            "tier": tiers[ent - 1],
            "forced": False,
            "code_version": "bench",
            "drawn_at": declared + np.timedelta64(2, "m"),
        }
    )

    # Inspections of the picked declarations; the newest still open.
    d = decl[picked].reset_index(drop=True)
    m = len(d)
    iid = np.arange(1, m + 1)
    created = np.minimum(d["declared_at"].to_numpy() + rng.integers(5, 120, m).astype("timedelta64[m]"), end64)
    assigned = created + rng.integers(2, 30, m).astype("timedelta64[m]")
    started = assigned + rng.integers(10, 240, m).astype("timedelta64[m]")
    completed = started + rng.integers(15, 300, m).astype("timedelta64[m]")
    decided = completed + rng.integers(2, 90, m).astype("timedelta64[m]")
    decision = rng.choice(["release", "hold", "return", "destroy"], size=m, p=[0.86, 0.08, 0.04, 0.02])
    final = np.select(
        [decision == "release", decision == "hold", decision == "return"], ["released", "held", "returned"], "destroyed"
    )
    # Stage reached by "now": 0 pending, 1 assigned, 2 in progress, 3 completed, 4 decided.
    stage = np.select([decided <= end64, completed <= end64, started <= end64, assigned <= end64], [4, 3, 2, 1], 0)
    state = np.where(stage == 4, final, OPEN_STATES[np.minimum(stage, 3)])
    lead = rng.integers(1, N_INSPECTORS + 1, m)
    nat = np.datetime64("NaT")
    insp = pd.DataFrame(
        {
            "id": iid,
            "declaration_id": d["id"].to_numpy(),
            "port_id": d["port_id"].to_numpy(),
            "selection_id": d["id"].to_numpy(),
            "state": state,
            "priority": np.where(tiers[d["enterprise_id"].to_numpy() - 1] == "dishonest", 1, 0),
            "created_at": created,
            "assigned_at": np.where(stage >= 1, assigned, nat),
            "started_at": np.where(stage >= 2, started, nat),
            "completed_at": np.where(stage >= 3, completed, nat),
            "decided_at": np.where(stage >= 4, decided, nat),
            "decision": pd.Series(decision).where(stage >= 4),
            "decided_by_id": pd.Series(lead, dtype="Int64").where(stage >= 4),
            "current_step": pd.Series(STEPS[rng.integers(0, len(STEPS), m)]).where(stage == 2),
        }
    )

    # Timeline: one transition per stage reached (created -> pending, ... -> final state).
    t_parts = []
    stage_times = [
        (0, None, "pending", created),
        (1, "pending", "assigned", assigned),
        (2, "assigned", "in_progress", started),
        (3, "in_progress", "completed", completed),
    ]
    for s, frm, to, at in stage_times:
        sel = stage >= s
        t_parts.append(
            pd.DataFrame(
                {
                    "inspection_id": iid[sel],
                    "from_state": frm,
                    "to_state": to,
                    "at": at[sel],
                    "user_id": pd.Series(lead[sel], dtype="Int64") if s else pd.NA,
                }
            )
        )
    sel = stage >= 4
    t_parts.append(
        pd.DataFrame(
            {
                "inspection_id": iid[sel],
                "from_state": "completed",
                "to_state": final[sel],
                "at": decided[sel],
                "user_id": pd.Series(lead[sel], dtype="Int64"),
            }
        )
    )
    transitions = pd.concat(t_parts).sort_values(["at", "inspection_id"], kind="stable").reset_index(drop=True)
    transitions.insert(0, "id", np.arange(1, len(transitions) + 1))
    transitions["user_id"] = transitions["user_id"].astype("Int64")

    two = (rng.random(m) < 0.6) & (stage >= 1)
    second = (lead % N_INSPECTORS) + 1
    assignments = (
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "inspection_id": iid[stage >= 1],
                        "user_id": lead[stage >= 1],
                        "position": "lead",
                        "assigned_at": assigned[stage >= 1],
                    }
                ),
                pd.DataFrame(
                    {
                        "inspection_id": iid[two],
                        "user_id": second[two],
                        "position": "second",
                        "assigned_at": assigned[two],
                    }
                ),
            ]
        )
        .sort_values(["inspection_id", "position"])
        .reset_index(drop=True)
    )
    assignments.insert(0, "id", np.arange(1, len(assignments) + 1))
    assignments["draw_seed"] = "bench"

    # Checklist: three steps for each inspection that reached completion, one photo per step 1.
    done = np.flatnonzero(stage >= 3)
    s_insp = np.repeat(iid[done], 3)
    s_key = np.tile(STEPS[:3], len(done))
    s_at = np.repeat(started[done], 3) + np.tile(np.array([10, 25, 40], dtype="timedelta64[m]"), len(done))
    found = (rng.random(m) < np.where(decision == "release", 0.05, 0.9)) & (stage >= 3)
    s_out = np.where(np.repeat(found[done], 3) & (s_key == "seal"), "non_conforming", "conforming")
    steps = pd.DataFrame(
        {
            "id": np.arange(1, len(s_insp) + 1),
            "inspection_id": s_insp,
            "step_key": s_key,
            "outcome": s_out,
            "values": '{"checked": true}',
            "rules_applied": "[]",
            "recorded_at": s_at,
            "recorded_by_id": np.repeat(lead[done], 3),
        }
    )
    evidence = pd.DataFrame(
        {
            "id": np.arange(1, len(done) + 1),
            "inspection_id": iid[done],
            "step_key": "container_number",
            "sha256": [f"{v:064x}" for v in rng.integers(0, 2**62, len(done))],
            "media_type": "image/jpeg",
            "size_bytes": rng.integers(200_000, 3_000_000, len(done)),
            "source": "camera",
            "taken_at": started[done] + np.timedelta64(25, "m"),
            "taken_by_id": lead[done],
        }
    )
    f_idx = np.flatnonzero(found)
    findings = pd.DataFrame(
        {
            "id": np.arange(1, len(f_idx) + 1),
            "inspection_id": iid[f_idx],
            "step_key": "seal",
            "rule_id": "seal.mismatch",
            "severity": rng.choice(["low", "medium", "high"], len(f_idx), p=[0.3, 0.5, 0.2]),
            "description": "Seal on the container differs from the declared seal",
            "citation": "GACC Announcement 2017 No. 5",
            "created_at": completed[f_idx],
            "created_by_id": lead[f_idx],
        }
    )
    rel = np.flatnonzero((stage >= 4) & (decision == "release"))
    receipts = pd.DataFrame(
        {
            "id": np.arange(1, len(rel) + 1),
            "inspection_id": iid[rel],
            "receipt_no": [f"R{VERSION}{i:011d}" for i in iid[rel]],
            "issued_at": decided[rel],
            "issued_by_id": lead[rel],
            "signature": "bench",
            "used_at": decided[rel] + np.timedelta64(3, "h"),
            "used_gate": "gate-1",
        }
    )
    a = max(1, m // 15)
    a_pick = np.sort(rng.choice(np.flatnonzero(stage >= 2), size=min(a, int((stage >= 2).sum())), replace=False))
    assists = pd.DataFrame(
        {
            "id": np.arange(1, len(a_pick) + 1),
            "inspection_id": iid[a_pick],
            "port_id": d["port_id"].to_numpy()[a_pick],
            "step_key": "goods_match",
            "question": "Is this the declared grade?",
            "state": "ended",
            "requested_by_id": lead[a_pick],
            "requested_at": started[a_pick] + np.timedelta64(10, "m"),
            "expert_id": pd.NA,
            "ended_at": started[a_pick] + np.timedelta64(30, "m"),
        }
    )
    k = max(1, m // 4)
    al = np.sort(rng.choice(m, size=k, replace=False))
    raised = created[al] + np.timedelta64(60, "m")
    is_open = (end64 - raised) < np.timedelta64(2, "D")
    resolved = np.where(is_open, nat, raised + rng.integers(30, 3000, k).astype("timedelta64[m]"))
    alerts = pd.DataFrame(
        {
            "id": np.arange(1, k + 1),
            "dedupe_key": [f"overdue:{i}" for i in iid[al]],
            "kind": rng.choice(
                ["overdue", "repeat_nonconformity", "fast_no_photo", "seal_mismatch"], k, p=[0.6, 0.2, 0.1, 0.1]
            ),
            "severity": rng.choice(["high", "medium", "low"], k, p=[0.2, 0.5, 0.3]),
            "port_id": d["port_id"].to_numpy()[al],
            "inspection_id": iid[al],
            "declaration_id": d["id"].to_numpy()[al],
            "title": "Inspection overdue",
            "detail": "{}",
            "state": np.where(is_open, np.where(rng.random(k) < 0.7, "open", "acknowledged"), "resolved"),
            "count": rng.integers(1, 4, k),
            "first_raised_at": raised,
            "last_raised_at": raised,
            "resolved_at": resolved,
            "resolved_by_id": pd.Series(np.full(k, N_INSPECTORS + 1), dtype="Int64").where(~is_open),
            "comment": pd.Series(["checked"] * k).where(~is_open),
        }
    )

    # Audit: one entry per declaration registered and per inspection transition, in time order.
    ev_decl = pd.DataFrame(
        {
            "at": declared,
            "actor": "backbone",
            "action": "register",
            "entity": "declaration",
            "entity_id": ids.astype(str),
            "port_id": port_id,
        }
    )
    port_of = d["port_id"].to_numpy()
    t_insp = transitions["inspection_id"].to_numpy()
    ev_tr = pd.DataFrame(
        {
            "at": transitions["at"].to_numpy(),
            "actor": "inspector",
            "action": transitions["to_state"].to_numpy(),
            "entity": "inspection",
            "entity_id": t_insp.astype(str),
            "port_id": port_of[t_insp - 1],
        }
    )
    audit = pd.concat([ev_decl, ev_tr]).sort_values("at", kind="stable").reset_index(drop=True)
    audit.insert(0, "id", np.arange(1, len(audit) + 1))

    return {
        "ports": ports,
        "enterprises": enterprises,
        "users": users,
        "user_ports": user_ports,
        "declarations": decl,
        "goods_lines": goods,
        "containers": containers,
        "selections": selections,
        "inspections": insp,
        "inspection_transitions": transitions,
        "inspector_assignments": assignments,
        "step_results": steps,
        "evidence": evidence,
        "findings": findings,
        "release_receipts": receipts,
        "assist_sessions": assists,
        "alerts": alerts,
        "audit_log": audit,
    }


# ---------------------------------------------------------------------------------------------
# Loading


def _ts_strings(s: pd.Series, suffix: str) -> list:
    values = s.to_numpy().astype("datetime64[s]")
    mask = ~np.isnat(values)
    text_ = np.char.add(np.char.replace(np.datetime_as_string(values, unit="s"), "T", " "), suffix)
    if mask.all():
        return text_.tolist()
    return [t if ok else None for t, ok in zip(text_.tolist(), mask.tolist(), strict=True)]


def _column(s: pd.Series) -> list:
    if pd.api.types.is_datetime64_any_dtype(s):
        return _ts_strings(s, ".000000")
    if pd.api.types.is_bool_dtype(s):
        return s.astype(int).tolist()
    if s.dtype == object or isinstance(s.dtype, pd.Int64Dtype) or pd.api.types.is_float_dtype(s):
        out = s.astype(object).where(s.notna(), None).tolist()
        return out
    return s.tolist()


def _names(df: pd.DataFrame) -> str:
    return ", ".join(f'"{c}"' for c in df.columns)


def load_sqlite(path: Path, tables: dict[str, pd.DataFrame], log=print) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    # Secondary indexes are built once after the load (much cheaper than row by row).
    marks = ", ".join("?" * len(tables))
    indexes = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
        list(tables),
    ).fetchall()
    for index_name, _ in indexes:
        conn.execute(f'DROP INDEX "{index_name}"')
    for name, df in tables.items():
        t0 = time.perf_counter()
        sql = f"INSERT INTO {name} ({_names(df)}) VALUES ({', '.join('?' * len(df.columns))})"
        cols = [_column(df[c]) for c in df.columns]
        conn.execute("BEGIN")
        conn.executemany(sql, zip(*cols, strict=True))
        conn.commit()
        log(f"    {name:<24} {len(df):>10,} rows {time.perf_counter() - t0:6.1f} s")
    t0 = time.perf_counter()
    for _, definition in indexes:
        conn.execute(definition)
    conn.commit()
    log(f"    {len(indexes)} secondary indexes rebuilt in {time.perf_counter() - t0:.1f} s")
    conn.close()


def load_postgres(engine: Engine, tables: dict[str, pd.DataFrame], log=print) -> None:
    with engine.begin() as conn:
        cur = conn.connection.driver_connection.cursor()
        # The generator keeps every reference valid; skip the per-row foreign-key triggers.
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Secondary indexes are built once after the COPY (much cheaper than row by row).
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)",
            (list(tables),),
        )
        indexes = cur.fetchall()
        for index_name, _ in indexes:
            cur.execute(f'DROP INDEX "{index_name}"')
        for name, df in tables.items():
            t0 = time.perf_counter()
            out = df.copy()
            for c in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[c]):
                    out[c] = _ts_strings(out[c], "+00")
            buf = io.StringIO()
            out.to_csv(buf, index=False, header=False, na_rep="\\N")
            buf.seek(0)
            with cur.copy(f"COPY {name} ({_names(df)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
                while chunk := buf.read(1 << 22):
                    copy.write(chunk)
            if "id" in df.columns:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {int(df['id'].max())})")
            log(f"    {name:<24} {len(df):>10,} rows {time.perf_counter() - t0:6.1f} s")
        t0 = time.perf_counter()
        for _, definition in indexes:
            cur.execute(definition)
        log(f"    {len(indexes)} secondary indexes rebuilt in {time.perf_counter() - t0:.1f} s")


# ---------------------------------------------------------------------------------------------
# The cached dataset


def _head(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception:  # noqa: BLE001 - no schema yet
            return None


def _marker(engine: Engine) -> dict | None:
    with engine.connect() as conn:
        try:
            value = conn.scalar(text(f"SELECT value FROM {MARKER} WHERE key = 'dataset'"))
        except Exception:  # noqa: BLE001 - not a bench dataset
            return None
    return json.loads(value) if value else None


def _set_marker(engine: Engine, info: dict) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {MARKER} (key VARCHAR(32) PRIMARY KEY, value TEXT)"))
        conn.execute(text(f"DELETE FROM {MARKER} WHERE key = 'dataset'"))
        conn.execute(text(f"INSERT INTO {MARKER} (key, value) VALUES ('dataset', :v)"), {"v": json.dumps(info)})


def _analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        # VACUUM too: it sets the visibility map that index-only scans need, as autovacuum
        # would on a database that has been running for a while.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def _rollups(engine: Engine, log=print) -> int:
    t0 = time.perf_counter()
    rows = rebuild_rollups(engine)
    _analyze(engine)
    log(f"    rollups rebuilt: {rows:,} rows in {time.perf_counter() - t0:.0f} s")
    return rows


def postgres_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        raise SystemExit(
            "Set TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/portsight_national for postgresql"
        )
    return url


def sqlite_path(n: int) -> Path:
    return DATASETS / f"national_v{VERSION}_{n}.db"


def dataset(n: int, database: str, *, rebuild: bool = False, log=print) -> tuple[Engine, str]:
    """An Engine on the national dataset of n declarations; (engine, "reused" | "upgraded" | "built")."""
    if database == "sqlite":
        path = sqlite_path(n)
        url = f"sqlite:///{path}"
    else:
        url = postgres_url()
    engine = make_engine(url)
    info = _marker(engine)
    if not rebuild and info and info.get("n") == n and info.get("version") == VERSION:
        before = _head(engine)
        upgrade(url)  # a migration added since the build: indexes and new rollup tables
        after = _head(engine)
        if after != info.get("rollups_at"):
            log(f"  national dataset at schema {before} -> {after}: rebuilding rollups")
            _rollups(engine, log)
            _set_marker(engine, {**info, "rollups_at": after})
            return engine, "upgraded"
        return engine, "reused"
    engine.dispose()
    t0 = time.perf_counter()
    if database == "sqlite":
        DATASETS.mkdir(parents=True, exist_ok=True)
        for extra in ("", "-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        upgrade(url)
        engine = make_engine(url)
    else:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(url)
    log(f"  building the national dataset: {n:,} declarations on {database}")
    tables = generate(n)
    t1 = time.perf_counter()
    log(f"    generated in {t1 - t0:.0f} s")
    if database == "sqlite":
        load_sqlite(path, tables, log)
    else:
        load_postgres(engine, tables, log)
    t2 = time.perf_counter()
    counts = {name: len(df) for name, df in tables.items()}
    del tables
    _analyze(engine)
    rows = _rollups(engine, log)
    t3 = time.perf_counter()
    info = {
        "n": n,
        "version": VERSION,
        "rollups_at": _head(engine),
        "counts": counts,
        "rollup_rows": rows,
        "end": END.isoformat(),
        "seconds": {"generate": round(t1 - t0), "load": round(t2 - t1), "rollups": round(t3 - t2)},
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _set_marker(engine, info)
    log(f"  built in {t3 - t0:.0f} s (generate {t1 - t0:.0f}, load {t2 - t1:.0f}, rollups+analyze {t3 - t2:.0f})")
    return engine, "built"


def dataset_info(engine: Engine) -> dict:
    return _marker(engine) or {}


def now_of(engine: Engine) -> datetime:
    """'Now' of the dataset (the end of its generated history)."""
    info = dataset_info(engine)
    return datetime.fromisoformat(info["end"]) if "end" in info else END


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--declarations", type=int, default=2_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rebuild", action="store_true", help="build again even when a dataset exists")
    args = parser.parse_args()
    engine, how = dataset(args.declarations, args.database, rebuild=args.rebuild)
    info = dataset_info(engine)
    print(f"national dataset {how}: {args.declarations:,} declarations on {args.database}")
    for name, count in info.get("counts", {}).items():
        print(f"  {name:<24} {count:>10,}")
    print(f"  {'daily_rollups':<24} {info.get('rollup_rows', 0):>10,}")
    print(f"  timings (s): {info.get('seconds')}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ---------------------------------------------------------------------------------------------
# Shared by the benches: timing, the printed table, the JSON result file


RESULTS = ROOT / "bench" / "results"


def timed(fn, runs: int) -> list[float]:
    """Wall-clock milliseconds of runs calls of fn."""
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def load_average() -> str:
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "?"


def scenario_row(name: str, fast: list[float], slow: list[float], **extra) -> dict:
    row = {
        "scenario": name,
        "p50_ms": pct(fast, 50),
        "p95_ms": pct(fast, 95),
        "runs": len(fast),
        "baseline_p50_ms": pct(slow, 50),
        "baseline_p95_ms": pct(slow, 95),
        "baseline_runs": len(slow),
        **extra,
    }
    row["speedup_p95"] = round(row["baseline_p95_ms"] / row["p95_ms"], 1) if slow and row["p95_ms"] else None
    return row


def print_scenarios(title: str, rows: list[dict]) -> None:
    print(title)
    head = f"{'scenario':<34} {'p50 ms':>9} {'p95 ms':>9} {'naive p50 ms':>13} {'naive p95 ms':>13} {'x faster':>9}"
    print(head)
    print("-" * len(head))
    for r in rows:
        base50 = "—" if r["baseline_p50_ms"] is None else f"{r['baseline_p50_ms']:,.0f}"
        base95 = "—" if r["baseline_p95_ms"] is None else f"{r['baseline_p95_ms']:,.0f}"
        ratio = "—" if r["speedup_p95"] is None else f"{r['speedup_p95']:,.0f}x"
        print(f"{r['scenario']:<34} {r['p50_ms']:>9.2f} {r['p95_ms']:>9.2f} {base50:>13} {base95:>13} {ratio:>9}")


def write_result(name: str, run: dict) -> Path:
    """bench/results/<name>.json: the last run's figures at the top level, every run under "runs"."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    history = []
    if path.exists():
        try:
            history = json.loads(path.read_text()).get("runs", [])
        except (json.JSONDecodeError, AttributeError):
            history = []
    path.write_text(json.dumps({**run, "runs": [*history, run]}, indent=2, default=str) + "\n")
    return path


def report_scenarios(bench: str, title: str, args: argparse.Namespace, how: str, rows: list[dict]) -> dict:
    """Print the scenarios' table and append the run to bench/results/<bench>.json; returns the run.

    The top-level p50/p95 are the slowest scenario's, the baseline the fastest naive one's, so a
    ratio taken from them never flatters."""
    run = {
        "bench": bench,
        "database": args.database,
        "rows": args.declarations,
        "dataset": how,
        "load_average": load_average(),
        "p50_ms": max(r["p50_ms"] for r in rows),
        "p95_ms": max(r["p95_ms"] for r in rows),
        "baseline_p95_ms": min(r["baseline_p95_ms"] for r in rows),
        "scenarios": rows,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print_scenarios(
        f"{title}, {args.declarations:,} declarations on {args.database} (load {run['load_average']})", rows
    )
    print(f"wrote {write_result(bench, run).relative_to(ROOT)}")
    return run


def bench_args(description: str, baseline_runs: int = 2, runs: int = 30) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--declarations", type=int, default=2_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--baseline-runs", type=int, default=baseline_runs)
    return parser.parse_args()


def read_tables(engine: Engine, *names: str) -> dict[str, pd.DataFrame]:
    """The naive baseline's first step: whole tables into pandas."""
    with engine.connect() as conn:
        return {name: pd.read_sql_table(name, conn) for name in names}
