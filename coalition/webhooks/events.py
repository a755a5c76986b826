"""The event types webhooks carry, what each payload holds, and the calls the domains make.

Every event goes to the outbox in the transaction of the change it describes (one short call
in the operation that makes the change). Payloads hold ids, slugs and counts, never personal
data. Who hears of an event follows from its payload (see `visible_to`).
"""

from __future__ import annotations

from collections import defaultdict

from coalition.outbox import record_event

# type → (what it says, an example payload); the README's catalogue is generated from this.
EVENT_TYPES: dict[str, tuple[str, dict]] = {
    "signatures.reported": (
        "An organization's figures changed: one event per organization per committed request, "
        "with the new figure of every country and channel the request changed.",
        {"campaign": "reclaim-your-face", "organization": "digital-rights-de",
         "figures": [{"country": "DE", "channel": "paper", "count": 12840}]}),
    "campaign.goal_reached": (
        "The campaign's total reached its signature goal (once).",
        {"campaign": "reclaim-your-face", "total": 1000000, "goal": 1000000}),
    "campaign.threshold_reached": (
        "A member state reached its ECI threshold (once per country).",
        {"campaign": "reclaim-your-face", "country": "DE", "count": 69120, "threshold": 69120}),
    "campaign.status_changed": (
        "A campaign moved from draft to live, or was closed.",
        {"campaign": "reclaim-your-face", "status": "live", "previous_status": "draft"}),
    "material.created": (
        "A material was created in a campaign.",
        {"campaign": "reclaim-your-face", "material": "0b7f5a0e-3f0c-4a4e-9a53-0d4ad9d7c2a1",
         "slug": "street-leaflet", "kind": "leaflet", "revision": 1}),
    "material.revised": (
        "A material's source text changed: a new revision.",
        {"campaign": "reclaim-your-face", "material": "0b7f5a0e-3f0c-4a4e-9a53-0d4ad9d7c2a1",
         "slug": "street-leaflet", "kind": "leaflet", "revision": 2}),
    "translation.submitted": (
        "A translation was submitted for review.",
        {"campaign": "reclaim-your-face", "material": "0b7f5a0e-3f0c-4a4e-9a53-0d4ad9d7c2a1",
         "slug": "street-leaflet", "locale": "de", "status": "needs_review", "based_on_revision": 2}),
    "translation.approved": (
        "A translation was approved.",
        {"campaign": "reclaim-your-face", "material": "0b7f5a0e-3f0c-4a4e-9a53-0d4ad9d7c2a1",
         "slug": "street-leaflet", "locale": "de", "status": "approved", "based_on_revision": 2}),
    "translation.outdated": (
        "A material was revised: its translations in these locales are now outdated.",
        {"campaign": "reclaim-your-face", "material": "0b7f5a0e-3f0c-4a4e-9a53-0d4ad9d7c2a1",
         "slug": "street-leaflet", "revision": 3, "locales": ["de", "fr"]}),
    "export.finished": (
        "A background export is ready to download (heard by the organization that asked for it).",
        {"export": "5d1c3a52-8f7e-4b0a-9c61-2f3e4d5a6b7c", "campaign": "reclaim-your-face",
         "organization": "lead-ngo", "dataset": "signatures", "format": "csv", "rows": 2310}),
    "export.failed": (
        "A background export failed.",
        {"export": "5d1c3a52-8f7e-4b0a-9c61-2f3e4d5a6b7c", "campaign": "reclaim-your-face",
         "organization": "lead-ngo", "dataset": "signatures", "format": "csv", "rows": 0}),
    "source.failed": (
        "A counter source stopped answering usable figures (once per outage).",
        {"campaign": "reclaim-your-face", "organization": "digital-rights-de",
         "source": "7e2b9c4d-1a3f-4e5b-8c6d-9f0a1b2c3d4e", "kind": "eci_online"}),
    "source.held": (
        "A counter source reported a lower figure; it waits for a coordinator.",
        {"campaign": "reclaim-your-face", "organization": "digital-rights-de",
         "source": "7e2b9c4d-1a3f-4e5b-8c6d-9f0a1b2c3d4e", "country": "DE", "channel": "online",
         "count": 10200, "current": 10450}),
    "federation.snapshot_received": (
        "A national hub pushed a snapshot of its figures.",
        {"campaign": "reclaim-your-face", "organization": "hub-at", "instance": "https://at.example.org",
         "sequence": 42, "total": 35120}),
    "webhook.ping": (
        "Sent by POST /api/v1/webhooks/{id}/ping, to that subscription only.",
        {"organization": "digital-rights-de", "subscription": "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f"}),
    "webhook.disabled": (
        "One of the organization's subscriptions was disabled after failed deliveries (sent to "
        "its other subscriptions).",
        {"organization": "digital-rights-de", "subscription": "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f",
         "reason": "gone"}),
}


def visible_to(subscription, kind: str, payload: dict) -> bool:
    """An organization hears only of what it may read: its own organization's events (and
    coordinators everyone's), a campaign's shared events, its own webhooks' events."""
    organization = subscription.organization
    if kind == "webhook.ping":
        return payload.get("subscription") == subscription.id
    if kind.startswith("webhook."):
        return payload.get("organization") == organization.slug and payload.get("subscription") != subscription.id
    if "organization" in payload:
        return organization.is_coordinator or payload["organization"] == organization.slug
    return True


def announce_figures(campaign_slug: str, figures: list[dict]) -> None:
    """`signatures.reported`, one per organization whose figures the request changed."""
    by_organization = defaultdict(list)
    for figure in figures:
        by_organization[figure["organization"]].append(
            {"country": figure["country"], "channel": figure["channel"], "count": figure["count"]})
    for organization, changed in by_organization.items():
        record_event("signatures.reported", {"campaign": campaign_slug, "organization": organization,
                                             "figures": changed})


def announce_status(campaign_slug: str, previous_status: str, status: str) -> None:
    if status != previous_status:
        record_event("campaign.status_changed", {"campaign": campaign_slug, "status": status,
                                                 "previous_status": previous_status})


def announce_material(kind: str, material) -> None:
    """`material.created` or `material.revised`; a revision also outdates the translations."""
    base = {"campaign": material.campaign.slug, "material": material.id, "slug": material.slug}
    record_event(kind, {**base, "kind": material.kind, "revision": material.revision})
    if kind == "material.revised":
        from sqlalchemy import select

        from coalition.extensions import db
        from coalition.materials.models import Translation

        # Translations of the revision before were current until now; older ones were outdated already.
        locales = sorted(db.session.scalars(select(Translation.locale).filter_by(
            material_id=material.id, based_on_revision=material.revision - 1)))
        if locales:
            record_event("translation.outdated", {**base, "revision": material.revision, "locales": locales})


def announce_translation(material, translation) -> None:
    """`translation.submitted` or `translation.approved`, by the translation's new status."""
    kind = {"needs_review": "translation.submitted", "approved": "translation.approved"}.get(translation.status)
    if kind:
        record_event(kind, {"campaign": material.campaign.slug, "material": material.id, "slug": material.slug,
                            "locale": translation.locale, "status": translation.status,
                            "based_on_revision": translation.based_on_revision})


def announce_export(job) -> None:
    """`export.finished` or `export.failed`, heard by the organization that asked (and coordinators)."""
    kind = "export.finished" if job.status.value == "finished" else "export.failed"
    record_event(kind, {"export": job.id, "campaign": job.campaign.slug, "organization": job.organization.slug,
                        "dataset": job.dataset, "format": job.format, "rows": job.rows})
