"""The public counter: computed from the tallies, cached in two layers, served as ready bytes.

A write invalidates the shared entry (Redis, or the in-process cache) after it commits. Every
process also keeps a local copy for at most LOCAL_SECONDS, and the shared entry lives at most
SHARED_SECONDS, so a reader sees a figure at most two seconds old. A fresh local copy is
answered by `CounterShortcut` before Flask builds a request: partner sites poll this address far
more often than everything else together.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import func, select

from coalition.campaigns.models import Campaign, SignatureTally
from coalition.extensions import cache, db

LOCAL_SECONDS = 1.0
SHARED_SECONDS = 1.0
INVALIDATE_EVERY = 0.25
COUNTER_PATH = re.compile(r"^/api/v1/campaigns/([a-z0-9-]{1,64})/counter$")


@dataclass(frozen=True)
class CounterEntry:
    expires: float
    etag: str
    body: bytes
    headers: list[tuple[str, str]]

    def not_modified(self, if_none_match: str | None) -> bool:
        return bool(if_none_match) and (if_none_match.strip() == "*" or self.etag in if_none_match)


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


COUNTER_FIELDS = ("campaign", "total", "goal", "countries_over_threshold", "updated_at")


def compute_counter(campaign: Campaign) -> dict:
    """The counter's body: total, goal, countries at or above their threshold, last change."""
    if campaign.frozen_counter is not None:
        return {name: campaign.frozen_counter[name] for name in COUNTER_FIELDS}
    return _counter(campaign, *country_figures(campaign.id))


def freeze_counter(campaign: Campaign) -> dict:
    """The counter as the campaign closes, with each country's figure for the widget to show."""
    figures, updated = country_figures(campaign.id)
    return {**_counter(campaign, figures, updated), "countries": figures}


def _counter(campaign: Campaign, figures: dict[str, int], updated) -> dict:
    from coalition.campaigns.operations import campaign_thresholds
    from coalition.validation import rfc3339

    thresholds = campaign_thresholds(campaign)
    over = sum(1 for country, minimum in thresholds.items() if figures.get(country, 0) >= minimum)
    return {
        "campaign": campaign.slug,
        "total": sum(figures.values()),
        "goal": campaign.signature_goal,
        "countries_over_threshold": over,
        "updated_at": rfc3339(updated or campaign.created_date),
    }


def public_country_figures(campaign: Campaign) -> list[dict]:
    """Each country's reported figure against its threshold, furthest along first, as the public
    widget shows them: every member state of an ECI, the countries with a figure or a target of a
    petition. A closed campaign shows its figures at closing, like its counter (none if it closed
    before they were kept)."""
    from coalition.campaigns.eci import member_states
    from coalition.campaigns.operations import campaign_thresholds

    if campaign.frozen_counter is not None:
        figures = campaign.frozen_counter.get("countries")
        if figures is None:
            return []
    else:
        figures, _updated = country_figures(campaign.id)
    thresholds = campaign_thresholds(campaign)
    countries = member_states() if campaign.kind == "eci" else sorted(set(figures) | set(thresholds))
    rows = [{"country": country, "count": figures.get(country, 0), "threshold": thresholds.get(country)}
            for country in countries]
    return sorted(rows, key=lambda row: (-(row["count"] / row["threshold"]) if row["threshold"] else 0,
                                         -row["count"], row["country"]))


def _local(app: Flask) -> dict[str, CounterEntry]:
    return app.extensions.setdefault("coalition.counter_local", {})


def _entry(etag: bytes, body: bytes, max_age: int) -> CounterEntry:
    headers = [
        ("ETag", etag.decode()),
        ("Cache-Control", f"public, max-age={max_age}"),
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", "ETag"),
    ]
    return CounterEntry(time.monotonic() + LOCAL_SECONDS, etag.decode(), body, headers)


def counter_entry(slug: str) -> CounterEntry | None:
    """A campaign's counter, ready to answer, or None when no public campaign has this slug."""
    app = current_app._get_current_object()
    local = _local(app)
    entry = local.get(slug)
    if entry is not None and entry.expires > time.monotonic():
        return entry
    shared = cache.get(counter_key(slug))
    if shared is not None:
        etag, _sep, body = shared.partition(b"\n")
    else:
        from coalition.campaigns.operations import get_campaign

        campaign = get_campaign(slug)
        # A draft is not public yet.
        if campaign is None or campaign.status == "draft":
            return None
        body = json.dumps(compute_counter(campaign), separators=(",", ":")).encode()
        etag = b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'
        cache.set(counter_key(slug), etag + b"\n" + body, SHARED_SECONDS)
    entry = local[slug] = _entry(etag, body, app.extensions["coalition.config"].counter_max_age)
    return entry


def refresh_counter_after_commit(slug: str, throttled: bool = False) -> None:
    """Once the write commits, drop the cached counter so the next reader computes it afresh.

    Reports (`throttled`) drop the shared entry at most every INVALIDATE_EVERY seconds per
    process: under a stream of reports the entries' lifetimes still bound staleness to two
    seconds, and each report saves a round trip to Redis.
    """
    app = current_app._get_current_object()

    def invalidate() -> None:
        _local(app).pop(slug, None)
        dropped = app.extensions.setdefault("coalition.counter_dropped", {})
        now = time.monotonic()
        if not throttled or now - dropped.get(slug, float("-inf")) >= INVALIDATE_EVERY:
            dropped[slug] = now
            cache.delete(counter_key(slug))

    db.after_commit(invalidate)


# A widget revalidating its copy sends If-None-Match, which is not a CORS-safelisted header:
# browsers ask first, and the counter answers for any origin.
PREFLIGHT_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "If-None-Match, Accept-Language"),
    ("Access-Control-Max-Age", "86400"),
    ("Allow", "GET, HEAD, OPTIONS"),
]


class CounterShortcut:
    """WSGI middleware answering GET …/counter from a fresh local copy without a Flask request.

    Anything else, and a counter without a fresh copy, goes to the app: the route computes or
    fetches the counter and leaves the copy here for the next second.
    """

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.local = _local(app)
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "OPTIONS" and COUNTER_PATH.match(environ.get("PATH_INFO", "")):
            start_response("204 No Content", PREFLIGHT_HEADERS)
            return [b""]
        if environ.get("REQUEST_METHOD") == "GET":
            match = COUNTER_PATH.match(environ.get("PATH_INFO", ""))
            entry = self.local.get(match.group(1)) if match else None
            if entry is not None and entry.expires > time.monotonic():
                if entry.not_modified(environ.get("HTTP_IF_NONE_MATCH")):
                    start_response("304 Not Modified", entry.headers)
                    return [b""]
                start_response("200 OK", [*entry.headers, ("Content-Type", "application/json"),
                                          ("Content-Length", str(len(entry.body)))])
                return [entry.body]
        return self.wsgi_app(environ, start_response)


def install_shortcut(app: Flask) -> None:
    app.wsgi_app = CounterShortcut(app, app.wsgi_app)
