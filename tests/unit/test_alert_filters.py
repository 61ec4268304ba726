"""The alerts page's URL filters: codes in, filters out; whatever a hand-edited link holds is dropped
rather than obeyed; a group survives the trip to the URL and back."""

from __future__ import annotations

import pytest

from components.alerts.filters import (
    AlertFilters,
    group_code,
    group_counts,
    group_heading,
    parse_filters,
    parse_group,
    states_param,
)


def test_no_parameters_mean_the_unresolved_alerts_of_every_kind():
    assert parse_filters({}) == AlertFilters(states=("open", "acknowledged"))


def test_every_filter_is_read_from_its_parameter():
    got = parse_filters(
        {
            "state": ["resolved", "pending"],
            "severity": ["low", "high"],
            "kind": ["overdue", "overdue", "seal_mismatch"],
            "port": ["cnsgh", "CNNGB"],
            "enterprise": ["12"],
            "group": ["overdue.3."],
            "search": ["  TGHU98  "],
            "alert": ["#77"],
        }
    )
    assert got == AlertFilters(
        states=("pending", "resolved"),
        severities=("high", "low"),
        kinds=("overdue", "seal_mismatch"),
        ports=("CNSGH", "CNNGB"),
        enterprise_id=12,
        group=("overdue", 3, None),
        search="TGHU98",
        alert_id=77,
    )


@pytest.mark.parametrize(
    "params",
    [
        {"state": ["closed"]},
        {"severity": ["urgent"]},
        {"port": ["SHANGHAI", "CN-SG"]},
        {"enterprise": ["twelve"]},
        {"group": ["overdue.x.1"]},
        {"group": ["overdue"]},
        {"alert": ["1; DROP TABLE alerts"]},
    ],
)
def test_values_a_link_should_not_hold_are_dropped(params):
    assert parse_filters(params) == AlertFilters()


def test_an_older_link_naming_the_alert_by_id_still_opens_it():
    assert parse_filters({"id": ["42"]}).alert_id == 42
    assert parse_filters({"id": ["42"], "alert": ["43"]}).alert_id == 43


def test_any_state_and_the_default_states_in_the_url():
    assert parse_filters({"state": ["any"]}).states == ()
    assert states_param(["acknowledged", "open"]) is None  # the default leaves the URL clean
    assert states_param([]) == ["any"]
    assert states_param(["resolved"]) == ["resolved"]


@pytest.mark.parametrize("group", [("overdue", 3, None), ("repeat_nc_enterprise", 1, 12), ("credit_bound", None, None)])
def test_a_group_goes_to_the_url_and_back(group):
    assert parse_group(group_code(group)) == group


def test_group_heading_and_counts_in_both_languages():
    row = {
        "kind": "overdue",
        "port": "CNSGH",
        "port_en": "Shanghai",
        "port_zh": "上海",
        "enterprise_id": 12,
        "enterprise": "上海铜源再生资源有限公司",
        "enterprise_en": None,
        "open": 1234,
        "acknowledged": 0,
        "pending": 2,
    }
    assert group_heading("zh_CN", row) == "查验超时 · 上海 (CNSGH) · 上海铜源再生资源有限公司"
    assert group_heading("en", {**row, "enterprise_id": None}) == "Inspection overdue · Shanghai (CNSGH)"
    assert group_counts("en", row, ("open", "acknowledged")) == "1,234 open"
    assert group_counts("zh_CN", row, ("pending", "open")) == "2 条待定 · 1,234 条未处理"
    assert group_heading("en", {**row, "kind": "new_kind", "port": None}).startswith("new_kind · No port")
