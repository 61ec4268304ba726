"""Persistence: models, engine and unit of work. All SQL in the project lives here and in portsight.queries."""
