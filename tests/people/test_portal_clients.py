"""Registering a portal that acts for people: redirect URIs through the API and the command line."""

from __future__ import annotations

import json

import pytest

from coalition.auth.operations import get_client


@pytest.fixture
def admin(auth_headers, coordinator):
    return auth_headers(coordinator, "admin")


def create(client, admin, organization, uris):
    return client.post(f"/api/v1/organizations/{organization.slug}/clients", headers=admin, json={
        "name": "Portal", "scopes": ["materials:read"], "redirect_uris": uris})


def test_a_client_with_redirect_uris_may_use_the_code_flow(client, admin, member):
    answer = create(client, admin, member, ["https://portal.example.org/cb", "http://127.0.0.1:8080/cb"])
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["redirect_uris"] == ["https://portal.example.org/cb", "http://127.0.0.1:8080/cb"]
    assert body["grant_types"] == ["client_credentials", "authorization_code", "refresh_token"]
    plain = create(client, admin, member, []).get_json()
    assert plain["grant_types"] == ["client_credentials"]


@pytest.mark.parametrize("uri", ["http://portal.example.org/cb", "https://portal.example.org/cb#frag",
                                 "not a uri", "javascript:alert(1)"])
def test_unsafe_redirect_uris_are_refused(client, admin, member, uri):
    answer = create(client, admin, member, [uri])
    assert answer.status_code == 422 and "redirect_uris" in answer.get_json()["errors"]


def test_a_client_without_redirect_uris_gets_no_code(client, admin, member):
    plain = create(client, admin, member, []).get_json()
    answer = client.get(f"/oauth/authorize?response_type=code&client_id={plain['client_id']}"
                        "&redirect_uri=https://portal.example.org/cb&code_challenge_method=S256"
                        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    assert answer.status_code in (302, 400) and "code=" not in answer.headers.get("Location", "")


def test_the_command_line_registers_redirect_uris(app, committed_db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["orgs", "create", "portal-org", "--name", "Portal Org"]).exit_code == 0
    result = runner.invoke(args=["clients", "create", "portal-org", "--name", "Portal", "--scopes", "materials:read",
                                 "--redirect-uri", "https://portal.example.org/cb",
                                 "--redirect-uri", "https://portal.example.org/other", "--json"])
    assert result.exit_code == 0, result.output
    registered = get_client(json.loads(result.output)["client_id"])
    assert registered.redirect_uris == ["https://portal.example.org/cb", "https://portal.example.org/other"]
    refused = runner.invoke(args=["clients", "create", "portal-org", "--name", "Bad", "--scopes", "materials:read",
                                  "--redirect-uri", "http://portal.example.org/cb"])
    assert refused.exit_code != 0
