"""The test session never touches data it did not create: DATABASE_URL and REDIS_URL are ignored,
and a database or Redis db holding someone's data is refused."""

import pytest
from sqlalchemy import create_engine, inspect, text

from coalition.config import Config
from tests.guard import GUARD_KEY, GUARD_TABLE, ForeignData, claim_database, claim_redis


def test_test_settings_never_read_the_developers_database_or_redis(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/coalition")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    config = Config.for_tests()
    assert config.database_url == "sqlite://"
    assert config.redis_url == ""


def test_a_database_holding_data_without_the_marker_is_refused_and_left_as_it_was(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'someones.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE campaigns (slug TEXT)"))
        connection.execute(text("INSERT INTO campaigns VALUES ('reclaim-your-face')"))
    with pytest.raises(ForeignData, match="campaigns"):
        claim_database(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT slug FROM campaigns")).scalars().all() == ["reclaim-your-face"]
        assert GUARD_TABLE not in inspect(connection).get_table_names()


def test_an_empty_database_is_claimed_and_then_stays_the_tests_own(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE leftover (id INTEGER)"))
    claim_database(engine)
    with engine.begin() as connection:
        assert GUARD_TABLE in inspect(connection).get_table_names()
        connection.execute(text("INSERT INTO leftover VALUES (1)"))  # an interrupted run's rows
    claim_database(engine)


@pytest.mark.redis
def test_a_redis_db_holding_keys_without_the_marker_is_refused(app, backend):
    redis = app.extensions["coalition.redis"]
    redis.delete(GUARD_KEY)
    redis.set("someones:data", "kept")
    try:
        with pytest.raises(ForeignData, match="TEST_REDIS_URL"):
            claim_redis(redis)
        assert redis.get("someones:data") == b"kept"
    finally:
        redis.delete("someones:data")
        redis.set(GUARD_KEY, "1")
