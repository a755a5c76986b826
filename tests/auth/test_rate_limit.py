"""The token endpoint is rate-limited per client and per address, with a problem+json 429."""

import os
import random

import pytest

from coalition.db import Base
from coalition.extensions import db
from tests import factories
from tests.conftest import basic_auth, make_test_app

STORAGES = {"memory": ""}
if os.environ.get("TEST_REDIS_URL"):
    STORAGES["redis"] = os.environ["TEST_REDIS_URL"]


def fresh_address() -> str:
    """Limits in Redis outlive a test run by a minute: every run uses addresses of its own."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture(params=list(STORAGES))
def limited_app(request):
    """A fresh app (limits are per app) on its own in-memory database, limits in memory or Redis."""
    app = make_test_app("sqlite", redis_url=STORAGES[request.param],
                        ratelimit_enabled=True, ratelimit_token="3 per minute")
    with app.app_context():
        Base.metadata.create_all(db.engine)
        organization = factories.make_organization()
        first, first_secret = factories.make_client(organization, "campaigns:read")
        second, second_secret = factories.make_client(organization, "campaigns:read")
        db.commit()
        app.credentials = [(first.client_id, first_secret), (second.client_id, second_secret)]
        yield app
        db.session.remove()
        db.engine.dispose()


def request_token(test_client, client_id, secret, address):
    return test_client.post("/oauth/token", data={"grant_type": "client_credentials"},
                            headers=basic_auth(client_id, secret), environ_base={"REMOTE_ADDR": address})


def test_a_client_is_limited_whatever_its_address(limited_app):
    test_client = limited_app.test_client()
    (client_id, secret), _ = limited_app.credentials
    answers = [request_token(test_client, client_id, secret, fresh_address()).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_an_address_is_limited_whatever_the_client(limited_app):
    test_client = limited_app.test_client()
    first, second = limited_app.credentials
    address = fresh_address()
    answers = [request_token(test_client, *first, address).status_code for _ in range(2)]
    answers += [request_token(test_client, *second, address).status_code for _ in range(2)]
    assert answers == [200, 200, 200, 429]
    assert request_token(test_client, *second, fresh_address()).status_code == 200


def test_wrong_secrets_count_too_and_the_429_is_a_problem_with_retry_after(limited_app):
    test_client = limited_app.test_client()
    (client_id, _secret), _ = limited_app.credentials
    address = fresh_address()
    for _ in range(3):
        assert request_token(test_client, client_id, "guess", address).status_code == 401
    response = request_token(test_client, client_id, "guess", address)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["status"] == 429


def test_limits_are_off_when_disabled(client, db_session, member):
    oauth_client, secret = factories.make_client(member, "campaigns:read")
    db_session.commit()
    answers = {request_token(client, oauth_client.client_id, secret, "192.0.2.1").status_code for _ in range(40)}
    assert answers == {200}
