"""The one adapter that reads the rule catalogue from files (data/rules/*.yaml, or PORTSIGHT_RULES_DIR).

The domain receives the catalogue as an argument and never reads a file; this module reads the
YAML once per process and directory, and hands the parsed rules to the domain's checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import yaml

from portsight.config import rules_dir
from portsight.domain.rulebook import Rule, RuleCatalogue, RuleCatalogueError, build_catalogue, parse_rule

# The catalogue shipped with the code (versioned in git); PORTSIGHT_RULES_DIR may point elsewhere.
RULES_DIR = Path(__file__).resolve().parents[1] / "data" / "rules"


def load_catalogue(directory: str | Path) -> RuleCatalogue:
    """Read and check every *.yaml in the directory; raise RuleCatalogueError on the first problem."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleCatalogueError(str(directory), None, None, "the rule directory does not exist")
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise RuleCatalogueError(str(directory), None, None, "no *.yaml rule files found")
    rules: list[Rule] = []
    for path in files:
        name = str(path.relative_to(directory.parent.parent)) if directory.parent.parent in path.parents else str(path)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise RuleCatalogueError(name, None, None, f"not valid YAML{where}") from None
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
