"""The home page's area: its cached readers (``data``) and charts."""
