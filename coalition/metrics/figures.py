"""Campaign metrics for coordinators and members: recent pace, projections, outreach, translations."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select

from coalition.auth.guard import Principal
from coalition.campaigns.counter import compute_counter
from coalition.campaigns.models import Campaign, SignatureTally
from coalition.campaigns.operations import campaign_thresholds
from coalition.campaigns.progress import figures_at
from coalition.db import utcnow
from coalition.extensions import db
from coalition.materials.delivery import campaign_progress
from coalition.metrics.operations import export_scope
from coalition.organizations.models import Organization
from coalition.outreach.models import OutreachAction

# The pace of the last RATE_DAYS days projects when the goal and each threshold will be reached.
RATE_DAYS = 14


def projected_date(current: int, target: int | None, daily_rate: float, today: date) -> date | None:
    """The day `target` is reached at `daily_rate`; None when reached already, or never at this pace."""
    if target is None or current >= target or daily_rate <= 0:
        return None
    return today + timedelta(days=math.ceil((target - current) / daily_rate))


def _pace(now_figure: int, past: list[int]) -> dict:
    """Change over the last 7 and 30 days and the daily rate, from the figures 30, RATE_DAYS and 7 days ago."""
    month_ago, rate_start, week_ago = past
    return {
        "last_7_days": now_figure - week_ago,
        "last_30_days": now_figure - month_ago,
        "daily_rate": round((now_figure - rate_start) / RATE_DAYS, 2),
    }


def _current_figures(campaign: Campaign, organization_id: str | None) -> list[tuple]:
    statement = (
        select(Organization.slug, SignatureTally.country, func.sum(SignatureTally.figure))
        .join(Organization, Organization.id == SignatureTally.organization_id)
        .where(SignatureTally.campaign_id == campaign.id)
        .group_by(Organization.slug, SignatureTally.country)
    )
    if organization_id is not None:
        statement = statement.where(SignatureTally.organization_id == organization_id)
    return [(slug, country, int(figure or 0)) for slug, country, figure in db.session.execute(statement)]


def _outreach(campaign: Campaign, organization_id: str | None, since: date) -> dict:
    statement = select(
        func.count(OutreachAction.id), func.coalesce(func.sum(OutreachAction.reach), 0),
        func.coalesce(func.sum(OutreachAction.signatures_collected), 0),
        func.count(OutreachAction.id).filter(OutreachAction.action_date >= since),
    ).where(OutreachAction.campaign_id == campaign.id)
    if organization_id is not None:
        statement = statement.where(OutreachAction.organization_id == organization_id)
    actions, reach, collected, recent = db.session.execute(statement).one()
    return {"actions": actions, "reach": int(reach), "signatures_collected": int(collected),
            "actions_last_30_days": recent}


def campaign_metrics(campaign: Campaign, principal: Principal) -> dict:
    """The coalition for coordinators with a coordinator scope, else the caller's organization (`export_scope`)."""
    scope = export_scope(principal)
    now = utcnow()
    today = now.date()
    instants = [now - timedelta(days=30), now - timedelta(days=RATE_DAYS), now - timedelta(days=7)]
    # past[group] = figures 30, RATE_DAYS and 7 days ago
    past_by_country: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    past_by_organization: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (organization, country, _channel), figures in figures_at(campaign, instants, scope.organization_id):
        for index, figure in enumerate(figures):
            past_by_country[country][index] += figure
            past_by_organization[organization][index] += figure
    now_by_country: dict[str, int] = defaultdict(int)
    now_by_organization: dict[str, int] = defaultdict(int)
    for organization, country, figure in _current_figures(campaign, scope.organization_id):
        now_by_country[country] += figure
        now_by_organization[organization] += figure

    thresholds = campaign_thresholds(campaign)
    total = sum(now_by_country.values())
    overall = _pace(total, [sum(column) for column in zip(*past_by_country.values())] or [0, 0, 0])
    countries = []
    for country in sorted(set(now_by_country) | set(thresholds)):
        current, threshold = now_by_country.get(country, 0), thresholds.get(country)
        country_pace = _pace(current, past_by_country[country])
        countries.append({
            "country": country, "count": current, "threshold": threshold,
            "met": current >= threshold if threshold else None, **country_pace,
            "projected_threshold_date": projected_date(current, threshold, country_pace["daily_rate"], today),
        })
    public = compute_counter(campaign)
    return {
        "campaign": campaign.slug,
        "scope": "coalition" if scope.everything else "organization",
        "organization": None if scope.everything else principal.organization_slug,
        "generated_date": now,
        "goal": campaign.signature_goal,
        "days_left": max(0, (campaign.ends_on - today).days),
        "public": {"total": public["total"], "countries_over_threshold": public["countries_over_threshold"]},
        "total": total,
        **overall,
        "projected_goal_date": projected_date(public["total"] if scope.everything else total,
                                              campaign.signature_goal, overall["daily_rate"], today),
        "countries": countries,
        "organizations": [
            {"organization": slug, "count": count, **_pace(count, past_by_organization[slug])}
            for slug, count in sorted(now_by_organization.items(), key=lambda item: (-item[1], item[0]))
        ],
        "outreach": _outreach(campaign, scope.organization_id, today - timedelta(days=30)),
        "translations": [
            {"locale": entry["locale"], "percent_approved": entry["percent_approved"]}
            for entry in campaign_progress(campaign)
        ],
    }
