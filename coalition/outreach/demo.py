"""Demo outreach: a season of actions by the demo organizations for Reclaim Your Face."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from coalition.campaigns.models import Campaign
from coalition.extensions import db
from coalition.organizations.models import Organization
from coalition.outreach.models import OutreachAction
from coalition.outreach.operations import log_actions

ORIGIN = "demo"
ACTIONS_PER_ORGANIZATION = 36

LOCALITIES = {
    "BE": ["Brussels", "Ghent", "Liège"], "DE": ["Berlin", "Hamburg", "Leipzig", "Köln"],
    "FR": ["Paris", "Lyon", "Marseille"], "IT": ["Milano", "Roma", "Bologna"],
    "PL": ["Warszawa", "Kraków", "Gdańsk"], "ES": ["Barcelona", "Madrid", "Valencia"],
    "GR": ["Athens", "Thessaloniki"], "NL": ["Amsterdam", "Utrecht", "Rotterdam"],
    "AT": ["Wien", "Graz", "Linz"], "CZ": ["Praha", "Brno"],
}
# kind: (typical reach, share of actions collecting signatures on paper)
KINDS = {
    "street_stall": (250, 0.9), "event": (120, 0.6), "canvassing": (400, 0.8),
    "online_ad": (20000, 0.0), "email": (8000, 0.0), "social_post": (5000, 0.0),
    "press": (50000, 0.0), "meeting_official": (3, 0.0),
}
TAGS = ["biometrics", "public-space", "university", "festival", "train-station", "city-council",
        "volunteers", "weekend"]
NOTES = [
    "Good weather, many questions about facial recognition in stations.",
    "Shared the stall with a local digital rights group.",
    "Paper forms sent to the national office the next day.",
    "Local press covered the event; 2 articles.",
    "Quiet morning, busy from 14:00 to 18:00.",
    None,
]


def _demo_action(rng: random.Random, campaign: Campaign, organization: Organization, number: int) -> dict:
    kind = rng.choice(list(KINDS))
    typical_reach, paper_share = KINDS[kind]
    country = organization.country if rng.random() < 0.85 else rng.choice(list(LOCALITIES))
    day = campaign.starts_on + timedelta(days=rng.randrange(0, max(1, (date.today() - campaign.starts_on).days)))
    reach = max(1, int(rng.gauss(typical_reach, typical_reach / 3)))
    collects = rng.random() < paper_share
    return {
        "kind": kind, "action_date": day,
        "end_date": day + timedelta(days=rng.choice([1, 2])) if kind == "event" and rng.random() < 0.2 else None,
        "country": country,
        "locality": rng.choice(LOCALITIES[country]) if kind not in ("online_ad", "email", "social_post") else None,
        "reach": reach,
        "signatures_collected": int(reach * rng.uniform(0.05, 0.3)) if collects else None,
        "tags": rng.sample(TAGS, rng.randrange(0, 3)),
        "notes": rng.choice(NOTES),
        "origin_system": ORIGIN, "external_id": f"{organization.slug}-{number}",
    }


def load_demo_outreach(campaign: Campaign, organizations: list[Organization]) -> None:
    """Add the demo actions that are missing (by external id)."""
    for organization in organizations:
        existing = set(db.session.scalars(select(OutreachAction.external_id).where(
            OutreachAction.organization_id == organization.id, OutreachAction.origin_system == ORIGIN)))
        # One generator per organization: its actions stay the same whoever else is loaded.
        rng = random.Random(organization.slug)
        items = [_demo_action(rng, campaign, organization, n) for n in range(ACTIONS_PER_ORGANIZATION)]
        missing = [item for item in items if item["external_id"] not in existing]
        if missing:
            log_actions(campaign, organization, missing)
