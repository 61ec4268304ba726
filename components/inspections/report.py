"""The printed inspection report: one inspection's record said in Chinese and English for
portsight.documents.inspection_report, and the reports of the listed inspections as a zip.

The same labels as the record page (components/shell/formatting), in both languages at once. Who
may print a report is checked where the record is read (queries.inspection_record.report_record):
the record page's port scope, and an inspector only for an inspection assigned to them.
Downloads are deferred: the page gets a function Streamlit calls when the button is clicked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

from components.shell.formatting import (
    audit_action_label,
    code_label,
    country_label,
    credit_tier_label,
    decision_label,
    direction_label,
    enterprise_label,
    field_label,
    fields_text,
    fmt_stored_time,
    goods_text,
    hs_text,
    number_text,
    outcome_label,
    rule_title,
    selection_reason_text,
    state_text,
    transport_label,
    unit_label,
    value_text,
)
from components.shell.runtime import get_engine, get_settings, scope_set
from components.shell.state import Scope
from portsight.catalogue import default_catalogue
from portsight.clock import as_utc, utcnow
from portsight.db.session import Database
from portsight.documents.inspection_report import (
    REPORTS_PER_ZIP,
    Block,
    InspectionReport,
    Pair,
    Photo,
    Section,
    Signature,
    render_report,
    zip_reports,
)
from portsight.domain.access import Actor
from portsight.domain.conditions import in_language
from portsight.i18n import t
from portsight.messages import step_specs, step_title
from portsight.queries import inspections as inspection_queries
from portsight.queries.inspection_record import report_record
from portsight.services.receipts import make_token
from portsight.storage import media_path

__all__ = ["REPORTS_PER_ZIP", "inspection_report_pdf", "listed_reports", "report_file", "reports_zip"]

LANGS = ("zh_CN", "en")
PORT_ZONE = ZoneInfo("Asia/Shanghai")
MEDIA_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def _label(key: str, **values: object) -> Pair:
    zh, en = (t(lang, key, **values) for lang in LANGS)
    return zh, en


def _said(say: Callable[..., str], *args: object) -> Pair:
    """A value said by one of the shell's formatters (lang first) in both languages."""
    zh, en = (say(lang, *args) for lang in LANGS)
    return zh, en


def _each(say: Callable[[str], str]) -> Pair:
    """A text made for each language by say(lang)."""
    return say(LANGS[0]), say(LANGS[1])


def _same(value: object) -> Pair:
    """A value that reads the same in both languages (a number, a code, a name as typed)."""
    text = "—" if value is None or value == "" else str(value)
    return text, text


def _stored(text: object) -> Pair:
    """A stored text kept in both languages (Chinese line, English line), or as typed."""
    zh, en = (in_language(str(text or ""), lang) or "—" for lang in LANGS)
    return zh, en


def _time(value: object) -> Pair:
    return _said(fmt_stored_time, value)


def _number(value: float | None, unit: object = None) -> Pair:
    if value is None:
        return _same(None)
    zh, en = (f"{number_text(lang, float(value))} {unit_label(lang, unit) if unit else ''}".strip() for lang in LANGS)
    return zh, en


def _position(position: object) -> Pair:
    return _label(f"selection.position_{position}") if position in ("lead", "second") else _same(position)


def _photo(item: dict, media_dir: Path) -> Photo:
    suffix = MEDIA_SUFFIX.get(item["media_type"])
    try:
        path = media_path(media_dir, item["sha256"], suffix) if suffix else None
    except ValueError:  # not a stored hash: nothing to open
        path = None
    zh, en = (
        " · ".join(
            [code_label(lang, "source", item["source"]), fmt_stored_time(lang, item["taken_at"]), str(item["by"] or "")]
        ).strip(" ·")
        for lang in LANGS
    )
    return Photo(sha256=str(item["sha256"]), path=path, caption=(zh, en))


def _head(record: dict) -> list[tuple[Pair, Pair]]:
    ins, decl, port, ent = record["inspection"], record["declaration"], record["port"], record["enterprise"]
    # The tier in force on the port's calendar day of the declaration, as the record page names it.
    declared_on = as_utc(decl["declared_at"]).astimezone(PORT_ZONE).date() if decl.get("declared_at") else None
    return [
        (_label("inspections.port"), (f"{port['code']} {port['name_zh']}", f"{port['code']} {port['name_en']}")),
        (_label("inspections.declaration"), _same(decl["number"])),
        (
            _label("inspections.direction"),
            _each(
                lambda lang: (
                    f"{direction_label(lang, decl['direction'])} · {transport_label(lang, decl['transport_mode'])}"
                )
            ),
        ),
        (_label("inspections.origin"), _said(country_label, decl["origin_country"])),
        (_label("inspections.declared_at"), _time(decl["declared_at"])),
        (_label("inspections.enterprise"), _said(enterprise_label, ent.get("name"), ent.get("name_en"))),
        (_label("report.uscc"), _same(ent.get("uscc"))),
        (_label("inspections.credit_tier"), _said(credit_tier_label, ent.get("credit_tier"), declared_on)),
        (_label("inspections.state"), _said(state_text, ins["state"])),
        (_label("inspections.priority"), _same(ins["priority"])),
        (_label("inspections.created_at"), _time(ins["created_at"])),
        (_label("report.completed_at"), _time(ins["completed_at"])),
    ]


