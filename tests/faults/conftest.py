"""Faults on purpose: a Redis server of the test's own (stopped, frozen, restarted) and an app on it.

The app shares the suite's PostgreSQL database and commits for real, as a deployment does; the
fixture empties every table afterwards.
"""

from __future__ import annotations

import os

import pytest

from coalition.db import Base
from coalition.extensions import db
from tests.conftest import make_test_app

# The fault app's database connections carry this name, so a test can terminate only them.
APPLICATION_NAME = "coalition-fault-test"


@pytest.fixture
def fault_app(_app, backend, own_redis, tmp_path):
    """An app on the suite's database and on `own_redis`, committing for real."""
    if backend != "postgresql":
        pytest.skip("needs PostgreSQL")
    url = os.environ["TEST_DATABASE_URL"]
    url += ("&" if "?" in url else "?") + f"application_name={APPLICATION_NAME}"
    app = make_test_app(backend, database_url=url, redis_url=own_redis.url, instance_path=tmp_path / "instance")
    with app.app_context():
        db.session.remove()
        try:
            yield app
        finally:
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(Base.metadata.sorted_tables):
                    connection.execute(table.delete())
            db.engine.dispose()
