"""`coalition demo`: a realistic demo coalition, loaded idempotently.

Demo clients get fixed, published credentials so a newcomer can try the API at once; never load
the demo into a production database.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from coalition.auth.models import OAuthClient, hash_secret
from coalition.auth.scopes import SCOPES
from coalition.campaigns.demo import load_demo_campaigns
from coalition.extensions import db
from coalition.i18n import _
from coalition.materials.demo import load_demo_materials
from coalition.organizations.models import Organization
from coalition.outreach.demo import load_demo_outreach
from coalition.people.demo import load_demo_people

DEMO_ORGANIZATIONS = [
    # slug, name, country, role
    ("edri", "European Digital Rights", "BE", "coordinator"),
    ("digitalcourage", "Digitalcourage", "DE", "member"),
    ("la-quadrature", "La Quadrature du Net", "FR", "member"),
    ("hermes-center", "Hermes Center", "IT", "member"),
    ("panoptykon", "Fundacja Panoptykon", "PL", "member"),
    ("xnet", "Xnet", "ES", "member"),
    ("homo-digitalis", "Homo Digitalis", "GR", "member"),
    ("bits-of-freedom", "Bits of Freedom", "NL", "member"),
    ("epicenter-works", "epicenter.works", "AT", "member"),
    ("iuridicum-remedium", "Iuridicum Remedium", "CZ", "member"),
]

MEMBER_SCOPES = [s for s in SCOPES if s not in ("metrics:read", "admin")]

# client_id, secret, organization, scopes, locales
DEMO_CLIENTS = [
    ("demo-coordinator", "demo-coordinator-secret", "edri", list(SCOPES), None),
    ("demo-member", "demo-member-secret", "digitalcourage", MEMBER_SCOPES, None),
    ("demo-member-fr", "demo-member-fr-secret", "la-quadrature", MEMBER_SCOPES, None),
    ("demo-translator-de", "demo-translator-de-secret", "digitalcourage",
     ["campaigns:read", "materials:read", "translations:write"], ["de"]),
    ("demo-reviewer-de", "demo-reviewer-de-secret", "epicenter-works",
     ["campaigns:read", "materials:read", "translations:write", "translations:review"], ["de"]),
]


def load_demo_organizations() -> dict[str, Organization]:
    organizations = {o.slug: o for o in db.session.scalars(select(Organization))}
    for slug, name, country, role in DEMO_ORGANIZATIONS:
        if slug not in organizations:
            organizations[slug] = Organization(slug=slug, name=name, country=country, role=role)
            db.session.add(organizations[slug])
    db.session.flush()
    existing = set(db.session.scalars(select(OAuthClient.client_id)))
    for client_id, secret, org_slug, scopes, locales in DEMO_CLIENTS:
        if client_id not in existing:
            db.session.add(OAuthClient(
                client_id=client_id, organization=organizations[org_slug], name=f"Demo {client_id}",
                secret_hash=hash_secret(secret), scopes=sorted(scopes), locales=locales,
            ))
    db.session.flush()
    return organizations


def load_demo() -> list[str]:
    """Load every domain's demo data; answer what a newcomer needs to know."""
    organizations = load_demo_organizations()
    campaign = load_demo_campaigns()
    load_demo_materials(campaign)
    load_demo_outreach(campaign, list(organizations.values()))
    people = load_demo_people(organizations)
    # PUBLIC_URL, else the address scripts/run serves on (PORT): the command works as printed.
    base = current_app.extensions["coalition.config"].public_url
    coordinator = "curl -s -u demo-coordinator:demo-coordinator-secret " \
                  f"-d grant_type=client_credentials {base}/oauth/token"
    return [
        _("Demo coalition loaded."),
        _("Get a coordinator token:"),
        f"  {coordinator}",
        _("Member credentials: %(member)s; German translator: %(translator)s.",
          member="demo-member:demo-member-secret", translator="demo-translator-de:demo-translator-de-secret"),
        _("Sign in to the pages at %(url)s as a coordinator, a member or a German translator:", url=f"{base}/login"),
        *(f"  {email}  {password}" for email, password in people),
    ]
