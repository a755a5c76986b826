"""Downstream: the upstreams a campaign's figures are pushed to. Never commits."""

from __future__ import annotations

from sqlalchemy import func, select

from coalition import crypto
from coalition.campaigns.models import Campaign
from coalition.db import utcnow
from coalition.errors import Conflict, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.federation.models import Upstream
from coalition.federation.snapshots import instance_key, own_instance
from coalition.i18n import _
from coalition.webhooks.operations import check_url

MAX_UPSTREAMS = 10


def _require_public_url() -> str:
    own = own_instance()
    if own is None:
        raise Conflict(_("Set PUBLIC_URL to this instance's external address first: the upstream "
                         "knows this instance by it, and refuses loops with it."))
    return own


def _checked_url(url: str) -> str:
    base = instance_key(url)
    check_url(base)
    if base == own_instance():
        raise ValidationFailed(errors={"url": [_("This is this instance's own address.")]})
    return base


def list_upstreams_query(campaign: Campaign):
    return select(Upstream).filter_by(campaign_id=campaign.id).order_by(Upstream.created_date, Upstream.id)


def get_upstream_or_404(campaign: Campaign, upstream_id: str) -> Upstream:
    upstream = db.session.get(Upstream, upstream_id)
    if upstream is None or upstream.campaign_id != campaign.id:
        raise NotFound(_("This campaign has no upstream with this id."))
    return upstream


def _refuse_duplicate(campaign: Campaign, url: str, upstream_campaign: str, upstream_id: str | None) -> None:
    statement = select(Upstream.id).filter_by(campaign_id=campaign.id, url=url, upstream_campaign=upstream_campaign)
    if any(found != upstream_id for found in db.session.scalars(statement)):
        raise Conflict(_("This campaign already pushes to that campaign of that instance."))


def create_upstream(campaign: Campaign, *, url: str, campaign_slug: str, client_id: str,
                    client_secret: str) -> Upstream:
    """Register an upstream; its first push follows at the worker's next round."""
    _require_public_url()
    count = db.session.scalar(select(func.count()).select_from(Upstream).filter_by(campaign_id=campaign.id))
    if count >= MAX_UPSTREAMS:
        raise ValidationFailed(_("A campaign may push to at most %(count)d upstreams.", count=MAX_UPSTREAMS))
    base = _checked_url(url)
    _refuse_duplicate(campaign, base, campaign_slug, None)
    upstream = Upstream(campaign_id=campaign.id, url=base, upstream_campaign=campaign_slug, client_id=client_id,
                        client_secret_ciphertext=crypto.encrypt(client_secret), status="active", sequence=0,
                        failures=0)
    db.session.add(upstream)
    db.session.flush()
    return upstream


def update_upstream(upstream: Upstream, changes: dict) -> Upstream:
    """Change where or as whom the pushes go, or pause and resume them; the next push follows soon."""
    if "url" in changes:
        upstream.url = _checked_url(changes["url"])
    if "campaign" in changes:
        upstream.upstream_campaign = changes["campaign"]
    if "client_id" in changes:
        upstream.client_id = changes["client_id"]
    if "client_secret" in changes:
        upstream.client_secret_ciphertext = crypto.encrypt(changes["client_secret"])
    _refuse_duplicate(upstream.campaign, upstream.url, upstream.upstream_campaign, upstream.id)
    if changes.get("status"):
        upstream.status = changes["status"]
    if changes.get("status") == "active" or changes.keys() & {"url", "campaign", "client_id", "client_secret"}:
        # A new address or credential deserves a try now, not after the old one's backoff.
        upstream.failures, upstream.next_attempt_date, upstream.pushed_digest = 0, None, None
        if upstream.status == "failing":
            upstream.status = "active"
    upstream.modified_date = utcnow()
    db.session.flush()
    return upstream


def delete_upstream(upstream: Upstream) -> None:
    db.session.delete(upstream)
    db.session.flush()
