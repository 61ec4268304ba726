"""Links to the lists behind a figure: codes and ids in the URL (repeated parameters for a list),
never labels; what is unset stays out; a link reads back as the filters it was built from."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

from components.inspections.filters import ListFilters, parse_filters
from components.shell.links import alerts_url, enterprise_url, inspections_url


def test_inspections_url_repeats_a_list_and_leaves_out_what_is_unset():
    url = inspections_url(
        port=["CNSGH", "CNNGB"],
        state=("assigned", "in_progress"),
        overdue=True,
        date_from=date(2026, 11, 23),
        date_to=date(2026, 11, 29),
        decision=None,
        enterprise="",
        finding=False,
        enterprise_id=12,
    )
    assert url == (
        "/inspections?port=CNSGH&port=CNNGB&state=assigned&state=in_progress&overdue=1"
        "&from=2026-11-23&to=2026-11-29&enterprise_id=12"
    )
    assert inspections_url() == "/inspections"
    assert inspections_url(overdue=True, port="CNSGH") == "/inspections?overdue=1&port=CNSGH"
    assert inspections_url(id=10817) == "/inspections?id=10817"


def test_text_is_quoted_so_it_cannot_add_a_parameter():
    url = inspections_url(enterprise="A&B Co.&overdue=1 #x", container="TGHU 1")
    assert parse_qs(urlsplit(url).query) == {"enterprise": ["A&B Co.&overdue=1 #x"], "container": ["TGHU 1"]}


def test_alerts_and_enterprise_links():
    assert alerts_url(alert=123) == "/alerts?alert=123"
    assert alerts_url(state=["open", "acknowledged"], kind="overdue", port="CNSGH", enterprise=12) == (
        "/alerts?state=open&state=acknowledged&kind=overdue&port=CNSGH&enterprise=12"
    )
    assert enterprise_url(12) == "/enterprise?id=12"


def test_a_link_reads_back_as_the_filters_it_was_built_from():
    url = inspections_url(
        port=["CNSGH", "CNNGB"],
        state=["assigned", "in_progress"],
        overdue=True,
        date_from=date(2026, 11, 23),
        date_to=date(2026, 11, 29),
        decision="release",
        enterprise_id=12,
        declaration_id=40,
        hs="84",
        inspector=7,
        finding="any",
        tier="advanced_certified",
        origin="de",
        section="XVI",
        container="TGHU",
        enterprise="上海铜源",
        sort="declared_at",
        order="asc",
        page=3,
    )
    assert parse_filters(parse_qs(urlsplit(url).query)) == ListFilters(
        ports=("CNSGH", "CNNGB"),
        states=("assigned", "in_progress"),
        overdue=True,
        date_from=date(2026, 11, 23),
        date_to=date(2026, 11, 29),
        decision="release",
        enterprise_id=12,
        declaration_id=40,
        hs="84",
        inspector_id=7,
        finding="any",
        tier="advanced_certified",
        origin="DE",
        section="XVI",
        container="TGHU",
        enterprise="上海铜源",
        sort="declared_at",
        descending=False,
        page=3,
    )


def test_values_the_list_does_not_know_are_dropped():
    params = {
        "port": ["CNSGH", "x'); drop", "cnngb"],
        "state": ["assigned", "flying"],
        "overdue": ["yes"],
        "from": ["2026-13-01"],
        "to": ["yesterday"],
        "decision": ["explode"],
        "enterprise_id": ["12abc"],
        "hs": ["8x"],
        "inspector": ["-7"],
        "finding": ["<script>"],
        "tier": ["General'--"],
        "origin": ["DEU"],
        "section": ["XVI<b>"],
        "sort": ["password"],
        "page": ["0"],
    }
    assert parse_filters(params) == ListFilters(ports=("CNSGH", "CNNGB"), states=("assigned",))
    assert parse_filters({"hs": ["8"]}).hs == "08"  # a chapter typed as one digit


def test_a_range_of_decided_or_completed_days_reads_back_as_that_range():
    day = date(2026, 12, 3)
    url = inspections_url(state="released", decided_from=day, decided_to=day)
    assert url == "/inspections?state=released&decided_from=2026-12-03&decided_to=2026-12-03"
    flt = parse_filters(parse_qs(urlsplit(url).query))
    assert (flt.dated, flt.date_from, flt.date_to) == ("decided", day, day)
    flt = parse_filters({"completed_to": ["2026-11-29"]})
    assert (flt.dated, flt.date_from, flt.date_to) == ("completed", None, date(2026, 11, 29))
    flt = parse_filters({"held_from": ["2026-11-23"], "held_to": ["2026-11-29"]})
    assert (flt.dated, flt.date_from, flt.date_to) == ("held", date(2026, 11, 23), date(2026, 11, 29))
    flt = parse_filters({"declared_from": ["2026-11-23"]})
    assert (flt.dated, flt.date_from, flt.date_to) == ("declared", date(2026, 11, 23), None)
    flt = parse_filters({"from": ["2026-11-23"]})
    assert (flt.dated, flt.date_from, flt.date_to) == ("opened", date(2026, 11, 23), None)
    assert parse_filters({}).dated == "opened"


def test_the_list_keeps_one_range_the_decided_one_first():
    both = {"from": ["2026-11-01"], "to": ["2026-11-30"], "decided_from": ["2026-12-01"], "decided_to": ["2026-12-02"]}
    flt = parse_filters(both)
    assert (flt.dated, flt.date_from, flt.date_to) == ("decided", date(2026, 12, 1), date(2026, 12, 2))
    # a range whose days are not days is no range: the next one named applies
    flt = parse_filters({"decided_from": ["2026-13-01"], "completed_from": ["2026-11-23"]})
    assert (flt.dated, flt.date_from) == ("completed", date(2026, 11, 23))
