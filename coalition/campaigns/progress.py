"""Progress against the ECI thresholds, and time series replayed from the ledger."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import func, select

from coalition.campaigns import eci
from coalition.campaigns.counter import country_figures
from coalition.campaigns.models import Campaign, SignatureReport, SignatureTally
from coalition.campaigns.operations import campaign_thresholds, list_verifications
from coalition.extensions import db
from coalition.organizations.models import Organization


def projected(count: int, rate: float) -> int:
    """count × rate, rounded down, without binary floating-point surprises (1000 × 0.85 = 850)."""
    return int((Decimal(count) * Decimal(str(rate))).to_integral_value(rounding=ROUND_FLOOR))


def campaign_progress(campaign: Campaign) -> dict:
    figures, _updated = country_figures(campaign.id)
    thresholds = campaign_thresholds(campaign)
    verified = {v.country: v.valid for v in list_verifications(campaign)}
    if campaign.kind == "eci":
        countries = list(eci.member_states())
    else:
        countries = sorted(set(figures) | set(thresholds) | set(verified))
    rows = []
    for country in countries:
        count = figures.get(country, 0)
        threshold = thresholds.get(country)
        valid = verified.get(country)
        rows.append({
            "country": country,
            "count": count,
            "verified": valid,
            "projected_valid": valid if valid is not None else projected(count, campaign.expected_validity_rate),
            "threshold": threshold,
            "ratio": round(count / threshold, 4) if threshold else None,
            "met": count >= threshold if threshold else None,
        })
    organizations = db.session.execute(
        select(Organization.slug, func.sum(SignatureTally.figure))
        .join(Organization, Organization.id == SignatureTally.organization_id)
        .where(SignatureTally.campaign_id == campaign.id)
        .group_by(Organization.slug)
        .order_by(func.sum(SignatureTally.figure).desc(), Organization.slug)
    ).all()
    total = sum(figures.values())
    result = {
        "campaign": campaign.slug,
        "total": total,
        "countries_over_threshold": sum(1 for row in rows if row["met"]),
        "countries": rows,
        "organizations": [{"organization": slug, "count": int(count or 0)} for slug, count in organizations],
        "eci": None,
    }
    if campaign.kind == "eci":
        projected_by_country = {row["country"]: row["projected_valid"] for row in rows}
        result["eci"] = {
            "required_total": eci.REQUIRED_TOTAL,
            "required_states": eci.REQUIRED_STATES,
            "met_reported": eci.is_successful(total, figures, thresholds),
            "met_projected": eci.is_successful(sum(projected_by_country.values()), projected_by_country, thresholds),
        }
    return result


def _period_start(day: date, granularity: str) -> date:
    return day - timedelta(days=day.weekday()) if granularity == "week" else day


def _figures_at(reports: list, ends: list[datetime]) -> list[int]:
    """The figure of one tally key at each end time, from its reports sorted by (as_of, id)."""
    figures, total, total_as_of, deltas, position = [], 0, None, 0, 0
    for end in ends:
        while position < len(reports) and reports[position].as_of <= end:
            report = reports[position]
            if report.mode == "total":
                # Sorted by as_of, so every delta seen so far is at or before this total.
                total, total_as_of, deltas = report.count, report.as_of, 0
            elif total_as_of is None or report.as_of > total_as_of:
                deltas += report.count
            position += 1
        figures.append(total + deltas)
    return figures


def _ledger_by_key(campaign: Campaign, organization_id: str | None = None) -> dict[tuple, list]:
    """The campaign's reports in the order they count, per (organization slug, country, channel)."""
    statement = (
        select(Organization.slug, SignatureReport.country, SignatureReport.channel,
               SignatureReport.mode, SignatureReport.count, SignatureReport.as_of)
        .join(Organization, Organization.id == SignatureReport.organization_id)
        .where(SignatureReport.campaign_id == campaign.id)
        .order_by(SignatureReport.as_of, SignatureReport.id)
    )
    if organization_id is not None:
        statement = statement.where(SignatureReport.organization_id == organization_id)
    by_key: dict[tuple, list] = defaultdict(list)
    for report in db.session.execute(statement):
        by_key[(report.slug, report.country, report.channel)].append(report)
    return by_key


def figures_at(campaign: Campaign, instants: list[datetime], organization_id: str | None = None) -> list[tuple]:
    """Replay the ledger: per (organization slug, country, channel), the figure at each instant."""
    return [(key, _figures_at(reports, instants))
            for key, reports in _ledger_by_key(campaign, organization_id).items()]


def signature_series(campaign: Campaign, granularity: str, group_by: str) -> dict:
    """Per group and period: the figure at the period's end and its increment over the previous one."""
    by_key = _ledger_by_key(campaign)
    part = {"organization": 0, "country": 1, "channel": 2}[group_by]  # of the (slug, country, channel) key
    periods: list[date] = []
    ends: list[datetime] = []
    if by_key:
        step = timedelta(days=7 if granularity == "week" else 1)
        first_as_of = min(reports[0].as_of for reports in by_key.values())
        start = _period_start(max(campaign.starts_on, first_as_of.date()), granularity)
        last = _period_start(max(reports[-1].as_of for reports in by_key.values()).date(), granularity)
        while start <= last:
            periods.append(start)
            start += step
        ends = [datetime.combine(p + step, time.min, tzinfo=UTC) - timedelta(microseconds=1) for p in periods]
    figures: dict[str, list[int]] = defaultdict(lambda: [0] * len(periods))
    for key, key_reports in by_key.items():
        group = figures[key[part]]
        for index, figure in enumerate(_figures_at(key_reports, ends)):
            group[index] += figure
    series = []
    for group in sorted(figures):
        points, previous = [], 0
        for period, figure in zip(periods, figures[group]):
            points.append({"period_start": period, "figure": figure, "increment": figure - previous})
            previous = figure
        series.append({"group": group, "points": points})
    return {"campaign": campaign.slug, "granularity": granularity, "group_by": group_by, "series": series}
