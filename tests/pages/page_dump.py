"""A text dump of every page every demo account may open, to compare the app before and after a change.

    python -m tests.pages.page_dump OUT_DIR      (from a checkout's root; OUT_DIR is emptied first)

It prepares the page-test database (tests/pages/appdb.py, simulator off), signs in each account of
appdb.USERS as the sign-in page does (tests/pages/conftest.py login: a session token through the
cookie seam), opens every page its role may open (PAGE_ROLES, file from the
navigation registry), in English (the accounts' language) and in Chinese (the sidebar's language
switch), and writes one file per (user, page, language) with the element tree in order: type, key,
label, body or value; dataframes as columns, shape and first rows; Plotly charts as trace types and
the layout title. Per user and language, _navigation.<lang>.txt holds the st.navigation call (sections,
titles, hidden pages) and the sidebar. _login.<lang>.txt is the signed-out view (the sign-in form
itself is the HTML page /login, outside Streamlit).

The clock is frozen (see freeze_clock) so two runs write the same files: compare with `diff -r`.
"""

from __future__ import annotations

import copyreg
import datetime as _dt
import importlib
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

# A Wednesday, 10:00 in the ports' time zone (Asia/Shanghai): a working day, not near midnight or a week edge.
FROZEN_AT = _dt.datetime(2025, 6, 4, 2, 0, 0, tzinfo=_dt.UTC)
LANGS = ("en", "zh_CN")  # the accounts' language first (no switch needed), then the other one
FIRST_ROWS = 10  # dataframe rows written out; shape and columns cover the rest
MAX_TEXT = 4000  # longer strings (HTML, JSON specs) are cut, with their length noted
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow",
    "sqlalchemy",
    "plotly.graph_objects",
    "streamlit",
    "streamlit.testing.v1",
)


def freeze_clock() -> None:
    """Make datetime.now()/utcnow()/today() and date.today() return FROZEN_AT for the app.

    Seeded rows, "waiting 120 min", "today", "this week" and the dates in date inputs follow the
    clock, which the app reads through portsight.clock.utcnow but also through datetime.now(zone)
    and date.today() in pages. Replacing the two classes in the datetime module before the app is
    imported (pages are executed anew on every run) freezes all of these, the way freezegun does,
    without adding a dependency. Libraries imported before (PRELOAD) keep the real classes, except
    Streamlit's modules, which are given the frozen ones. time.time() and time.monotonic() stay real:
    AppTest times out with them.
    """
    real_datetime, real_date = _dt.datetime, _dt.date
    if getattr(real_datetime, "_frozen", False):
        return
    for name in ("portsight", "components"):
        if name in sys.modules:
            raise RuntimeError(f"freeze_clock() must run before {name} is imported")
    # Compiled modules that use the datetime types must load first, with the real classes: Cython
    # checks the classes it finds in the datetime module and warns "size changed" (then the process
    # crashes). One that loads later all the same stops the dump with that warning as an error.
    for name in PRELOAD:
        importlib.import_module(name)
    warnings.filterwarnings("error", message=r"datetime\.\w+ size changed", category=RuntimeWarning)

    class _DatetimeMeta(type):
        # Real datetimes (from C code, SQLite, pandas) must still pass isinstance(x, datetime).
        def __instancecheck__(cls, obj: object) -> bool:
            return isinstance(obj, real_datetime)

        def __subclasscheck__(cls, sub: type) -> bool:
            return issubclass(sub, real_datetime)

    class _DateMeta(type):
        def __instancecheck__(cls, obj: object) -> bool:
            return isinstance(obj, real_date)

        def __subclasscheck__(cls, sub: type) -> bool:
            return issubclass(sub, real_date)

    class FrozenDatetime(real_datetime, metaclass=_DatetimeMeta):
        _frozen = True

        @classmethod
        def now(cls, tz=None):
            return FROZEN_AT.astimezone(tz) if tz is not None else FROZEN_AT.astimezone().replace(tzinfo=None)

        @classmethod
        def utcnow(cls):
            return FROZEN_AT.replace(tzinfo=None)

        @classmethod
        def today(cls):
            return cls.now()

    class FrozenDate(real_date, metaclass=_DateMeta):
        @classmethod
        def today(cls):
            return FROZEN_AT.astimezone().date()

    # Named as the real classes, so pickling (st.cache_data) finds them again as datetime.datetime/date.
    for cls, name in ((FrozenDatetime, "datetime"), (FrozenDate, "date")):
        cls.__name__ = cls.__qualname__ = name
        cls.__module__ = "datetime"
    # Pickle finds a class by its name: datetime.datetime is now the frozen one, so real instances
    # (from SQLite, from C code) are pickled as instances of the frozen class.
    copyreg.pickle(real_datetime, lambda value: (FrozenDatetime, value.__reduce__()[1]))
    copyreg.pickle(real_date, lambda value: (FrozenDate, value.__reduce__()[1]))
    _dt.datetime = FrozenDatetime
    _dt.date = FrozenDate
    # Streamlit, imported already, derives some defaults from today (the min and max of a date
    # input without a value, ten years either side): its modules get the frozen classes too.
    swap = {id(real_datetime): FrozenDatetime, id(real_date): FrozenDate}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "streamlit":
            for attr, value in list(vars(module).items()):
                if id(value) in swap:
                    setattr(module, attr, swap[id(value)])


