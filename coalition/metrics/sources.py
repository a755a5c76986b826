"""The datasets coordinators export: the signature ledger, progress per country, figures per
organization, outreach actions and translation progress."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import and_, case, func, select

from coalition.campaigns.models import Campaign, SignatureReport, SignatureTally
from coalition.campaigns.progress import campaign_progress as signature_progress
from coalition.extensions import db
from coalition.i18n import _l
from coalition.materials.delivery import campaign_progress
from coalition.metrics.datasets import (
    Column,
    ExportScope,
    count_at_most,
    register_dataset,
    stream_rows,
)
from coalition.organizations.models import Organization
from coalition.outreach.models import OutreachAction


def signature_statement(campaign: Campaign, scope: ExportScope):
    statement = (
        select(
            SignatureReport.id, Organization.slug, SignatureReport.country, SignatureReport.channel,
            SignatureReport.mode, SignatureReport.count, SignatureReport.as_of, SignatureReport.figure,
            SignatureReport.reason, SignatureReport.created_date, SignatureReport.source_id,
        )
        .join(Organization, Organization.id == SignatureReport.organization_id)
        .where(SignatureReport.campaign_id == campaign.id)
        .order_by(SignatureReport.id)
    )
    if not scope.everything:
        statement = statement.where(SignatureReport.organization_id == scope.organization_id)
    return statement


def signature_rows(campaign: Campaign, scope: ExportScope) -> Iterator[Sequence]:
    return stream_rows(signature_statement(campaign, scope))


def signature_count(campaign: Campaign, scope: ExportScope, limit: int | None = None) -> int:
    return count_at_most(signature_statement(campaign, scope), limit)


def progress_rows(campaign: Campaign, scope: ExportScope) -> Iterator[Sequence]:
    """The coalition's progress per country; a member's export holds its own counts instead."""
    progress = signature_progress(campaign)
    own = None
    if not scope.everything:
        own = dict(db.session.execute(
            select(SignatureTally.country, func.sum(SignatureTally.figure))
            .where(SignatureTally.campaign_id == campaign.id,
                   SignatureTally.organization_id == scope.organization_id)
            .group_by(SignatureTally.country)).all())
    for row in progress["countries"]:
        if own is None:
            yield (row["country"], row["count"], row["verified"], row["projected_valid"], row["threshold"],
                   row["ratio"], row["met"])
        else:
            count = int(own.get(row["country"]) or 0)
            yield (row["country"], count, None, None, row["threshold"],
                   round(count / row["threshold"], 4) if row["threshold"] else None, None)


def organization_rows(campaign: Campaign, scope: ExportScope) -> Iterator[Sequence]:
    """Every organization with its figures in this campaign, by channel (zero where none)."""
    def channel_sum(channel: str):
        return func.coalesce(func.sum(case((SignatureTally.channel == channel, SignatureTally.figure), else_=0)), 0)

    statement = (
        select(
            Organization.slug, Organization.name, Organization.country, Organization.role, Organization.status,
            Organization.created_date, channel_sum("paper"), channel_sum("online"),
            func.coalesce(func.sum(SignatureTally.figure), 0),
        )
        .outerjoin(SignatureTally, and_(SignatureTally.organization_id == Organization.id,
                                        SignatureTally.campaign_id == campaign.id))
        .group_by(Organization.id)
        .order_by(Organization.slug)
    )
    if not scope.everything:
        statement = statement.where(Organization.id == scope.organization_id)
    return stream_rows(statement)


def _action_statement(campaign: Campaign, scope: ExportScope):
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
    return statement


def action_count(campaign: Campaign, scope: ExportScope, limit: int | None = None) -> int:
    return count_at_most(_action_statement(campaign, scope), limit)


def action_rows(campaign: Campaign, scope: ExportScope) -> Iterator[Sequence]:
    return stream_rows(_action_statement(campaign, scope))


def translation_rows(campaign: Campaign, scope: ExportScope) -> Iterator[Sequence]:
    """Translation progress is coalition-wide (no organization owns it): the same for everyone."""
    for progress in campaign_progress(campaign):
        yield (progress["locale"], progress["fields"], progress["untranslated"], progress["draft"],
               progress["needs_review"], progress["approved"], progress["outdated"],
               progress["percent_approved"])


register_dataset(
    "signatures",
    _l("Signature reports (the ledger)"),
    [
        Column("id", _l("Report"), "string", _l("The report's identifier in the API.")),
        Column("organization", _l("Organization"), "string", _l("Slug of the organization that reported.")),
        Column("country", _l("Country"), "string", _l("ISO 3166-1 alpha-2 code.")),
        Column("channel", _l("Channel"), "string", _l("paper or online.")),
        Column("mode", _l("Mode"), "string", _l("total (the figure so far) or delta (signatures added).")),
        Column("count", _l("Count"), "integer", _l("The number reported.")),
        Column("as_of", _l("As of"), "datetime", _l("When the signatures were counted (UTC).")),
        Column("figure", _l("Figure after"), "integer",
               _l("The organization's figure for this country and channel right after the report.")),
        Column("reason", _l("Reason"), "string", _l("Why a figure was corrected.")),
        Column("created_date", _l("Received"), "datetime", _l("When the report arrived (UTC).")),
        Column("source", _l("Source"), "string",
               _l("The counter source whose poll wrote the report; empty for reports a client sent.")),
    ],
    signature_rows,
    signature_count,
    signature_statement,
)

register_dataset(
    "progress",
    _l("Progress per country"),
    [
        Column("country", _l("Country"), "string", _l("ISO 3166-1 alpha-2 code.")),
        Column("count", _l("Reported"), "integer", _l("Signatures reported.")),
        Column("verified", _l("Verified"), "integer", _l("Found valid by the national authority.")),
        Column("projected_valid", _l("Projected valid"), "integer",
               _l("Verified where recorded, else reported times the expected validity rate.")),
        Column("threshold", _l("Threshold"), "integer", _l("The minimum for this member state.")),
        Column("ratio", _l("Ratio"), "number", _l("Reported divided by threshold.")),
        Column("met", _l("Threshold met"), "boolean", _l("Whether the reported figure reaches the threshold.")),
    ],
    progress_rows,
)

register_dataset(
    "organizations",
    _l("Figures per organization"),
    [
        Column("slug", _l("Slug"), "string", _l("The organization's identifier in the API.")),
        Column("name", _l("Name"), "string", _l("The organization's name.")),
        Column("country", _l("Country"), "string", _l("ISO 3166-1 alpha-2 code of its home country.")),
        Column("role", _l("Role"), "string", _l("member or coordinator.")),
        Column("status", _l("Status"), "string", _l("active or suspended.")),
        Column("created_date", _l("Created"), "datetime", _l("When it joined the coalition (UTC).")),
        Column("paper", _l("Paper"), "integer", _l("Signatures it reported on paper forms.")),
        Column("online", _l("Online"), "integer", _l("Signatures it reported online.")),
        Column("count", _l("Total"), "integer", _l("All signatures it reported in this campaign.")),
    ],
    organization_rows,
)

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
        Column("tags", _l("Tags"), "string", _l("Tags separated by semicolons."), is_list=True),
        Column("origin_system", _l("Origin system"), "string", _l("The portal the action came from.")),
        Column("external_id", _l("External id"), "string", _l("The action's id in its origin system.")),
        Column("created_date", _l("Created"), "datetime", _l("When it was logged (UTC).")),
        Column("modified_date", _l("Modified"), "datetime", _l("When it last changed (UTC).")),
    ],
    action_rows,
    action_count,
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
