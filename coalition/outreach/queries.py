"""Reading outreach actions: filters, sorting, pages and the summary by kind, country and week."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import cast, exists, func, select
from sqlalchemy.dialects.postgresql import JSONB

from coalition.campaigns.models import Campaign
from coalition.extensions import db
from coalition.organizations.models import Organization
from coalition.outreach.models import OutreachAction
from coalition.pagination import cheap_total, keyset_paginate

A = OutreachAction

# sort name → (column, descending)
SORT_COLUMNS = {
    "action_date": (A.action_date, False), "-action_date": (A.action_date, True),
    "reach": (A.reach, False), "-reach": (A.reach, True),
    "created_date": (A.created_date, False), "-created_date": (A.created_date, True),
}


def json_list_contains(column, value: str):
    """`value` is an element of the JSON list in `column`, on PostgreSQL and SQLite alike."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(column, JSONB).contains([value])
    elements = func.json_each(column).table_valued("value").alias()
    return exists(select(1).select_from(elements).where(elements.c.value == value))


def action_conditions(campaign: Campaign, filters: dict) -> list:
    conditions = [A.campaign_id == campaign.id]
    if filters.get("organization"):
        conditions.append(A.organization_id == select(Organization.id).where(
            Organization.slug == filters["organization"]).scalar_subquery())
    if filters.get("kind"):
        conditions.append(A.kind == filters["kind"])
    if filters.get("country"):
        conditions.append(A.country == filters["country"])
    if filters.get("since"):
        conditions.append(A.action_date >= filters["since"])
    if filters.get("until"):
        conditions.append(A.action_date <= filters["until"])
    if filters.get("tag"):
        conditions.append(json_list_contains(A.tags, filters["tag"]))
    if filters.get("material"):
        conditions.append(json_list_contains(A.materials, str(filters["material"])))
    return conditions


def list_actions(campaign: Campaign, filters: dict, sort: str, pages: dict) -> dict:
    """One page (`pages`: page, per_page, after) of the actions, filtered and sorted."""
    statement = select(A).where(*action_conditions(campaign, filters))
    # Ties are broken by id so that pages neither repeat nor skip actions.
    return keyset_paginate(statement, [SORT_COLUMNS[sort], (A.id, False)], pages, cheap_total(statement))


def iso_week(day: date) -> tuple[str, date]:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}", date.fromisocalendar(year, week, 1)


def summarize_actions(campaign: Campaign, filters: dict) -> dict:
    """Actions, reach and signatures per kind × country × ISO week of the action date."""
    # Grouping by day in SQL and folding days into ISO weeks here works on every backend; the
    # rows are bounded by days × kinds × countries, not by the number of actions.
    rows = db.session.execute(
        select(A.kind, A.country, A.action_date, func.count(),
               func.sum(A.reach), func.sum(func.coalesce(A.signatures_collected, 0)))
        .where(*action_conditions(campaign, filters))
        .group_by(A.kind, A.country, A.action_date)
    )
    cells: dict[tuple, dict] = defaultdict(lambda: {"actions": 0, "reach": 0, "signatures_collected": 0})
    for kind, country, day, actions, reach, signatures in rows:
        week, monday = iso_week(day)
        cell = cells[(week, country, kind, monday)]
        cell["actions"] += int(actions)
        cell["reach"] += int(reach or 0)
        cell["signatures_collected"] += int(signatures or 0)
    groups = [{"kind": kind, "country": country, "week": week, "week_starts_on": monday, **cell}
              for (week, country, kind, monday), cell in sorted(cells.items())]
    totals = {key: sum(group[key] for group in groups) for key in ("actions", "reach", "signatures_collected")}
    return {"campaign": campaign.slug, "totals": totals, "groups": groups}
