"""Which free-text fields the personal-data guard checks, field by field (see the README).

Checked: outreach notes, localities and tags (tests/outreach), a report's `reason`, a
verification's `note`, material tags and uploaded file names. Not checked, on purpose: material
and campaign texts (published content, where a press contact belongs) and organization names
(legal persons, set by coordinators). `Idempotency-Key` is never stored as sent, only as a hash.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from coalition.campaigns.models import IdempotencyRecord
from coalition.extensions import db
from tests import factories
from tests.conftest import table_counts

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def campaign(db_session):
    return factories.make_campaign()


def _report(**fields):
    return {"country": "DE", "channel": "paper", "mode": "delta", "count": 5, "as_of": "2026-03-01T12:00:00Z",
            **fields}


@pytest.mark.parametrize("reason, word", [("forms from anna\uff20example.org", "e-mail address"),
                                          ("recount, call O151 2345 6789", "phone number"),
                                          ("refund to DE89 3704 0044 0532 0130 00", "IBAN")])
def test_a_report_reason_with_personal_data_is_refused(client, campaign, everything, reason, word):
    url = f"/api/v1/campaigns/{campaign.slug}/signatures"
    response = client.post(url, json={"reports": [_report(reason=reason)]}, headers=everything)
    assert response.status_code == 422
    assert word in str(response.get_json()["errors"]["reports"]["0"]["reason"])
    assert table_counts("signature_reports") == {"signature_reports": 0}
    assert client.post(url, json=_report(reason="late paper forms from the stall"), headers=everything).status_code == 201


def test_a_verification_note_with_personal_data_is_refused(client, campaign, everything):
    url = f"/api/v1/campaigns/{campaign.slug}/verifications/DE"
    body = {"submitted": 1000, "valid": 900, "submitted_on": "2026-06-01", "verified_on": "2026-07-01"}
    refused = client.put(url, json={**body, "note": "ask Mr Weber, 030 1234 5678"}, headers=everything)
    assert refused.status_code == 422 and "phone number" in refused.get_json()["errors"]["note"][0]
    assert client.put(url, json={**body, "note": "sample of 2,000 checked"}, headers=everything).status_code == 200


def test_material_tags_are_checked_and_material_texts_are_not(client, campaign, everything):
    url = f"/api/v1/campaigns/{campaign.slug}/materials"
    body = {"slug": "press-release", "kind": "press_release", "title": "Press release",
            "body": "Press contact: press@edri.org, +32 2 274 25 70"}
    refused = client.post(url, json={**body, "tags": ["press", "jan@example.org"]}, headers=everything)
    assert refused.status_code == 422 and "e-mail address" in str(refused.get_json()["errors"]["tags"])
    created = client.post(url, json={**body, "tags": ["press"]}, headers=everything)
    assert created.status_code == 201
    assert created.get_json()["body"] == body["body"]


@pytest.mark.parametrize("name", ["signatures_anna_0151_2345_6789.png", "anna.schmidt@example.org.png",
                                  "Ｓcan ０３０ １２３４５６７.png"])
def test_file_names_with_personal_data_are_refused(client, campaign, everything, name):
    material = factories.make_material(campaign)
    response = client.post(f"/api/v1/materials/{material.id}/files", headers=everything,
                           data={"file": (io.BytesIO(PNG), name)}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "stores no personal data" in response.get_json()["errors"]["file"][0]
    ok = client.post(f"/api/v1/materials/{material.id}/files", headers=everything,
                     data={"file": (io.BytesIO(PNG), "poster_2026-03-01_A2.png")}, content_type="multipart/form-data")
    assert ok.status_code == 201


def test_organization_names_are_not_checked(client, everything):
    response = client.post("/api/v1/organizations", headers=everything,
                           json={"slug": "helpline-ngo", "name": "Helpline 0800 1110111 e.V."})
    assert response.status_code == 201


def test_an_idempotency_key_is_stored_only_as_a_hash(client, campaign, everything):
    key = "anna@example.org-2026-03-01"
    url = f"/api/v1/campaigns/{campaign.slug}/signatures"
    first = client.post(url, json=_report(), headers={**everything, "Idempotency-Key": key})
    again = client.post(url, json=_report(), headers={**everything, "Idempotency-Key": key})
    assert first.status_code == again.status_code == 201 and first.data == again.data
    stored = db.session.scalars(select(IdempotencyRecord.key)).all()
    assert len(stored) == 1 and key not in stored[0] and len(stored[0]) == 64
