"""Data exchange with the backbone (admin): upload declarations, see and download the report,
download exports of results, past imports.

Layout only: the import, the report and the exports go through components.exchange.data.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from components.exchange.data import (
    ImportResult,
    UnreadableFile,
    export_period,
    file_error_text,
    import_upload,
    last_export_cursor,
    load_past_imports,
    past_report_csv,
    reason_text,
    report_csv,
    upload_too_large,
)
from components.shell.formatting import as_text
from components.shell.state import lang, require_page, tr
from components.shell.widgets import show_error, upload_limit_mb
from portsight.i18n import fmt_datetime, fmt_number

actor = require_page("data_exchange")

K_UPLOAD = "exchange.upload"
K_IMPORT = "exchange.import"
K_PENDING = "exchange.import_for"  # session: the file the pressed Import button was shown for
K_RESULT = "exchange.result"  # session: the last ImportResult, or (file name, exception) to show
K_STATUS = "exchange.status_filter"
K_EXPORT_FROM = "exchange.export_from"
K_EXPORT_TO = "exchange.export_to"
K_EXPORT_FORMAT = "exchange.export_format"
K_EXPORT_PREPARE = "exchange.export_prepare"
K_EXPORT_FILE = "exchange.export_file"  # session: (file name, bytes)
K_PAST = "exchange.past"
TABLE_ROWS = 500  # a person reads this many; the download has all

st.title(tr("nav.data_exchange"))
tab_import, tab_export, tab_past = st.tabs(
    [tr("exchange.tab_import"), tr("exchange.tab_export"), tr("exchange.tab_past")]
)


def _file_key(upload) -> tuple[str, str, int] | None:
    """What identifies the uploaded file the page shows: Streamlit's id of the upload, name and size."""
    return None if upload is None else (upload.file_id, upload.name, upload.size)


def _press_import(shown: tuple[str, str, int] | None) -> None:
    # Runs before the page with the uploader's value as of the click: the page then imports only
    # if that is still the file the button was shown for (a file replaced meanwhile is refused).
    st.session_state[K_PENDING] = shown


def _run_import(upload) -> None:
    too_large = upload_too_large(upload.size)
    if too_large is not None:
        st.session_state[K_RESULT] = (upload.name, too_large)
        return
    bar = st.progress(0.0, text=tr("exchange.reading"))

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=tr("exchange.progress", done=done, total=total))

    try:
        st.session_state[K_RESULT] = import_upload(actor, upload.name, upload.getvalue(), progress=progress)
    except Exception as exc:  # noqa: BLE001 - shown by show_error (ours as a message, others logged)
        st.session_state[K_RESULT] = (upload.name, exc)
    bar.empty()


def _import_pressed(upload) -> None:
    """Import the uploaded file if it is the one the pressed button named; else say why not."""
    shown = st.session_state.pop(K_PENDING)
    if upload is None:
        st.session_state[K_RESULT] = (shown[1] if shown else "", UnreadableFile("file removed", "import_gone"))
    elif _file_key(upload) != shown:
        changed = UnreadableFile("file changed", "import_changed", file=shown[1] if shown else upload.name)
        st.session_state[K_RESULT] = (upload.name, changed)
    else:
        _run_import(upload)


def _result_message(result: ImportResult) -> None:
    """What happened to the file's declarations, naming the file: none, some or all rejected."""
    counts = result.counts
    total = sum(counts.values())
    name = as_text(result.file_name)
    if total == 0:
        st.info(tr("exchange.result_empty", file=name), icon=":material/info:")
    elif counts["rejected"] == total:
        st.error(tr("exchange.result_all_rejected", file=name, n=total), icon=":material/rule:")
    elif counts["rejected"]:
        ok = total - counts["rejected"]
        text = tr("exchange.result_some_rejected", file=name, n=counts["rejected"], total=total, ok=ok)
        st.warning(text, icon=":material/rule:")
    else:
        st.success(
            tr("exchange.result_none_rejected", file=name, total=total, **{s: counts[s] for s in counts}),
            icon=":material/task_alt:",
        )


def _render_report(result: ImportResult) -> None:
    counts = result.counts
    cols = st.columns(4)
    for col, status in zip(cols, ("accepted", "updated", "unchanged", "rejected"), strict=True):
        col.metric(tr(f"exchange.status_{status}"), fmt_number(lang(), counts[status]))
    if result.batches_skipped:
        st.info(tr("exchange.skipped", skipped=result.batches_skipped, batches=result.batches))
    if result.unknown_headers:
        st.caption(tr("exchange.unknown_headers", headers=", ".join(as_text(h) for h in result.unknown_headers)))
    _result_message(result)
    statuses = ["rejected", "accepted", "updated", "unchanged"]
    chosen = st.segmented_control(
        tr("exchange.show"),
        statuses,
        default="rejected" if counts["rejected"] else "accepted",
        format_func=lambda s: tr(f"exchange.status_{s}"),
        key=K_STATUS,
    )
    shown = [e for e in result.entries if chosen is None or e.status == chosen]
    table = [
        {
            tr("exchange.col_row"): e.row,
            tr("exchange.col_declaration"): e.declaration_id,
            tr("exchange.col_status"): tr(f"exchange.status_{e.status}"),
            tr("exchange.col_column"): e.column,
            tr("exchange.col_reason"): reason_text(lang(), e),
        }
        for e in shown[:TABLE_ROWS]
    ]
    st.dataframe(table, hide_index=True, width="stretch", key="exchange.report_table")
    if len(shown) > TABLE_ROWS:
        st.caption(tr("exchange.table_cut", shown=TABLE_ROWS, total=len(shown)))
    st.download_button(
        tr("exchange.download_report"),
        data=report_csv(result.entries),
        file_name=f"report-{result.file_name.rsplit('.', 1)[0]}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="exchange.download_report",
    )


