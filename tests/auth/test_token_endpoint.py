"""The OAuth endpoints end to end: grant, refusals, expiry, revocation, introspection, metadata."""

import logging
import time

import pytest
from sqlalchemy import select, update

from coalition.auth import guard
from coalition.auth.models import OAuthToken, hash_secret
from coalition.extensions import db
from tests import factories
from tests.conftest import basic_auth, make_test_app, obtain_token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def credentials(db_session, member):
    oauth_client, secret = factories.make_client(member, "campaigns:read actions:write")
    db_session.commit()
    return oauth_client.client_id, secret


def test_grant_with_basic_auth(client, credentials):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers=basic_auth(*credentials))
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "actions:write campaigns:read"
    assert response.headers["Cache-Control"] == "no-store"


def test_grant_with_post_auth_and_a_narrower_scope(client, credentials):
    client_id, secret = credentials
    response = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
        "scope": "campaigns:read",
    })
    assert response.status_code == 200
    token = response.get_json()["access_token"]
    assert response.get_json()["scope"] == "campaigns:read"
    introspected = client.post("/oauth/introspect", data={"token": token}, headers=basic_auth(*credentials))
    assert introspected.get_json()["scope"] == "campaigns:read"


def test_token_is_stored_hashed(client, credentials):
    token = obtain_token(client, *credentials)
    stored = db.session.scalars(select(OAuthToken.token_hash)).all()
    assert hash_secret(token) in stored and token not in stored


@pytest.mark.parametrize("how", ["basic", "post"])
def test_wrong_secret_is_invalid_client_and_logged_without_the_secret(client, credentials, caplog, how):
    client_id, _secret = credentials
    form = {"grant_type": "client_credentials"}
    headers = {}
    if how == "basic":
        headers = basic_auth(client_id, "wrong-secret-value")
    else:
        form.update(client_id=client_id, client_secret="wrong-secret-value")
    with caplog.at_level(logging.WARNING, logger="coalition.auth.views"):
        response = client.post("/oauth/token", data=form, headers=headers,
                               environ_base={"REMOTE_ADDR": "203.0.113.57"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"
    assert client_id in caplog.text
    assert "203.0.113.0/24" in caplog.text
    assert "203.0.113.57" not in caplog.text
    assert "wrong-secret-value" not in caplog.text


def test_unknown_client_is_invalid_client(client):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers=basic_auth("nobody", "nothing"))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_asking_a_scope_the_client_does_not_hold_is_invalid_scope(client, credentials):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                 "scope": "campaigns:read materials:write"},
                           headers=basic_auth(*credentials))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"


def test_member_organization_cannot_get_metrics_read(client, db_session, member):
    oauth_client, secret = factories.make_client(member, "campaigns:read")
    db_session.commit()
    response = client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "metrics:read"},
                           headers=basic_auth(oauth_client.client_id, secret))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"


def test_expired_token_is_refused(client, db_session, coordinator):
    oauth_client, secret = factories.make_client(coordinator, "admin")
    db_session.commit()
    token = obtain_token(client, oauth_client.client_id, secret)
    db_session.execute(update(OAuthToken).where(OAuthToken.token_hash == hash_secret(token))
                       .values(issued_at=OAuthToken.issued_at - 3601))
    db_session.commit()
    response = client.get("/api/v1/organizations", headers=bearer(token))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    introspected = client.post("/oauth/introspect", data={"token": token},
                               headers=basic_auth(oauth_client.client_id, secret))
    assert introspected.get_json() == {"active": False}


def test_revoked_token_stops_at_once(client, db_session, coordinator):
    oauth_client, secret = factories.make_client(coordinator, "admin")
    db_session.commit()
    token = obtain_token(client, oauth_client.client_id, secret)
    assert client.get("/api/v1/organizations", headers=bearer(token)).status_code == 200  # now cached
    response = client.post("/oauth/revoke", data={"token": token, "token_type_hint": "access_token"},
                           headers=basic_auth(oauth_client.client_id, secret))
    assert response.status_code == 200
    assert client.get("/api/v1/organizations", headers=bearer(token)).status_code == 401
    introspected = client.post("/oauth/introspect", data={"token": token},
                               headers=basic_auth(oauth_client.client_id, secret))
    assert introspected.get_json() == {"active": False}


