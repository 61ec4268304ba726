"""The administration page's readers and writers: ports and enterprises' dated credit tiers."""
