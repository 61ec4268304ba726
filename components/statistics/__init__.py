"""The statistics page's area: its cached readers and the weekly report (``data``) and charts."""
