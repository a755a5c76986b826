"""Rules for OAuth clients. Operations flush, never commit."""

from __future__ import annotations

import secrets

from coalition.auth.models import OAuthClient, hash_secret
from coalition.auth.scopes import SCOPES, allowed_scopes
from coalition.errors import ValidationFailed
from coalition.extensions import db
from coalition.i18n import _, normalise_locale
from coalition.organizations.models import Organization


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def validate_scopes(organization: Organization, scopes: list[str]) -> list[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationFailed(errors={"scopes": [_("Unknown scope: %(scope)s.", scope=s) for s in unknown]})
    refused = [s for s in scopes if s not in allowed_scopes(organization.role)]
    if refused:
        raise ValidationFailed(errors={"scopes": [
            _("Only coordinator organizations may hold the scope %(scope)s.", scope=s) for s in refused
        ]})
    if not scopes:
        raise ValidationFailed(errors={"scopes": [_("Give at least one scope.")]})
    return sorted(set(scopes))


def create_client(organization: Organization, name: str, scopes: list[str],
                  locales: list[str] | None = None) -> tuple[OAuthClient, str]:
    """A new client and its secret; the secret is returned once and only its hash is kept."""
    secret = new_client_secret()
    client = OAuthClient(
        client_id=secrets.token_urlsafe(18),
        organization_id=organization.id,
        organization=organization,
        name=name,
        secret_hash=hash_secret(secret),
        scopes=validate_scopes(organization, scopes),
        locales=sorted({normalise_locale(tag) for tag in locales}) if locales else None,
    )
    db.session.add(client)
    db.session.flush()
    return client, secret
