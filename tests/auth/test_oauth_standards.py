"""The OAuth endpoints as standard clients read them: RFC 6749 errors, RFC 7009 / 7662 hints,
RFC 8414 metadata from PUBLIC_URL, and the opt-in trust of a proxy's X-Forwarded-* headers."""

import logging

import pytest
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from tests import factories
from tests.conftest import basic_auth, make_test_app, obtain_token

RFC6749_DESCRIPTION_CHARACTERS = {chr(c) for c in (0x20, 0x21, *range(0x23, 0x5C), *range(0x5D, 0x7F))}


@pytest.fixture
def credentials(db_session, member):
    oauth_client, secret = factories.make_client(member, "campaigns:read")
    db_session.commit()
    return oauth_client.client_id, secret


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("hint", ["refresh_token", "access_token", "something_else"])
def test_revocation_with_any_hint_revokes_the_token(client, credentials, member, hint):
    token = obtain_token(client, *credentials)
    response = client.post("/oauth/revoke", data={"token": token, "token_type_hint": hint},
                           headers=basic_auth(*credentials))
    assert response.status_code == 200
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("hint", ["refresh_token", "access_token"])
def test_introspection_with_any_hint_finds_the_token(client, credentials, hint):
    token = obtain_token(client, *credentials)
    response = client.post("/oauth/introspect", data={"token": token, "token_type_hint": hint},
                           headers=basic_auth(*credentials))
    assert response.status_code == 200
    assert response.get_json()["active"] is True


def test_unknown_client_and_wrong_secret_answer_exactly_the_same(client, credentials):
    client_id, _secret = credentials
    wrong_secret = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                               headers=basic_auth(client_id, "not-the-secret"))
    unknown = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                          headers=basic_auth("nobody-at-all", "not-the-secret"))
    assert wrong_secret.status_code == unknown.status_code == 401
    assert wrong_secret.get_json() == unknown.get_json()
    assert wrong_secret.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"]
    assert wrong_secret.headers["WWW-Authenticate"].startswith('Basic realm="')


def test_two_client_authentication_methods_in_one_request_are_refused(client, credentials):
    client_id, secret = credentials
    response = client.post("/oauth/token", headers=basic_auth(client_id, secret), data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_a_missing_grant_type_is_an_invalid_request(client, credentials):
    response = client.post("/oauth/token", data={}, headers=basic_auth(*credentials))
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Client authentication failed."),
    ("de", "Die Authentifizierung des Clients ist fehlgeschlagen."),
    ("fr", "L'authentification du client a echoue."),
])
def test_error_descriptions_are_in_the_requests_language_within_rfc6749s_characters(
        client, language, expected):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers={**basic_auth("nobody", "nothing"), "Accept-Language": language})
    description = response.get_json()["error_description"]
    assert description == expected
    assert set(description) <= RFC6749_DESCRIPTION_CHARACTERS


def test_an_unknown_scope_is_described_in_a_sentence_not_a_python_list(client, credentials):
    response = client.post("/oauth/token", headers=basic_auth(*credentials),
                           data={"grant_type": "client_credentials", "scope": "admin"})
    assert response.get_json()["error"] == "invalid_scope"
    assert "[" not in response.get_json()["error_description"]


def test_metadata_comes_from_public_url_whatever_the_host_header():
    app = make_test_app("sqlite", public_url="https://coalition.example")
    with app.test_client() as http:
        response = http.get("/.well-known/oauth-authorization-server",
                            headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
    metadata = response.get_json()
    AuthorizationServerMetadata(metadata).validate()
    assert metadata["issuer"] == "https://coalition.example"
    assert metadata["token_endpoint"] == "https://coalition.example/oauth/token"
    assert metadata["revocation_endpoint"] == "https://coalition.example/oauth/revoke"
    assert metadata["introspection_endpoint"] == "https://coalition.example/oauth/introspect"
    assert metadata["authorization_endpoint"] == "https://coalition.example/oauth/authorize"
    assert metadata["grant_types_supported"] == ["client_credentials", "authorization_code", "refresh_token"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "evil.example" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("trusted_proxies", "logged_network"), [(0, "198.51.100.0/24"), (1, "203.0.113.0/24")])
def test_forwarded_addresses_are_trusted_only_when_configured(caplog, trusted_proxies, logged_network):
    app = make_test_app("sqlite", trusted_proxies=trusted_proxies)
    with app.test_client() as http, caplog.at_level(logging.WARNING, logger="coalition.auth.views"):
        http.post("/oauth/token", data={"grant_type": "client_credentials"},
                  headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert logged_network in caplog.text
