"""People through the API: invitations with single-use links, roles capped like clients',
removal that ends sessions and tokens at once."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from coalition.db import utcnow
from coalition.people.models import Invitation
from tests import factories
from tests.conftest import form_token, sign_in_client

NEW_PASSWORD = "seven lanterns over the harbour"


@pytest.fixture
def admin(auth_headers, coordinator):
    return auth_headers(coordinator, "admin")


def invite(client, admin, organization, **fields):
    body = {"email": "Ines@Example.org", "display_name": "Inês Martins", "role": "translator",
            "locales": ["pt"], **fields}
    return client.post(f"/api/v1/organizations/{organization.slug}/people", json=body, headers=admin)


def accept(client, url: str, password: str = NEW_PASSWORD, confirmation: str | None = None):
    path = urlsplit(url).path
    page = client.get(path)
    return client.post(path, data={"csrf_token": form_token(page.text), "password": password,
                                   "confirmation": password if confirmation is None else confirmation})


def test_an_invitation_leads_to_a_password_and_a_session(client, admin, member, configure):
    configure(public_url="https://hub.example.org")
    answer = invite(client, admin, member)
    assert answer.status_code == 201, answer.get_json()
    person = answer.get_json()
    assert person["email"] == "ines@example.org" and person["status"] == "invited"
    assert person["invitation_url"].startswith("https://hub.example.org/invitations/")
    assert "password" not in str(person).lower()
    accepted = accept(client, person["invitation_url"])
    assert accepted.status_code == 303 and accepted.headers["Location"].startswith("/account")
    assert "Inês Martins" in client.get("/account").text
    listed = client.get(f"/api/v1/organizations/{member.slug}/people", headers=admin).get_json()
    assert [(p["id"], p["status"]) for p in listed["items"]] == [(person["id"], "active")]
    assert "invitation_url" not in listed["items"][0]


def test_an_invitation_works_once(app, client, admin, member):
    url = invite(client, admin, member).get_json()["invitation_url"]
    assert accept(client, url).status_code == 303
    again = app.test_client().get(urlsplit(url).path)
    assert again.status_code == 410 and "expired or was already used" in again.text


def test_an_expired_invitation_is_refused(client, admin, member, db_session):
    url = invite(client, admin, member).get_json()["invitation_url"]
    for invitation in db_session.scalars(select(Invitation)):
        invitation.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()
    assert client.get(urlsplit(url).path).status_code == 410


def test_a_new_invitation_ends_the_old_link(client, admin, member):
    person = invite(client, admin, member).get_json()
    again = client.post(f"/api/v1/organizations/{member.slug}/people/{person['id']}/invitation", headers=admin)
    assert again.status_code == 201
    assert client.get(urlsplit(person["invitation_url"]).path).status_code == 410
    assert client.get(urlsplit(again.get_json()["invitation_url"]).path).status_code == 200


@pytest.mark.parametrize(("password", "confirmation", "message"), [
    ("short pass", None, "at least 12 characters"),
    ("password1234", None, "too common"),
    ("ines@example.org", None, "e-mail address or name"),
    (NEW_PASSWORD, "something else entirely", "The two passwords differ."),
])
def test_weak_or_mistyped_passwords_are_refused_and_the_link_still_works(client, admin, member, password,
                                                                          confirmation, message):
    url = invite(client, admin, member).get_json()["invitation_url"]
    refused = accept(client, url, password, confirmation)
    assert refused.status_code == 422 and message in refused.text
    assert client.get("/account").status_code == 302
    assert accept(client, url).status_code == 303


def test_only_coordinator_organizations_have_coordinators(client, admin, member, coordinator):
    refused = invite(client, admin, member, role="coordinator", locales=None)
    assert refused.status_code == 422 and "role" in refused.get_json()["errors"]
    assert invite(client, admin, coordinator, role="coordinator", locales=None).status_code == 201


def test_the_same_e_mail_cannot_be_invited_twice(client, admin, member):
    assert invite(client, admin, member).status_code == 201
    assert invite(client, admin, member, email="ines@EXAMPLE.org").status_code == 409


def test_people_need_admin(client, auth_headers, member):
    headers = auth_headers(member, "campaigns:read")
    assert client.get(f"/api/v1/organizations/{member.slug}/people", headers=headers).status_code == 403
    assert invite(client, headers, member).status_code == 403


def test_a_change_of_role_applies_to_the_open_session(client, admin, member, db_session):
    person = factories.person(member, role="member")
    db_session.commit()
    sign_in_client(client, person)
    answer = client.patch(f"/api/v1/organizations/{member.slug}/people/{person.id}",
                          json={"role": "translator", "locales": ["de"], "locale": "de"}, headers=admin)
    assert answer.status_code == 200 and answer.get_json()["locales"] == ["de"]
    assert '<html lang="de">' in client.get("/account").text


def test_a_person_of_another_organization_is_not_found(client, admin, member, coordinator, db_session):
    person = factories.person(member)
    db_session.commit()
    assert client.get(f"/api/v1/organizations/{coordinator.slug}/people/{person.id}",
                      headers=admin).status_code == 404


def test_removing_a_person_ends_their_session_at_once(client, admin, member, db_session):
    person = factories.person(member)
    db_session.commit()
    sign_in_client(client, person)
    assert client.get("/account").status_code == 200
    assert client.delete(f"/api/v1/organizations/{member.slug}/people/{person.id}", headers=admin).status_code == 204
    assert client.get("/account").status_code == 302
    assert client.get(f"/api/v1/organizations/{member.slug}/people/{person.id}", headers=admin).status_code == 404
