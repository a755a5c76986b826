"""What the API shows and takes of OAuth clients and scopes."""

from __future__ import annotations

import marshmallow as ma

from coalition.auth.scopes import SCOPES
from coalition.validation import LocaleTag, UTCDateTime


class ClientSchema(ma.Schema):
    client_id = ma.fields.String(dump_only=True)
    organization = ma.fields.Function(lambda client: client.organization.slug, dump_only=True)
    name = ma.fields.String(dump_only=True)
    scopes = ma.fields.List(ma.fields.String(), dump_only=True)
    locales = ma.fields.List(ma.fields.String(), dump_only=True, allow_none=True,
                             metadata={"description": "Locales it may write; null: every locale."})
    redirect_uris = ma.fields.List(ma.fields.String(), dump_only=True,
                                   metadata={"description": "Where the code flow may send codes (exact match)."})
    grant_types = ma.fields.Function(
        lambda client: ["client_credentials", *(["authorization_code", "refresh_token"] if client.redirect_uris else [])],
        dump_only=True, metadata={"type": "array", "items": {"type": "string"}})
    disabled = ma.fields.Boolean(dump_only=True)
    previous_secret_expires = UTCDateTime(
        dump_only=True, allow_none=True,
        metadata={"description": "Until when the secret replaced by the last rotation still works."})
    created_date = UTCDateTime(dump_only=True)


class ClientCredentialsSchema(ClientSchema):
    """A client with its secret: answered once, at creation or rotation, never again."""

    client_secret = ma.fields.String(dump_only=True)


# Lists a client holds: every scope at most once, and as many locales as a campaign may have.
SCOPE_LIST = ma.validate.Length(max=len(SCOPES))
LOCALE_LIST = ma.validate.Length(max=50)
REDIRECT_URI_LIST = ma.validate.Length(max=10)


def _redirect_uris(**kwargs):
    """Redirect URIs of a portal acting for people: absolute, no fragment (RFC 6749 §3.1.2)."""
    uri = ma.fields.URL(schemes={"https", "http"}, require_tld=False, validate=ma.validate.Length(max=2000))
    return ma.fields.List(uri, validate=REDIRECT_URI_LIST, **kwargs)


class ClientCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    # At least one, and only known ones: validate_scopes says which are wrong and why.
    scopes = ma.fields.List(ma.fields.String(metadata={"enum": list(SCOPES)}), required=True,
                            validate=SCOPE_LIST, metadata={"minItems": 1})
    locales = ma.fields.List(LocaleTag(), allow_none=True, load_default=None, validate=LOCALE_LIST)
    redirect_uris = _redirect_uris(load_default=list, metadata={
        "description": "Enables the authorization code grant (PKCE S256) for portals acting for people."})


class ClientUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    scopes = ma.fields.List(ma.fields.String(metadata={"enum": list(SCOPES)}), validate=SCOPE_LIST,
                            metadata={"minItems": 1})
    locales = ma.fields.List(LocaleTag(), allow_none=True, validate=LOCALE_LIST)
    redirect_uris = _redirect_uris()
    disabled = ma.fields.Boolean()


class ScopeSchema(ma.Schema):
    name = ma.fields.String()
    description = ma.fields.String()
    coordinator_only = ma.fields.Boolean()
    hub_only = ma.fields.Boolean()
