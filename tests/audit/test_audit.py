"""Every successful change through the API leaves an audit entry coordinators can filter."""

from datetime import timedelta

import pytest

from coalition.audit.models import AuditEntry
from coalition.db import utcnow
from tests import factories
from tests.conftest import table_counts


@pytest.fixture
def admin(auth_headers, coordinator):
    return auth_headers(coordinator, "admin")


def entries(client, admin, query=""):
    response = client.get(f"/api/v1/audit{query}", headers=admin)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_changes_are_recorded_with_who_and_what(client, admin, coordinator):
    client.post("/api/v1/organizations", headers=admin, json={"slug": "audited", "name": "Audited"})
    client.patch("/api/v1/organizations/audited", headers=admin, json={"name": "Audited NGO"})
    created = client.post("/api/v1/organizations/audited/clients", headers=admin,
                          json={"name": "Portal", "scopes": ["campaigns:read"]}).get_json()
    client.delete(f"/api/v1/clients/{created['client_id']}", headers=admin)

    items = entries(client, admin, f"?organization={coordinator.slug}")["items"]
    summary = [(e["action"], e["method"], e["object_type"], e["object_id"]) for e in items]
    assert summary == [
        ("clients.delete_client", "DELETE", "client", created["client_id"]),
        ("clients.create_client", "POST", "client", created["client_id"]),
        ("organizations.update_organization", "PATCH", "organization", "audited"),
        ("organizations.create_organization", "POST", "organization", "audited"),
        ("oauth.issue_token", "POST", "token", items[-1]["object_id"]),  # the admin's own token
    ]
    assert {e["organization"] for e in items} == {coordinator.slug}
    assert len({e["client_id"] for e in items}) == 1
    assert all(e["created_date"].endswith("Z") for e in items)


def test_the_log_keeps_no_secret_and_no_address(client, admin):
    created = client.post("/api/v1/organizations", headers=admin, json={"slug": "quiet", "name": "Quiet"})
    assert created.status_code == 201
    body = client.get("/api/v1/audit", headers=admin).get_data(as_text=True)
    assert "127.0.0.1" not in body
    assert {column.name for column in AuditEntry.__table__.columns}.isdisjoint({"ip", "address", "remote_addr"})


def test_failed_and_read_requests_are_not_recorded(client, admin, member):
    before = table_counts("audit_entries")["audit_entries"]
    client.post("/api/v1/organizations", headers=admin, json={"slug": "Bad Slug", "name": "x"})  # 422
    client.post(f"/api/v1/organizations/{member.slug}/clients", headers=admin,
                json={"name": "x", "scopes": ["admin"]})  # 422
    client.get("/api/v1/organizations", headers=admin)
    client.patch("/api/v1/organizations/nope", headers=admin, json={"name": "x"})  # 404
    assert table_counts("audit_entries")["audit_entries"] == before


def test_filters_by_action_object_and_time(client, admin, member):
    client.post(f"/api/v1/organizations/{member.slug}/suspend", headers=admin)
    client.post(f"/api/v1/organizations/{member.slug}/reactivate", headers=admin)
    client.patch(f"/api/v1/organizations/{member.slug}", headers=admin, json={"name": "New name"})

    suspended = entries(client, admin, "?action=organizations.suspend_organization")
    assert [e["object_id"] for e in suspended["items"]] == [member.slug]
    on_member = entries(client, admin, f"?object_type=organization&object_id={member.slug}")
    assert on_member["total"] == 3
    assert entries(client, admin, f"?object_id={member.slug}&per_page=2")["items"].__len__() == 2

    future = (utcnow() + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    past = (utcnow() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert entries(client, admin, f"?since={future}")["total"] == 0
    assert entries(client, admin, f"?since={past}&until={future}&object_id={member.slug}")["total"] == 3


def test_filters_by_organization(client, admin, auth_headers, db_session):
    other = factories.make_organization(role="coordinator")
    other_admin = auth_headers(other, "admin")
    client.post("/api/v1/organizations", headers=other_admin, json={"slug": "by-other", "name": "x"})
    items = entries(client, admin, f"?organization={other.slug}")["items"]
    assert [e["object_id"] for e in items if e["object_type"] != "token"] == ["by-other"]


@pytest.mark.parametrize("query", ["?since=yesterday", "?page=0", "?per_page=1000",
                                   "?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z"])
def test_bad_filters_are_422(client, admin, query):
    response = client.get(f"/api/v1/audit{query}", headers=admin)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_members_cannot_read_the_log(client, auth_headers, member):
    assert client.get("/api/v1/audit", headers=auth_headers(member, "campaigns:read")).status_code == 403


def test_a_change_and_its_entry_are_stored_together(client, admin, monkeypatch):
    from coalition.audit import recording

    def broken():
        raise RuntimeError("audit storage unavailable")

    # Only the entry written as the transaction commits breaks: the change itself flushes fine.
    monkeypatch.setattr(recording, "new_uuid", broken)
    response = client.post("/api/v1/organizations", headers=admin, json={"slug": "unaudited", "name": "X"})
    assert response.status_code == 500
    monkeypatch.undo()
    assert client.get("/api/v1/organizations/unaudited", headers=admin).status_code == 404


def test_other_domains_are_recorded_without_their_help(client, admin, auth_headers, member, db_session):
    campaign = factories.make_campaign()
    headers = auth_headers(member, "actions:write signatures:write")
    action = client.post(f"/api/v1/campaigns/{campaign.slug}/actions", headers=headers,
                         json={"kind": "event", "action_date": "2026-03-02", "country": "DE"}).get_json()
    client.post(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=headers,
                json={"country": "DE", "channel": "paper", "mode": "delta", "count": 5,
                      "as_of": "2026-03-01T12:00:00Z"})
    items = entries(client, admin, f"?organization={member.slug}")["items"]
    # Signature reports are their own audit trail: the ledger keeps organization, client and time.
    assert [(e["action"], e["object_id"]) for e in items if e["object_type"] != "token"] == [
        ("outreach.log_actions", action["id"])]
    # Other organizations' reports are read with a coordinator scope (see coalition/auth/visibility.py).
    reader = auth_headers(factories.make_organization(role="coordinator"), "campaigns:read metrics:read")
    ledger = client.get(f"/api/v1/campaigns/{campaign.slug}/signatures", headers=reader).get_json()["items"]
    assert [(r["organization"], r["count"]) for r in ledger] == [(member.slug, 5)]
    assert ledger[0]["client_id"] and ledger[0]["created_date"].endswith("Z")


def test_token_issuance_and_revocation_are_recorded(client, admin, member, db_session):
    from tests.conftest import basic_auth

    oauth_client, secret = factories.make_client(member, "campaigns:read")
    db_session.commit()
    credentials = basic_auth(oauth_client.client_id, secret)
    token = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=credentials)
    assert token.status_code == 200
    revoked = client.post("/oauth/revoke", data={"token": token.get_json()["access_token"]}, headers=credentials)
    assert revoked.status_code == 200

    items = entries(client, admin, f"?organization={member.slug}&object_type=token")["items"]
    assert [(e["action"], e["client_id"]) for e in items] == [
        ("oauth.revoke_token", oauth_client.client_id), ("oauth.issue_token", oauth_client.client_id)]
    assert items[0]["object_id"] == items[1]["object_id"]  # the same token, named by its opaque id
    assert token.get_json()["access_token"] not in str(items)