with tab_import:
    st.caption(tr("exchange.import_help"))
    upload = st.file_uploader(
        tr("exchange.upload", mb=upload_limit_mb()),
        type=["csv", "xlsx", "json", "jsonl", "txt"],
        max_upload_size=upload_limit_mb(),
        key=K_UPLOAD,
    )
    if K_PENDING in st.session_state:
        _import_pressed(upload)
    st.button(
        tr("exchange.import_file", file=as_text(upload.name)) if upload is not None else tr("exchange.import"),
        key=K_IMPORT,
        type="primary",
        disabled=upload is None,
        icon=":material/upload:",
        on_click=_press_import,
        args=(_file_key(upload),),
    )
    result = st.session_state.get(K_RESULT)
    if isinstance(result, tuple):
        name, error = result
        if isinstance(error, UnreadableFile):
            st.error(file_error_text(name, error), icon=":material/error:")
        else:
            show_error(error)
    elif result is not None:
        st.subheader(tr("exchange.report_title", file=as_text(result.file_name)))
        _render_report(result)


def _prepare_export() -> None:
    start = datetime.combine(st.session_state[K_EXPORT_FROM], time.min, tzinfo=UTC)
    end = datetime.combine(st.session_state[K_EXPORT_TO], time.min, tzinfo=UTC) + timedelta(days=1)
    fmt = st.session_state[K_EXPORT_FORMAT]
    out = io.StringIO()
    try:
        count = export_period(actor, start, end, fmt, out)
    except Exception as exc:  # noqa: BLE001
        st.session_state[K_EXPORT_FILE] = exc
        return
    name = f"portsight-results-{start:%Y%m%d}-{end - timedelta(days=1):%Y%m%d}.{fmt}"
    st.session_state[K_EXPORT_FILE] = (name, out.getvalue().encode("utf-8"), count)


with tab_export:
    st.caption(tr("exchange.export_help"))
    today = date.today()
    c1, c2, c3 = st.columns(3)
    c1.date_input(tr("exchange.export_from"), value=today - timedelta(days=7), key=K_EXPORT_FROM)
    c2.date_input(tr("exchange.export_to"), value=today, key=K_EXPORT_TO)
    c3.selectbox(tr("exchange.export_format"), ["jsonl", "csv"], key=K_EXPORT_FORMAT)
    st.button(tr("exchange.export_prepare"), key=K_EXPORT_PREPARE, on_click=_prepare_export, icon=":material/sync:")
    prepared = st.session_state.get(K_EXPORT_FILE)
    if isinstance(prepared, Exception):
        show_error(prepared)
    elif prepared is not None:
        name, payload, count = prepared
        st.download_button(
            tr("exchange.download_export", n=count),
            data=payload,
            file_name=name,
            icon=":material/download:",
            key="exchange.download_export",
        )
    try:
        cursor = last_export_cursor()
    except Exception as exc:  # noqa: BLE001
        show_error(exc)
    else:
        st.caption(tr("exchange.cursor_note", cursor=cursor))


def _past_report(sha: str):
    """The stored report of an earlier import, built only when its download is clicked."""
    return lambda: past_report_csv(sha)


with tab_past:
    try:
        past = load_past_imports(actor)
    except Exception as exc:  # noqa: BLE001
        show_error(exc)
        past = []
    if not past:
        st.info(tr("exchange.no_past"))
    for item in past:
        label = tr(
            "exchange.past_line",
            file=as_text(item["file_name"]),
            when=fmt_datetime(lang(), item["last_at"]),
            accepted=item["accepted"],
            updated=item["updated"],
            unchanged=item["unchanged"],
            rejected=item["rejected"],
        )
        c1, c2 = st.columns([4, 1])
        c1.write(label)
        c1.caption(
            tr(
                "exchange.past_detail",
                by=as_text(item["imported_by"]),
                batches=item["batches"],
                sha=item["file_sha256"][:12],
            )
        )
        c2.download_button(
            tr("exchange.download_report"),
            data=_past_report(item["file_sha256"]),
            file_name=f"report-{item['file_name'].rsplit('.', 1)[0]}.csv",
            mime="text/csv",
            key=f"{K_PAST}.{item['file_sha256']}",
            icon=":material/download:",
        )
