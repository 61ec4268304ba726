"""The alerts page's area: its cached readers and write wrappers (``data``) and the sidebar's open-alert badge."""
