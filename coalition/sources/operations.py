"""The rules for counter sources: who may see and change them, what each kind needs. Never commits."""

from __future__ import annotations

from sqlalchemy import func, select

from coalition import crypto
from coalition.campaigns.models import Campaign
from coalition.campaigns.operations import check_campaign_country
from coalition.campaigns.signatures import record_reports
from coalition.db import utcnow
from coalition.errors import Conflict, Forbidden, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.organizations.models import Organization
from coalition.sources.models import CounterSource, SourceRun
from coalition.sources.polling import checked_times
from coalition.sources.tasks import forget, poll_soon
from coalition.validation import parse_rfc3339
from coalition.webhooks.events import announce_figures
from coalition.webhooks.operations import check_url

MAX_SOURCES = 50
# Per kind: the options it takes, those it needs, and whether it takes credentials and a country.
RULES = {
    "eci_online": {"options": set(), "required": set(), "credentials": False, "country": False},
    "proca": {"options": {"action_page", "org_name"}, "required": {"action_page"}, "credentials": False,
              "country": True},
    "action_network": {"options": set(), "required": set(), "credentials": True, "country": True},
    "json": {"options": {"path", "subtract"}, "required": {"path"}, "credentials": False, "country": True},
}


class Shown:
    """A source as answered: the last poll that changed nothing is known to Redis, not the row."""

    def __init__(self, source: CounterSource, checked=None) -> None:
        self._source = source
        self.last_polled = max(filter(None, (source.last_polled, checked)), default=None)
        self.last_success = max(filter(None, (source.last_success, checked)), default=None)

    def __getattr__(self, name):
        return getattr(self._source, name)


def shown(sources: list[CounterSource]) -> list[Shown]:
    checked = checked_times([source.id for source in sources])
    return [Shown(source, checked.get(source.id)) for source in sources]


def get_source_or_404(source_id: str, principal) -> CounterSource:
    """A source the caller may see: its own organization's, or any for coordinators."""
    source = db.session.get(CounterSource, source_id)
    if source is None or not (principal.is_coordinator or source.organization_id == principal.organization_id):
        raise NotFound(_("No counter source has this id."))
    return source


def list_sources_query(campaign: Campaign, principal, status: str | None = None, organization: str | None = None):
    statement = select(CounterSource).filter_by(campaign_id=campaign.id)
    if not principal.is_coordinator:
        if organization not in (None, principal.organization_slug):
            raise Forbidden(_("Members see their own organization's sources only."))
        statement = statement.filter_by(organization_id=principal.organization_id)
    elif organization:
        statement = statement.join(Organization, Organization.id == CounterSource.organization_id).where(
            Organization.slug == organization)
    if status:
        statement = statement.filter_by(status=status)
    return statement.order_by(CounterSource.created_date, CounterSource.id)


def _organization_id(principal, slug: str | None) -> str:
    if slug is None or slug == principal.organization_slug:
        return principal.organization_id
    if not principal.is_coordinator:
        raise Forbidden(_("Members connect sources for their own organization only."))
    organization_id = db.session.scalar(select(Organization.id).filter_by(slug=slug))
    if organization_id is None:
        raise ValidationFailed(errors={"organization": [_("No organization has this slug.")]})
    return organization_id


def _check(campaign: Campaign, kind: str, url: str, country: str | None, credentials, options: dict) -> None:
    """Refuse, field by field, what this kind of source cannot poll."""
    rules = RULES[kind]
    errors: dict = {}
    if rules["country"] and country is None:
        errors["country"] = [_("This kind of source needs a country.")]
    elif not rules["country"] and country is not None:
        errors["country"] = [_("This kind of source reports every member state: give no country.")]
    elif country is not None and (problem := check_campaign_country(campaign, country)):
        errors["country"] = [problem]
    if rules["credentials"] and not credentials:
        errors["credentials"] = [_("This kind of source needs credentials.")]
    elif not rules["credentials"] and credentials:
        errors["credentials"] = [_("This kind of source takes no credentials.")]
    option_errors = {name: [_("This kind of source does not take this option.")]
                     for name in options if name not in rules["options"]}
    option_errors.update({name: [_("Missing data for required field.")]
                          for name in rules["required"] if name not in options})
    if option_errors:
        errors["options"] = option_errors
    if errors:
        raise ValidationFailed(errors=errors)
    check_url(url)
    for index, other in enumerate(options.get("subtract", [])):
        try:
            check_url(other["url"])
        except ValidationFailed as error:
            raise ValidationFailed(errors={"options": {"subtract": {str(index): error.errors}}}) from None


