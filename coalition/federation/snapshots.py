"""Upstream: snapshots pushed by hub organizations, applied as their totals. Never commits.

A snapshot holds absolute figures. It goes into the ledger through `record_reports`, as `total`
reports of the hub organization at the snapshot's `as_of`, so the hub shows in progress, metrics
and exports like any organization. The chain of instances (`origin`) keeps a figure from being
counted twice: the instances behind two hubs of a campaign never overlap, and a snapshot that
has passed through this very instance is a loop.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select

from coalition.campaigns.models import FUTURE_TOLERANCE, Campaign, SignatureTally
from coalition.campaigns.operations import check_campaign_country, get_campaign_or_404
from coalition.campaigns.signatures import record_reports
from coalition.campaigns.tallies import insert_ignoring_conflicts
from coalition.db import new_uuid, utcnow
from coalition.errors import Conflict, ValidationFailed
from coalition.extensions import db
from coalition.federation.models import FederatedHub
from coalition.i18n import _
from coalition.outbox import record_event


def instance_key(url: str) -> str:
    """An instance URL as compared: scheme and host lower-cased, no trailing slash."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def own_instance() -> str | None:
    """This instance's PUBLIC_URL when it was set (a guessed default names no instance)."""
    config = current_app.extensions["coalition.config"]
    return instance_key(config.public_url) if config.public_url_configured else None


def chain_of(instance: str, origin: list[str]) -> list[str]:
    """Every instance behind a snapshot, each once, in order, ending with the pushing one."""
    pusher = instance_key(instance)
    return [*dict.fromkeys(key for key in map(instance_key, origin) if key != pusher), pusher]


def _check_as_of(campaign: Campaign, as_of: datetime) -> None:
    if as_of > utcnow() + FUTURE_TOLERANCE:
        message = _("Cannot be more than 5 minutes in the future.")
    elif as_of < datetime.combine(campaign.starts_on, time.min, tzinfo=UTC):
        message = _("Before the campaign started.")
    elif as_of >= datetime.combine(campaign.ends_on + timedelta(days=1), time.min, tzinfo=UTC):
        message = _("After the campaign ended: signatures collected after the end do not count.")
    else:
        return
    raise ValidationFailed(errors={"as_of": [message]})


def _check_countries(campaign: Campaign, figures: list[dict]) -> None:
    errors = {}
    for index, figure in enumerate(figures):
        problem = check_campaign_country(campaign, figure["country"])
        if problem:
            errors[str(index)] = {"country": [problem]}
    if errors:
        raise ValidationFailed(errors={"figures": errors})


def _check_chain(campaign: Campaign, organization_id: str, chain: list[str]) -> None:
    """Refuse a loop, and instances already counted through another hub of the campaign."""
    own = own_instance()
    if own is not None and own in chain:
        raise Conflict(_("This snapshot has already passed through this instance (%(instance)s): "
                         "applying it would count its figures in a loop.", instance=own))
    others = db.session.scalars(select(FederatedHub).where(
        FederatedHub.campaign_id == campaign.id, FederatedHub.organization_id != organization_id))
    for other in others:
        shared = set(chain) & set(chain_of(other.instance, other.origin))
        if shared:
            raise Conflict(_("The figures of %(instance)s already arrive through the hub %(hub)s: "
                             "applying this snapshot would count them twice.",
                             instance=sorted(shared)[0], hub=other.organization.slug))


