"""What the API takes and shows of counter sources; credentials are taken, never shown."""

from __future__ import annotations

import marshmallow as ma

from coalition.campaigns.models import CHANNELS
from coalition.i18n import _l
from coalition.privacy import no_personal_data
from coalition.schemas import PageArgsSchema
from coalition.sources.models import KINDS, OUTCOMES, STATUSES
from coalition.sources.problems import describe
from coalition.validation import CountryCode, Integer, Slug, UTCDateTime, WholeMatch

MIN_INTERVAL = 60
MAX_INTERVAL = 86_400
MAX_SUBTRACT = 5
PATH = WholeMatch(r"^[^.\s]+(?:\.[^.\s]+)*$", error=_l("Use a dot path such as data.stats.count."))


class CredentialsSchema(ma.Schema):
    api_key = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500),
                               metadata={"description": "action_network: sent as OSDI-API-Token"})


class SubtractSchema(ma.Schema):
    url = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    path = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=500), PATH])


class OptionsSchema(ma.Schema):
    action_page = Integer(validate=ma.validate.Range(min=1, max=2**31 - 1),
                          metadata={"description": "proca: the action page id (required)"})
    org_name = ma.fields.String(validate=ma.validate.Length(min=1, max=200),
                                metadata={"description": "proca: count this organization's supporters only"})
    path = ma.fields.String(validate=[ma.validate.Length(min=1, max=500), PATH],
                            metadata={"description": "json: dot path to the figure (required)"})
    subtract = ma.fields.List(ma.fields.Nested(SubtractSchema), validate=ma.validate.Length(max=MAX_SUBTRACT),
                              metadata={"description": "json: documents whose values are deducted"})


class _SourceFields(ma.Schema):
    url = ma.fields.String(validate=ma.validate.Length(min=1, max=2000),
                           metadata={"description": "https:// address polled (eci_online: the API base)"})
    country = CountryCode(allow_none=True, metadata={"description": "needed by every kind but eci_online"})
    channel = ma.fields.String(validate=ma.validate.OneOf(CHANNELS))
    interval = Integer(validate=ma.validate.Range(min=MIN_INTERVAL, max=MAX_INTERVAL),
                       metadata={"description": "seconds between polls"})
    credentials = ma.fields.Nested(CredentialsSchema, allow_none=True, load_only=True,
                                   metadata={"description": "write-only; action_network only"})
    options = ma.fields.Nested(OptionsSchema)


class SourceCreateSchema(_SourceFields):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    url = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    country = CountryCode(allow_none=True, load_default=None)
    channel = ma.fields.String(load_default="online", validate=ma.validate.OneOf(CHANNELS))
    interval = Integer(load_default=300, validate=ma.validate.Range(min=MIN_INTERVAL, max=MAX_INTERVAL))
    credentials = ma.fields.Nested(CredentialsSchema, allow_none=True, load_default=None, load_only=True)
    options = ma.fields.Nested(OptionsSchema, load_default=dict)
    organization = Slug(metadata={"description": "coordinators only: the organization whose figures these are"})


class SourceUpdateSchema(_SourceFields):
    status = ma.fields.String(validate=ma.validate.OneOf(("active", "paused")),
                              metadata={"description": "`paused` stops polling, `active` resumes it"})


class SourceSchema(ma.Schema):
    id = ma.fields.String(dump_only=True)
    campaign = ma.fields.Function(lambda s: s.campaign.slug, dump_only=True)
    organization = ma.fields.Function(lambda s: s.organization.slug, dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"enum": list(KINDS)})
    url = ma.fields.String(dump_only=True)
    country = ma.fields.String(dump_only=True, allow_none=True)
    channel = ma.fields.String(dump_only=True)
    interval = ma.fields.Integer(dump_only=True)
    options = ma.fields.Dict(dump_only=True)
    has_credentials = ma.fields.Function(lambda s: s.credentials_ciphertext is not None, dump_only=True,
                                         metadata={"type": "boolean"})
    status = ma.fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    last_polled = UTCDateTime(dump_only=True, allow_none=True)
    last_success = UTCDateTime(dump_only=True, allow_none=True)
    last_error = ma.fields.Function(lambda s: describe(s.last_error), dump_only=True,
                                    metadata={"type": ["string", "null"],
                                              "description": "in the language of the request"})
    last_values = ma.fields.Dict(dump_only=True, allow_none=True,
                                 metadata={"description": "country → the figure the source answered last"})
    held = ma.fields.Dict(dump_only=True, allow_none=True,
                          metadata={"description": "country → {count, current, as_of}: lower figures waiting"})
    created_date = UTCDateTime(dump_only=True)
    modified_date = UTCDateTime(dump_only=True)


class SourceListArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    organization = Slug()


class SourceRunSchema(ma.Schema):
    id = ma.fields.String(dump_only=True)
    started_date = UTCDateTime(dump_only=True)
    duration_ms = ma.fields.Integer(dump_only=True)
    outcome = ma.fields.String(dump_only=True, metadata={"enum": list(OUTCOMES)})
    values = ma.fields.Dict(dump_only=True, allow_none=True)
    written = ma.fields.Integer(dump_only=True, metadata={"description": "reports written to the ledger"})
    error = ma.fields.Function(lambda r: describe(r.error), dump_only=True, metadata={"type": ["string", "null"]})


class AcceptSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=500), no_personal_data])


class PollQueuedSchema(ma.Schema):
    id = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True)
