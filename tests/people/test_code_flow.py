"""A portal acting for a person: authorization code with PKCE (S256 only), consent, rotating
refresh tokens with reuse detection — with authlib's own OAuth2 client as the portal."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client

from tests import factories
from tests.conftest import form_token, sign_in_client

REDIRECT = "https://portal.example.org/callback"


@pytest.fixture
def portal(app, db_session, member):
    """A member organization's portal, registered through the API with a redirect URI."""
    client, secret = factories.make_client(member, "campaigns:read materials:read translations:write actions:write")
    client.redirect_uris = [REDIRECT]
    db_session.commit()
    session = OAuth2Client(client.client_id, secret, redirect_uri=REDIRECT, code_challenge_method="S256",
                           scope="materials:read translations:write actions:write",
                           transport=httpx.WSGITransport(app=app), base_url="http://127.0.0.1:5000")
    session.registered = client
    yield session
    session.close()


@pytest.fixture
def translator(db_session, member):
    found = factories.person(member, role="translator", locales=["de"], display_name="Dana Weber")
    db_session.commit()
    return found


def authorize(browser, portal, **extra):
    """The person's side: open the portal's authorization URL, consent; the redirect's URL."""
    verifier = generate_token(48)
    url, state = portal.create_authorization_url("http://127.0.0.1:5000/oauth/authorize",
                                                 code_verifier=verifier, **extra)
    path = url.removeprefix("http://127.0.0.1:5000")
    consent = browser.get(path)
    assert consent.status_code == 200, consent.text
    answer = browser.post(path, data={"csrf_token": form_token(consent.text), "decision": "allow"})
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"], state, verifier, consent


def test_the_full_code_flow_with_refresh_rotation(client, portal, translator):
    sign_in_client(client, translator)
    location, state, verifier, consent = authorize(client, portal)
    assert "Dana Weber" in consent.text and "Translate materials in the locales you are allowed." in consent.text
    assert location.startswith(REDIRECT + "?") and parse_qs(urlsplit(location).query)["state"] == [state]
    token = portal.fetch_token("/oauth/token", authorization_response=location, code_verifier=verifier, state=state)
    # The client's scopes ∩ the translator's role ∩ those asked: actions:write is not a translator's.
    assert set(token["scope"].split()) == {"materials:read", "translations:write"}
    assert token["refresh_token"]
    introspected = client.post("/oauth/introspect", data={"token": token["access_token"]},
                               auth=(portal.client_id, portal.client_secret)).get_json()
    assert introspected["sub"] == translator.id and introspected["active"]
    first_refresh = token["refresh_token"]
    # A refresh may ask at most what was granted (RFC 6749 §6): the portal asks exactly that.
    portal.scope = token["scope"]
    refreshed = portal.refresh_token("/oauth/token", refresh_token=first_refresh)
    assert refreshed["refresh_token"] != first_refresh and refreshed["access_token"] != token["access_token"]
    # The old refresh token comes back: the whole family is revoked, the newest tokens included.
    reused = client.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": first_refresh},
                         auth=(portal.client_id, portal.client_secret))
    assert reused.status_code == 400 and reused.get_json()["error"] == "invalid_grant"
    for stopped in (refreshed["access_token"], token["access_token"]):
        assert client.post("/oauth/introspect", data={"token": stopped},
                           auth=(portal.client_id, portal.client_secret)).get_json() == {"active": False}
    again = client.post("/oauth/token", data={"grant_type": "refresh_token",
                                              "refresh_token": refreshed["refresh_token"]},
                        auth=(portal.client_id, portal.client_secret))
    assert again.status_code == 400


