"""Signing in through an organization's own OpenID Connect provider, against a provider the
tests run themselves (on loopback: OUTBOUND_ALLOW_PRIVATE, as in development)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests import factories
from tests.oidc_provider import Account, Provider


@pytest.fixture
def provider():
    with Provider() as running:
        yield running


@pytest.fixture
def organization(client, db_session, auth_headers, coordinator, member, provider, configure):
    configure(outbound_allow_private=True)
    admin = auth_headers(coordinator, "admin")
    answer = client.patch(f"/api/v1/organizations/{member.slug}", headers=admin, json={
        "sign_in": {"issuer": provider.issuer, "client_id": provider.client_id,
                    "client_secret": provider.client_secret}})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["sign_in"] == {"issuer": provider.issuer, "client_id": provider.client_id}
    assert provider.client_secret not in answer.text
    member.admin = admin
    return member


def sign_in_through(client, provider, organization, next_page: str = ""):
    """Follow the login page's link out to the provider and back, as a browser would."""
    login = client.get("/login")
    assert f"/login/sso/{organization.slug}" in login.text
    out = client.get(f"/login/sso/{organization.slug}" + (f"?next={next_page}" if next_page else ""))
    assert out.status_code == 302 and out.headers["Location"].startswith(provider.issuer + "/authorize")
    query = parse_qs(urlsplit(out.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"]
    back = httpx.get(out.headers["Location"], follow_redirects=False)
    callback = urlsplit(back.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


def test_an_invited_person_signs_in_through_their_organization(client, db_session, provider, organization):
    person = factories.person(organization, email="sam@ngo.example", password=None, display_name="Sam Ngo")
    db_session.commit()
    provider.account = Account("Sam@NGO.example")
    answer = sign_in_through(client, provider, organization, next_page="/account")
    assert answer.status_code == 303 and answer.headers["Location"] == "/account"
    assert "Sam Ngo" in client.get("/account").text
    assert person.password_hash is None
    # Coalition's own requests to the provider go through the outbound client, which checks the
    # provider's address when it connects (no DNS rebinding) and caps the answers.
    for path in ("/.well-known/openid-configuration", "/token", "/jwks"):
        assert {agent.split("/")[0] for agent in provider.user_agents[path]} == {"Coalition"}, path


def test_an_unverified_or_unknown_e_mail_is_refused(client, db_session, provider, organization):
    factories.person(organization, email="sam@ngo.example")
    db_session.commit()
    for account in (Account("sam@ngo.example", email_verified=False), Account("stranger@ngo.example")):
        provider.account = account
        answer = sign_in_through(client, provider, organization)
        assert answer.status_code == 403 and "verified e-mail address" in answer.text
        assert client.get("/account").status_code == 302


def test_a_person_of_another_organization_is_refused(client, db_session, provider, organization, coordinator):
    factories.person(coordinator, email="boss@lead.example")
    db_session.commit()
    provider.account = Account("boss@lead.example")
    assert sign_in_through(client, provider, organization).status_code == 403


def test_a_foreign_state_is_refused(client, db_session, provider, organization):
    factories.person(organization, email="sam@ngo.example")
    db_session.commit()
    provider.account = Account("sam@ngo.example")
    client.get(f"/login/sso/{organization.slug}")
    answer = client.get(f"/login/sso/{organization.slug}/callback?code=stolen&state=not-ours")
    assert answer.status_code == 400 and "failed" in answer.text
    assert client.get("/account").status_code == 302


def test_the_provider_can_be_removed_and_a_private_issuer_is_refused(client, organization, configure):
    assert client.patch(f"/api/v1/organizations/{organization.slug}", headers=organization.admin,
                        json={"sign_in": None}).get_json()["sign_in"] is None
    assert f"/login/sso/{organization.slug}" not in client.get("/login").text
    assert client.get(f"/login/sso/{organization.slug}").status_code == 404
    configure(outbound_allow_private=False)
    refused = client.patch(f"/api/v1/organizations/{organization.slug}", headers=organization.admin, json={
        "sign_in": {"issuer": "https://127.0.0.1:9/", "client_id": "x", "client_secret": "y"}})
    assert refused.status_code == 422
