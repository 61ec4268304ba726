"""The enterprise page's area: its cached readers (``data``) and its chart (``charts``)."""