# ---------------------------------------------------------------------------------------------------
# Writing one element tree as text


def _text(value: Any) -> str:
    s = value if isinstance(value, str) else str(value)
    if len(s) > MAX_TEXT:
        s = s[:MAX_TEXT] + f"...[{len(s)} chars]"
    return json.dumps(s, ensure_ascii=False)


def _frame(df) -> list[str]:
    import pandas as pd

    with pd.option_context("display.width", 250, "display.max_columns", 50, "display.max_colwidth", 60):
        head = df.head(FIRST_ROWS).to_string()
    lines = [
        f"columns={json.dumps([str(c) for c in df.columns], ensure_ascii=False)}",
        f"dtypes={json.dumps([str(t) for t in df.dtypes])}",
        f"shape={list(df.shape)}",
    ]
    return lines + ["| " + line for line in head.splitlines()]


def _plotly(spec: str) -> list[str]:
    fig = json.loads(spec)
    traces = fig.get("data", [])
    counts: dict[str, int] = {}
    for trace in traces:
        kind = trace.get("type", "scatter")
        counts[kind] = counts.get(kind, 0) + 1
    title = fig.get("layout", {}).get("title")
    if isinstance(title, dict):
        title = title.get("text")
    names = [trace.get("name") for trace in traces]
    return [
        f"traces={json.dumps(counts, sort_keys=True)}",
        f"trace_names={json.dumps(names, ensure_ascii=False)}",
        f"title={_text(title or '')}",
    ]


# Proto fields that are not what a person sees: element ids (hashes), form ids, the raw payloads
# that get their own summary (arrow data, chart specs), and raw_value/set_value, which only tell the
# browser to overwrite its widget state (they depend on how the state was set, not on what is shown).
_SKIP_FIELDS = {"id", "form_id", "data", "spec", "arrow_data", "set_value", "raw_value", "fragment_id"}


def _scalar_fields(proto) -> list[str]:
    from google.protobuf.descriptor import FieldDescriptor

    out = []
    for desc, value in proto.ListFields():
        if desc.name in _SKIP_FIELDS:
            continue
        if desc.type == FieldDescriptor.TYPE_MESSAGE:
            continue  # layout configs and nested messages: widths, styles
        if desc.type == FieldDescriptor.TYPE_BYTES:
            out.append(f"{desc.name}=<{len(value)} bytes>")
        elif isinstance(value, str):
            out.append(f"{desc.name}={_text(value)}")
        elif isinstance(value, bool | int | float):
            out.append(f"{desc.name}={value!r}")
        else:  # a repeated scalar field
            out.append(f"{desc.name}={json.dumps(list(value), ensure_ascii=False, default=str)}")
    return out


def _element_lines(node) -> list[str]:
    from streamlit.testing.v1 import element_tree as et

    head = node.type
    if getattr(node, "key", None):
        head += f" key={node.key}"
    lines = [head]
    if node.type in ("dataframe", "table", "arrow_data_frame", "arrow_table"):
        lines += _scalar_fields(node.proto)
        try:
            lines += _frame(node.value)
        except Exception as exc:  # noqa: BLE001 - an unreadable frame is written as such, the dump goes on
            lines.append(f"value=<unreadable {exc.__class__.__name__}>")
        return lines
    if node.type == "plotly_chart":
        return lines + _scalar_fields(node.proto) + _plotly(node.proto.spec)
    if node.type == "exception":
        # the message only: the stack trace names files, which move
        return lines + [f"type={_text(node.proto.type)}", f"message={_text(node.proto.message)}"]
    lines += _scalar_fields(node.proto)
    if isinstance(node, et.Widget):
        try:
            value = node.value
        except Exception as exc:  # noqa: BLE001
            value = f"<no value: {exc.__class__.__name__}>"
        lines.append(f"widget_value={_text(repr(value))}")
    return lines


def dump_block(block, depth: int = 0) -> list[str]:
    from streamlit.testing.v1 import element_tree as et

    pad = "  " * depth
    out: list[str] = []
    for idx in sorted(block.children):
        node = block.children[idx]
        if isinstance(node, et.Block):
            head = node.type
            for attr in ("label", "weight", "icon"):
                value = getattr(node, attr, None)
                if value not in (None, ""):
                    head += f" {attr}={_text(value)}"
            out.append(pad + head)
            out += dump_block(node, depth + 1)
        else:
            first, *rest = _element_lines(node)
            out.append(pad + first)
            out += [pad + "    " + line for line in rest]
    return out


