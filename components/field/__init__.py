"""The field inspection page's area: its readers and write wrappers (``data``)."""
