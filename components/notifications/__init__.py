"""The notifications page's readers and write wrappers (components/notifications/data.py)."""
