"""The public counter: computed from the tallies, cached in two layers, served as ready bytes.

A write invalidates the shared entry (Redis, or the in-process cache) after it commits. Every
process also keeps a local copy for at most LOCAL_SECONDS, and the shared entry lives at most
SHARED_SECONDS, so a reader sees a figure at most two seconds old without a network round trip
on most requests.
"""

from __future__ import annotations

import hashlib
import json
import time

from flask import current_app
from sqlalchemy import func, select

from coalition.campaigns.models import Campaign, SignatureTally
from coalition.extensions import cache, db

LOCAL_SECONDS = 1.0
SHARED_SECONDS = 1.0


def counter_key(slug: str) -> str:
    return f"coalition:counter:{slug}"


def country_figures(campaign_id: str) -> tuple[dict[str, int], object]:
    """Reported figure per country and when any figure last changed."""
    rows = db.session.execute(
        select(SignatureTally.country, func.sum(SignatureTally.figure), func.max(SignatureTally.modified_date))
        .where(SignatureTally.campaign_id == campaign_id)
        .group_by(SignatureTally.country)
    ).all()
    updated = max((row[2] for row in rows), default=None)
    return {row[0]: int(row[1] or 0) for row in rows}, updated


def compute_counter(campaign: Campaign) -> dict:
    """The counter's body: total, goal, countries at or above their threshold, last change."""
    from coalition.campaigns.operations import campaign_thresholds
    from coalition.validation import UTCDateTime

    if campaign.frozen_counter is not None:
        return campaign.frozen_counter
    figures, updated = country_figures(campaign.id)
    thresholds = campaign_thresholds(campaign)
    over = sum(1 for country, minimum in thresholds.items() if figures.get(country, 0) >= minimum)
    return {
        "campaign": campaign.slug,
        "total": sum(figures.values()),
        "goal": campaign.signature_goal,
        "countries_over_threshold": over,
        "updated_at": UTCDateTime()._serialize(updated or campaign.created_date, None, None),
    }


def _local() -> dict[str, tuple[float, bytes, bytes]]:
    return current_app.extensions.setdefault("coalition.counter_local", {})


def counter_bytes(slug: str) -> tuple[bytes, bytes] | None:
    """(ETag, JSON body) of a campaign's counter, or None when no campaign has this slug."""
    local = _local()
    now = time.monotonic()
    entry = local.get(slug)
    if entry is not None and entry[0] > now:
        return entry[1], entry[2]
    shared = cache.get(counter_key(slug))
    if shared is not None:
        etag, _sep, body = shared.partition(b"\n")
    else:
        from coalition.campaigns.operations import get_campaign

        campaign = get_campaign(slug)
        if campaign is None:
            return None
        body = json.dumps(compute_counter(campaign), separators=(",", ":")).encode()
        etag = b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'
        cache.set(counter_key(slug), etag + b"\n" + body, SHARED_SECONDS)
    local[slug] = (now + LOCAL_SECONDS, etag, body)
    return etag, body


def refresh_counter_after_commit(slug: str) -> None:
    """Once the write commits, drop the cached counter so the next reader computes it afresh."""

    def invalidate() -> None:
        _local().pop(slug, None)
        cache.delete(counter_key(slug))

    db.after_commit(invalidate)
