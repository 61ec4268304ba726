"""The one adapter that reads the rule catalogue from files (data/rules/*.yaml, or PORTSIGHT_RULES_DIR).

The domain receives the catalogue as an argument and never reads a file; this module reads the
YAML once per process and directory, and hands the parsed rules to the domain's checks. The same
files hold the credit measures (`credit_measures`: which credit tiers exist on a date), and
`selection_policy(on_date)` is the one place every reader and writer gets a day's tier targets and
bounds from.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from portsight.config import rules_dir
from portsight.domain.credit import CreditCalendar, build_calendar, parse_measures
from portsight.domain.rulebook import Rule, RuleCatalogue, RuleCatalogueError, build_catalogue, parse_rule
from portsight.domain.selection import SelectionPolicy, policy_from_catalogue

# The catalogue shipped with the code (versioned in git); PORTSIGHT_RULES_DIR may point elsewhere.
RULES_DIR = Path(__file__).resolve().parents[1] / "data" / "rules"
# libyaml's safe loader where PyYAML has it (its wheels do): the same documents, parsed ~8x faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _documents(directory: str | Path) -> list[tuple[str, object]]:
    """(name, parsed YAML) of every *.yaml in the directory; RuleCatalogueError on a missing directory or bad YAML."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleCatalogueError(str(directory), None, None, "the rule directory does not exist")
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise RuleCatalogueError(str(directory), None, None, "no *.yaml rule files found")
    docs = []
    for path in files:
        name = str(path.relative_to(directory.parent.parent)) if directory.parent.parent in path.parents else str(path)
        try:
            docs.append((name, yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise RuleCatalogueError(name, None, None, f"not valid YAML{where}") from None
    return docs


def load_catalogue(directory: str | Path) -> RuleCatalogue:
    """Read and check every *.yaml in the directory; raise RuleCatalogueError on the first problem."""
    rules: list[Rule] = []
    for name, doc in _documents(directory):
        items = doc.get("rules") if isinstance(doc, Mapping) else None
        if not isinstance(items, list):
            raise RuleCatalogueError(name, None, "rules", "the file must hold a mapping with a 'rules' list")
        rules += [parse_rule(raw, name, i) for i, raw in enumerate(items)]
    return build_catalogue(rules)


def default_catalogue() -> RuleCatalogue:
    """The catalogue in data/rules (or PORTSIGHT_RULES_DIR), read once per process and directory.

    A malformed catalogue is not cached: it raises RuleCatalogueError every time until it is fixed.
    """
    return _catalogue_in(str(rules_dir()))


@lru_cache(maxsize=4)
def _catalogue_in(directory: str) -> RuleCatalogue:
    return load_catalogue(directory)


def load_credit_calendar(directory: str | Path) -> CreditCalendar:
    """The credit measures (`credit_measures` lists) of every *.yaml in the directory, checked together."""
    measures = []
    for name, doc in _documents(directory):
        items = doc.get("credit_measures") if isinstance(doc, Mapping) else None
        if items is None:
            continue
        if not isinstance(items, list):
            raise RuleCatalogueError(name, None, "credit_measures", "must be a list")
        measures += [parse_measures(raw, name) for raw in items]
    return build_calendar(measures)


def default_credit_calendar() -> CreditCalendar:
    """The credit measures in data/rules (or PORTSIGHT_RULES_DIR), read once per process and directory."""
    return _calendar_in(str(rules_dir()))


@lru_cache(maxsize=4)
def _calendar_in(directory: str) -> CreditCalendar:
    return load_credit_calendar(directory)


def selection_policy(on_date: date | None = None) -> SelectionPolicy:
    """The tier targets and bounds in force on the date (today for None): the draw, the selection page,
    the statistics page, the weekly report and the credit-bound alert all read them from here."""
    return _policy_on(on_date or date.today(), str(rules_dir()))


@lru_cache(maxsize=256)
def _policy_on(on_date: date, directory: str) -> SelectionPolicy:
    return policy_from_catalogue(on_date, _catalogue_in(directory), _calendar_in(directory))


def tier_name(code: str, on_date: date, lang: str) -> str | None:
    """The credit tier's name in the language under the measures in force on the date (高级认证企业 /
    Advanced certified; 一般信用企业 under the 2018 measures, 常规企业 under Order No. 282), or None
    when no measures are in force or the code is not one of their tiers (the caller's own label then).
    A stored code names the tier it stands for (general_certified reads as routine after 2021-11-01)."""
    calendar = default_credit_calendar()
    measures = calendar.on(on_date)
    if measures is None:
        return None
    return measures.name(code, lang) or measures.name(measures.tier_of(code), lang)
