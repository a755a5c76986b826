"""What outreach actions look like on the wire."""

from __future__ import annotations

import marshmallow as ma

from coalition.i18n import _
from coalition.outreach.models import KINDS
from coalition.pagination import KeysetPageArgsSchema
from coalition.privacy import no_personal_data
from coalition.validation import CountryCode, Day, Integer, OsdiDay, UTCDateTime

MAX_BATCH = 1000
MAX_COUNT = 10_000_000
SORTS = ("action_date", "-action_date", "reach", "-reach", "created_date", "-created_date")


def date_order_errors(action_date, end_date) -> dict:
    if action_date and end_date and end_date < action_date:
        return {"end_date": [_("The end date may not be before the action date.")]}
    return {}


def origin_pair_errors(origin_system, external_id) -> dict:
    if bool(origin_system) != bool(external_id):
        return {"external_id": [_("Give origin_system and external_id together.")]}
    return {}


# What is left of a tag once trimmed may not be empty, and no text holds NUL (coalition.http).
TAG_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


class Tag(ma.fields.String):
    """A short label, trimmed and lower-cased so that `Berlin` and `berlin ` filter alike."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


def _unique(values: list) -> list:
    return list(dict.fromkeys(values))


class ActionFieldsSchema(ma.Schema):
    """The fields a member writes; loaded as a whole (POST) or in part (PATCH)."""

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    action_date = OsdiDay(required=True, metadata={
        "description": "The (first) day, YYYY-MM-DD, or an OSDI date-time whose day (as written) is taken."})
    end_date = OsdiDay(allow_none=True, metadata={"description": "Last day of a multi-day action."})
    country = CountryCode(required=True)
    locality = ma.fields.String(allow_none=True, validate=[ma.validate.Length(max=120), no_personal_data],
                                metadata={"description": "Town or venue; no personal data."})
    reach = Integer(load_default=0, validate=ma.validate.Range(min=0, max=MAX_COUNT),
                    metadata={"description": "People reached (an estimate)."})
    signatures_collected = Integer(allow_none=True, validate=ma.validate.Range(min=0, max=MAX_COUNT),
                                   metadata={"description": "Informational; report counts with signature reports."})
    materials = ma.fields.List(ma.fields.UUID(), load_default=list, validate=ma.validate.Length(max=50),
                               metadata={"description": "Ids of the materials used."})
    notes = ma.fields.String(allow_none=True, validate=[ma.validate.Length(max=2000), no_personal_data],
                             metadata={"description": "No personal data."})
    tags = ma.fields.List(Tag(validate=[ma.validate.Length(min=1, max=40), no_personal_data],
                              metadata={"pattern": TAG_PATTERN}),
                          load_default=list, validate=ma.validate.Length(max=20))
    origin_system = ma.fields.String(allow_none=True, validate=ma.validate.Length(min=1, max=100),
                                     metadata={"description": "The system the action comes from."})
    external_id = ma.fields.String(allow_none=True, validate=ma.validate.Length(min=1, max=200),
                                   metadata={"description": "Its id there; re-sending it updates the action."})

    @ma.pre_load
    def refuse_organization(self, data, **kwargs):
        if isinstance(data, dict) and "organization" in data:
            raise ma.ValidationError(
                _("The organization comes from your access token; leave this field out."), "organization")
        return data

    @ma.post_load
    def normalise(self, data, **kwargs):
        if "materials" in data:
            data["materials"] = _unique(str(m) for m in data["materials"])
        if "tags" in data:
            data["tags"] = _unique(data["tags"])
        return data

    @ma.validates_schema
    def check_consistency(self, data, partial=None, **kwargs):
        errors = date_order_errors(data.get("action_date"), data.get("end_date"))
        # A partial change is checked against the stored values, by the operation.
        if not partial:
            errors.update(origin_pair_errors(data.get("origin_system"), data.get("external_id")))
        if errors:
            raise ma.ValidationError(errors)


class ActionPatchSchema(ActionFieldsSchema):
    """Any subset of the writable fields; null clears an optional one."""

    # A field left out stays as it is: the document must not give it a default, or generated
    # clients send that default and overwrite it.
    reach = Integer(validate=ma.validate.Range(min=0, max=MAX_COUNT),
                    metadata={"description": "People reached (an estimate)."})

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class ActionBatchSchema(ma.Schema):
    actions = ma.fields.List(ma.fields.Nested(ActionFieldsSchema), required=True,
                             validate=ma.validate.Length(min=1, max=MAX_BATCH))


class ActionSchema(ma.Schema):
    id = ma.fields.String()
    campaign = ma.fields.Function(lambda action: action.campaign.slug)
    organization = ma.fields.Function(lambda action: action.organization.slug)
    kind = ma.fields.String()
    action_date = ma.fields.Date()
    end_date = ma.fields.Date(allow_none=True)
    country = ma.fields.String()
    locality = ma.fields.String(allow_none=True)
    reach = ma.fields.Integer()
    signatures_collected = ma.fields.Integer(allow_none=True)
    materials = ma.fields.List(ma.fields.String())
    notes = ma.fields.String(allow_none=True)
    tags = ma.fields.List(ma.fields.String())
    origin_system = ma.fields.String(allow_none=True)
    external_id = ma.fields.String(allow_none=True)
    identifiers = ma.fields.List(ma.fields.String())
    created_date = UTCDateTime()
    modified_date = UTCDateTime()


class ActionBatchResultSchema(ma.Schema):
    actions = ma.fields.List(ma.fields.Nested(ActionSchema))
    created = ma.fields.Integer()
    updated = ma.fields.Integer()


class ActionFilterSchema(ma.Schema):
    organization = ma.fields.String(metadata={"description": "Organization slug."})
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))
    country = CountryCode()
    since = Day(metadata={"description": "Actions on or after this day."})
    until = Day(metadata={"description": "Actions on or before this day."})
    tag = Tag()
    material = ma.fields.UUID()

    @ma.validates_schema
    def check_range(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ma.ValidationError(_("until may not be before since."), "until")


class ActionListArgsSchema(KeysetPageArgsSchema, ActionFilterSchema):
    sort = ma.fields.String(load_default="-action_date", validate=ma.validate.OneOf(SORTS))


class SummaryCellSchema(ma.Schema):
    kind = ma.fields.String()
    country = ma.fields.String()
    week = ma.fields.String(metadata={"description": "ISO week of the action date, e.g. 2026-W09."})
    week_starts_on = ma.fields.Date()
    actions = ma.fields.Integer()
    reach = ma.fields.Integer()
    signatures_collected = ma.fields.Integer()


class SummaryTotalsSchema(ma.Schema):
    actions = ma.fields.Integer()
    reach = ma.fields.Integer()
    signatures_collected = ma.fields.Integer()


class ActionSummarySchema(ma.Schema):
    campaign = ma.fields.String()
    totals = ma.fields.Nested(SummaryTotalsSchema)
    groups = ma.fields.List(ma.fields.Nested(SummaryCellSchema))

