"""Use cases: each write is one verb_object function and one transaction."""