def dump_tree(at) -> list[str]:
    out = []
    for name, block in zip(("main", "sidebar", "event"), (at.main, at.sidebar, at._tree.children[2]), strict=True):
        out.append(f"[{name}]")
        out += dump_block(block, 1)
    return out


# ---------------------------------------------------------------------------------------------------
# Navigation: what the app hands to st.navigation


class NavigationRecorder:
    """Wraps st.navigation to keep the last call's pages (Streamlit sends them only to the browser)."""

    def __init__(self, st_module) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []
        real = st_module.navigation

        def navigation(pages, *args, **kwargs):
            self.calls.append((pages, dict(zip(("position", "expanded"), args, strict=False)) | kwargs))
            return real(pages, *args, **kwargs)

        st_module.navigation = navigation

    def dump(self) -> list[str]:
        if not self.calls:
            return ["st.navigation was not called"]
        pages, options = self.calls[-1]
        out = [f"st.navigation {json.dumps(options, sort_keys=True, default=str)}"]
        sections = pages if isinstance(pages, dict) else {None: pages}
        for section, section_pages in sections.items():
            out.append(f"section {_text(section) if section is not None else '(none: a list)'}")
            for page in section_pages:
                kind = "callable" if callable(page._page) else "file"
                out.append(
                    f"  {page.url_path or '/'}: title={_text(page.title)} icon={page.icon} "
                    f"default={page._default} visibility={page.visibility} {kind}"
                )
        return out


# ---------------------------------------------------------------------------------------------------


def _registry():
    try:
        from components.navigation import PAGES
    except ImportError:
        from components.shell.navigation import PAGES
    return PAGES


def _write(path: Path, lines: list[str], data_dir: Path) -> None:
    text = "\n".join(lines) + "\n"
    # The database lives in a fresh temporary folder each run: a page that names it (a database
    # problem, a file path) would differ by that folder alone.
    text = text.replace(str(data_dir), "<DATA_DIR>")
    path.write_text(text, encoding="utf-8")


def run(out_dir: Path) -> int:
    freeze_clock()
    # Imported only now: they must bind the frozen datetime classes.
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    import components
    from portsight.domain.access import PAGE_ROLES, may_open
    from tests.pages.appdb import USERS, app_env, prepare_app_database
    from tests.pages.conftest import APP, login

    pages = _registry()
    registry = sys.modules[type(next(iter(pages.values()))).__module__].__file__
    # Which checkout is dumped: the one on sys.path (the current directory), not necessarily this file's.
    print(f"app {APP}\ncomponents {components.__file__}\nregistry {registry}", file=sys.stderr)

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    data_dir = Path(tempfile.mkdtemp(prefix="portsight-page-dump-"))
    started = time.monotonic()
    problems = 0
    try:
        url = prepare_app_database(data_dir)
        os.environ.update(app_env(data_dir, url))
        recorder = NavigationRecorder(st)

        def new_session(lang: str | None):
            st.cache_data.clear()  # each session starts as on a freshly started server
            recorder.calls.clear()
            at = AppTest.from_file(APP, default_timeout=60).run()
            if lang is not None:
                at.radio(key="login.lang").set_value(lang).run()
            return at

        def signed_in(username: str, lang: str):
            at = login(new_session(None), username)
            if at.session_state["app.lang"] != lang:
                at.radio(key="sidebar.lang").set_value(lang).run()
            return at

        for lang in ("zh_CN", "en"):
            at = new_session(lang)
            _write(out_dir / f"_login.{lang}.txt", recorder.dump() + dump_tree(at), data_dir)

        for username, (role, _ports, _all) in USERS.items():
            user_dir = out_dir / username
            user_dir.mkdir()
            for lang in LANGS:
                at = signed_in(username, lang)
                nav = [f"user {username} role {role} lang {lang}", *recorder.dump()]
                unregistered = [key for key in PAGE_ROLES if may_open(role, key) and key not in pages]
                nav.append(f"may open but not in the registry: {unregistered}")
                _write(user_dir / f"_navigation.{lang}.txt", nav + dump_tree(at), data_dir)
                for key in PAGE_ROLES:
                    if not may_open(role, key) or key not in pages:
                        continue
                    # A new session for each page: what a page shows does not depend on the pages before it.
                    at = signed_in(username, lang).switch_page(pages[key].path).run()
                    if at.exception or at.error:
                        problems += 1
                        shown = [e.message for e in at.exception] + [e.value for e in at.error]
                        print(f"{username} {key} {lang}: {shown}", file=sys.stderr)
                    lines = [f"user {username} role {role} lang {lang} page {key}", *dump_tree(at)]
                    _write(user_dir / f"{key}.{lang}.txt", lines, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    files = sum(1 for p in out_dir.rglob("*.txt"))
    print(
        f"{files} files in {out_dir} in {time.monotonic() - started:.0f} s; pages showing an error: {problems}",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    return run(Path(args[0]))


if __name__ == "__main__":
    sys.exit(main())
