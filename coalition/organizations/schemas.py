"""What the API shows and takes of organizations."""

from __future__ import annotations

import marshmallow as ma

from coalition.organizations.models import KINDS, ROLES, STATUSES
from coalition.schemas import PageArgsSchema
from coalition.validation import CountryCode, Slug, UTCDateTime


def _sign_in(organization):
    from coalition.people.single_sign_on import single_sign_on_of

    sign_in = single_sign_on_of(organization)
    return {"issuer": sign_in.issuer, "client_id": sign_in.client_id} if sign_in else None


class SignInSchema(ma.Schema):
    """An organization's own OpenID Connect provider; the secret is written, never answered."""

    issuer = ma.fields.URL(required=True, schemes={"https", "http"}, require_tld=False,
                           validate=ma.validate.Length(max=2000))
    client_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=300))
    client_secret = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1000))


class OrganizationSchema(ma.Schema):
    slug = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    country = ma.fields.String(dump_only=True, allow_none=True)
    website = ma.fields.String(dump_only=True, allow_none=True)
    role = ma.fields.String(dump_only=True, metadata={"enum": list(ROLES)})
    status = ma.fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    kind = ma.fields.String(dump_only=True, metadata={"enum": list(KINDS)})
    sign_in = ma.fields.Function(_sign_in, dump_only=True, allow_none=True, metadata={
        "description": "The organization's own sign-in provider (OpenID Connect), if any: issuer and client_id.",
        "type": "object", "properties": {"issuer": {"type": "string"}, "client_id": {"type": "string"}}})
    created_date = UTCDateTime(dump_only=True)
    modified_date = UTCDateTime(dump_only=True)


class _OrganizationFields(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    country = CountryCode(allow_none=True, metadata={"description": "ISO 3166-1 alpha-2"})
    website = ma.fields.URL(allow_none=True, schemes={"http", "https"},
                            validate=ma.validate.Length(max=300))
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS),
                            metadata={"description": "`hub`: another Coalition instance that pushes its figures"})


class OrganizationCreateSchema(_OrganizationFields):
    slug = Slug(required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    role = ma.fields.String(load_default="member", validate=ma.validate.OneOf(ROLES))
    kind = ma.fields.String(load_default="organization", validate=ma.validate.OneOf(KINDS),
                            metadata={"description": "`hub`: another Coalition instance that pushes its figures"})


class OrganizationUpdateSchema(_OrganizationFields):
    """Every field optional; the slug never changes (it names the organization in URLs and logs)."""

    sign_in = ma.fields.Nested(SignInSchema, allow_none=True, metadata={
        "description": "Let the organization's people sign in through its own OpenID Connect provider; "
                       "null stops it."})


class OrganizationQuerySchema(PageArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))