def create_source(campaign: Campaign, principal, *, kind: str, url: str, country: str | None, channel: str,
                  interval: int, credentials: dict | None, options: dict,
                  organization: str | None = None) -> CounterSource:
    """A new active source, polled once the commit is made."""
    organization_id = _organization_id(principal, organization)
    count = db.session.scalar(select(func.count()).select_from(CounterSource).filter_by(
        campaign_id=campaign.id, organization_id=organization_id))
    if count >= MAX_SOURCES:
        # A state of the campaign, not a fault of the request: 409, like any other conflict.
        raise Conflict(_("An organization may connect at most %(count)d sources to a campaign.", count=MAX_SOURCES))
    _check(campaign, kind, url, country, credentials, options)
    source = CounterSource(
        campaign_id=campaign.id, organization_id=organization_id, kind=kind, url=url, country=country,
        channel=channel, interval=interval, options=options, status="active", failures=0,
        credentials_ciphertext=crypto.encrypt(credentials["api_key"]) if credentials else None)
    db.session.add(source)
    db.session.flush()
    poll_soon(source.id)
    return source


def update_source(source: CounterSource, changes: dict) -> CounterSource:
    """Change what is polled or how often, or pause and resume; a change of what is polled
    starts afresh (the next answer is compared with the ledger, not with the old source's)."""
    polled = ("url", "country", "channel", "options", "credentials")
    credentials = changes.get("credentials", "kept")
    _check(source.campaign, source.kind, changes.get("url", source.url), changes.get("country", source.country),
           (source.credentials_ciphertext is not None) if credentials == "kept" else credentials,
           changes.get("options", source.options or {}))
    for name in ("url", "country", "channel", "interval", "options"):
        if name in changes:
            setattr(source, name, changes[name])
    if credentials != "kept":
        source.credentials_ciphertext = crypto.encrypt(credentials["api_key"]) if credentials else None
    if any(name in changes for name in polled):
        source.last_values, source.held = None, None
    status = changes.get("status")
    if status == "paused":
        source.status = "paused"
        db.after_commit(lambda source_id=source.id: forget(source_id))
    elif status == "active" and source.status == "paused":
        source.status, source.failures, source.last_error = "active", 0, None
    source.modified_date = utcnow()
    db.session.flush()
    if source.status != "paused" and (status == "active" or any(name in changes for name in (*polled, "interval"))):
        poll_soon(source.id)
    return source


def delete_source(source: CounterSource) -> None:
    """The source and its runs go; the reports it wrote stay in the ledger (nothing is deleted there)."""
    source_id = source.id
    db.session.delete(source)
    db.session.flush()
    db.after_commit(lambda: forget(source_id))


def request_poll(source: CounterSource) -> None:
    if source.status == "paused":
        raise Conflict(_("This source is paused: resume it to poll it."))
    poll_soon(source.id)


def list_runs_query(source: CounterSource):
    return select(SourceRun).filter_by(source_id=source.id).order_by(SourceRun.started_date.desc(), SourceRun.id)


def accept_held(source: CounterSource, principal, reason: str) -> CounterSource:
    """A coordinator applies the lower figures a source holds, as of the polls that read them."""
    if not principal.is_coordinator:
        raise Forbidden(_("Only coordinators accept lower figures."))
    if not source.held:
        raise Conflict(_("This source holds no lower figures."))
    items = [{"country": country, "channel": source.channel, "mode": "total", "count": held["count"],
              "as_of": parse_rfc3339(held["as_of"]), "reason": reason, "organization": source.organization.slug}
             for country, held in sorted(source.held.items())]
    outcome = record_reports(source.campaign, principal, items, source_id=source.id)
    announce_figures(source.campaign.slug, outcome["figures"])
    db.session.add(SourceRun(source_id=source.id, started_date=utcnow(), outcome="accepted",
                             values={item["country"]: item["count"] for item in items}, written=len(items)))
    source.held = None
    source.modified_date = utcnow()
    db.session.flush()
    return source