def test_a_code_used_twice_revokes_what_it_gave(client, portal, translator):
    sign_in_client(client, translator)
    location, state, verifier, _consent = authorize(client, portal)
    token = portal.fetch_token("/oauth/token", authorization_response=location, code_verifier=verifier)
    code = parse_qs(urlsplit(location).query)["code"][0]
    second = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                               "redirect_uri": REDIRECT, "code_verifier": verifier},
                         auth=(portal.client_id, portal.client_secret))
    assert second.status_code == 400 and second.get_json()["error"] == "invalid_grant"
    assert client.post("/oauth/introspect", data={"token": token["access_token"]},
                       auth=(portal.client_id, portal.client_secret)).get_json() == {"active": False}


def test_a_wrong_verifier_is_refused(client, portal, translator):
    sign_in_client(client, translator)
    location, _state, _verifier, _consent = authorize(client, portal)
    code = parse_qs(urlsplit(location).query)["code"][0]
    answer = client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                               "redirect_uri": REDIRECT, "code_verifier": generate_token(48)},
                         auth=(portal.client_id, portal.client_secret))
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_grant"


def authorize_path(portal, **params) -> str:
    values = {"response_type": "code", "client_id": portal.client_id, "redirect_uri": REDIRECT,
              "state": "s1", "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
              "code_challenge_method": "S256", **params}
    return "/oauth/authorize?" + "&".join(f"{key}={value}" for key, value in values.items() if value is not None)


def test_plain_pkce_and_a_missing_challenge_are_refused(client, portal, translator):
    sign_in_client(client, translator)
    for params in ({"code_challenge_method": "plain"}, {"code_challenge": None, "code_challenge_method": None}):
        answer = client.get(authorize_path(portal, **params))
        assert answer.status_code == 302
        query = parse_qs(urlsplit(answer.headers["Location"]).query)
        assert query["error"] == ["invalid_request"] and query["state"] == ["s1"]


def test_a_redirect_uri_that_differs_by_a_character_is_refused_on_a_page(client, portal, translator):
    sign_in_client(client, translator)
    for uri in (REDIRECT + "/", REDIRECT.replace("callback", "callbacK"), "https://evil.example/callback"):
        answer = client.get(authorize_path(portal, redirect_uri=uri))
        assert answer.status_code == 400 and answer.mimetype == "text/html"
        assert "Location" not in answer.headers


def test_the_person_signs_in_first_and_comes_back(client, portal, translator):
    path = authorize_path(portal)
    answer = client.get(path)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")
    signed_in = sign_in_client(client, translator, next_page=path)
    assert signed_in.headers["Location"] == path


def test_denying_answers_access_denied(client, portal, translator):
    sign_in_client(client, translator)
    path = authorize_path(portal)
    consent = client.get(path)
    answer = client.post(path, data={"csrf_token": form_token(consent.text), "decision": "deny"})
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["access_denied"]


def test_consent_needs_the_form_token(client, portal, translator):
    sign_in_client(client, translator)
    answer = client.post(authorize_path(portal), data={"decision": "allow"})
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_a_foreign_state_is_refused_by_the_portal(client, portal, translator):
    from authlib.oauth2.rfc6749.errors import MismatchingStateException

    sign_in_client(client, translator)
    location, _state, verifier, _consent = authorize(client, portal)
    with pytest.raises(MismatchingStateException):
        portal.fetch_token("/oauth/token", authorization_response=location, code_verifier=verifier,
                           state="a-state-this-portal-never-sent")


def test_a_removed_person_s_token_stops_at_once(client, portal, translator, auth_headers, coordinator, member):
    sign_in_client(client, translator)
    location, _state, verifier, _consent = authorize(client, portal)
    token = portal.fetch_token("/oauth/token", authorization_response=location, code_verifier=verifier)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    campaign = factories.make_campaign()
    material = factories.make_material(campaign)
    assert client.get(f"/api/v1/materials/{material.id}", headers=bearer).status_code == 200
    admin = auth_headers(coordinator, "admin")
    assert client.delete(f"/api/v1/organizations/{member.slug}/people/{translator.id}",
                         headers=admin).status_code == 204
    assert client.get(f"/api/v1/materials/{material.id}", headers=bearer).status_code == 401
    assert client.get("/account").status_code == 302