def _declaration(record: dict) -> Section:
    goods = [
        [
            _label("inspections.hs_heading"),
            _label("inspections.description"),
            _label("inspections.quantity"),
            _label("inspections.weight"),
            _label("inspections.value"),
        ]
    ] + [
        [
            _said(hs_text, g["hs_code"]),
            _said(goods_text, g["hs_code"], g["description"]),
            _number(g["quantity"], g["unit"]),
            _number(g["gross_weight_kg"]),
            _same(None if g["value"] is None else f"{number_text('en', float(g['value']))} {g['currency'] or ''}"),
        ]
        for g in record["goods"]
    ]
    containers = [
        [_label("inspections.container"), _label("inspections.size_type"), _label("inspections.declared_seal")]
    ] + [[_same(c["number"]), _same(c["size_type"]), _same(c["declared_seal"])] for c in record["containers"]]
    blocks = [Block(heading=_label("inspections.goods"), rows=goods, widths=(0.26, 0.34, 0.14, 0.12, 0.14))]
    if record["containers"]:
        blocks.append(Block(heading=_label("inspections.containers"), rows=containers))
    return Section(_label("inspections.tab_declaration"), blocks)


def _selection(record: dict) -> Section:
    blocks = []
    sel = record["selection"]
    if sel:
        rows = [
            [_label("inspections.outcome"), _said(outcome_label, sel["outcome"])],
            [
                _label("inspections.reasons"),
                _each(lambda lang: "; ".join(selection_reason_text(lang, r) for r in sel["reasons"] or []) or "—"),
            ],
            [_label("inspections.rate"), _same(f"{sel['rate']:.1%}" if sel["rate"] is not None else None)],
            [_label("inspections.drawn_at"), _time(sel["drawn_at"])],
        ]
        blocks.append(Block(rows=rows, widths=(0.3, 0.7), header=False))
    people = [[_label("inspections.inspector"), _label("inspections.position"), _label("inspections.at")]] + [
        [_same(i["display_name"]), _position(i["position"]), _time(i["assigned_at"])] for i in record["inspectors"]
    ]
    blocks.append(Block(heading=_label("inspections.inspectors"), rows=people))
    return Section(_label("inspections.tab_selection"), blocks)


def _values(step_key: str, values: object) -> list[list[Pair]]:
    """One row per recorded value: its label and the value with its unit, rounded."""
    if not isinstance(values, dict) or not values:
        return []
    spec = step_specs().get(step_key)
    rows = []
    for name, value in values.items():
        field = spec.input(name) if spec else None
        label = (field.title.zh, field.title.en) if field else _said(field_label, name)
        rows.append([label, _said(value_text, value, field)])
    return rows


def _rules_text(lang: str, rule_ids: list) -> str:
    return ", ".join(rule_title(lang, str(r)) for r in rule_ids)


def _checklist(record: dict, media_dir: Path) -> Section:
    photos = [e for e in record["evidence"] if not e["assist_session_id"]]
    blocks = []
    for step in record["steps"]:
        rows = [[_label("report.item"), _label("report.recorded")]]
        rows += _values(step["step_key"], step["values"])
        rows.append([_label("inspections.outcome"), _said(outcome_label, step["outcome"])])
        if step["rules_applied"]:
            rows.append(
                [
                    _label("inspections.rules_applied"),
                    _said(_rules_text, step["rules_applied"]),
                ]
            )
        if step["note"]:
            rows.append([_label("inspections.note"), _same(step["note"])])
        rows.append([_label("inspections.by"), _same(f"{step['by'] or '—'}")])
        rows.append([_label("inspections.at"), _time(step["recorded_at"])])
        mine = [p for p in photos if (p["step_key"], p["container_id"]) == (step["step_key"], step["container_id"])]
        zh, en = _said(step_title, step["step_key"])
        title = (zh, f"{en} · {step['container']}" if step["container"] else en)  # the box once, after both
        blocks.append(Block(heading=title, rows=rows, widths=(0.35, 0.65), photos=[_photo(p, media_dir) for p in mine]))
    recorded = {(s["step_key"], s["container_id"]) for s in record["steps"]}
    others = [p for p in photos if (p["step_key"], p["container_id"]) not in recorded]
    if others:
        blocks.append(Block(heading=_label("report.other_photos"), photos=[_photo(p, media_dir) for p in others]))
    return Section(_label("inspections.tab_checklist"), blocks, empty=_label("inspections.nothing"))


