"""Organizations through the API: coordinators manage them; suspension stops tokens at once."""

import pytest

from tests import factories
from tests.conftest import basic_auth, obtain_token


@pytest.fixture
def admin(auth_headers, coordinator):
    return auth_headers(coordinator, "admin")


def test_create_and_read_an_organization(client, admin):
    response = client.post("/api/v1/organizations", headers=admin, json={
        "slug": "noyb", "name": "noyb", "country": "el", "website": "https://noyb.eu",
    })
    assert response.status_code == 201
    body = response.get_json()
    assert body["slug"] == "noyb" and body["country"] == "GR"
    assert body["role"] == "member" and body["status"] == "active"
    assert body["created_date"].endswith("Z") and body["modified_date"].endswith("Z")
    assert client.get("/api/v1/organizations/noyb", headers=admin).get_json() == body


@pytest.mark.parametrize("payload, field", [
    ({"slug": "Bad Slug", "name": "x"}, "slug"),
    ({"slug": "ok", "name": ""}, "name"),
    ({"slug": "ok", "name": "x", "country": "XX"}, "country"),
    ({"slug": "ok", "name": "x", "role": "king"}, "role"),
    ({"slug": "ok", "name": "x", "website": "javascript:alert(1)"}, "website"),
    ({"name": "x"}, "slug"),
])
def test_invalid_organization_is_a_422_with_field_errors(client, admin, payload, field):
    response = client.post("/api/v1/organizations", headers=admin, json=payload)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_duplicate_slug_is_a_409(client, admin, member):
    response = client.post("/api/v1/organizations", headers=admin, json={"slug": member.slug, "name": "Again"})
    assert response.status_code == 409


def test_list_is_paginated_and_filtered(client, admin, db_session):
    for _ in range(3):
        factories.make_organization()
    db_session.commit()
    response = client.get("/api/v1/organizations?per_page=2&role=member", headers=admin)
    body = response.get_json()
    assert body["per_page"] == 2 and len(body["items"]) == 2
    assert body["total"] >= 3
    assert all(item["role"] == "member" for item in body["items"])
    assert 'rel="next"' in response.headers["Link"]


def test_update_changes_the_given_fields_only(client, admin, member):
    response = client.patch(f"/api/v1/organizations/{member.slug}", headers=admin,
                            json={"name": "Renamed", "website": None})
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Renamed" and body["country"] == "DE" and body["website"] is None


def test_unknown_organization_is_a_404(client, admin):
    assert client.get("/api/v1/organizations/nope", headers=admin).status_code == 404
    assert client.patch("/api/v1/organizations/nope", headers=admin, json={"name": "x"}).status_code == 404


def test_a_member_reads_its_own_organization_only(client, auth_headers, member):
    headers = auth_headers(member, "campaigns:read")
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=headers).status_code == 200
    other = factories.make_organization()
    assert client.get(f"/api/v1/organizations/{other.slug}", headers=headers).status_code == 403
    assert client.get("/api/v1/organizations", headers=headers).status_code == 403


def test_suspension_stops_tokens_at_once_and_refuses_new_ones(client, admin, db_session, member):
    oauth_client, secret = factories.make_client(member, "campaigns:read")
    db_session.commit()
    token = {"Authorization": f"Bearer {obtain_token(client, oauth_client.client_id, secret)}"}
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=token).status_code == 200  # cached now

    response = client.post(f"/api/v1/organizations/{member.slug}/suspend", headers=admin)
    assert response.status_code == 200 and response.get_json()["status"] == "suspended"
    refused = client.get(f"/api/v1/organizations/{member.slug}", headers=token)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    new = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                      headers=basic_auth(oauth_client.client_id, secret))
    assert new.get_json()["error"] == "invalid_client"

    assert client.post(f"/api/v1/organizations/{member.slug}/reactivate", headers=admin).status_code == 200
    assert client.get(f"/api/v1/organizations/{member.slug}", headers=token).status_code == 200
    assert obtain_token(client, oauth_client.client_id, secret)


def test_a_coordinator_cannot_suspend_or_demote_itself(client, admin, coordinator):
    assert client.post(f"/api/v1/organizations/{coordinator.slug}/suspend", headers=admin).status_code == 409
    response = client.patch(f"/api/v1/organizations/{coordinator.slug}", headers=admin, json={"role": "member"})
    assert response.status_code == 409
    assert client.get("/api/v1/organizations", headers=admin).status_code == 200


def test_demotion_takes_admin_away_at_once(client, admin, auth_headers, db_session):
    other = factories.make_organization(role="coordinator")
    other_admin = auth_headers(other, "admin metrics:read")
    assert client.get("/api/v1/organizations", headers=other_admin).status_code == 200
    response = client.patch(f"/api/v1/organizations/{other.slug}", headers=admin, json={"role": "member"})
    assert response.get_json()["role"] == "member"
    assert client.get("/api/v1/organizations", headers=other_admin).status_code == 403
