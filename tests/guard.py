"""The test session touches only a database and a Redis db that it created or claimed before.

The fixtures drop every table and flush Redis. A database or Redis db is claimed by a marker
(a table, a key) on first use, and only when it holds no data yet; one that holds data without
the marker is someone's real data, and the session stops before touching it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, inspect, select

GUARD_TABLE = "coalition_test_guard"
GUARD_KEY = "coalition-tests:guard"

_guard_metadata = MetaData()
_guard_table = Table(GUARD_TABLE, _guard_metadata, Column("id", Integer, primary_key=True))


class ForeignData(Exception):
    """The database or Redis db holds data that the tests did not create."""


def claim_database(engine) -> None:
    """Mark the database as the tests' own, or raise ForeignData if it holds someone's data."""
    with engine.begin() as connection:
        tables = inspect(connection).get_table_names()
        if GUARD_TABLE in tables:
            return
        for name in tables:
            table = Table(name, MetaData())
            if connection.execute(select(func.count()).select_from(table)).scalar_one():
                raise ForeignData(
                    f"{engine.url.render_as_string(hide_password=True)} holds data the tests did not "
                    f"create (table {name}). Name an empty database for tests in TEST_DATABASE_URL."
                )
        _guard_table.create(connection)


def claim_redis(redis) -> None:
    """Mark the Redis db as the tests' own, or raise ForeignData if it holds someone's keys."""
    if not redis.exists(GUARD_KEY) and redis.dbsize():
        kwargs = redis.connection_pool.connection_kwargs
        raise ForeignData(
            f"Redis db {kwargs.get('db', 0)} at {kwargs.get('host')}:{kwargs.get('port')} holds keys "
            "the tests did not create. Name an empty Redis db for tests in TEST_REDIS_URL."
        )
    empty_redis(redis)


def empty_redis(redis) -> None:
    """What the session leaves behind: nothing but the marker."""
    redis.flushdb()
    redis.set(GUARD_KEY, "1")


def refuse(error: ForeignData) -> None:
    pytest.exit(f"Refusing to run the tests: {error}", returncode=4)
