"""Demo data: the "Reclaim Your Face" initiative, live, with weekly reports up to last week.

Dates are relative to the day the demo is loaded, so metrics show a campaign in progress.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from coalition.auth.guard import Principal
from coalition.campaigns.models import Campaign, SignatureReport
from coalition.campaigns.operations import create_campaign, get_campaign
from coalition.campaigns.signatures import record_reports
from coalition.extensions import db
from coalition.organizations.models import Organization

SLUG = "reclaim-your-face"
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


def _reports(first_week: datetime) -> list[dict]:
    reports = []
    for organization, country, online, paper in FIGURES:
        for week in range(WEEKS):
            as_of = first_week + timedelta(weeks=week)
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
    today = date.today()
    starts_on = today - timedelta(weeks=WEEKS + 2)
    campaign = get_campaign(SLUG) or create_campaign(
        SLUG, "Reclaim Your Face", starts_on, starts_on + timedelta(days=364), kind="eci", status="live",
        eci_registered_on=starts_on - timedelta(days=45), source_locale="en",
        locales=["en", "de", "fr", "it", "es", "pl", "pt", "pt-BR"],
        description="Ban biometric mass surveillance in public spaces across the European Union.",
    )
    if db.session.scalar(select(SignatureReport.id).filter_by(campaign_id=campaign.id).limit(1)) is None:
        edri = db.session.scalars(select(Organization).filter_by(slug="edri")).one()
        coordinator = Principal(client_id="demo-coordinator", organization_id=edri.id, organization_slug=edri.slug,
                                role=edri.role, scopes=frozenset(), locales=None, expires_at=0)
        last_week = datetime.combine(today - timedelta(days=1), time(18), tzinfo=UTC)
        record_reports(campaign, coordinator, _reports(last_week - timedelta(weeks=WEEKS - 1)))
    return campaign