def _locked_hub(campaign: Campaign, organization_id: str, snapshot: dict, now: datetime) -> FederatedHub:
    """The hub's row, created if new; the campaign is locked so that snapshots apply one at a time
    (two hubs' chains are compared with each other)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Campaign.id).where(Campaign.id == campaign.id).with_for_update(key_share=True))
    insert_ignoring_conflicts(FederatedHub.__table__, [{
        "id": new_uuid(), "campaign_id": campaign.id, "organization_id": organization_id,
        "instance": instance_key(snapshot["instance"]), "sequence": -1, "as_of": snapshot["as_of"],
        "origin": [], "organizations": [], "received_date": now, "created_date": now, "modified_date": now}])
    return db.session.scalars(select(FederatedHub).filter_by(
        campaign_id=campaign.id, organization_id=organization_id).execution_options(populate_existing=True)).one()


def _hub_figures(campaign_id: str, organization_id: str) -> dict[tuple[str, str], int]:
    return {(country, channel): figure for country, channel, figure in db.session.execute(
        select(SignatureTally.country, SignatureTally.channel, SignatureTally.figure).where(
            SignatureTally.campaign_id == campaign_id, SignatureTally.organization_id == organization_id))}


def apply_snapshot(slug: str, principal, snapshot: dict) -> dict:
    """Apply a hub's snapshot as its organization's totals; one not newer than the last changes nothing."""
    campaign = get_campaign_or_404(slug)
    _check_as_of(campaign, snapshot["as_of"])
    _check_countries(campaign, snapshot["figures"])
    chain = chain_of(snapshot["instance"], snapshot["origin"])
    now = utcnow()
    hub = _locked_hub(campaign, principal.organization_id, snapshot, now)
    answer = {"campaign": campaign.slug, "organization": principal.organization_slug, "figures": []}
    if snapshot["sequence"] <= hub.sequence:
        return {**answer, "applied": False, "sequence": hub.sequence, "as_of": hub.as_of}
    _check_chain(campaign, principal.organization_id, chain)
    current = _hub_figures(campaign.id, principal.organization_id)
    wanted = {(figure["country"], figure["channel"]): figure["count"] for figure in snapshot["figures"]}
    # A figure left out of an absolute snapshot is zero.
    wanted.update({key: 0 for key in current.keys() - wanted.keys()})
    reason = f"federation {chain[-1]} #{snapshot['sequence']}"
    items = [{"country": country, "channel": channel, "mode": "total", "count": count,
              "as_of": snapshot["as_of"], "reason": reason}
             for (country, channel), count in sorted(wanted.items()) if current.get((country, channel)) != count]
    changed = record_reports(campaign, principal, items)["figures"] if items else []
    hub.instance, hub.sequence, hub.as_of, hub.origin = chain[-1], snapshot["sequence"], snapshot["as_of"], chain[:-1]
    hub.organizations, hub.received_date = snapshot["organizations"], now
    db.session.flush()
    total = sum(_hub_figures(campaign.id, principal.organization_id).values())
    record_event("federation.snapshot_received", {
        "campaign": campaign.slug, "organization": principal.organization_slug, "instance": hub.instance,
        "sequence": hub.sequence, "total": total})
    figures = [{"country": f["country"], "channel": f["channel"], "count": f["count"]} for f in changed]
    return {**answer, "applied": True, "sequence": hub.sequence, "as_of": hub.as_of, "figures": figures}


def federation_of(slug: str) -> dict:
    """Each hub of a campaign: its instance, last sequence, as_of, chain, members and total."""
    campaign = get_campaign_or_404(slug)
    hubs = list(db.session.scalars(select(FederatedHub).where(
        FederatedHub.campaign_id == campaign.id, FederatedHub.sequence >= 0).order_by(FederatedHub.instance)))
    totals = dict(db.session.execute(
        select(SignatureTally.organization_id, func.sum(SignatureTally.figure))
        .where(SignatureTally.campaign_id == campaign.id,
               SignatureTally.organization_id.in_([hub.organization_id for hub in hubs]))
        .group_by(SignatureTally.organization_id)).all())
    return {"campaign": campaign.slug, "instance": own_instance(), "hubs": [
        {"organization": hub.organization.slug, "instance": hub.instance, "sequence": hub.sequence,
         "as_of": hub.as_of, "received_date": hub.received_date, "origin": hub.origin,
         "total": int(totals.get(hub.organization_id) or 0), "organizations": hub.organizations}
        for hub in hubs]}
