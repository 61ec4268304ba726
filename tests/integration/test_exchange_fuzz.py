"""Fuzzing the CSV and JSON importer with malformed input: no crash, no partial write, every failure explained."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select

from portsight import reference
from portsight.db.models import Container, Declaration, GoodsLine, ImportBatch, Port
from portsight.domain.access import SYSTEM
from portsight.exchange import UnreadableFile, import_bytes
from portsight.exchange.readers import read_file
from portsight.exchange.schema import COLUMNS
from portsight.exchange.synthetic import declaration_rows, rows_to_csv, rows_to_nested_json

BASE_ROWS = declaration_rows(6, seed=77, enterprises=2, prefix="FZ")
BASE_CSV = rows_to_csv(BASE_ROWS)
BASE_JSON = rows_to_nested_json(BASE_ROWS)
# too_slow: generation time is wall-clock, and the CI/dev machine has 2 cores shared by many processes.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

junk_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(list(',;:"\n\r\t')), max_size=30
)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | junk_text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(junk_text, inner, max_size=3),
    max_leaves=8,
)


@pytest.fixture
def served(db):
    have = set(db.scalars(select(Port.code)))
    rows = [
        {"code": p.code, "name_en": p.name_en, "name_zh": p.name_zh, "kind": p.kind}
        for p in reference.ports()
        if p.code not in have
    ]
    if rows:
        db.execute(insert(Port), rows)
    return db


def _snapshot(db) -> tuple[int, ...]:
    return tuple(
        db.scalar(select(func.count()).select_from(m)) for m in (Declaration, GoodsLine, Container, ImportBatch)
    )


def _check(db, name: str, data: bytes) -> None:
    """Import inside a savepoint that is rolled back afterwards, and check the three properties."""
    savepoint = db.begin_nested()
    try:
        before = _snapshot(db)
        stored_before = set(db.scalars(select(Declaration.source_system_id)))
        try:
            result = import_bytes(db, SYSTEM, name, data)
        except UnreadableFile as exc:
            assert str(exc).strip(), "an unreadable file must say why"
            assert _snapshot(db) == before, "an unreadable file writes nothing"
            return
        records = read_file(name, data).records
        reported = {(e.rows, e.declaration_id) for e in result.entries}
        assert len(reported) == len(records), "every declaration gets a line in the report"
        for e in result.entries:
            assert e.status in ("accepted", "updated", "unchanged", "rejected")
            if e.status == "rejected":
                assert e.reason.strip(), f"rejected without a reason: {e}"
        accepted = {e.declaration_id for e in result.entries if e.status == "accepted"}
        rejected = {e.declaration_id for e in result.entries if e.status == "rejected"} - accepted
        stored = set(db.scalars(select(Declaration.source_system_id)))
        assert accepted <= stored
        assert not ((rejected - stored_before) & stored), "a rejected declaration left rows behind"
        # no partial write: every declaration has goods lines, and as many as the file gave it
        for key in accepted:
            lines = db.scalar(
                select(func.count()).select_from(GoodsLine).join(Declaration).where(Declaration.source_system_id == key)
            )
            expected = sum(len(r.goods) for r in records if r.key == key)
            assert lines == expected >= 1
        assert _snapshot(db)[3] - before[3] == result.batches - result.batches_skipped
    finally:
        savepoint.rollback()


@st.composite
def mutated_csv(draw) -> bytes:
    text = BASE_CSV.decode()
    lines = text.splitlines()
    kind = draw(st.sampled_from(["cell", "bytes", "drop_column", "truncate", "shuffle_header"]))
    if kind == "cell":
        for _ in range(draw(st.integers(1, 5))):
            i = draw(st.integers(1, len(lines) - 1))
            cells = lines[i].split(",")
            j = draw(st.integers(0, len(cells) - 1))
            cells[j] = draw(junk_text)
            lines[i] = ",".join(cells)
        return "\n".join(lines).encode()
    if kind == "bytes":
        data = bytearray(BASE_CSV)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "drop_column":
        j = draw(st.integers(0, len(COLUMNS) - 1))
        return "\n".join(",".join(c for k, c in enumerate(line.split(",")) if k != j) for line in lines).encode()
    if kind == "truncate":
        return BASE_CSV[: draw(st.integers(0, len(BASE_CSV)))]
    header = lines[0].split(",")
    draw(st.randoms()).shuffle(header)
    return "\n".join([",".join(header), *lines[1:]]).encode()


@st.composite
def mutated_json(draw) -> bytes:
    doc = json.loads(BASE_JSON)
    kind = draw(st.sampled_from(["value", "structure", "bytes", "anything"]))
    if kind == "anything":
        return json.dumps(draw(json_values)).encode()
    if kind == "bytes":
        data = bytearray(BASE_JSON)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    decls = doc["declarations"]
    for _ in range(draw(st.integers(1, 4))):
        d = decls[draw(st.integers(0, len(decls) - 1))]
        if not d:
            continue
        if kind == "value":
            # an earlier mutation may have replaced the goods list: then mutate the declaration itself
            goods = d.get("goods")
            lines = [g for g in goods if isinstance(g, dict) and g] if isinstance(goods, list) else []
            target = lines[draw(st.integers(0, len(lines) - 1))] if lines and draw(st.booleans()) else d
            key = draw(st.sampled_from(sorted(target)))
            target[key] = draw(json_values)
        else:
            key = draw(st.sampled_from(sorted(d)))
            if draw(st.booleans()):
                del d[key]
            else:
                d[key] = draw(json_values)
    return json.dumps(doc).encode()


@FUZZ
@given(data=mutated_csv())
def test_malformed_csv_never_crashes_or_writes_half_a_declaration(served, data):
    _check(served, "fuzz.csv", data)


@FUZZ
@given(data=mutated_json())
def test_malformed_json_never_crashes_or_writes_half_a_declaration(served, data):
    _check(served, "fuzz.json", data)


@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_are_read_or_refused_with_a_reason(served, data):
    _check(served, "fuzz.csv", data)
    _check(served, "fuzz.json", data)