def _citation(finding: dict) -> Pair:
    """The finding's stored citation, else the legal basis of its rule in the catalogue."""
    if finding["citation"]:
        return _stored(finding["citation"])
    rules = default_catalogue()
    if finding["rule_id"] and finding["rule_id"] in rules:
        text = rules.get(finding["rule_id"]).basis.citation()
        return text.zh, text.en
    return _same(None)


def _findings(record: dict) -> Section:
    if not record["findings"]:
        return Section(_label("inspections.tab_findings"), [], empty=_label("report.no_findings"))
    rows = [
        [
            _label("inspections.severity"),
            _label("inspections.step"),
            _label("inspections.rule"),
            _label("inspections.description"),
            _label("inspections.citation"),
        ]
    ] + [
        [
            _label(f"common.severity_{f['severity']}") if f["severity"] else _same(None),
            _said(step_title, f["step_key"]),
            _said(rule_title, f["rule_id"]) if f["rule_id"] else _label("report.by_inspector"),
            _stored(f["description"]),
            _citation(f),
        ]
        for f in record["findings"]
    ]
    return Section(_label("inspections.tab_findings"), [Block(rows=rows, widths=(0.1, 0.16, 0.2, 0.29, 0.25))])


def _decision(record: dict) -> Section:
    ins = record["inspection"]
    second = [i["display_name"] for i in record["inspectors"] if i["position"] == "second"]
    rows = [
        [_label("inspections.decision"), _said(decision_label, ins["decision"])],
        [_label("report.decided_by"), _same(ins["decided_by"])],
        [_label("inspections.decided_at"), _time(ins["decided_at"])],
        [_label("report.second_inspector"), _same(", ".join(second) or None)],
    ]
    receipt = record["receipt"]
    token = None
    if receipt:
        rows.append([_label("inspections.receipt"), _same(receipt["receipt_no"])])
        rows.append([_label("report.issued_at"), _time(receipt["issued_at"])])
        if receipt["used_at"]:
            used = _time(receipt["used_at"])
            gate = receipt["used_gate"] or ""
            rows.append([_label("inspections.used_at"), (f"{used[0]} {gate}".strip(), f"{used[1]} {gate}".strip())])
        if receipt.get("signature"):
            token = make_token(receipt["receipt_no"], receipt["signature"])
    blocks = [Block(rows=rows, widths=(0.3, 0.7), header=False, qr=token)]
    if receipt:
        blocks.append(_gate_exits(record.get("gate_exits") or []))
    return Section(_label("inspections.tab_decision"), blocks)


def _gate_exits(exits: list[dict]) -> Block:
    """The receipt's containers let out of the gate: each on its truck, under its seal, by whom and when."""
    heading = _label("report.gate_exits")
    if not exits:
        return Block(heading=heading, rows=[[_label("report.no_gate_exits")]], header=False)
    header = [
        _label("gate.col_container"),
        _label("gate.col_truck"),
        _label("gate.col_seal"),
        _label("gate.col_gate"),
        _label("gate.col_time"),
        _label("report.gate_officer"),
    ]
    rows = [
        [
            _same(e["container"]) if e["container"] else _label("report.whole_consignment"),
            _same(e["truck_plate"]),
            _same(e["seal_seen"]),
            _same(e["gate"]),
            _time(e["exited_at"]),
            _same(e["officer"]),
        ]
        for e in exits
    ]
    return Block(heading=heading, rows=[header, *rows], widths=(0.19, 0.15, 0.15, 0.14, 0.2, 0.17))


def _assist(record: dict, media_dir: Path) -> Section:
    blocks = []
    for s in record["assist_sessions"]:
        rows = [
            [_label("inspections.question"), _same(s["question"])],
            [_label("inspections.step"), _said(step_title, s["step_key"])],
            [_label("inspections.state"), _label(f"assist.state_{s['state']}")],
            [_label("report.requested_by"), _same(s["requested_by"])],
            [_label("inspections.expert"), _same(s["expert"])],
            [_label("report.requested_at"), _time(s["requested_at"])],
            [_label("report.ended_at"), _time(s["ended_at"])],
            [_label("inspections.messages"), _same(s["messages"])],
            [_label("inspections.note"), _same(s["note"])],
            [_label("inspections.conclusion"), _same(s["conclusion"])],
        ]
        snaps = [e for e in record["evidence"] if e["assist_session_id"] == s["id"]]
        blocks.append(
            Block(
                heading=_label("report.assist_session", id=s["id"]),
                rows=rows,
                widths=(0.3, 0.7),
                header=False,
                photos=[_photo(e, media_dir) for e in snaps],
            )
        )
    return Section(_label("inspections.tab_assist"), blocks, empty=_label("report.no_assist"))


