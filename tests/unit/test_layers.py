"""The layers of docs/architecture.md, checked on every file with ast: a crossing or a cycle fails here.

Each first-party module belongs to the first layer whose prefix matches its dotted name; a layer
lists the first-party layers it may import and the third-party packages it must not. Imports
under `if TYPE_CHECKING:` count too: a cycle only for the type checker is still a knot in the
design. The checker's own tests below build a throwaway tree and show every rule failing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app.py", "serve.py", "pages", "components", "portsight")
SKIPPED = ("portsight/db/migrations/versions",)  # Alembic revisions are frozen history


@dataclass(frozen=True)
class Layer:
    name: str
    prefixes: tuple[str, ...]  # dotted module prefixes that make up the layer
    may_import: tuple[str, ...]  # names of the layers it may import (itself always)
    never: tuple[str, ...] = ()  # third-party packages it must not import
    exact: bool = False  # the prefixes name single modules, not packages

    def holds(self, module: str) -> bool:
        if self.exact:
            return module in self.prefixes
        return any(module == p or module.startswith(p + ".") for p in self.prefixes)


BASICS = ("package", "clock", "config", "i18n", "security", "reference", "heap")
NO_UI = ("streamlit", "streamlit_webrtc")
NO_IO = ("sqlalchemy", "pandas", "numpy", "cv2", "av", "aiortc", "yaml", "pathlib", "os", "io", "shutil", "glob")

LAYERS = (
    Layer("domain", ("portsight.domain",), (), NO_UI + NO_IO),
    Layer("errors", ("portsight.errors",), ("domain",), NO_UI),
    Layer("package", ("portsight",), (), NO_UI, exact=True),  # __version__
    Layer("clock", ("portsight.clock",), (), NO_UI),
    Layer("heap", ("portsight.heap",), (), NO_UI),  # the collector paused for bulk work
    Layer("config", ("portsight.config",), ("security",), NO_UI),  # secret files and receipt keys
    Layer("i18n", ("portsight.i18n",), (), NO_UI),
    Layer("security", ("portsight.security",), (), NO_UI),
    Layer("reference", ("portsight.reference",), (), NO_UI),
    Layer("catalogue", ("portsight.catalogue",), ("domain", *BASICS), NO_UI),
    Layer("storage", ("portsight.storage",), BASICS, NO_UI),
    Layer("images", ("portsight.images",), ("domain", "errors", *BASICS), NO_UI),  # the photo gate
    # Numbers read from photos: RapidOCR behind one module, photos through the photo gate.
    Layer("ocr", ("portsight.ocr",), ("domain", "errors", "images", *BASICS), NO_UI),
    Layer("db", ("portsight.db",), ("domain", "errors", "catalogue", "storage", *BASICS), NO_UI),
    Layer(
        "services",
        ("portsight.services",),
        ("db", "domain", "errors", "catalogue", "storage", "images", *BASICS),
        NO_UI,
    ),
    Layer("queries", ("portsight.queries",), ("db", "domain", "errors", "catalogue", "storage", *BASICS), NO_UI),
    Layer("alert_checks", ("portsight.alert_checks",), ("db", "domain", "errors", "catalogue", *BASICS), NO_UI),
    # Messages stored as a key and parameters, said in a language: for pages and notifications alike.
    Layer("messages", ("portsight.messages",), ("domain", "catalogue", *BASICS), NO_UI),
    # Sending alert notifications from the outbox (portsight.db.notification_outbox) through Apprise.
    Layer("notify", ("portsight.notify",), ("db", "domain", "errors", "catalogue", "messages", *BASICS), NO_UI),
    Layer("calls", ("portsight.calls",), ("domain", *BASICS), NO_UI),
    Layer(
        "exchange",
        ("portsight.exchange",),
        # documents: the one neutraliser of spreadsheet cells (portsight.documents.cells) for its CSV files
        ("db", "domain", "errors", "catalogue", "services", "queries", "documents", *BASICS),
        NO_UI,
    ),
    Layer(
        "documents",
        ("portsight.documents",),
        ("db", "domain", "errors", "catalogue", "storage", "images", "services", "queries", *BASICS),
        NO_UI,
    ),
    Layer(
        "demo",
        ("portsight.demo",),
        # images: the seed's generated photos pass the same photo gate as an upload (docs/architecture.md)
        (
            "db",
            "domain",
            "errors",
            "catalogue",
            "storage",
            "images",
            "services",
            "queries",
            "alert_checks",
            "exchange",
            *BASICS,
        ),
        NO_UI,
    ),
    # The HTTP side around Streamlit (sign-in page, session middleware): an entry point without Streamlit.
    Layer(
        "web",
        ("portsight.web",),
        ("db", "domain", "errors", "catalogue", "services", "queries", *BASICS),
        NO_UI,
    ),
    Layer(
        "entry",
        ("portsight.__main__", "portsight.health", "portsight.cli"),
        (
            "db",
            "domain",
            "errors",
            "catalogue",
            "services",
            "queries",
            "demo",
            "exchange",
            "documents",
            "notify",
            "ocr",
            *BASICS,
        ),
        NO_UI,
    ),
    Layer(
        "components",
        ("components",),
        (
            "db",
            "domain",
            "errors",
            "catalogue",
            "storage",
            "images",
            "services",
            "queries",
            "alert_checks",
            "calls",
            "exchange",
            "documents",
            "demo",
            "web",
            "messages",
            "notify",
            "ocr",
            *BASICS,
        ),
    ),
    # Pages hold layout and widgets: the core only through components/<feature>.
    Layer("pages", ("pages",), ("components", "domain", "errors", "clock", "i18n"), ("sqlalchemy",)),
    Layer("app", ("app",), ("components",), ("sqlalchemy",), exact=True),
    # serve.py: st.App around app.py, with the web layer's routes and middleware.
    Layer("serve", ("serve",), ("components", "web"), ("sqlalchemy",), exact=True),
)
FIRST_PARTY = ("portsight", "components", "pages", "app", "serve")


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> Layer | None:
    for layer in LAYERS:
        if layer.holds(module):
            return layer
    return None


def source_files(root: Path) -> Iterator[Path]:
    for entry in SOURCES:
        path = root / entry
        files = [path] if path.suffix == ".py" else sorted(path.rglob("*.py")) if path.is_dir() else []
        for file in files:
            if not any(file.relative_to(root).as_posix().startswith(s) for s in SKIPPED):
                yield file


def imports_of(path: Path) -> list[tuple[str, str]]:
    """Each imported name as (most specific, fallback): `from m import n` is (m.n, m), since n may be a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(alias.name, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [(f"{node.module}.{alias.name}", node.module) for alias in node.names]
    return names


def reads_files(path: Path) -> list[str]:
    """Calls that reach the file system: open(...) and Path-style .read_text/.read_bytes/.open."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "open":
                found.append(f"open() at line {node.lineno}")
            elif isinstance(func, ast.Attribute) and func.attr in {"read_text", "read_bytes", "open", "glob"}:
                found.append(f".{func.attr}() at line {node.lineno}")
    return found


def resolve(name: str, modules: set[str]) -> str | None:
    """The first-party module an imported name refers to (longest known prefix), None for third party."""
    if name.split(".")[0] not in FIRST_PARTY:
        return None
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def import_graph(root: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module -> first-party modules it imports, module -> the third-party modules it imports)."""
    files = {module_name(root, f): f for f in source_files(root)}
    modules = set(files)
    graph: dict[str, set[str]] = {}
    third_party: dict[str, set[str]] = {}
    for module, file in files.items():
        graph[module], third_party[module] = set(), set()
        for specific, fallback in imports_of(file):
            if specific.split(".")[0] not in FIRST_PARTY:
                third_party[module].add(fallback)
            elif (target := specific if specific in modules else resolve(fallback, modules)) and target != module:
                graph[module].add(target)
    return graph, third_party


def crossings(root: Path) -> list[str]:
    graph, raw = import_graph(root)
    by_name = {layer.name: layer for layer in LAYERS}
    bad = []
    for module in sorted(graph):
        layer = layer_of(module)
        if layer is None:
            bad.append(f"{module} belongs to no layer: add it to docs/architecture.md and LAYERS")
            continue
        allowed = {layer.name, *layer.may_import}
        for target in sorted(graph[module]):
            target_layer = layer_of(target)
            if target_layer is not None and target_layer.name not in allowed:
                bad.append(f"{module} ({layer.name}) imports {target} ({target_layer.name})")
        for name in sorted(raw[module]):
            if any(name == p or name.startswith(p + ".") for p in layer.never):
                bad.append(f"{module} ({layer.name}) imports {name}")
        if layer is by_name["domain"]:
            path = root / (module.replace(".", "/") + ".py")
            path = path if path.exists() else root / module.replace(".", "/") / "__init__.py"
            bad += [f"{module} (domain) reads files: {call}" for call in reads_files(path)]
    return bad


def cycles(root: Path) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    graph, _ = import_graph(root)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


# --------------------------------------------------------------------------- the tree


def test_no_layer_is_crossed():
    assert crossings(ROOT) == []


def test_no_modules_import_each_other_in_a_circle():
    assert cycles(ROOT) == []


def test_architecture_doc_names_every_layer():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [p for layer in LAYERS for p in layer.prefixes if p.replace(".", "/") not in doc and p not in doc]
    assert missing == []


# --------------------------------------------------------------------------- the checker itself


def sample_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    base = {
        "app.py": "import components.shell\n",
        "serve.py": "import components.shell\nfrom portsight.web import routes\n",
        "portsight/web/__init__.py": "",
        "portsight/web/routes.py": "from portsight.services import field\n",
        "components/__init__.py": "",
        "components/shell.py": "from portsight.services import field\nfrom portsight.queries import field as q\n",
        "pages/__init__.py": "",
        "pages/alerts.py": "from components import shell\n",
        "portsight/__init__.py": "",
        "portsight/domain/__init__.py": "",
        "portsight/domain/rules.py": "from dataclasses import dataclass\n",
        "portsight/db/__init__.py": "",
        "portsight/db/models.py": "import sqlalchemy\nfrom portsight.domain import rules\n",
        "portsight/services/__init__.py": "",
        "portsight/services/field.py": "from portsight.db import models\n",
        "portsight/queries/__init__.py": "",
        "portsight/queries/field.py": "from portsight.db.models import Base\n",
    }
    for rel, text in {**base, **files}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_sample_tree_is_clean(tmp_path):
    root = sample_tree(tmp_path, {})
    assert crossings(root) == [] and cycles(root) == []


def test_a_page_importing_services_fails(tmp_path):
    root = sample_tree(tmp_path, {"pages/alerts.py": "from portsight.services.field import record\n"})
    assert crossings(root) == ["pages.alerts (pages) imports portsight.services.field (services)"]


def test_services_importing_queries_fails_and_the_reverse(tmp_path):
    root = sample_tree(
        tmp_path,
        {
            "portsight/services/field.py": "from portsight.queries import field\n",
            "portsight/queries/field.py": "from portsight.services.field import x\n",
        },
    )
    assert crossings(root) == [
        "portsight.queries.field (queries) imports portsight.services.field (services)",
        "portsight.services.field (services) imports portsight.queries.field (queries)",
    ]


def test_the_domain_importing_sqlalchemy_or_reading_a_file_fails(tmp_path):
    root = sample_tree(
        tmp_path,
        {
            "portsight/domain/rules.py": "from sqlalchemy import select\n",
            "portsight/domain/seal.py": "def load(p):\n    return open(p).read()\n",
            "portsight/domain/stats.py": "def load(p):\n    return p.read_text()\n",
        },
    )
    assert crossings(root) == [
        "portsight.domain.rules (domain) imports sqlalchemy",
        "portsight.domain.seal (domain) reads files: open() at line 2",
        "portsight.domain.stats (domain) reads files: .read_text() at line 2",
    ]


def test_a_cycle_fails_even_through_a_function_level_import(tmp_path):
    root = sample_tree(
        tmp_path,
        {
            "portsight/domain/rules.py": "from portsight.domain import checklist\n",
            "portsight/domain/checklist.py": "def make():\n    from portsight.domain.rules import judge\n",
        },
    )
    assert crossings(root) == []
    assert cycles(root) == [["portsight.domain.checklist", "portsight.domain.rules"]]


def test_a_module_outside_every_layer_is_reported(tmp_path):
    root = sample_tree(tmp_path, {"portsight/widgets/__init__.py": "import streamlit\n"})
    assert crossings(root) == ["portsight.widgets belongs to no layer: add it to docs/architecture.md and LAYERS"]
