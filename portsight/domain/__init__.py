"""Pure domain logic: no database, no Streamlit, no pandas."""
