"""One poll of one source: ask, compare, and write only what changed. Commits (it runs as a job).

A poll's figures are totals of the source's organization as of the poll time. A figure equal to
what the source answered last changes nothing and writes nothing to the database; a higher one
becomes a `total` report through the ledger; a lower one is held until a coordinator accepts it.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from datetime import time as day_time

from sqlalchemy import select

from coalition import crypto
from coalition.auth.guard import Principal
from coalition.campaigns.models import SignatureTally
from coalition.campaigns.signatures import record_reports
from coalition.db import utcnow
from coalition.errors import ProblemError
from coalition.extensions import cache, db
from coalition.outbound import outbound_client
from coalition.outbox import record_event
from coalition.sources.kinds import Reading, read_figures
from coalition.sources.models import CounterSource, SourceRun
from coalition.sources.problems import PollFailed
from coalition.validation import rfc3339
from coalition.webhooks.events import announce_figures

log = logging.getLogger(__name__)

# Polls that changed nothing are remembered here (source id → RFC 3339 time), not in the database.
CHECKED = "coalition:sources:checked"
# The longest pause between two polls of a failing source.
BACKOFF_CAP = 3600


def next_delay(source: CounterSource) -> int:
    """Seconds until the next poll: the interval, doubled with each failure in a row, up to an hour."""
    if source.failures == 0:
        return source.interval
    return min(source.interval * 2 ** min(source.failures, 12), max(source.interval, BACKOFF_CAP))


def takes_figures(source: CounterSource, now: datetime) -> bool:
    """Whether the campaign takes the source's figures now: live, and not past its end."""
    campaign = source.campaign
    after_end = datetime.combine(campaign.ends_on + timedelta(days=1), day_time.min, tzinfo=UTC)
    return campaign.status == "live" and now < after_end


def reading_of(source: CounterSource) -> Reading:
    api_key = None
    if source.credentials_ciphertext:
        api_key = crypto.decrypt(source.credentials_ciphertext)
    return Reading(source.kind, source.url, source.country, dict(source.options or {}), api_key)


def poll(source_id: str) -> int | None:
    """Poll the source once; seconds until its next poll, None when it is not to be polled."""
    source = db.session.get(CounterSource, source_id)
    if source is None or source.status == "paused":
        db.rollback()
        return None
    started = utcnow()
    if not takes_figures(source, started):
        db.rollback()
        return source.interval
    reading = reading_of(source)
    # The read transaction ends here: no connection waits on the other system's answer.
    db.rollback()
    clock = time.monotonic()
    try:
        figures = read_figures(outbound_client(), reading)
    except PollFailed as failure:
        return _failed(source_id, failure, started, clock)
    return _answered(source_id, figures, started, clock)


def _milliseconds(clock: float) -> int:
    return int((time.monotonic() - clock) * 1000)


def _mark_checked(source_id: str, started: datetime) -> bool:
    """Remember an unchanged poll in Redis; False when there is no Redis to remember it."""
    redis = cache.redis
    if redis is None:
        return False
    return bool(cache.attempt(lambda: redis.hset(CHECKED, source_id, rfc3339(started)) is not None, False))


def checked_times(source_ids: list[str]) -> dict[str, datetime]:
    """When each source last answered figures that changed nothing (only those known to Redis)."""
    from coalition.validation import parse_rfc3339

    redis = cache.redis
    if redis is None or not source_ids:
        return {}
    values = cache.attempt(lambda: redis.hmget(CHECKED, source_ids), None) or []
    return {source_id: parse_rfc3339(value.decode()) for source_id, value in zip(source_ids, values) if value}


def _failed(source_id: str, failure: PollFailed, started: datetime, clock: float) -> int | None:
    source = db.session.get(CounterSource, source_id)
    if source is None:
        db.rollback()
        return None
    outage_starts = source.failures == 0
    source.failures += 1
    source.last_polled = started
    source.last_error = failure.as_record()
    if source.status == "active":
        source.status = "failing"
    db.session.add(SourceRun(source_id=source.id, started_date=started, duration_ms=_milliseconds(clock),
                             outcome="failed", error=failure.as_record()))
    if outage_starts:
        record_event("source.failed", {"campaign": source.campaign.slug, "organization": source.organization.slug,
                                       "source": source.id, "kind": source.kind})
    delay = next_delay(source)
    db.commit()
    return delay


def _current_figures(source: CounterSource, countries: list[str]) -> dict[str, int]:
    rows = db.session.execute(select(SignatureTally.country, SignatureTally.figure).where(
        SignatureTally.campaign_id == source.campaign_id, SignatureTally.organization_id == source.organization_id,
        SignatureTally.channel == source.channel, SignatureTally.country.in_(countries)))
    return {country: int(count) for country, count in rows}


def _principal(source: CounterSource) -> Principal:
    """The source's organization, as the author of the reports its polls write."""
    organization = source.organization
    return Principal(client_id=None, organization_id=organization.id, organization_slug=organization.slug,
                     role=organization.role, scopes=frozenset({"signatures:write"}), locales=None, expires_at=0)


def _answered(source_id: str, figures: dict[str, int], started: datetime, clock: float) -> int | None:
    source = db.session.get(CounterSource, source_id)
    if source is None:
        db.rollback()
        return None
    previous = source.last_values or {}
    changed = {country: count for country, count in figures.items() if previous.get(country) != count}
    recovering = source.failures > 0
    if not changed and not recovering:
        delay = next_delay(source)
        db.rollback()
        if not _mark_checked(source_id, started):
            # Without Redis (the embedded default) the database remembers the poll instead.
            source = db.session.get(CounterSource, source_id)
            if source is not None:
                source.last_polled = source.last_success = started
                db.commit()
        return delay
    current = _current_figures(source, sorted(changed))
    held = dict(source.held or {})
    items, newly_held = [], []
    for country, count in sorted(changed.items()):
        now_figure = current.get(country, 0)
        if count >= now_figure:
            held.pop(country, None)
            if count > now_figure:
                items.append({"country": country, "channel": source.channel, "mode": "total", "count": count,
                              "as_of": started})
        else:
            held[country] = {"count": count, "current": now_figure, "as_of": rfc3339(started)}
            newly_held.append((country, count, now_figure))
    written = 0
    if items:
        try:
            outcome = record_reports(source.campaign, _principal(source), items, source_id=source.id)
        except ProblemError:
            log.warning("campaign %s refused the figures of source %s", source.campaign_id, source_id, exc_info=True)
            db.rollback()
            return _failed(source_id, PollFailed("refused_by_campaign"), started, clock)
        announce_figures(source.campaign.slug, outcome["figures"])
        written = len(items)
    for country, count, now_figure in newly_held:
        record_event("source.held", {"campaign": source.campaign.slug, "organization": source.organization.slug,
                                     "source": source.id, "country": country, "channel": source.channel,
                                     "count": count, "current": now_figure})
    source.last_values = {**previous, **figures}
    source.held = held or None
    source.last_polled = source.last_success = started
    if recovering:
        source.failures, source.last_error = 0, None
        if source.status == "failing":
            source.status = "active"
    outcome_name = "changed" if items else "held" if newly_held else "recovered" if recovering else "changed"
    db.session.add(SourceRun(source_id=source.id, started_date=started, duration_ms=_milliseconds(clock),
                             outcome=outcome_name, values=figures, written=written))
    delay = next_delay(source)
    db.commit()
    return delay
