"""Row-level access to the tallies: create missing rows, lock them, write them back.

On PostgreSQL the rows are locked with SELECT ... FOR UPDATE in key order, so concurrent reports
on the same figure queue instead of losing an update, and two batches cannot deadlock. SQLite
transactions begin IMMEDIATE, which already serialises writers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import and_, select, text, tuple_

from coalition.campaigns.models import FUTURE_TOLERANCE, SignatureReport, SignatureTally
from coalition.extensions import db

Key = tuple[str, str, str]  # organization_id, country, channel

TALLY = SignatureTally.__table__


@dataclass
class TallyState:
    """A tally as read under lock, changed in memory by the reports of one request."""

    key: Key
    total_count: int | None
    total_as_of: datetime | None
    delta_sum: int
    last_delta_as_of: datetime | None
    stored_total_as_of: datetime | None = None
    stored_last_delta_as_of: datetime | None = None
    # Deltas in the ledger that a total of this request may have to count (see `load_stored_deltas`).
    stored_deltas: list[tuple[datetime, int]] = field(default_factory=list)
    pending_deltas: list[tuple[datetime, int]] = field(default_factory=list)
    changed: bool = False
    added_reports: int = 0

    @property
    def figure(self) -> int:
        return (self.total_count or 0) + self.delta_sum


def insert_ignoring_conflicts(table, rows: list[dict], returning=None):
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).on_conflict_do_nothing()
    if returning is not None:
        return db.session.execute(statement.values(rows).returning(returning))
    return db.session.execute(statement, rows)


def _key_filter(campaign_id: str, keys: list[Key]):
    if len(keys) == 1:
        organization_id, country, channel = keys[0]
        return and_(TALLY.c.campaign_id == campaign_id, TALLY.c.organization_id == organization_id,
                    TALLY.c.country == country, TALLY.c.channel == channel)
    return and_(TALLY.c.campaign_id == campaign_id,
                tuple_(TALLY.c.organization_id, TALLY.c.country, TALLY.c.channel).in_(keys))


def _states(rows) -> dict[Key, TallyState]:
    return {
        (r[0], r[1], r[2]): TallyState((r[0], r[1], r[2]), r[3], r[4], int(r[5]), r[6], stored_total_as_of=r[4],
                                      stored_last_delta_as_of=r[6])
        for r in rows
    }


def _select_locked(campaign_id: str, keys: list[Key]) -> dict[Key, TallyState]:
    return _states(db.session.execute(
        select(TALLY.c.organization_id, TALLY.c.country, TALLY.c.channel, TALLY.c.total_count,
               TALLY.c.total_as_of, TALLY.c.delta_sum, TALLY.c.last_delta_as_of)
        .where(_key_filter(campaign_id, keys))
        .order_by(TALLY.c.organization_id, TALLY.c.country, TALLY.c.channel)
        .with_for_update()
    ))


def _create_missing(campaign_id: str, keys: list[Key], now: datetime) -> None:
    insert_ignoring_conflicts(TALLY, [
        {"campaign_id": campaign_id, "organization_id": o, "country": c, "channel": ch,
         "delta_sum": 0, "figure": 0, "modified_date": now}
        for o, c, ch in keys
    ])


# The keys travel as one JSON document: psycopg dumps a list per element in Python, which cost
# more than the statements themselves.
_KEYS = ("(SELECT key->>0 AS organization_id, key->>1 AS country, key->>2 AS channel "
         "FROM json_array_elements(CAST(:keys AS json)) AS key) AS k")
# Missing tallies are created, then all are locked, each in key order: a transaction waits only
# for rows or inserts that come before in that order, so two batches cannot deadlock.
_CREATE_MISSING = text(
    "INSERT INTO signature_tallies (campaign_id, organization_id, country, channel, delta_sum, figure, modified_date) "
    f"SELECT :campaign_id, k.organization_id, k.country, k.channel, 0, 0, :now FROM {_KEYS} "
    "ORDER BY k.organization_id, k.country, k.channel ON CONFLICT DO NOTHING"
)
# The organizations, listed apart, let PostgreSQL read only their tallies through the primary key.
_LOCK = text(
    "SELECT t.organization_id, t.country, t.channel, t.total_count, t.total_as_of, t.delta_sum, t.last_delta_as_of "
    f"FROM signature_tallies AS t JOIN {_KEYS} ON t.organization_id = k.organization_id "
    "AND t.country = k.country AND t.channel = k.channel WHERE t.campaign_id = :campaign_id "
    "AND t.organization_id = ANY(ARRAY(SELECT json_array_elements_text(CAST(:organization_ids AS json)))) "
    "ORDER BY t.organization_id, t.country, t.channel FOR UPDATE OF t"
).columns(total_as_of=TALLY.c.total_as_of.type, last_delta_as_of=TALLY.c.last_delta_as_of.type)


def _lock_many_postgresql(campaign_id: str, keys: list[Key], now: datetime) -> dict[Key, TallyState]:
    params = {"campaign_id": campaign_id, "now": now, "keys": orjson.dumps(keys).decode(),
              "organization_ids": orjson.dumps(sorted({key[0] for key in keys})).decode()}
    db.session.execute(_CREATE_MISSING, params)
    return _states(db.session.execute(_LOCK, params))


def lock_tallies(campaign_id: str, keys: set[Key], now: datetime) -> dict[Key, TallyState]:
    """Every tally of these keys, created if missing, locked until the transaction ends."""
    ordered = sorted(keys)
    if len(ordered) == 1:
        # One row: nothing else is held while it is created, so lock first, create if missing.
        states = _select_locked(campaign_id, ordered)
        if not states:
            _create_missing(campaign_id, ordered, now)
            states = _select_locked(campaign_id, ordered)
        return states
    if db.session.get_bind().dialect.name == "postgresql":
        return _lock_many_postgresql(campaign_id, ordered, now)
    existing = {tuple(row) for row in db.session.execute(
        select(TALLY.c.organization_id, TALLY.c.country, TALLY.c.channel).where(_key_filter(campaign_id, ordered)))}
    missing = [key for key in ordered if key not in existing]
    if missing:
        _create_missing(campaign_id, missing, now)
    return _select_locked(campaign_id, ordered)


def load_stored_deltas(campaign_id: str, states: dict[Key, TallyState], totals: list[tuple[Key, datetime]]) -> None:
    """Give each tally the ledger's deltas that a total of this request, older than them, must count.

    One query for the whole request, before its reports are written. A delta is made at most
    FUTURE_TOLERANCE before its `as_of`, so only reports made since then are read, found by the
    ledger's index on that time.
    """
    wanted = {key for key, as_of in totals
              if states[key].stored_last_delta_as_of is not None and states[key].stored_last_delta_as_of > as_of}
    if not wanted:
        return
    since = min(as_of for key, as_of in totals if key in wanted)
    report = SignatureReport
    rows = db.session.execute(
        select(report.organization_id, report.country, report.channel, report.as_of, report.count).where(
            report.created_date > since - FUTURE_TOLERANCE, report.campaign_id == campaign_id,
            tuple_(report.organization_id, report.country, report.channel).in_(sorted(wanted)),
            report.mode == "delta", report.as_of > since)
    )
    for organization_id, country, channel, as_of, count in rows:
        states[(organization_id, country, channel)].stored_deltas.append((as_of, count))
