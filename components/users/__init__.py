"""The administrator's users page area: its cached reader and write wrappers (``data``)."""
