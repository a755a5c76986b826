"""Demo data: the "Reclaim Your Face" initiative, live, with a quarter of weekly reports."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from coalition.auth.guard import Principal
from coalition.campaigns.models import Campaign, SignatureReport
from coalition.campaigns.operations import create_campaign, get_campaign
from coalition.campaigns.signatures import record_reports
from coalition.extensions import db
from coalition.organizations.models import Organization

SLUG = "reclaim-your-face"
FIRST_WEEK = datetime(2026, 2, 2, 18, 0, tzinfo=timezone.utc)
WEEKS = 12

# organization, country, online figure after 12 weeks, paper forms per week
FIGURES = [
    ("digitalcourage", "DE", 74_500, 620),
    ("la-quadrature", "FR", 55_800, 410),
    ("hermes-center", "IT", 52_300, 300),
    ("xnet", "ES", 29_400, 150),
    ("panoptykon", "PL", 24_100, 90),
    ("homo-digitalis", "GR", 15_900, 80),
    ("bits-of-freedom", "NL", 22_700, 60),
    ("epicenter-works", "AT", 14_100, 45),
    ("iuridicum-remedium", "CZ", 9_200, 30),
    ("edri", "BE", 11_600, 25),
    ("edri", "PT", 6_300, 0),
    ("edri", "SE", 8_900, 0),
]


def _reports() -> list[dict]:
    reports = []
    for organization, country, online, paper in FIGURES:
        for week in range(WEEKS):
            as_of = FIRST_WEEK + timedelta(weeks=week)
            # Sign-ups grow fastest in the first weeks, as campaign launches do.
            share = 1 - (1 - (week + 1) / WEEKS) ** 2
            reports.append({"organization": organization, "country": country, "channel": "online",
                            "mode": "total", "count": round(online * share), "as_of": as_of})
            if paper:
                reports.append({"organization": organization, "country": country, "channel": "paper",
                                "mode": "delta", "count": paper + 7 * week, "as_of": as_of - timedelta(days=2)})
    return reports


def load_demo_campaigns() -> Campaign:
    """The campaign and its reports, once: nothing is added when it already has reports."""
    campaign = get_campaign(SLUG) or create_campaign(
        SLUG, "Reclaim Your Face", date(2026, 1, 15), date(2027, 1, 14), kind="eci", status="live",
        eci_registered_on=date(2025, 12, 1), source_locale="en", locales=["en", "de", "fr", "it", "es", "pl"],
        description="Ban biometric mass surveillance in public spaces across the European Union.",
    )
    if db.session.scalar(select(SignatureReport.id).filter_by(campaign_id=campaign.id).limit(1)) is None:
        edri = db.session.scalars(select(Organization).filter_by(slug="edri")).one()
        coordinator = Principal(client_id="demo-coordinator", organization_id=edri.id, organization_slug=edri.slug,
                                role=edri.role, scopes=frozenset(), locales=None, expires_at=0)
        record_reports(campaign, coordinator, _reports())
    return campaign
