"""Alembic environment: the metadata of every domain's models, on the configured database."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from coalition.models import metadata

config = context.config


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                         prefix="sqlalchemy.", poolclass=pool.NullPool)
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:
    # Batch mode lets SQLite alter tables by copying them. A transaction per revision, as a
    # revision that backfills on a live database commits as it goes (0008).
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
