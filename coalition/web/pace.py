"""The dashboard's pace and projected dates: the metrics' own figures, kept for a minute.

Pace is measured over two weeks, so a minute-old projection reads the same; the figures of the
dashboard (totals, member states, reports) are read fresh on every view. The metrics' past
figures cost several times the progress itself, and every coordinator's open dashboard would
pay for them again.
"""

from __future__ import annotations

import json
from datetime import date

from coalition.auth.visibility import visible_organization_id
from coalition.campaigns import eci
from coalition.db import utcnow
from coalition.extensions import cache
from coalition.metrics.figures import campaign_metrics
from coalition.web.charts import seven_state_date

PACE_SECONDS = 60
DATES = ("projected_goal_date", "states_date")


def pace_key(campaign, principal) -> str:
    return f"coalition:dashboard-pace:{campaign.id}:{visible_organization_id(principal) or 'coalition'}"


def dashboard_pace(campaign, principal) -> dict:
    """Daily rate, last week, days left, the projected goal date and member-state date, and
    translation progress, as `GET …/metrics` answers them for this person."""
    key = pace_key(campaign, principal)
    cached = cache.get(key)
    if cached is not None:
        pace = json.loads(cached)
        return {**pace, **{name: date.fromisoformat(pace[name]) if pace[name] else None for name in DATES}}
    metrics = campaign_metrics(campaign, principal)
    states_date = (seven_state_date(metrics["countries"], utcnow().date(), eci.REQUIRED_STATES)
                   if campaign.kind == "eci" else None)
    pace = {name: metrics[name] for name in ("scope", "daily_rate", "last_7_days", "days_left",
                                             "projected_goal_date", "translations")}
    pace["states_date"] = states_date
    stored = {**pace, **{name: pace[name].isoformat() if pace[name] else None for name in DATES}}
    cache.set(key, json.dumps(stored).encode(), PACE_SECONDS)
    return pace
