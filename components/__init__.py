"""UI glue between the pages and the core (Streamlit lives here and in pages/, never in portsight/).

One package per page area, and the shell around them all:

    shell/           state (session keys, tr, the port scope, the page guard), widgets, login,
                     navigation (the page registry and menu sections), sidebar, runtime (the shared
                     engine and settings, start-up), background (the periodic alert checks)
    home/ overview/ inspections/ alerts/ field/ remote_assist/ selection/ rules/ statistics/
    exchange/ gate/  each with data.py: the page's cached readers (load_<thing>) and the write
                     wrappers that call a service and clear the readers it invalidates; charts.py:
                     pure Plotly builders

What a page uses (its first statement after the imports is `actor = require_page("<key>")`):
    from components.shell.state import require_page, tr, current_scope, scope_key
    from components.shell.widgets import guarded, show_error      # project errors -> st.error
    from components.<feature>.data import load_<thing>, <write>   # its data, never an engine
"""
