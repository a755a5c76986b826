"""Builders of test data through the operations, so tests start from valid states."""

from __future__ import annotations

import itertools
from datetime import date

from coalition.auth.operations import create_client
from coalition.campaigns.models import Campaign
from coalition.extensions import db
from coalition.organizations.operations import create_organization

_sequence = itertools.count(1)


def make_organization(slug: str | None = None, role: str = "member", country: str = "DE",
                      kind: str = "organization"):
    number = next(_sequence)
    return create_organization(slug or f"org-{number}", f"Organization {number}", country=country, role=role,
                               kind=kind)


def make_client(organization, scopes, locales=None):
    scopes = scopes.split() if isinstance(scopes, str) else list(scopes)
    return create_client(organization, f"client {next(_sequence)}", scopes, locales)


def make_campaign(**fields) -> Campaign:
    number = next(_sequence)
    values = dict(
        slug=f"campaign-{number}", title=f"Campaign {number}", kind="eci", status="live",
        starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31), signature_goal=1_000_000,
        eci_registered_on=date(2025, 11, 1), source_locale="en", locales=["en", "de", "fr"],
    )
    values.update(fields)
    campaign = Campaign(**values)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def make_action(campaign, organization, **fields):
    from coalition.outreach.operations import log_action

    values = dict(kind="street_stall", action_date=date(2026, 3, 2), country="DE", reach=100)
    values.update(fields)
    return log_action(campaign, organization, values)[0]


def list_actions(campaign):
    from sqlalchemy import select

    from coalition.outreach.models import OutreachAction

    return list(db.session.scalars(select(OutreachAction).filter_by(campaign_id=campaign.id)))


def make_material(campaign, slug: str | None = None, kind: str = "leaflet"):
    from coalition.auth.guard import Principal
    from coalition.materials.operations import create_material

    author = Principal(client_id="factory", organization_id="", organization_slug="", role="member",
                       scopes=frozenset(), locales=None, expires_at=0)
    material, _warnings = create_material(campaign, author, slug=slug or f"material-{next(_sequence)}",
                                          kind=kind, title="Ban biometric mass surveillance")
    return material


DEFAULT_PASSWORD = "correct horse staple battery"


def person(organization, role: str = "member", locales=None, password: str | None = DEFAULT_PASSWORD,
           email: str | None = None, display_name: str | None = None, locale: str | None = None):
    """A person of `organization` who accepted their invitation with `password` (None: not yet)."""
    from coalition.people.operations import add_person, set_password

    number = next(_sequence)
    added = add_person(organization, email=email or f"person-{number}@example.org",
                       display_name=display_name or f"Person {number}", role=role, locales=locales,
                       locale=locale)
    if password is not None:
        set_password(added, password)
    return added
def make_source(campaign, organization, **fields):
    """A counter source, stored as it is (no poll)."""
    from coalition.sources.models import CounterSource

    values = dict(campaign_id=campaign.id, organization_id=organization.id, kind="eci_online",
                  url="https://93.184.215.14/api", channel="online", interval=300, options={}, status="active",
                  failures=0)
    values.update(fields)
    source = CounterSource(**values)
    db.session.add(source)
    db.session.flush()
    return source
