"""The rules page's area: its cached readers, write wrappers and catalogue helpers (``data``) and charts."""
