"""Downstream: build the campaign's snapshot and push it to an upstream through the outbound client.

The snapshot is absolute: everything this instance aggregates (its members and the hubs below
it), so a push lost while the upstream is down is made good by the next one. The token comes
from the upstream's own /oauth/token (client credentials) and is kept until shortly before it
expires. Outcomes are recorded on the upstream row; local figures are never touched.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import time
from datetime import datetime, timedelta
from urllib.parse import quote

from flask import current_app
from sqlalchemy import func, or_, select, update

from coalition import crypto
from coalition.campaigns.models import SignatureTally
from coalition.db import utcnow
from coalition.extensions import db
from coalition.federation.models import FederatedHub, Upstream
from coalition.federation.snapshots import chain_of, own_instance
from coalition.organizations.models import Organization
from coalition.outbound import OutboundError, outbound_client
from coalition.validation import rfc3339

# At most one push per upstream in this interval; an unchanged snapshot is pushed again after NIGHTLY.
MIN_INTERVAL = timedelta(seconds=60)
NIGHTLY = timedelta(hours=24)
MAX_BACKOFF = 3600
# A token is renewed this long before the upstream says it expires.
TOKEN_MARGIN = 30.0


class PushFailed(Exception):
    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def build_snapshot(campaign_id: str, instance: str) -> dict:
    """The figures, member organizations and chain of instances of a campaign (no sequence yet)."""
    tallies = SignatureTally
    figures = [{"country": country, "channel": channel, "count": int(count)}
               for country, channel, count in db.session.execute(
                   select(tallies.country, tallies.channel, func.sum(tallies.figure))
                   .where(tallies.campaign_id == campaign_id)
                   .group_by(tallies.country, tallies.channel).order_by(tallies.country, tallies.channel))
               if count]
    newest = db.session.execute(select(func.max(tallies.total_as_of), func.max(tallies.last_delta_as_of))
                                .where(tallies.campaign_id == campaign_id)).one()
    as_of = max((when for when in newest if when is not None), default=None)
    members = [{"name": name, "country": country, "count": int(count)}
               for name, country, count in db.session.execute(
                   select(Organization.name, Organization.country, func.sum(tallies.figure))
                   .join(tallies, tallies.organization_id == Organization.id)
                   .where(tallies.campaign_id == campaign_id, Organization.kind != "hub")
                   .group_by(Organization.id, Organization.name, Organization.country)
                   .order_by(Organization.name)) if count]
    origin: list[str] = []
    for hub in db.session.scalars(select(FederatedHub).where(
            FederatedHub.campaign_id == campaign_id, FederatedHub.sequence >= 0).order_by(FederatedHub.instance)):
        members += hub.organizations
        origin += chain_of(hub.instance, hub.origin)
    return {"instance": instance, "as_of": as_of, "figures": figures, "organizations": members,
            "origin": list(dict.fromkeys([*origin, instance]))}


def digest_of(upstream: Upstream, snapshot: dict) -> str:
    content = {"url": upstream.url, "campaign": upstream.upstream_campaign, **snapshot}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _tokens() -> dict:
    return current_app.extensions.setdefault("coalition.federation_tokens", {})


def _problem(response) -> str:
    """A short account of an upstream's refusal, from its problem body when it sent one."""
    try:
        body = json.loads(response.body)
    except ValueError:
        body = None
    if isinstance(body, dict):
        text = " ".join(str(body[name]) for name in ("title", "detail", "error", "error_description")
                        if body.get(name))
        if body.get("errors"):
            text += " " + json.dumps(body["errors"], ensure_ascii=False)
        if text:
            return f"HTTP {response.status_code}: {text}"[:500]
    return f"HTTP {response.status_code}"


def _token_key(upstream: Upstream, secret: str) -> tuple:
    # A changed address or credential never reuses the old one's token.
    return upstream.id, upstream.url, upstream.client_id, hashlib.sha256(secret.encode()).hexdigest()


def _token(upstream: Upstream, secret: str) -> str:
    key = _token_key(upstream, secret)
    cached = _tokens().get(key)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    form = f"grant_type=client_credentials&scope={quote('federation:push')}".encode()
    response = outbound_client().request("POST", f"{upstream.url}/oauth/token", content=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
        "Authorization": "Basic " + _basic(upstream.client_id, secret)})
    if response.status_code != 200:
        raise PushFailed("token refused: " + _problem(response), response.status_code)
    try:
        answer = json.loads(response.body)
        token, lifetime = answer["access_token"], float(answer.get("expires_in", 60))
    except (ValueError, KeyError, TypeError):
        raise PushFailed("the token endpoint answered no token", response.status_code) from None
    if not isinstance(token, str) or not token:
        raise PushFailed("the token endpoint answered no token", response.status_code)
    _tokens()[key] = (token, time.monotonic() + max(0.0, lifetime - TOKEN_MARGIN))
    return token


