"""Fixtures of the page tests: a live ECI campaign with a material, and signed-in people."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import sign_in_client


@pytest.fixture
def campaign(db_session):
    campaign = factories.make_campaign(title="Reclaim Your Face", locales=["en", "de", "fr"])
    from coalition.auth.guard import Principal
    from coalition.materials.operations import create_material

    author = Principal(client_id="editor", organization_id="", organization_slug="", role="coordinator",
                       scopes=frozenset(), locales=None, expires_at=0)
    create_material(campaign, author, slug="leaflet", kind="leaflet", title="Ban biometric mass surveillance",
                    summary="Sign with {organization} today.")
    db_session.commit()
    return campaign


@pytest.fixture
def signed_in(app, db_session):
    """`signed_in(organization, role, locales=None, locale=None)` → (test client, person), signed in."""

    def make(organization, role="member", locales=None, locale=None):
        person = factories.person(organization, role, locales=locales, locale=locale)
        db_session.commit()
        client = app.test_client()
        assert sign_in_client(client, person).status_code == 303
        return client, person

    return make
