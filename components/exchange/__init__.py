"""The data exchange page's area: import, report and export wrappers (``data``)."""