@pytest.mark.postgres_only
def test_a_token_revoked_by_another_process_stops_within_a_second(app, backend, committed_db):
    """Two apps on one database stand for two server processes: the one that did not revoke keeps
    its validated copy for at most TOKEN_CACHE_SECONDS."""
    oauth_client, secret = factories.make_client(factories.make_organization(role="coordinator"), "admin")
    committed_db.commit()
    client_id = oauth_client.client_id
    here, elsewhere = app.test_client(), make_test_app(backend).test_client()
    token = obtain_token(here, client_id, secret)
    assert elsewhere.get("/api/v1/organizations", headers=bearer(token)).status_code == 200
    revoked = here.post("/oauth/revoke", data={"token": token}, headers=basic_auth(client_id, secret))
    assert revoked.status_code == 200
    assert here.get("/api/v1/organizations", headers=bearer(token)).status_code == 401
    time.sleep(guard.TOKEN_CACHE_SECONDS)
    assert elsewhere.get("/api/v1/organizations", headers=bearer(token)).status_code == 401


def test_revoking_an_unknown_token_answers_200(client, credentials):
    response = client.post("/oauth/revoke", data={"token": "never-issued"}, headers=basic_auth(*credentials))
    assert response.status_code == 200


def test_a_client_cannot_revoke_another_clients_token_nor_tell_it_from_a_string_never_issued(
        client, db_session, credentials, member):
    other, other_secret = factories.make_client(factories.make_organization(), "campaigns:read")
    db_session.commit()
    victim_token = obtain_token(client, *credentials)
    other_auth = basic_auth(other.client_id, other_secret)
    response = client.post("/oauth/revoke", data={"token": victim_token}, headers=other_auth)
    unknown = client.post("/oauth/revoke", data={"token": "never-issued"}, headers=other_auth)
    assert (response.status_code, response.get_json()) == (unknown.status_code, unknown.get_json())
    introspected = client.post("/oauth/introspect", data={"token": victim_token},
                               headers=basic_auth(*credentials))
    assert introspected.get_json()["active"] is True


def test_introspection_of_own_token(client, credentials, member):
    token = obtain_token(client, *credentials)
    body = client.post("/oauth/introspect", data={"token": token}, headers=basic_auth(*credentials)).get_json()
    assert body["active"] is True
    assert body["client_id"] == credentials[0]
    assert body["organization"] == member.slug
    assert body["token_type"] == "Bearer"
    assert body["exp"] - body["iat"] == 3600


def test_introspection_of_another_organizations_token(client, db_session, credentials, coordinator):
    token = obtain_token(client, *credentials)
    stranger, stranger_secret = factories.make_client(factories.make_organization(), "campaigns:read")
    admin, admin_secret = factories.make_client(coordinator, "admin")
    db_session.commit()
    by_stranger = client.post("/oauth/introspect", data={"token": token},
                              headers=basic_auth(stranger.client_id, stranger_secret))
    assert by_stranger.get_json() == {"active": False}
    by_admin = client.post("/oauth/introspect", data={"token": token},
                           headers=basic_auth(admin.client_id, admin_secret))
    assert by_admin.get_json()["active"] is True
    assert by_admin.get_json()["client_id"] == credentials[0]


def test_introspection_needs_client_authentication(client, credentials):
    token = obtain_token(client, *credentials)
    response = client.post("/oauth/introspect", data={"token": token})
    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


def test_scopes_are_listed_publicly_with_descriptions(client):
    response = client.get("/api/v1/scopes")
    assert response.status_code == 200
    items = {item["name"]: item for item in response.get_json()["items"]}
    assert len(items) == 12
    assert items["admin"]["coordinator_only"] is True
    assert items["campaigns:read"]["coordinator_only"] is False
    assert (items["federation:push"]["hub_only"], items["admin"]["hub_only"]) == (True, False)
    assert items["signatures:write"]["description"] == "Report the signatures your organization collected."
