"""The inspections list's area: its cached readers and exports (``data``)."""
