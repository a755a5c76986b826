"""Rules for campaigns. Operations flush, never commit."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import bindparam, select

from coalition.campaigns import eci
from coalition.campaigns.models import STATUSES, Campaign, Verification
from coalition.db import utcnow
from coalition.errors import Conflict, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _


def get_campaign(slug: str) -> Campaign | None:
    return db.session.scalars(select(Campaign).filter_by(slug=slug)).first()


def get_campaign_or_404(slug: str) -> Campaign:
    campaign = get_campaign(slug)
    if campaign is None:
        raise NotFound(_("No campaign has this slug."))
    return campaign


CAMPAIGN_RULE_COLUMNS = ("id", "slug", "kind", "status", "starts_on", "ends_on", "signature_goal",
                         "eci_registered_on", "country_targets")
_CAMPAIGN_ROW = select(*[Campaign.__table__.c[name] for name in CAMPAIGN_RULE_COLUMNS]).where(
    Campaign.__table__.c.slug == bindparam("slug"))


def campaign_rules_or_404(slug: str):
    """The columns reports are checked against, as a read-only row: the report path reads no more.

    Lighter than loading the ORM object: a report request does little else.
    """
    row = db.session.execute(_CAMPAIGN_ROW, {"slug": slug}).first()
    if row is None:
        raise NotFound(_("No campaign has this slug."))
    return row


def list_campaigns(status: str | None = None):
    """The select of campaigns, newest start first (for `paginate`)."""
    statement = select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.slug)
    if status:
        statement = statement.filter_by(status=status)
    return statement


FIELDS = ("kind", "starts_on", "ends_on", "eci_registered_on", "country_targets")


def _check_campaign(campaign) -> None:
    """Cross-field rules, checked on the values a campaign would have (nothing is changed)."""
    errors: dict[str, list[str]] = {}
    if campaign.ends_on <= campaign.starts_on:
        errors["ends_on"] = [_("Must be after starts_on.")]
    if campaign.kind == "eci":
        if campaign.eci_registered_on is None:
            errors["eci_registered_on"] = [_("A European Citizens' Initiative needs its registration date.")]
        elif campaign.eci_registered_on > campaign.starts_on:
            errors["eci_registered_on"] = [_("Collection cannot start before registration.")]
        if campaign.country_targets:
            errors["country_targets"] = [_("ECI thresholds follow from the registration date; "
                                           "only petitions set their own targets.")]
    if errors:
        raise ValidationFailed(errors=errors)


def _with_source(source: str, locales: list[str]) -> list[str]:
    """The campaign's locales always include its source locale, first."""
    return [source, *[locale for locale in locales if locale != source]]


def create_campaign(slug: str, title: str, starts_on: date, ends_on: date, **fields) -> Campaign:
    if get_campaign(slug) is not None:
        raise Conflict(_("A campaign with this slug already exists."))
    source = fields.setdefault("source_locale", "en")
    fields["locales"] = _with_source(source, fields.get("locales") or [])
    campaign = Campaign(slug=slug, title=title, starts_on=starts_on, ends_on=ends_on, **fields)
    _check_campaign(campaign)
    if campaign.status == "closed":
        raise ValidationFailed(errors={"status": [_("A new campaign is draft or live.")]})
    db.session.add(campaign)
    db.session.flush()
    return campaign


def update_campaign(campaign: Campaign, **changes) -> Campaign:
    """Change fields; `status` only moves forward, and closing freezes the public counter."""
    from coalition.campaigns.counter import freeze_counter, refresh_counter_after_commit
    from coalition.webhooks.events import announce_status

    status = changes.pop("status", campaign.status)
    if STATUSES.index(status) < STATUSES.index(campaign.status):
        raise Conflict(_("A campaign's status moves forward only: draft, live, closed."))
    if campaign.status == "closed" and changes:
        raise Conflict(_("A closed campaign cannot be changed."))
    _check_campaign(SimpleNamespace(**{name: changes.get(name, getattr(campaign, name)) for name in FIELDS}))
    if "locales" in changes or "source_locale" in changes:
        changes["locales"] = _with_source(changes.get("source_locale", campaign.source_locale),
                                          changes.get("locales", campaign.locales))
    for name, value in changes.items():
        setattr(campaign, name, value)
    if status == "closed" and campaign.status != "closed":
        campaign.closed_date = utcnow()
        campaign.frozen_counter = freeze_counter(campaign)
    announce_status(campaign.slug, campaign.status, status)
    campaign.status = status
    campaign.modified_date = utcnow()
    db.session.flush()
    refresh_counter_after_commit(campaign.slug)
    return campaign


def campaign_thresholds(campaign: Campaign) -> dict[str, int]:
    """Minimum signatures per country: derived for an ECI, the campaign's own targets otherwise."""
    if campaign.kind == "eci" and campaign.eci_registered_on is not None:
        return eci.thresholds(campaign.eci_registered_on)
    return dict(campaign.country_targets or {})


def check_campaign_country(campaign: Campaign, country: str) -> str | None:
    """An error message when the country cannot take part in the campaign."""
    if campaign.kind == "eci" and country not in eci.member_states():
        return _("Not a member state of the European Union.")
    return None


def record_verification(campaign: Campaign, country: str, **values) -> Verification:
    """Record (or replace) what the national authority verified in one country."""
    problem = check_campaign_country(campaign, country)
    errors: dict[str, list[str]] = {"country": [problem]} if problem else {}
    if values["valid"] > values["submitted"]:
        errors["valid"] = [_("Cannot exceed the number submitted.")]
    if values["verified_on"] < values["submitted_on"]:
        errors["verified_on"] = [_("Cannot be before submitted_on.")]
    if errors:
        raise ValidationFailed(errors=errors)
    verification = db.session.scalars(
        select(Verification).filter_by(campaign_id=campaign.id, country=country)).first()
    if verification is None:
        verification = Verification(campaign_id=campaign.id, country=country)
        db.session.add(verification)
    for name, value in values.items():
        setattr(verification, name, value)
    verification.modified_date = utcnow()
    db.session.flush()
    return verification


def list_verifications(campaign: Campaign) -> list[Verification]:
    return list(db.session.scalars(
        select(Verification).filter_by(campaign_id=campaign.id).order_by(Verification.country)))
