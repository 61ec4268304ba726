"""The risk profiles page's area: its cached readers and write wrappers (``data``)."""
