"""The datasets each domain offers for export: outreach actions and translation progress.

Signature datasets (ledger, progress, per-organization tallies) live beside the ledger in the
campaigns domain; this module registers what the other domains own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select

from coalition.campaigns.models import Campaign
from coalition.i18n import _l
from coalition.materials.delivery import campaign_progress
from coalition.metrics.datasets import Column, ExportScope, register_dataset, stream_rows
from coalition.organizations.models import Organization
from coalition.outreach.models import OutreachAction


def action_rows(campaign: Campaign, scope: ExportScope) -> Iterator[Sequence]:
    statement = (
        select(
            OutreachAction.id, Organization.slug, OutreachAction.kind, OutreachAction.action_date,
            OutreachAction.end_date, OutreachAction.country, OutreachAction.locality, OutreachAction.reach,
            OutreachAction.signatures_collected, OutreachAction.tags, OutreachAction.origin_system,
            OutreachAction.external_id, OutreachAction.created_date, OutreachAction.modified_date,
        )
        .join(Organization, Organization.id == OutreachAction.organization_id)
        .where(OutreachAction.campaign_id == campaign.id)
        .order_by(OutreachAction.action_date, OutreachAction.id)
    )
    if not scope.everything:
        statement = statement.where(OutreachAction.organization_id == scope.organization_id)
    for row in stream_rows(statement):
        # Tags are a list; a cell holds them separated by semicolons.
        yield (*row[:9], ";".join(row[9] or []), *row[10:])


def translation_rows(campaign: Campaign, scope: ExportScope) -> Iterator[Sequence]:
    """Translation progress is coalition-wide (no organization owns it): the same for everyone."""
    for progress in campaign_progress(campaign):
        yield (progress["locale"], progress["fields"], progress["untranslated"], progress["draft"],
               progress["needs_review"], progress["approved"], progress["outdated"],
               progress["percent_approved"])


register_dataset(
    "actions",
    _l("Outreach actions"),
    [
        Column("id", _l("Action"), "string", _l("The action's identifier in the API.")),
        Column("organization", _l("Organization"), "string", _l("Slug of the organization that logged it.")),
        Column("kind", _l("Kind"), "string", _l("street_stall, event, canvassing, online_ad, ...")),
        Column("action_date", _l("Date"), "date", _l("The day the action took place (or began).")),
        Column("end_date", _l("End date"), "date", _l("The last day of a multi-day action.")),
        Column("country", _l("Country"), "string", _l("ISO 3166-1 alpha-2 code.")),
        Column("locality", _l("Locality"), "string", _l("Town or place, free text.")),
        Column("reach", _l("People reached"), "integer", _l("How many people the action reached.")),
        Column("signatures_collected", _l("Signatures collected"), "integer",
               _l("Informational; the figures of record are the signature reports.")),
        Column("tags", _l("Tags"), "string", _l("Tags separated by semicolons.")),
        Column("origin_system", _l("Origin system"), "string", _l("The portal the action came from.")),
        Column("external_id", _l("External id"), "string", _l("The action's id in its origin system.")),
        Column("created_date", _l("Created"), "datetime", _l("When it was logged (UTC).")),
        Column("modified_date", _l("Modified"), "datetime", _l("When it last changed (UTC).")),
    ],
    action_rows,
)

register_dataset(
    "translations",
    _l("Translation progress per locale"),
    [
        Column("locale", _l("Locale"), "string", _l("BCP 47 language tag.")),
        Column("fields", _l("Fields"), "integer", _l("Source fields to translate.")),
        Column("untranslated", _l("Untranslated"), "integer", _l("Fields without a translation.")),
        Column("draft", _l("Draft"), "integer", _l("Fields in draft.")),
        Column("needs_review", _l("Needs review"), "integer", _l("Fields waiting for review.")),
        Column("approved", _l("Approved"), "integer", _l("Fields approved and current.")),
        Column("outdated", _l("Outdated"), "integer", _l("Fields translated from an older source revision.")),
        Column("percent_approved", _l("Percent approved"), "number", _l("Share of fields approved.")),
    ],
    translation_rows,
)
