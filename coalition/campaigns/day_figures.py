"""The figure of each key at the end of each day, kept as reports arrive (SignatureDayFigure).

A report at `as_of` on day d changes the figures at the end of d and of the days after it, up to
the next day that has a total (that total does not count what came before it). So a report
shifts one run of rows by the same amount, and changes at most two increments: d's, and that of
the day with the next total.

A key whose reports in a request each come at or after everything it had before moves forward
only: the end of its day is the tally's figure after each report, and nothing needs to be read. Any other
key reads its rows from the first day it touches, and the row before, to shift them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime

import orjson
from sqlalchemy import and_, func, or_, select, text

from coalition.campaigns.models import SignatureDayFigure
from coalition.campaigns.tallies import Key, TallyState
from coalition.extensions import db

DAY = SignatureDayFigure.__table__


@dataclass
class DayRow:
    figure: int
    total_as_of: datetime | None
    # What this request adds to the stored increment, and the total it sets (else the stored one stays).
    increment_change: int = 0
    new_total_as_of: datetime | None = None
    changed: bool = False


class KeyDays:
    """The day rows of one key that a request may change."""

    def __init__(self, base: int, rows: dict[date, DayRow], forward: bool) -> None:
        self.base = base  # the figure before the first row held here
        self.rows = rows
        self.days = sorted(rows)
        # Every report of the request at or after all the key had: its day ends at the tally's figure.
        self.forward = forward

    def _row(self, day: date) -> DayRow:
        row = self.rows.get(day)
        if row is None:
            position = bisect_left(self.days, day)
            row = DayRow(self.rows[self.days[position - 1]].figure if position else self.base, None)
            self.rows[day] = row
            self.days.insert(position, day)
        row.changed = True
        return row

    def _shift(self, day: date, amount: int) -> None:
        """Add `amount` to the figures from `day` up to the next day with a total."""
        if not amount:
            return
        row = self.rows[day]
        row.figure += amount
        row.increment_change += amount
        for later in self.days[bisect_right(self.days, day):]:
            row = self.rows[later]
            row.changed = True
            if row.total_as_of is not None:
                row.increment_change -= amount
                return
            row.figure += amount

    def apply(self, item: dict, state: TallyState) -> None:
        """Account for one report, after `signatures._apply` gave it to the tally `state`."""
        as_of = item["as_of"]
        day = as_of.date()
        row = self._row(day)
        if self.forward:
            row.increment_change += state.figure - row.figure
            row.figure = state.figure
            if item["mode"] == "total":
                row.new_total_as_of = as_of
            return
        if item["mode"] == "delta":
            if row.total_as_of is None or row.total_as_of < as_of:
                self._shift(day, item["count"])
            return
        if row.total_as_of is not None and row.total_as_of > as_of:
            return
        end_of_day = sum(c for when, c in (*state.stored_deltas, *state.pending_deltas)
                         if when > as_of and when.date() == day)
        self._shift(day, item["count"] + end_of_day - row.figure)
        row.total_as_of = row.new_total_as_of = as_of


def _latest(state: TallyState) -> datetime | None:
    known = [when for when in (state.stored_total_as_of, state.stored_last_delta_as_of) if when is not None]
    return max(known) if known else None


def prepare_days(campaign_id: str, states: dict[Key, TallyState], items: list[dict], keys: list[Key]) -> dict:
    """KeyDays for every key of the request, before any report is applied to the tallies."""
    latest: dict[Key, datetime | None] = {key: _latest(state) for key, state in states.items()}
    first_day: dict[Key, date] = {}
    backward: set[Key] = set()
    for item, key in zip(items, keys):
        as_of = item["as_of"]
        seen = latest[key]
        if seen is None or as_of >= seen:
            latest[key] = as_of
        else:
            backward.add(key)
        day = as_of.date()
        if key not in first_day or day < first_day[key]:
            first_day[key] = day
    days = {key: KeyDays(states[key].figure, {}, forward=True) for key in states if key not in backward}
    days.update(_load(campaign_id, {key: first_day[key] for key in backward}))
    return days


# The keys and their first days travel as one JSON document, as the tallies' do: a statement
# built per key in Python cost more than ten times the query.
_LOAD_POSTGRESQL = text(
    "SELECT d.organization_id, d.country, d.channel, d.day, d.figure, d.total_as_of "
    "FROM json_to_recordset(CAST(:keys AS json)) AS k(organization_id varchar, country varchar, channel varchar, "
    "day date) JOIN signature_day_figures AS d ON d.campaign_id = :campaign_id "
    "AND d.organization_id = k.organization_id AND d.country = k.country AND d.channel = k.channel "
    "AND d.day >= coalesce((SELECT max(e.day) FROM signature_day_figures AS e WHERE e.campaign_id = :campaign_id "
    "AND e.organization_id = k.organization_id AND e.country = k.country AND e.channel = k.channel "
    "AND e.day < k.day), k.day)"
).columns(day=DAY.c.day.type, total_as_of=DAY.c.total_as_of.type)


def _load(campaign_id: str, first_days: dict[Key, date]) -> dict[Key, KeyDays]:
    """The rows of each key from its first day on, and the row before (the figure before that day)."""
    if not first_days:
        return {}
    days = {key: KeyDays(0, {}, forward=False) for key in first_days}
    if db.session.get_bind().dialect.name == "postgresql":
        keys = [{"organization_id": o, "country": c, "channel": ch, "day": day.isoformat()}
                for (o, c, ch), day in first_days.items()]
        rows = db.session.execute(_LOAD_POSTGRESQL, {"campaign_id": campaign_id,
                                                     "keys": orjson.dumps(keys).decode()})
    else:
        rows = _load_elsewhere(campaign_id, first_days)
    for row in rows:
        days[(row.organization_id, row.country, row.channel)].rows[row.day] = DayRow(int(row.figure), row.total_as_of)
    for key_days in days.values():
        key_days.days = sorted(key_days.rows)
    return days


def _load_elsewhere(campaign_id: str, first_days: dict[Key, date]):
    earlier = DAY.alias("earlier")
    conditions = []
    for (organization_id, country, channel), day in first_days.items():
        same = and_(earlier.c.campaign_id == campaign_id, earlier.c.organization_id == organization_id,
                    earlier.c.country == country, earlier.c.channel == channel, earlier.c.day < day)
        before = select(func.max(earlier.c.day)).where(same).scalar_subquery()
        conditions.append(and_(DAY.c.organization_id == organization_id, DAY.c.country == country,
                               DAY.c.channel == channel, DAY.c.day >= func.coalesce(before, day)))
    return db.session.execute(
        select(DAY.c.organization_id, DAY.c.country, DAY.c.channel, DAY.c.day, DAY.c.figure, DAY.c.total_as_of)
        .where(DAY.c.campaign_id == campaign_id, or_(*conditions)))


_COLUMNS = ("organization_id", "country", "channel", "day", "figure", "increment", "total_as_of")
_TYPES = ("varchar", "varchar", "varchar", "date", "bigint", "bigint", "timestamptz")
# Part of the statement that writes the tallies (ledger.WRITE_TALLIES), as a data-modifying CTE:
# one round trip for both. The rows travel as one JSON document, as the tallies do.
WRITE_DAYS_CTE = (
    "days AS (INSERT INTO signature_day_figures (campaign_id, organization_id, country, channel, day, figure, "
    "increment, total_as_of) SELECT :campaign_id, d.* FROM json_to_recordset(CAST(:days AS json)) AS d("
    f"{', '.join(f'{name} {kind}' for name, kind in zip(_COLUMNS, _TYPES))}) "
    "ON CONFLICT (campaign_id, organization_id, country, channel, day) DO UPDATE SET figure = excluded.figure, "
    "increment = signature_day_figures.increment + excluded.increment, "
    "total_as_of = coalesce(excluded.total_as_of, signature_day_figures.total_as_of))"
)


def changed_rows(days: dict[Key, KeyDays]) -> list[dict]:
    """The rows a request changed: their figure, the change of their increment, a new total's time."""
    return [{"organization_id": key[0], "country": key[1], "channel": key[2], "day": day, "figure": row.figure,
             "increment": row.increment_change, "total_as_of": row.new_total_as_of}
            for key, key_days in sorted(days.items()) for day, row in sorted(key_days.rows.items()) if row.changed]


def write_days_elsewhere(campaign_id: str, rows: list[dict]) -> None:
    """SQLite: store the changed rows (PostgreSQL writes them with the tallies, see WRITE_DAYS_CTE);
    their keys' tallies are locked, so nobody else writes them."""
    if not rows:
        return
    from sqlalchemy.dialects.sqlite import insert

    statement = insert(DAY)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[DAY.c.campaign_id, DAY.c.organization_id, DAY.c.country, DAY.c.channel, DAY.c.day],
        set_={"figure": statement.excluded.figure, "increment": DAY.c.increment + statement.excluded.increment,
              "total_as_of": func.coalesce(statement.excluded.total_as_of, DAY.c.total_as_of)},
    ), [{"campaign_id": campaign_id, **row} for row in rows])