def _transition_text(lang: str, before: str | None, after: str) -> str:
    return f"{state_text(lang, before) if before else '—'} → {state_text(lang, after)}"


def _audit(record: dict) -> Section:
    rows = [[_label("inspections.at"), _label("inspections.by"), _label("report.action"), _label("report.details")]] + [
        [
            _time(e["at"]),
            _same(e["actor"]),
            _said(audit_action_label, e["action"]),
            _said(fields_text, e["after"]) if e["after"] else _same(None),
        ]
        for e in record["audit"]
    ]
    timeline = [[_label("inspections.at"), _label("report.transition"), _label("inspections.by")]] + [
        [
            _time(step["at"]),
            _said(_transition_text, step["from_state"], step["to_state"]),
            _same(step["by"]) if step["by"] else _label("inspections.system"),
        ]
        for step in record["timeline"]
    ]
    return Section(
        _label("inspections.tab_audit"),
        [
            Block(heading=_label("inspections.tab_timeline"), rows=timeline, widths=(0.25, 0.5, 0.25)),
            Block(heading=_label("report.audit_entries"), rows=rows, widths=(0.18, 0.14, 0.22, 0.46)),
        ],
    )


def report_of(record: dict, media_dir: Path) -> InspectionReport:
    """The report of an inspection's record (as queries.inspection_record.report_record reads it)."""
    ins, decl = record["inspection"], record["declaration"]
    printed = utcnow()
    lead = next((i["display_name"] for i in record["inspectors"] if i["position"] == "lead"), None)
    second = next((i["display_name"] for i in record["inspectors"] if i["position"] == "second"), None)
    signatures = [
        Signature(_label("report.sign_inspector"), lead or ""),
        Signature(_label("report.sign_second"), second or ""),
        Signature(_label("report.sign_supervisor"), ""),
    ]
    return InspectionReport(
        inspection_id=int(ins["id"]),
        title=_label("report.title"),
        subtitle=_each(
            lambda lang: t(
                lang, "report.subtitle", id=ins["id"], number=decl["number"], at=fmt_stored_time(lang, printed)
            )
        ),
        head=_head(record),
        sections=[
            _declaration(record),
            _selection(record),
            _checklist(record, media_dir),
            _findings(record),
            _decision(record),
            _assist(record, media_dir),
            _audit(record),
        ],
        signatures=signatures,
    )


def inspection_report_pdf(db: Database, actor: Actor, inspection_id: int, media_dir: Path) -> tuple[str, bytes]:
    """(file name, PDF) of one inspection's report, for an actor who may read it (else AccessDenied)."""
    report = report_of(report_record(db, actor, inspection_id), media_dir)
    return report.file_name, render_report(report)


def reports_zip(db: Database, actor: Actor, inspection_ids: Iterable[int], media_dir: Path) -> bytes:
    """The reports of the first REPORTS_PER_ZIP inspections, one PDF each, in a zip."""
    files = [inspection_report_pdf(db, actor, i, media_dir) for i in list(inspection_ids)[:REPORTS_PER_ZIP]]
    return zip_reports(files)


def report_file(actor: Actor, inspection_id: int) -> Callable[[], bytes]:
    """What a download button calls for the report: made when clicked, not on every rerun."""
    engine, media_dir = get_engine(), get_settings().media_dir
    return lambda: inspection_report_pdf(engine, actor, inspection_id, media_dir)[1]


def listed_reports(
    actor: Actor, scope: Scope, flt: inspection_queries.InspectionFilter, sort: str, descending: bool
) -> Callable[[], bytes]:
    """What a download button calls for the zip of the reports of the list's first REPORTS_PER_ZIP
    inspections, in the list's order."""
    engine, media_dir = get_engine(), get_settings().media_dir

    def build() -> bytes:
        page = inspection_queries.search_inspections(
            engine, scope_set(scope), flt, sort=sort, descending=descending, limit=REPORTS_PER_ZIP, offset=0
        )
        return reports_zip(engine, actor, [int(i) for i in page.rows["inspection_id"]], media_dir)

    return build
