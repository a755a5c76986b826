"""Every API route is protected, and one organization cannot reach another's data."""

import uuid

import pytest
from werkzeug.routing import IntegerConverter, UUIDConverter

from tests import factories
from tests.conftest import basic_auth, obtain_token

# Routes anyone may call without a token; everything else under /api/v1 must ask for one.
PUBLIC = {
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/scopes"),
    ("GET", "/api/v1/campaigns/<slug>/counter"),
}


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule


def _sample_path(app, rule) -> str:
    values = {}
    for argument in rule.arguments:
        converter = rule._converters[argument]
        if isinstance(converter, UUIDConverter):
            values[argument] = uuid.uuid4()
        elif isinstance(converter, IntegerConverter):
            values[argument] = 1
        else:
            values[argument] = "sample"
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def test_every_api_route_is_public_or_answers_401_without_a_token(app, client):
    checked = 0
    for method, rule in _api_routes(app):
        if (method, rule.rule) in PUBLIC:
            continue
        response = client.open(_sample_path(app, rule), method=method)
        assert response.status_code == 401, f"{method} {rule.rule} answers {response.status_code} without a token"
        assert response.mimetype == "application/problem+json", f"{method} {rule.rule}"
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), f"{method} {rule.rule}"
        checked += 1
    assert checked >= 12


def test_every_protected_route_documents_its_scope_and_errors(app):
    from coalition.openapi import openapi_document

    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            template = path.replace("{", "<").replace("}", ">")
            if (method.upper(), template) in PUBLIC or method == "parameters":
                continue
            assert operation.get("security"), f"{method} {path} declares no scope"
            assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"


def test_a_bad_token_is_401_invalid_token(client):
    response = client.get("/api/v1/organizations", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_missing_scope_is_403_insufficient_scope(client, auth_headers, coordinator):
    response = client.get("/api/v1/organizations", headers=auth_headers(coordinator, "campaigns:read"))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert 'scope="admin"' in response.headers["WWW-Authenticate"]


MEMBER_SCOPES = ("campaigns:read signatures:write actions:read actions:write materials:read materials:write "
                 "translations:write translations:review webhooks:manage")

# What organization B tries against organization A (placeholders: {org}, {client_id}).
INTRUSIONS = [
    ("GET", "/api/v1/organizations/{org}", None),
    ("PATCH", "/api/v1/organizations/{org}", {"name": "Taken over"}),
    ("POST", "/api/v1/organizations/{org}/suspend", None),
    ("GET", "/api/v1/organizations/{org}/clients", None),
    ("POST", "/api/v1/organizations/{org}/clients", {"name": "Backdoor", "scopes": ["campaigns:read"]}),
    ("GET", "/api/v1/clients/{client_id}", None),
    ("PATCH", "/api/v1/clients/{client_id}", {"disabled": True}),
    ("POST", "/api/v1/clients/{client_id}/rotate", None),
    ("DELETE", "/api/v1/clients/{client_id}", None),
    ("GET", "/api/v1/audit?organization={org}", None),
    ("GET", "/api/v1/organizations", None),
]


@pytest.mark.parametrize("method, path, body", INTRUSIONS)
def test_organization_b_cannot_reach_organization_a(client, db_session, auth_headers, coordinator,
                                                   method, path, body):
    org_a, org_b = factories.make_organization(), factories.make_organization()
    a_client, a_secret = factories.make_client(org_a, "campaigns:read")
    b_client, b_secret = factories.make_client(org_b, MEMBER_SCOPES)
    db_session.commit()
    b_headers = {"Authorization": f"Bearer {obtain_token(client, b_client.client_id, b_secret)}"}

    url = path.format(org=org_a.slug, client_id=a_client.client_id)
    response = client.open(url, method=method, json=body, headers=b_headers)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"

    # A is untouched: same name, active, its one client enabled, never rotated, secret working.
    a_token = obtain_token(client, a_client.client_id, a_secret)
    a_headers = {"Authorization": f"Bearer {a_token}"}
    mine = client.get(f"/api/v1/organizations/{org_a.slug}", headers=a_headers).get_json()
    assert mine["name"] == org_a.name and mine["status"] == "active"
    admin = auth_headers(coordinator, "admin")
    clients = client.get(f"/api/v1/organizations/{org_a.slug}/clients", headers=admin).get_json()["items"]
    assert [(c["client_id"], c["disabled"], c["previous_secret_expires"]) for c in clients] == [
        (a_client.client_id, False, None)]


def test_organization_b_cannot_introspect_or_revoke_a_token_of_a(client, db_session):
    org_a, org_b = factories.make_organization(), factories.make_organization()
    a_client, a_secret = factories.make_client(org_a, "campaigns:read")
    b_client, b_secret = factories.make_client(org_b, MEMBER_SCOPES)
    db_session.commit()
    a_token = obtain_token(client, a_client.client_id, a_secret)
    b_auth = basic_auth(b_client.client_id, b_secret)
    assert client.post("/oauth/introspect", data={"token": a_token}, headers=b_auth).get_json() == {"active": False}
    # Answered like a string never issued (200), and the token is not revoked.
    assert client.post("/oauth/revoke", data={"token": a_token}, headers=b_auth).status_code == 200
    a_headers = {"Authorization": f"Bearer {a_token}"}
    assert client.get(f"/api/v1/organizations/{org_a.slug}", headers=a_headers).status_code == 200
