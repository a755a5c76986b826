"""Fixtures: an app per available backend, a client, one rolled-back transaction per test, tokens.

The suite runs on the embedded default (SQLite, in-process cache, inline jobs) and, when
TEST_DATABASE_URL and TEST_REDIS_URL are set (scripts/test sets them when the servers answer),
again on PostgreSQL with Redis. Tests that need one backend use the `postgres_only` marker or
the `backend` fixture.
"""

from __future__ import annotations

import base64
import os
from dataclasses import replace

import pytest
from sqlalchemy import text

from coalition import create_app
from coalition.config import Config
from coalition.db import Base
from coalition.extensions import db
from tests import factories, guard

BACKENDS = {"sqlite": {"database_url": "sqlite://", "redis_url": ""}}
if os.environ.get("TEST_DATABASE_URL"):
    BACKENDS["postgresql"] = {
        "database_url": os.environ["TEST_DATABASE_URL"],
        "redis_url": os.environ.get("TEST_REDIS_URL", ""),
    }


def make_test_app(backend: str, **overrides):
    settings = {**BACKENDS[backend], **overrides}
    return create_app(Config.for_tests(**settings))


@pytest.fixture(scope="session", params=list(BACKENDS))
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def _app(backend, tmp_path_factory):
    app = make_test_app(backend, instance_path=tmp_path_factory.mktemp(f"instance-{backend}"))
    with app.app_context():
        redis = app.extensions["coalition.redis"]
        try:
            guard.claim_database(db.engine)
            if redis is not None:
                guard.claim_redis(redis)
        except guard.ForeignData as error:
            guard.refuse(error)
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
    yield app
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        if redis is not None:
            guard.empty_redis(redis)
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _skip_by_backend(request):
    if "backend" not in request.fixturenames:
        return  # a pure unit test runs once, not once per backend
    backend = request.getfixturevalue("backend")
    if request.node.get_closest_marker("postgres_only") and backend != "postgresql":
        pytest.skip("needs PostgreSQL")
    if request.node.get_closest_marker("redis") and not BACKENDS[backend]["redis_url"]:
        pytest.skip("needs Redis")


@pytest.fixture
def app(_app):
    with _app.app_context():
        yield _app


@pytest.fixture
def db_session(app):
    """One transaction per test, rolled back at the end; requests commit savepoints inside it."""
    connection = db.engine.connect()
    transaction = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session.configure(bind=None)
        transaction.rollback()
        connection.close()


@pytest.fixture
def committed_db(app):
    """For tests that need real commits (several threads or processes): empties every table after."""
    db.session.remove()
    yield db.session
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def client(app, db_session):
    return app.test_client()


def basic_auth(client_id: str, secret: str) -> dict:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def obtain_token(test_client, client_id: str, secret: str, scope: str | None = None) -> str:
    """An access token from the real token endpoint."""
    form = {"grant_type": "client_credentials"}
    if scope:
        form["scope"] = scope
    response = test_client.post("/oauth/token", data=form, headers=basic_auth(client_id, secret))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


@pytest.fixture
def auth_headers(client, db_session):
    """`auth_headers(org, scopes, locales=None)` → Authorization headers for a new client of `org`."""

    def make(organization, scopes, locales=None) -> dict:
        oauth_client, secret = factories.make_client(organization, scopes, locales)
        db_session.commit()
        token = obtain_token(client, oauth_client.client_id, secret)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def coordinator(db_session):
    return factories.make_organization(role="coordinator")


@pytest.fixture
def member(db_session):
    return factories.make_organization()


def table_counts(*tables: str) -> dict[str, int]:
    return {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


@pytest.fixture
def configure(app, monkeypatch):
    """`configure(**values)`: change the app's configuration for this test only."""

    def change(**values):
        monkeypatch.setitem(app.extensions, "coalition.config",
                            replace(app.extensions["coalition.config"], **values))
        client = app.extensions.pop("coalition.outbound", None)
        if client is not None:
            client.close()

    yield change
    client = app.extensions.pop("coalition.outbound", None)
    if client is not None:
        client.close()


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own, to stop, freeze and restart at will."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def everything(auth_headers):
    """Headers of a coordinator client holding every scope."""
    from coalition.auth.scopes import SCOPES

    return auth_headers(factories.make_organization(role="coordinator"), list(SCOPES))


def form_token(page_html: str) -> str:
    """The CSRF token of the first form on a page."""
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in_client(test_client, person, password: str = factories.DEFAULT_PASSWORD, next_page: str = ""):
    """Sign `person` in on the test client through the login form; the answer to the form."""
    token = form_token(test_client.get("/login").text)
    return test_client.post("/login", data={"csrf_token": token, "email": person.email,
                                            "password": password, "next": next_page})


@pytest.fixture
def sign_in(db_session):
    """`sign_in(client, person, password=factories.DEFAULT_PASSWORD)`: the client is then signed in."""

    def run(test_client, person, password: str = factories.DEFAULT_PASSWORD):
        db_session.commit()
        answer = sign_in_client(test_client, person, password)
        assert answer.status_code == 303, answer.text
        return answer

    return run
