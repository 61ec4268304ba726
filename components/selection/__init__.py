"""The selection and roster pages' area: their cached readers and write wrappers (``data``) and charts."""
