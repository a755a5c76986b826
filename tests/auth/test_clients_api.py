"""Clients through the API: created with a secret shown once, rotated, disabled, deleted; and the CLI."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from coalition.auth.models import OAuthClient, hash_secret
from coalition.db import utcnow
from coalition.extensions import db
from tests import factories
from tests.conftest import basic_auth, obtain_token


@pytest.fixture
def admin(auth_headers, coordinator):
    return auth_headers(coordinator, "admin")


def token_request(client, client_id, secret):
    return client.post("/oauth/token", data={"grant_type": "client_credentials"},
                       headers=basic_auth(client_id, secret))


def bearer(client, client_id, secret) -> dict:
    return {"Authorization": f"Bearer {obtain_token(client, client_id, secret)}"}


def create(client, admin, organization, **fields):
    payload = {"name": "Portal", "scopes": ["campaigns:read"], **fields}
    return client.post(f"/api/v1/organizations/{organization.slug}/clients", headers=admin, json=payload)


def test_create_answers_the_secret_once(client, admin, member):
    response = create(client, admin, member, scopes=["campaigns:read", "signatures:write"], locales=["de", "pt_br"])
    assert response.status_code == 201
    body = response.get_json()
    assert body["organization"] == member.slug
    assert body["scopes"] == ["campaigns:read", "signatures:write"]
    assert body["locales"] == ["de", "pt-BR"]
    stored = db.session.scalars(select(OAuthClient).filter_by(client_id=body["client_id"])).one()
    assert stored.secret_hash == hash_secret(body["client_secret"])
    assert token_request(client, body["client_id"], body["client_secret"]).status_code == 200

    shown = client.get(f"/api/v1/clients/{body['client_id']}", headers=admin).get_json()
    assert "client_secret" not in shown
    listed = client.get(f"/api/v1/organizations/{member.slug}/clients", headers=admin).get_json()
    assert [item["client_id"] for item in listed["items"]] == [body["client_id"]]
    assert all("client_secret" not in item for item in listed["items"])


def test_a_member_organization_cannot_hold_coordinator_scopes(client, admin, member):
    response = create(client, admin, member, scopes=["campaigns:read", "metrics:read"])
    assert response.status_code == 422
    assert "scopes" in response.get_json()["errors"]


@pytest.mark.parametrize("fields", [{"scopes": ["nope"]}, {"scopes": []}, {"name": ""},
                                    {"locales": ["not a tag!"]}, {"scopes": "campaigns:read"}])
def test_invalid_client_is_a_422(client, admin, member, fields):
    response = create(client, admin, member, **fields)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_rotation_keeps_the_old_secret_for_the_overlap(client, admin, db_session, member):
    oauth_client, old_secret = factories.make_client(member, "campaigns:read")
    db_session.commit()
    response = client.post(f"/api/v1/clients/{oauth_client.client_id}/rotate", headers=admin)
    assert response.status_code == 200
    body = response.get_json()
    new_secret = body["client_secret"]
    assert new_secret != old_secret and body["previous_secret_expires"].endswith("Z")
    assert token_request(client, oauth_client.client_id, new_secret).status_code == 200
    assert token_request(client, oauth_client.client_id, old_secret).status_code == 200

    db_session.refresh(oauth_client)
    oauth_client.previous_secret_expires = utcnow() - timedelta(seconds=1)
    db_session.commit()
    assert token_request(client, oauth_client.client_id, old_secret).status_code == 401
    assert token_request(client, oauth_client.client_id, new_secret).status_code == 200


def test_rotating_twice_ends_the_oldest_secret(client, admin, db_session, member):
    oauth_client, first = factories.make_client(member, "campaigns:read")
    db_session.commit()
    second = client.post(f"/api/v1/clients/{oauth_client.client_id}/rotate", headers=admin).get_json()
    third = client.post(f"/api/v1/clients/{oauth_client.client_id}/rotate", headers=admin).get_json()
    assert token_request(client, oauth_client.client_id, first).status_code == 401
    assert token_request(client, oauth_client.client_id, second["client_secret"]).status_code == 200
    assert token_request(client, oauth_client.client_id, third["client_secret"]).status_code == 200


def test_revoking_the_previous_secret_ends_it_and_its_tokens_at_once(client, admin, db_session, member):
    oauth_client, old_secret = factories.make_client(member, "campaigns:read")
    db_session.commit()
    leaked = bearer(client, oauth_client.client_id, old_secret)
    new_secret = client.post(f"/api/v1/clients/{oauth_client.client_id}/rotate", headers=admin).get_json()["client_secret"]
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=leaked).status_code == 200

    response = client.post(f"/api/v1/clients/{oauth_client.client_id}/revoke-previous-secret", headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["previous_secret_expires"] is None
    assert token_request(client, oauth_client.client_id, old_secret).status_code == 401
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=leaked).status_code == 401
    fresh = bearer(client, oauth_client.client_id, new_secret)
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=fresh).status_code == 200

    again = client.post(f"/api/v1/clients/{oauth_client.client_id}/revoke-previous-secret", headers=admin)
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=fresh).status_code == 200


def test_delete_stops_its_tokens_at_once(client, admin, db_session, member):
    oauth_client, secret = factories.make_client(member, "campaigns:read")
    db_session.commit()
    token = bearer(client, oauth_client.client_id, secret)
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=token).status_code == 200
    response = client.delete(f"/api/v1/clients/{oauth_client.client_id}", headers=admin)
    assert response.status_code == 204
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=token).status_code == 401
    assert client.get(f"/api/v1/clients/{oauth_client.client_id}", headers=admin).status_code == 404
    assert token_request(client, oauth_client.client_id, secret).status_code == 401


def test_disabling_stops_tokens_at_once_and_enabling_restores(client, admin, db_session, member):
    oauth_client, secret = factories.make_client(member, "campaigns:read")
    db_session.commit()
    token = bearer(client, oauth_client.client_id, secret)
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=token).status_code == 200
    response = client.patch(f"/api/v1/clients/{oauth_client.client_id}", headers=admin, json={"disabled": True})
    assert response.status_code == 200 and response.get_json()["disabled"] is True
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=token).status_code == 401
    assert token_request(client, oauth_client.client_id, secret).status_code == 401
    client.patch(f"/api/v1/clients/{oauth_client.client_id}", headers=admin, json={"disabled": False})
    assert token_request(client, oauth_client.client_id, secret).status_code == 200


def test_narrowing_scopes_applies_to_existing_tokens(client, admin, db_session, coordinator):
    oauth_client, secret = factories.make_client(coordinator, "admin campaigns:read")
    db_session.commit()
    token = bearer(client, oauth_client.client_id, secret)
    assert client.get("/api/v1/organizations", headers=token).status_code == 200
    response = client.patch(f"/api/v1/clients/{oauth_client.client_id}", headers=admin,
                            json={"scopes": ["campaigns:read"], "name": "Read only", "locales": ["fr"]})
    assert response.get_json()["scopes"] == ["campaigns:read"]
    assert response.get_json()["locales"] == ["fr"]
    assert client.get("/api/v1/organizations", headers=token).status_code == 403


def test_updating_a_member_client_to_coordinator_scopes_is_refused(client, admin, db_session, member):
    oauth_client, _secret = factories.make_client(member, "campaigns:read")
    db_session.commit()
    response = client.patch(f"/api/v1/clients/{oauth_client.client_id}", headers=admin, json={"scopes": ["admin"]})
    assert response.status_code == 422


def test_locale_limited_client_carries_its_locales(app, client, db_session, member):
    from coalition.auth.guard import authenticate

    oauth_client, secret = factories.make_client(member, "translations:write", locales=["de"])
    db_session.commit()
    headers = bearer(client, oauth_client.client_id, secret)
    with app.test_request_context(headers=headers):
        principal = authenticate()
    assert principal.locales == ("de",)
    assert principal.may_write_locale("de") and not principal.may_write_locale("fr")


def test_cli_clients_create_prints_json_credentials(app, committed_db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["orgs", "create", "cli-org", "--name", "CLI Org", "--country", "at"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["clients", "create", "cli-org", "--name", "Script",
                                 "--scopes", "campaigns:read actions:write", "--locales", "de,fr", "--json"])
    assert result.exit_code == 0, result.output
    credentials = json.loads(result.output)
    assert set(credentials) == {"client_id", "client_secret"}
    response = app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                      headers=basic_auth(credentials["client_id"], credentials["client_secret"]))
    assert response.get_json()["scope"] == "actions:write campaigns:read"


def test_cli_refuses_coordinator_scopes_for_a_member(app, committed_db):
    runner = app.test_cli_runner()
    runner.invoke(args=["orgs", "create", "cli-member", "--name", "Member"])
    result = runner.invoke(args=["clients", "create", "cli-member", "--name", "x", "--scopes", "admin", "--json"])
    assert result.exit_code != 0
    assert "coordinator" in result.output


def test_demo_prints_a_working_credential(app, committed_db):
    import re

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["demo"])  # idempotent
    assert result.exit_code == 0
    client_id, secret = re.search(r"-u (\S+):(\S+) ", result.output).groups()
    response = app.test_client().post("/oauth/token", data={"grant_type": "client_credentials"},
                                      headers=basic_auth(client_id, secret))
    assert response.status_code == 200
    assert "admin" in response.get_json()["scope"].split()


def test_the_last_admin_client_cannot_be_deleted_narrowed_or_disabled(client, admin, db_session, coordinator):
    only_admin = db.session.scalars(select(OAuthClient).filter_by(organization_id=coordinator.id)).one()
    path = f"/api/v1/clients/{only_admin.client_id}"
    for response in (client.delete(path, headers=admin),
                     client.patch(path, headers=admin, json={"scopes": ["campaigns:read"]}),
                     client.patch(path, headers=admin, json={"disabled": True})):
        assert response.status_code == 409
        assert response.mimetype == "application/problem+json"
        assert "admin" in response.get_json()["detail"]
    assert client.get("/api/v1/organizations", headers=admin).status_code == 200
    assert client.patch(path, headers=admin, json={"name": "Renamed"}).status_code == 200


def test_an_admin_client_can_go_once_another_remains(client, admin, db_session, coordinator):
    first_admin = db.session.scalars(select(OAuthClient).filter_by(organization_id=coordinator.id)).one()
    assert create(client, admin, coordinator, scopes=["admin"]).status_code == 201
    assert client.delete(f"/api/v1/clients/{first_admin.client_id}", headers=admin).status_code == 204
