"""Fixtures of the materials tests: a campaign with locales and clients in the roles of a coalition."""

from __future__ import annotations

import pytest

from tests import factories

LOCALES = ["en", "de", "fr", "pt", "pt-BR"]


@pytest.fixture
def campaign(db_session):
    return factories.make_campaign(locales=LOCALES)


@pytest.fixture
def editor(auth_headers, coordinator):
    return auth_headers(coordinator, "materials:read materials:write")


@pytest.fixture
def reader(auth_headers, member):
    return auth_headers(member, "materials:read")


@pytest.fixture
def writer(auth_headers, member):
    """A translator into German and Portuguese."""
    return auth_headers(member, "materials:read translations:write", locales=["de", "pt", "pt-BR"])


@pytest.fixture
def reviewer(auth_headers, db_session):
    return auth_headers(factories.make_organization(), "materials:read translations:write translations:review")


@pytest.fixture
def make_material(client, campaign, editor):
    def make(**fields):
        body = {"slug": "leaflet", "kind": "leaflet", "title": "Ban biometric mass surveillance",
                "summary": "Sign for {name}", "body": "Our **faces** are *not* barcodes.", **fields}
        response = client.post(f"/api/v1/campaigns/{campaign.slug}/materials", json=body, headers=editor)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make
