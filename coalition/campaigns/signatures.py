"""Rules for signature reports: the append-only ledger, the tallies, milestones. Never commits.

The figure of a (campaign, organization, country, channel) is its newest `total` by `as_of` plus
the `delta` reports after that total; see SignatureTally.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from coalition.campaigns import eci
from coalition.campaigns.counter import country_figures, refresh_counter_after_commit
from coalition.campaigns.day_figures import changed_rows, prepare_days
from coalition.campaigns.ledger import add_delta_in_one_statement, ledger_writer, write_tallies
from coalition.campaigns.models import FUTURE_TOLERANCE, MAX_FIGURE, Campaign, Milestone
from coalition.campaigns.operations import (
    campaign_rules_or_404,
    campaign_thresholds,
    check_campaign_country,
)
from coalition.campaigns.tallies import (
    TallyState,
    insert_ignoring_conflicts,
    load_stored_deltas,
    lock_tallies,
)
from coalition.db import new_time_ordered_uuid, new_time_ordered_uuids, new_uuid, utcnow
from coalition.errors import Conflict, Forbidden, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.organizations.models import Organization
from coalition.outbox import dispatch_after_commit, record_event
from coalition.webhooks.events import announce_figures


def item_errors(errors: dict[int, dict], single: bool) -> ValidationFailed:
    """Per-report messages: at the top level for one report, under `reports.<index>` for a batch."""
    if single:
        return ValidationFailed(errors=errors[0])
    return ValidationFailed(errors={"reports": {str(index): messages for index, messages in errors.items()}})


def _organizations(principal, items: list[dict], errors: dict[int, dict]) -> dict[str, tuple[str, str]]:
    """Slug → (id, slug) of every organization reported for; members only for their own."""
    own = (principal.organization_id, principal.organization_slug)
    asked = {item["organization"] for item in items if item.get("organization")} - {own[1]}
    if asked and not principal.is_coordinator:
        raise Forbidden(_("Members report for their own organization only."))
    known = {own[1]: own}
    if asked:
        for organization_id, slug in db.session.execute(
                select(Organization.id, Organization.slug).where(Organization.slug.in_(asked))):
            known[slug] = (organization_id, slug)
    for index, item in enumerate(items):
        if item.get("organization") and item["organization"] not in known:
            errors.setdefault(index, {})["organization"] = [_("No organization has this slug.")]
    return known


class _Rules:
    """What every report of a request is checked against, worked out once per request."""

    def __init__(self, campaign: Campaign, now: datetime) -> None:
        self.campaign = campaign
        self.latest = now + FUTURE_TOLERANCE
        self.starts = datetime.combine(campaign.starts_on, time.min, tzinfo=UTC)
        self.after_end = datetime.combine(campaign.ends_on + timedelta(days=1), time.min, tzinfo=UTC)
        self.country_problems: dict[str, str | None] = {}

    def check(self, item: dict) -> dict:
        messages: dict[str, list[str]] = {}
        country = item["country"]
        if country not in self.country_problems:
            self.country_problems[country] = check_campaign_country(self.campaign, country)
        if self.country_problems[country]:
            messages["country"] = [self.country_problems[country]]
        as_of = item["as_of"]
        if as_of > self.latest:
            messages["as_of"] = [_("Cannot be more than 5 minutes in the future.")]
        elif as_of < self.starts:
            messages["as_of"] = [_("Before the campaign started.")]
        elif as_of >= self.after_end:
            messages["as_of"] = [_("After the campaign ended: signatures collected after the end do not count.")]
        if self.campaign.status != "live" and not item.get("reason"):
            messages["reason"] = [_("A report to a campaign that is not live needs a reason.")]
        return messages


def _apply(state: TallyState, item: dict) -> None:
    as_of, count = item["as_of"], item["count"]
    if item["mode"] == "total":
        # Ties go to the later report: it is the newer statement about the same moment.
        if state.total_as_of is None or as_of >= state.total_as_of:
            later = sum(c for when, c in state.pending_deltas if when > as_of)
            later += sum(c for when, c in state.stored_deltas if when > as_of)
            state.total_count, state.total_as_of, state.delta_sum = count, as_of, later
    else:
        state.pending_deltas.append((as_of, count))
        if state.last_delta_as_of is None or as_of > state.last_delta_as_of:
            state.last_delta_as_of = as_of
        if state.total_as_of is None or as_of > state.total_as_of:
            state.delta_sum += count
    state.changed = True


def record_reports(campaign: Campaign, principal, items: list[dict], single: bool = False,
                   source_id: str | None = None) -> dict:
    """Add reports to the ledger and update the tallies: all of them, or none with per-item errors.

    `source_id` names the counter source whose poll the reports come from (None: a client sent them)."""
    if campaign.status != "live" and not principal.is_coordinator:
        raise Conflict(_("This campaign does not take reports now (it is %(status)s).", status=campaign.status))
    now = utcnow()
    errors: dict[int, dict] = {}
    organizations = _organizations(principal, items, errors)
    rules = _Rules(campaign, now)
    for index, item in enumerate(items):
        messages = rules.check(item)
        if messages:
            errors.setdefault(index, {}).update(messages)
    if errors:
        raise item_errors(errors, single)

    own = organizations[principal.organization_slug][0]
    keys = [((organizations[item["organization"]][0] if item.get("organization") else own),
             item["country"], item["channel"]) for item in items]
    states = lock_tallies(campaign.id, set(keys), now)
    load_stored_deltas(campaign.id, states, [(key, item["as_of"]) for item, key in zip(items, keys)
                                             if item["mode"] == "total"])
    days = prepare_days(campaign.id, states, items, keys)
    campaign_id, client_id = campaign.id, principal.client_id
    slugs = {organization_id: slug for organization_id, slug in organizations.values()}
    answers = []
    # Each report goes to the ledger as soon as it is worked out, so the database stores it while
    # the next ones are; a broken rule raises inside the block, which abandons the whole write.
    with ledger_writer() as write:
        for index, (item, key, report_id) in enumerate(zip(items, keys, new_time_ordered_uuids(len(items)))):
            state = states[key]
            before = state.figure
            _apply(state, item)
            state.added_reports += 1
            days[key].apply(item, state)
            figure = state.figure
            reason = item.get("reason")
            if figure > MAX_FIGURE:
                errors[index] = {"count": [_("This report would take the figure to %(after)d, above the largest "
                                             "figure of one organization in one country and channel (%(limit)d).",
                                             after=figure, limit=MAX_FIGURE)]}
            elif figure < before and not reason:
                errors[index] = {"reason": [_("This report lowers the figure from %(before)d to %(after)d: "
                                              "give a reason.", before=before, after=figure)]}
            mode, count, as_of = item["mode"], item["count"], item["as_of"]
            if errors:
                # The request fails; a figure beyond 32 bits must not even reach the ledger's COPY.
                continue
            write((report_id, campaign_id, key[0], key[1], key[2], mode, count, as_of, reason, client_id, figure, now,
                   source_id))
            answers.append({"id": report_id, "organization": slugs[key[0]], "country": key[1], "channel": key[2],
                            "mode": mode, "count": count, "as_of": as_of, "reason": reason, "figure": figure,
                            "client_id": client_id, "created_date": now})
        if errors:
            raise item_errors(errors, single)
    changed = sorted((state for state in states.values() if state.changed), key=lambda state: state.key)
    figures = write_tallies(campaign.id, changed, now, changed_rows(days))
    _record_milestones(campaign, {state.key[1] for state in changed},
                       None if figures is None else (figures, sum(figures.values())))
    refresh_counter_after_commit(campaign.slug, throttled=True)
    return _answer(answers, [(state.key, state.figure) for state in changed], slugs)


def _answer(reports: list[dict], figures: list[tuple], slugs: dict[str, str]) -> dict:
    """The reports as answered, and the figures they changed, in key order."""
    return {
        "reports": reports,
        "figures": [{"organization": slugs[key[0]], "country": key[1], "channel": key[2], "count": figure}
                    for key, figure in figures],
    }


def record_reports_to(slug: str, principal, items: list[dict], single: bool = False) -> dict:
    """`record_reports` for the campaign with this slug, announced (`signatures.reported`); one
    plain delta on PostgreSQL takes one statement, its announcement included.

    That statement only takes a report the campaign accepts as it stands and that is no older
    than what its tally holds; anything else goes through `record_reports`, which says what is
    wrong or handles the case.
    """
    item = items[0]
    if (len(items) > 1 or item["mode"] != "delta" or item.get("organization") not in (None, principal.organization_slug)
            or db.session.get_bind().dialect.name != "postgresql"):
        return _announced(slug, record_reports(campaign_rules_or_404(slug), principal, items, single))
    now = utcnow()
    report_id, reason = new_time_ordered_uuid(), item.get("reason")
    found = None
    if item["as_of"] <= now + FUTURE_TOLERANCE:
        found = add_delta_in_one_statement(slug, {
            "id": report_id, "organization_id": principal.organization_id, "country": item["country"],
            "channel": item["channel"], "mode": "delta", "count": item["count"], "as_of": item["as_of"],
            "reason": reason, "client_id": principal.client_id, "created_date": now,
        }, item["country"] in eci.member_states(), principal.organization_slug)
        if found is None:
            raise NotFound(_("No campaign has this slug."))
    if found is None or found[1] is None:
        return _announced(slug, record_reports(found[0] if found else campaign_rules_or_404(slug), principal, items,
                                               single))
    dispatch_after_commit()
    campaign, (figure, in_country, in_campaign) = found
    _record_milestones(campaign, {item["country"]}, ({item["country"]: in_country + figure}, in_campaign + figure))
    refresh_counter_after_commit(campaign.slug, throttled=True)
    answer = {"id": report_id, "organization": principal.organization_slug, "country": item["country"],
              "channel": item["channel"], "mode": "delta", "count": item["count"], "as_of": item["as_of"],
              "reason": reason, "figure": figure, "client_id": principal.client_id, "created_date": now}
    key = (principal.organization_id, item["country"], item["channel"])
    return _answer([answer], [(key, figure)], {principal.organization_id: principal.organization_slug})


def _announced(slug: str, outcome: dict) -> dict:
    announce_figures(slug, outcome["figures"])
    return outcome


def _known_milestones() -> set[tuple[str, str]]:
    """Milestones this process has seen committed: they need no more checks."""
    return current_app.extensions.setdefault("coalition.milestones", set())


def _record_milestones(campaign: Campaign, countries: set[str], sums: tuple[dict, int] | None = None) -> None:
    """Announce, once each, the goal reached and countries reaching their threshold.

    `sums` are the figures of the changed countries and the campaign total when the caller
    already knows them; otherwise they are read from the tallies.
    """
    known = _known_milestones()
    thresholds = campaign_thresholds(campaign)
    candidates = {"goal"} | {f"threshold:{c}" for c in countries if c in thresholds}
    pending = {key for key in candidates if (campaign.id, key) not in known}
    if not pending:
        return
    if sums is None:
        figures, _updated = country_figures(campaign.id)
        total = sum(figures.values())
    else:
        figures, total = sums
    reached = []
    for key in sorted(pending):
        if key == "goal":
            if total >= campaign.signature_goal:
                reached.append((key, {"campaign": campaign.slug, "total": total, "goal": campaign.signature_goal}))
        else:
            country = key.split(":", 1)[1]
            if figures.get(country, 0) >= thresholds[country]:
                reached.append((key, {"campaign": campaign.slug, "country": country,
                                      "count": figures[country], "threshold": thresholds[country]}))
    if not reached:
        return
    table = Milestone.__table__
    new = set(insert_ignoring_conflicts(table, [
        {"id": new_uuid(), "campaign_id": campaign.id, "key": key, "reached_date": utcnow()} for key, _p in reached
    ], returning=table.c.key).scalars())
    for key, payload in reached:
        if key in new:
            record_event("campaign.goal_reached" if key == "goal" else "campaign.threshold_reached", payload)

    def remember() -> None:
        known.update((campaign.id, key) for key, _p in reached)

    db.after_commit(remember)