def _basic(client_id: str, secret: str) -> str:
    return base64.b64encode(f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()).decode()


def _send(upstream: Upstream, body: bytes) -> bool:
    """PUT the snapshot, with one fresh token if the cached one is no longer taken; whether applied."""
    secret = crypto.decrypt(upstream.client_secret_ciphertext)
    url = f"{upstream.url}/api/v1/campaigns/{quote(upstream.upstream_campaign)}/federation/snapshot"
    for attempt in (1, 2):
        token = _token(upstream, secret)
        response = outbound_client().request("PUT", url, content=body, headers={
            "Content-Type": "application/json", "Accept": "application/json", "Authorization": f"Bearer {token}"})
        if response.status_code == 401 and attempt == 1:
            # Revoked or expired early upstream: one fresh token, then the answer stands.
            _tokens().pop(_token_key(upstream, secret), None)
            continue
        break
    upstream.last_status_code = response.status_code
    if not 200 <= response.status_code < 300:
        raise PushFailed(_problem(response), response.status_code)
    try:
        answer = json.loads(response.body)
        return bool(answer["applied"])
    except (ValueError, KeyError, TypeError):
        raise PushFailed(f"HTTP {response.status_code}: the answer is not a snapshot result",
                         response.status_code) from None


def _claim(upstream_id: str, now: datetime, force: bool) -> bool:
    """Take this minute's push of the upstream; another worker holding it means not now."""
    statement = update(Upstream).where(Upstream.id == upstream_id)
    if not force:
        statement = statement.where(or_(Upstream.last_attempt_date.is_(None),
                                        Upstream.last_attempt_date <= now - MIN_INTERVAL))
    claimed = db.session.execute(statement.values(last_attempt_date=now)).rowcount == 1
    db.session.commit()
    return claimed


def push_upstream(upstream_id: str, force: bool = False) -> str:
    """Push the campaign's snapshot if it changed (or a day has passed); the outcome in one word.

    `force` pushes now, changed or not, whatever the backoff (`coalition federation push --force`).
    """
    upstream = db.session.get(Upstream, upstream_id)
    now = utcnow()
    if upstream is None or upstream.status == "paused":
        return "skipped"
    if not force and upstream.next_attempt_date is not None and upstream.next_attempt_date > now:
        return "waiting"
    instance = own_instance()
    snapshot = build_snapshot(upstream.campaign_id, instance or "")
    digest = digest_of(upstream, snapshot)
    fresh = upstream.last_success_date is not None and upstream.last_success_date > now - NIGHTLY
    if not force and digest == upstream.pushed_digest and fresh:
        return "unchanged"
    if not _claim(upstream_id, now, force):
        return "waiting"
    upstream = db.session.get(Upstream, upstream_id)
    if upstream is None:
        return "skipped"
    try:
        if instance is None:
            raise PushFailed("PUBLIC_URL is not set: set it to this instance's external address")
        upstream.sequence = max(upstream.sequence + 1, time.time_ns() // 1000)
        body = {"instance": instance, "sequence": upstream.sequence,
                "as_of": rfc3339(snapshot["as_of"] or now), "figures": snapshot["figures"],
                "organizations": snapshot["organizations"], "origin": snapshot["origin"]}
        upstream.last_applied = _send(upstream, json.dumps(body).encode())
    except (PushFailed, OutboundError, crypto.MissingKeys) as error:
        _failed(upstream, str(error), getattr(error, "status_code", None), now)
        db.session.commit()
        return "failed"
    upstream.status, upstream.failures, upstream.next_attempt_date = "active", 0, None
    upstream.last_error, upstream.last_success_date, upstream.pushed_digest = None, now, digest
    db.session.commit()
    return "pushed"


def _failed(upstream: Upstream, message: str, status_code: int | None, now: datetime) -> None:
    """Record the failure and when to try again: 1, 2, 4 … minutes, at most an hour, with jitter."""
    upstream.failures += 1
    upstream.status = "failing"
    upstream.last_status_code = status_code
    upstream.last_error = message[:500]
    delay = min(60 * 2 ** (upstream.failures - 1), MAX_BACKOFF)
    upstream.next_attempt_date = now + timedelta(seconds=delay * random.uniform(1.0, 1.1))
