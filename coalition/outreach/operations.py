"""Rules for outreach actions. Operations flush, never commit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError

from coalition.campaigns.models import Campaign
from coalition.errors import Conflict, Forbidden, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _
from coalition.materials.operations import existing_material_ids
from coalition.organizations.models import Organization
from coalition.outreach.models import KINDS, OutreachAction
from coalition.outreach.schemas import date_order_errors, origin_pair_errors
from coalition.privacy import personal_data_problem

# Every writable field and the value an action has when a write leaves it out.
DEFAULTS = {
    "end_date": None, "locality": None, "reach": 0, "signatures_collected": None, "materials": [],
    "notes": None, "tags": [], "origin_system": None, "external_id": None,
}
REQUIRED = ("kind", "action_date", "country")


def get_action(action_id: str) -> OutreachAction | None:
    return db.session.get(OutreachAction, action_id)


def get_action_or_404(action_id: str) -> OutreachAction:
    action = get_action(action_id)
    if action is None:
        raise NotFound(_("No outreach action has this id."))
    return action


def action_errors(values: dict, known_materials: set[str]) -> dict:
    """Field errors of a complete set of action values: the rules every write obeys."""
    errors: dict[str, list[str]] = {}
    unknown = [m for m in values.get("materials") or [] if m not in known_materials]
    if unknown:
        errors["materials"] = [_("No material of this campaign has the id %(id)s.", id=m) for m in unknown]
    for field in REQUIRED:
        if values.get(field) is None:
            errors[field] = [_("Missing data for required field.")]
    if values.get("kind") is not None and values["kind"] not in KINDS:
        errors["kind"] = [_("Must be one of: %(choices)s.", choices=", ".join(KINDS))]
    errors.update(date_order_errors(values.get("action_date"), values.get("end_date")))
    errors.update(origin_pair_errors(values.get("origin_system"), values.get("external_id")))
    return errors


# Outreach may begin before a campaign starts collecting and go on after it ends, within a year.
PLAUSIBLE_MARGIN = timedelta(days=366)


def campaign_day_errors(campaign: Campaign, values: dict) -> dict:
    """Days within the campaign's plausible range: a year before its start to a year after its end."""
    first, last = campaign.starts_on - PLAUSIBLE_MARGIN, campaign.ends_on + PLAUSIBLE_MARGIN
    return {field: [_("Give a day from %(first)s to %(last)s, around the campaign's dates.",
                      first=first.isoformat(), last=last.isoformat())]
            for field in ("action_date", "end_date")
            if values.get(field) is not None and not first <= values[field] <= last}


def personal_data_errors(written: dict) -> dict:
    """The personal-data guard on the free text a write sends (stored text that a write leaves
    alone is not checked again; the schema's check of the same text is remembered)."""
    errors: dict[str, list[str]] = {}
    texts = {"notes": [written.get("notes")], "locality": [written.get("locality")],
             "tags": written.get("tags") or []}
    for field, items in texts.items():
        problems = {personal_data_problem(text) for text in items} - {None}
        if problems:
            errors[field] = sorted(problems)
    return errors


def _known_materials(campaign: Campaign, items: list[dict]) -> set[str]:
    return existing_material_ids(campaign, {m for values in items for m in values.get("materials") or []})


def check_campaign_takes_actions(campaign: Campaign, organization: Organization) -> None:
    """Members log actions while a campaign is live; coordinators also before and after."""
    if campaign.status != "live" and not organization.is_coordinator:
        raise Conflict(_("This campaign is %(status)s: it takes no outreach actions.",
                         status=campaign.status))


def _existing_by_origin(organization: Organization, items: list[dict]) -> dict:
    pairs = {(v["origin_system"], v["external_id"]) for v in items if v.get("external_id")}
    if not pairs:
        return {}
    rows = db.session.scalars(select(OutreachAction).where(
        OutreachAction.organization_id == organization.id,
        tuple_(OutreachAction.origin_system, OutreachAction.external_id).in_(pairs),
    ))
    return {(a.origin_system, a.external_id): a for a in rows}


def log_actions(campaign: Campaign, organization: Organization, items: list[dict]
                ) -> list[tuple[OutreachAction, bool]]:
    """Create or update (by origin_system + external_id) actions, all or none.

    Answers (action, created) pairs in the order given. Errors are keyed by the item's index.
    """
    check_campaign_takes_actions(campaign, organization)
    existing = _existing_by_origin(organization, items)
    known_materials = _known_materials(campaign, items)
    errors: dict[str, dict] = {}
    seen: set[tuple[str, str]] = set()
    for index, values in enumerate(items):
        item_errors = {**action_errors({**DEFAULTS, **values}, known_materials),
                       **campaign_day_errors(campaign, values), **personal_data_errors(values)}
        pair = (values.get("origin_system"), values.get("external_id"))
        if pair[1] and pair in seen:
            item_errors["external_id"] = [_("This external id appears twice in the request.")]
        elif pair[1] and pair in existing and existing[pair].campaign_id != campaign.id:
            item_errors["external_id"] = [_("This external id belongs to an action in another campaign.")]
        seen.add(pair)
        if item_errors:
            errors[str(index)] = item_errors
    if errors:
        raise ValidationFailed(errors={"actions": errors})
    results = []
    try:
        with db.session.begin_nested():
            for values in items:
                results.append(_create_or_replace(campaign, organization, existing, {**DEFAULTS, **values}))
    except IntegrityError:
        # Another request created an action with the same external id since we looked.
        raise Conflict(_("Another request logged an action with the same external id at the same "
                         "time; send it again to update that action.")) from None
    return results


def _create_or_replace(campaign: Campaign, organization: Organization, existing: dict, values: dict
                       ) -> tuple[OutreachAction, bool]:
    action = existing.get((values["origin_system"], values["external_id"]))
    if action is None:
        action = OutreachAction(campaign=campaign, organization=organization, **values)
        db.session.add(action)
        return action, True
    for field, value in values.items():
        setattr(action, field, value)
    return action, False


def log_action(campaign: Campaign, organization: Organization, values: dict
               ) -> tuple[OutreachAction, bool]:
    """Create one action, or update the one with the same origin_system + external_id."""
    try:
        return log_actions(campaign, organization, [values])[0]
    except ValidationFailed as error:
        raise ValidationFailed(errors=error.errors["actions"]["0"]) from None


def check_owner(action: OutreachAction, organization: Organization) -> None:
    if action.organization_id != organization.id:
        raise Forbidden(_("Only the organization that logged an action may change or delete it."))


def update_action(action: OutreachAction, organization: Organization, changes: dict) -> OutreachAction:
    """Change some fields of an action of the caller's organization."""
    check_owner(action, organization)
    check_campaign_takes_actions(action.campaign, organization)
    merged = {field: getattr(action, field) for field in (*REQUIRED, *DEFAULTS)}
    merged.update(changes)
    errors = {**action_errors(merged, _known_materials(action.campaign, [merged])),
              **campaign_day_errors(action.campaign, changes), **personal_data_errors(changes)}
    if errors:
        raise ValidationFailed(errors=errors)
    pair = (merged["origin_system"], merged["external_id"])
    if pair[1] and pair != (action.origin_system, action.external_id):
        clash = _existing_by_origin(organization, [merged]).get(pair)
        if clash is not None:
            raise Conflict(_("Another action of your organization has this external id."))
    for field, value in changes.items():
        setattr(action, field, value)
    db.session.flush()
    return action


def delete_action(action: OutreachAction, organization: Organization) -> None:
    check_owner(action, organization)
    check_campaign_takes_actions(action.campaign, organization)
    db.session.delete(action)
    db.session.flush()
