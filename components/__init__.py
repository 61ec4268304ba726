"""UI pieces shared by app.py and the pages (Streamlit lives here and in views/, never in portsight/).

What a page uses:
    from components.state import require_page, tr, current_scope   # guard, i18n, port scope
    from components.data import get_engine, get_settings             # shared engine and settings
    from components.widgets import show_error                        # project errors -> st.error
"""
