"""Signing in and out on the pages: server-side sessions, CSRF on every form, one error for
every wrong credential, the person's language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coalition.audit.models import AuditEntry
from coalition.extensions import db
from coalition.people.session_store import COOKIE_NAME
from tests import factories
from tests.conftest import form_token, sign_in_client


@pytest.fixture
def person(db_session, member):
    found = factories.person(member, display_name="Ana Example", email="ana@example.org")
    db_session.commit()
    return found


def test_a_person_signs_in_sees_their_name_and_signs_out(client, person):
    answer = sign_in_client(client, person, next_page="/account")
    assert answer.status_code == 303 and answer.headers["Location"] == "/account"
    account = client.get("/account")
    assert account.status_code == 200 and "Ana Example" in account.text and "ana@example.org" in account.text
    logout = client.post("/logout", data={"csrf_token": form_token(account.text)})
    assert logout.status_code == 303
    assert client.get("/account").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site(client, person):
    answer = sign_in_client(client, person)
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(COOKIE_NAME + "=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The test app serves plain HTTP on loopback: a developer's machine, where Secure cannot work.
    assert "Secure" not in cookie


def test_the_cookie_is_secure_outside_loopback_http():
    from coalition.people.session_store import secure_cookies

    assert secure_cookies("https://hub.example.org") and secure_cookies("http://hub.example.org")
    assert not secure_cookies("http://127.0.0.1:5000") and not secure_cookies("http://localhost:8000")


def test_the_cookie_holds_an_id_only_and_signing_in_gives_a_new_one(client, person):
    client.get("/login")
    before = client.get_cookie(COOKIE_NAME).value
    sign_in_client(client, person)
    after = client.get_cookie(COOKIE_NAME).value
    assert before != after and person.id not in after and "." not in after


def test_a_wrong_password_and_an_unknown_e_mail_get_the_same_answer(client, person):
    wrong = sign_in_client(client, person, password="not the password at all")
    unknown = client.post("/login", data={"csrf_token": form_token(client.get("/login").text),
                                          "email": "nobody@example.org", "password": "not the password at all"})
    assert wrong.status_code == unknown.status_code == 401
    assert "The e-mail address or the password is wrong." in wrong.text
    def page(answer, email):
        return answer.text.replace(email, "X").replace(form_token(answer.text), "TOKEN")

    assert page(wrong, "ana@example.org") == page(unknown, "nobody@example.org")
    assert client.get("/account").status_code == 302


def test_a_form_without_or_with_a_forged_csrf_token_is_refused(client, person):
    client.get("/login")
    for token in (None, "forged"):
        data = {"email": person.email, "password": factories.DEFAULT_PASSWORD}
        if token:
            data["csrf_token"] = token
        answer = client.post("/login", data=data)
        assert answer.status_code == 400 and answer.mimetype == "text/html"
        assert "did not come from this site" in answer.text
    assert client.get("/account").status_code == 302


def test_a_token_of_another_session_is_refused(app, client, person):
    other = app.test_client()
    token = form_token(other.get("/login").text)
    client.get("/login")
    answer = client.post("/login", data={"csrf_token": token, "email": person.email,
                                         "password": factories.DEFAULT_PASSWORD})
    assert answer.status_code == 400


def test_api_routes_need_no_csrf_token(client, auth_headers, coordinator):
    headers = auth_headers(coordinator, "admin")
    answer = client.post("/api/v1/organizations", json={"slug": "no-csrf", "name": "No CSRF"}, headers=headers)
    assert answer.status_code == 201


def test_sign_out_needs_the_form_token(client, person):
    sign_in_client(client, person)
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200


def test_next_never_leads_to_another_site(client, person):
    for target in ("https://evil.example", "//evil.example", "/\\evil.example"):
        answer = sign_in_client(client, person, next_page=target)
        assert answer.headers["Location"] == "/"


def test_a_page_needing_sign_in_sends_to_login_and_back(client, person):
    answer = client.get("/account?x=1")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login?next=/account?x%3D1"


def test_sign_ins_and_failures_are_audited_with_the_network_only(client, person):
    sign_in_client(client, person, password="wrong wrong wrong")
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    sign_in_client(client, person)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "person")
                                 .order_by(AuditEntry.created_date)).all()
    assert [entry.action for entry in entries] == ["people.sign_in_failed", "people.sign_in"]
    assert entries[1].network == "203.0.113.0/24" and entries[1].object_id == person.id


def test_the_person_s_language_serves_the_pages(client, db_session, member):
    german = factories.person(member, locale="de")
    db_session.commit()
    sign_in_client(client, german)
    assert '<html lang="de">' in client.get("/account", headers={"Accept-Language": "fr"}).text
    assert '<html lang="it">' in client.get("/account?locale=it").text
