"""Alembic environment: the URL comes from portsight.db.migrate.alembic_config."""

from alembic import context
from sqlalchemy import pool

from portsight.db.models import Base
from portsight.db.session import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("No database URL in the Alembic config; run `python -m portsight db upgrade`.")
    engine = make_engine(url, statement_timeout=0, poolclass=pool.NullPool)  # a migration may run long
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `python -m portsight db upgrade`.")
run_migrations_online()
