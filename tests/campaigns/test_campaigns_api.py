"""Coordinators create and run campaigns; members read them."""

from tests import factories

BASE = {
    "slug": "reclaim-your-face", "title": "Reclaim Your Face", "kind": "eci",
    "starts_on": "2026-01-01", "ends_on": "2026-12-31", "eci_registered_on": "2025-11-01",
    "source_locale": "en", "locales": ["en", "de"],
}


def test_coordinator_creates_a_draft_campaign_members_read_it(client, coordinator_headers, member_headers):
    response = client.post("/api/v1/campaigns", json=BASE, headers=coordinator_headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["signature_goal"] == 1_000_000
    assert body["expected_validity_rate"] == 0.85
    assert body["created_date"].endswith("Z")
    assert client.get("/api/v1/campaigns/reclaim-your-face", headers=member_headers).get_json()["title"] == "Reclaim Your Face"
    listing = client.get("/api/v1/campaigns?status=draft", headers=member_headers)
    assert [c["slug"] for c in listing.get_json()["items"]] == ["reclaim-your-face"]
    assert "Link" in listing.headers


def test_creating_needs_admin(client, member_headers):
    response = client.post("/api/v1/campaigns", json=BASE, headers=member_headers)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_campaign_validation_errors_are_problems(client, coordinator_headers):
    cases = [
        ({"ends_on": "2025-12-01"}, "ends_on"),
        ({"eci_registered_on": None}, "eci_registered_on"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"signature_goal": "7"}, "signature_goal"),
        ({"signature_goal": 2.5}, "signature_goal"),
        ({"kind": "referendum"}, "kind"),
        ({"expected_validity_rate": 1.5}, "expected_validity_rate"),
        ({"country_targets": {"DE": 100}}, "country_targets"),
        ({"eci_registered_on": "2026-02-01"}, "eci_registered_on"),
    ]
    for change, field in cases:
        response = client.post("/api/v1/campaigns", json={**BASE, **change}, headers=coordinator_headers)
        assert response.status_code == 422, (change, response.get_json())
        assert response.mimetype == "application/problem+json"
        assert field in response.get_json()["errors"], change
    assert client.get("/api/v1/campaigns", headers=coordinator_headers).get_json()["total"] == 0


def test_petition_sets_its_own_country_targets(client, coordinator_headers):
    petition = {**BASE, "kind": "petition", "eci_registered_on": None, "country_targets": {"DE": 500, "el": 20}}
    response = client.post("/api/v1/campaigns", json=petition, headers=coordinator_headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["country_targets"] == {"DE": 500, "GR": 20}


def test_duplicate_slug_is_a_conflict(client, coordinator_headers):
    assert client.post("/api/v1/campaigns", json=BASE, headers=coordinator_headers).status_code == 201
    response = client.post("/api/v1/campaigns", json=BASE, headers=coordinator_headers)
    assert response.status_code == 409


def test_unknown_campaign_is_404(client, member_headers):
    response = client.get("/api/v1/campaigns/nope", headers=member_headers)
    assert response.status_code == 404
    assert response.get_json()["detail"] == "No campaign has this slug."


def test_status_moves_forward_only(client, coordinator_headers, db_session):
    campaign = factories.make_campaign(status="draft")
    db_session.commit()
    url = f"/api/v1/campaigns/{campaign.slug}"
    assert client.patch(url, json={"status": "live"}, headers=coordinator_headers).get_json()["status"] == "live"
    response = client.patch(url, json={"status": "draft"}, headers=coordinator_headers)
    assert response.status_code == 409
    closed = client.patch(url, json={"status": "closed"}, headers=coordinator_headers).get_json()
    assert closed["status"] == "closed" and closed["closed_date"].endswith("Z")
    assert client.patch(url, json={"title": "Renamed"}, headers=coordinator_headers).status_code == 409


def test_patch_validates_the_resulting_campaign(client, coordinator_headers, campaign, db_session):
    db_session.commit()
    response = client.patch(f"/api/v1/campaigns/{campaign.slug}", json={"ends_on": "2025-06-01"},
                            headers=coordinator_headers)
    assert response.status_code == 422
    assert "ends_on" in response.get_json()["errors"]
    assert client.get(f"/api/v1/campaigns/{campaign.slug}", headers=coordinator_headers).get_json()["ends_on"] == "2026-12-31"
