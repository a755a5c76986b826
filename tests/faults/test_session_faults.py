"""Page sessions live in Redis: with Redis down, the pages that need one say so clearly (503),
never a 500, and pages that need none keep working."""

from __future__ import annotations

from coalition.extensions import db
from tests import factories
from tests.conftest import sign_in_client


def test_with_redis_down_sign_in_pages_answer_a_clear_503(fault_app, own_redis):
    person = factories.person(factories.make_organization())
    db.session.commit()
    http = fault_app.test_client()
    assert sign_in_client(http, person).status_code == 303
    assert http.get("/account").status_code == 200
    own_redis.stop()
    for path in ("/account", "/login"):
        answer = http.get(path)
        assert answer.status_code == 503 and answer.mimetype == "text/html"
        assert "Signing in is unavailable for a moment" in answer.text
    assert fault_app.test_client().get("/login").status_code == 503
    assert http.get("/").status_code == 200
    own_redis.start()
    assert sign_in_client(fault_app.test_client(), person).status_code == 303
