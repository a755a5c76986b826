"""What the API takes and shows of snapshots, federated hubs and upstreams."""

from __future__ import annotations

import marshmallow as ma

from coalition.campaigns.models import CHANNELS, MAX_FIGURE
from coalition.federation.models import UPSTREAM_STATUSES
from coalition.i18n import _
from coalition.validation import CountryCode, Integer, Slug, UTCDateTime

MAX_FIGURES = 1000
MAX_ORGANIZATIONS = 10_000
MAX_ORIGIN = 50
MAX_SEQUENCE = 2**63 - 1


def _instance_url(metadata: dict | None = None, **kwargs) -> ma.fields.URL:
    # `format: uri` alone admits `urn:…` and `mailto:…`: the document says it is a web address.
    return ma.fields.URL(schemes={"http", "https"}, require_tld=False, validate=ma.validate.Length(max=300),
                         metadata={"pattern": "^https?://", **(metadata or {})}, **kwargs)


class SnapshotFigureSchema(ma.Schema):
    country = CountryCode(required=True, metadata={"example": "AT"})
    channel = ma.fields.String(required=True, validate=ma.validate.OneOf(CHANNELS))
    count = Integer(required=True, validate=ma.validate.Range(min=0, max=MAX_FIGURE))


class SnapshotOrganizationSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    country = CountryCode(allow_none=True, load_default=None)
    count = Integer(required=True, validate=ma.validate.Range(min=0, max=MAX_FIGURE))


class SnapshotSchema(ma.Schema):
    instance = _instance_url(required=True, metadata={"description": "the PUBLIC_URL of the pushing instance"})
    sequence = Integer(required=True, validate=ma.validate.Range(min=0, max=MAX_SEQUENCE), metadata={
        "description": "grows with every snapshot; one at or below the last accepted changes nothing"})
    as_of = UTCDateTime(required=True, metadata={"description": "when the figures were taken (RFC 3339)"})
    figures = ma.fields.List(ma.fields.Nested(SnapshotFigureSchema), required=True,
                             validate=ma.validate.Length(max=MAX_FIGURES), metadata={
                                 "description": "absolute figures of everything the hub aggregates; "
                                                "a country and channel left out is zero"})
    organizations = ma.fields.List(ma.fields.Nested(SnapshotOrganizationSchema), load_default=list,
                                   validate=ma.validate.Length(max=MAX_ORGANIZATIONS))
    origin = ma.fields.List(_instance_url(), load_default=list, validate=ma.validate.Length(max=MAX_ORIGIN),
                            metadata={"description": "every instance the figures passed through"})

    @ma.validates_schema
    def _each_figure_once(self, data, **kwargs):
        seen: set[tuple[str, str]] = set()
        errors = {}
        for index, figure in enumerate(data.get("figures", [])):
            key = (figure["country"], figure["channel"])
            if key in seen:
                errors[index] = {"country": [_("This country and channel are given twice.")]}
            seen.add(key)
        if errors:
            raise ma.ValidationError({"figures": errors})


class SnapshotFigureAnswerSchema(ma.Schema):
    country = ma.fields.String()
    channel = ma.fields.String()
    count = ma.fields.Integer()


class SnapshotResultSchema(ma.Schema):
    applied = ma.fields.Boolean(metadata={"description": "false: the sequence was not above the last accepted"})
    campaign = ma.fields.String()
    organization = ma.fields.String(metadata={"description": "the hub organization"})
    sequence = ma.fields.Integer(metadata={"description": "the last accepted sequence"})
    as_of = UTCDateTime()
    figures = ma.fields.List(ma.fields.Nested(SnapshotFigureAnswerSchema),
                             metadata={"description": "the figures this snapshot changed"})


class HubOrganizationSchema(ma.Schema):
    name = ma.fields.String()
    country = ma.fields.String(allow_none=True)
    count = ma.fields.Integer()


class FederatedHubSchema(ma.Schema):
    organization = ma.fields.String(metadata={"description": "the hub organization's slug"})
    instance = ma.fields.String()
    sequence = ma.fields.Integer()
    as_of = UTCDateTime()
    received_date = UTCDateTime()
    origin = ma.fields.List(ma.fields.String())
    total = ma.fields.Integer(metadata={"description": "the hub organization's figures summed"})
    organizations = ma.fields.List(ma.fields.Nested(HubOrganizationSchema))


class FederationSchema(ma.Schema):
    campaign = ma.fields.String()
    instance = ma.fields.String(allow_none=True, metadata={"description": "this instance's PUBLIC_URL"})
    hubs = ma.fields.List(ma.fields.Nested(FederatedHubSchema))


class _UpstreamFields(ma.Schema):
    url = ma.fields.String(validate=ma.validate.Length(min=1, max=300),
                           metadata={"description": "the upstream instance's base URL (https://)"})
    campaign = Slug(metadata={"description": "the campaign's slug on the upstream"})
    client_id = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    client_secret = ma.fields.String(load_only=True, validate=ma.validate.Length(min=1, max=500),
                                     metadata={"description": "write-only: stored encrypted, never answered"})


class UpstreamCreateSchema(_UpstreamFields):
    url = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
    campaign = Slug(required=True)
    client_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    client_secret = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=500))


class UpstreamUpdateSchema(_UpstreamFields):
    status = ma.fields.String(validate=ma.validate.OneOf(("active", "paused")),
                              metadata={"description": "`paused` stops the pushes, `active` resumes them"})


class UpstreamSchema(ma.Schema):
    id = ma.fields.String()
    url = ma.fields.String()
    campaign = ma.fields.String(attribute="upstream_campaign")
    client_id = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(UPSTREAM_STATUSES)})
    sequence = ma.fields.Integer(metadata={"description": "the sequence of the last snapshot sent"})
    last_attempt_date = UTCDateTime(allow_none=True)
    last_success_date = UTCDateTime(allow_none=True)
    last_status_code = ma.fields.Integer(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    last_applied = ma.fields.Boolean(allow_none=True, metadata={
        "description": "whether the upstream applied the last snapshot it accepted"})
    next_attempt_date = UTCDateTime(allow_none=True, metadata={"description": "set while failing"})
    created_date = UTCDateTime()
    modified_date = UTCDateTime()
