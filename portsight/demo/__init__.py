"""Demo data: the deterministic history seed (`seed.seed_demo`) and the live simulator (`simulator`)."""
