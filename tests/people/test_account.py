"""The account page: TOTP with recovery codes, a new password, sign out everywhere; limits on
failed sign-ins; idle and absolute session lifetimes."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from tests import factories
from tests.conftest import form_token, sign_in_client


@pytest.fixture
def person(db_session, member):
    found = factories.person(member, email="tomas@example.org")
    db_session.commit()
    return found


def post_form(client, path: str, page_path: str = "/account", **data):
    return client.post(path, data={"csrf_token": form_token(client.get(page_path).text), **data})


def turn_on_totp(client) -> tuple[pyotp.TOTP, list[str]]:
    setup = post_form(client, "/account/totp")
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', setup.text).group(1)
    app = pyotp.TOTP(secret)
    wrong = client.post("/account/totp/confirm", data={"csrf_token": form_token(setup.text), "code": "000000"})
    assert wrong.status_code == 422
    done = client.post("/account/totp/confirm", data={"csrf_token": form_token(wrong.text), "code": app.now()})
    assert done.status_code == 200
    return app, re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", done.text)


def test_totp_asks_for_a_code_refuses_wrong_and_reused_ones(app, client, person):
    sign_in_client(client, person)
    authenticator, recovery = turn_on_totp(client)
    assert len(recovery) == 10
    other = app.test_client()
    step = sign_in_client(other, person)
    assert step.status_code == 200 and 'id="code"' in step.text
    assert other.get("/account").status_code == 302
    wrong = other.post("/login/code", data={"csrf_token": form_token(step.text), "code": "123456"})
    assert wrong.status_code == 401 and other.get("/account").status_code == 302
    code = authenticator.now()
    right = other.post("/login/code", data={"csrf_token": form_token(wrong.text), "code": code})
    assert right.status_code == 303 and other.get("/account").status_code == 200
    third = app.test_client()
    step = sign_in_client(third, person)
    replayed = third.post("/login/code", data={"csrf_token": form_token(step.text), "code": code})
    assert replayed.status_code == 401


def test_a_recovery_code_signs_in_once(app, client, person):
    sign_in_client(client, person)
    _authenticator, recovery = turn_on_totp(client)
    for expected in (303, 401):
        other = app.test_client()
        step = sign_in_client(other, person)
        answer = other.post("/login/code", data={"csrf_token": form_token(step.text), "code": recovery[0]})
        assert answer.status_code == expected


def test_a_new_password_ends_the_other_sessions(app, client, person):
    sign_in_client(client, person)
    other = app.test_client()
    sign_in_client(other, person)
    weak = post_form(client, "/account/password", current=factories.DEFAULT_PASSWORD,
                     password="qwertyuiop12", confirmation="qwertyuiop12")
    assert weak.status_code == 422 and "too common" in weak.text
    changed = post_form(client, "/account/password", current=factories.DEFAULT_PASSWORD,
                        password="a brand new long phrase", confirmation="a brand new long phrase")
    assert changed.status_code == 200
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert sign_in_client(app.test_client(), person, "a brand new long phrase").status_code == 303


def test_sign_out_everywhere_ends_every_session(app, client, person):
    sign_in_client(client, person)
    other = app.test_client()
    sign_in_client(other, person)
    assert post_form(client, "/account/sign-out-everywhere").status_code == 303
    assert client.get("/account").status_code == 302 and other.get("/account").status_code == 302


def test_failed_sign_ins_are_limited_per_account_whatever_the_network(app, client, person, configure):
    configure(ratelimit_enabled=True, ratelimit_sign_in="3 per minute")
    for number in range(3):
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"
        assert sign_in_client(client, person, password="wrong password here").status_code == 401
    client.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    refused = sign_in_client(client, person)
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    assert client.get("/account").status_code == 302


def test_an_unknown_e_mail_is_limited_like_a_known_one(client, configure):
    configure(ratelimit_enabled=True, ratelimit_sign_in="2 per minute")
    answers = []
    for _ in range(3):
        token = form_token(client.get("/login").text)
        answers.append(client.post("/login", data={"csrf_token": token, "email": "nobody@example.org",
                                                   "password": "wrong password here"}).status_code)
    assert answers == [401, 401, 429]


def test_failed_sign_ins_are_limited_per_network(app, db_session, member, configure):
    configure(ratelimit_enabled=True, ratelimit_sign_in_network="2 per minute")
    people = [factories.person(member) for _ in range(3)]
    db_session.commit()
    answers = []
    for number, person in enumerate(people):
        http = app.test_client()
        http.environ_base["REMOTE_ADDR"] = f"203.0.113.{number + 1}"
        answers.append(sign_in_client(http, person, password="wrong password here").status_code)
    assert answers == [401, 401, 429]


def test_an_idle_session_ends(client, person, monkeypatch):
    monkeypatch.setattr(client.application.session_interface, "idle", 60)
    sign_in_client(client, person)
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/account").status_code == 302


def test_a_session_ends_after_its_lifetime_even_when_used(client, person, monkeypatch):
    interface = client.application.session_interface
    monkeypatch.setattr(interface, "lifetime", 120)
    sign_in_client(client, person)
    start = time.time()
    for offset in (50, 100):
        monkeypatch.setattr(time, "time", lambda offset=offset: start + offset)
        assert client.get("/account").status_code == 200
    monkeypatch.setattr(time, "time", lambda: start + 121)
    assert client.get("/account").status_code == 302


def test_housekeeping_removes_expired_sessions(client, person, db_session, monkeypatch):
    from sqlalchemy import select

    from coalition import housekeeping
    from coalition.people.models import StoredSession

    if client.application.extensions["coalition.redis"] is not None:
        pytest.skip("Redis expires its own sessions")
    sign_in_client(client, person)
    assert housekeeping.run_housekeeping()["page_sessions"] == 0
    for stored in db_session.scalars(select(StoredSession)):
        stored.expires_at = stored.expires_at.replace(year=2000)
    db_session.flush()
    assert housekeeping.run_housekeeping()["page_sessions"] >= 1
    assert client.get("/account").status_code == 302
