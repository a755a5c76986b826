"""Rules for OAuth clients. Operations flush, never commit."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from coalition.auth.guard import forget_tokens
from coalition.auth.models import OAuthClient, OAuthToken, hash_secret
from coalition.auth.scopes import HUB_ONLY, SCOPES, allowed_scopes
from coalition.db import utcnow
from coalition.errors import Conflict, NotFound, ValidationFailed
from coalition.extensions import db
from coalition.i18n import _, normalise_locale
from coalition.organizations.models import Organization


def usable_admin_clients(excluding: OAuthClient | None = None) -> list[OAuthClient]:
    """Clients that can administer the coalition now: `admin`, enabled, of an active coordinator."""
    statement = (select(OAuthClient).join(OAuthClient.organization)
                 .where(OAuthClient.disabled.is_(False), Organization.role == "coordinator",
                        Organization.status == "active"))
    if excluding is not None:
        statement = statement.where(OAuthClient.id != excluding.id)
    return [client for client in db.session.scalars(statement) if "admin" in client.scopes]


def _keep_an_admin_credential(client: OAuthClient) -> None:
    """Refuse a change that would leave the coalition without any credential able to manage it."""
    if not usable_admin_clients(excluding=client):
        raise Conflict(_("This is the coalition's last client that can administer it: create "
                         "another client with the admin scope first."))


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def validate_scopes(organization: Organization, scopes: list[str]) -> list[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationFailed(errors={"scopes": [_("Unknown scope: %(scope)s.", scope=s) for s in unknown]})
    refused = [s for s in scopes if s not in allowed_scopes(organization.role, organization.kind)]
    if refused:
        raise ValidationFailed(errors={"scopes": [
            _("Only hub organizations may hold the scope %(scope)s.", scope=s) if s in HUB_ONLY
            else _("Only coordinator organizations may hold the scope %(scope)s.", scope=s) for s in refused
        ]})
    if not scopes:
        raise ValidationFailed(errors={"scopes": [_("Give at least one scope.")]})
    return sorted(set(scopes))


def validate_redirect_uris(uris: list[str]) -> list[str]:
    """HTTPS addresses, or plain HTTP on a loopback address (a portal on a developer's machine)."""
    from coalition.http import plain_http_on_loopback

    refused = [uri for uri in uris if "#" in uri or (uri.startswith("http://") and not plain_http_on_loopback(uri))]
    if refused:
        raise ValidationFailed(errors={"redirect_uris": [
            _("A redirect URI must use HTTPS (plain HTTP only on loopback) and have no fragment: %(uri)s",
              uri=uri) for uri in refused]})
    return list(dict.fromkeys(uris))


def create_client(organization: Organization, name: str, scopes: list[str],
                  locales: list[str] | None = None,
                  redirect_uris: list[str] | None = None) -> tuple[OAuthClient, str]:
    """A new client and its secret; the secret is returned once and only its hash is kept."""
    secret = new_client_secret()
    client = OAuthClient(
        client_id=secrets.token_urlsafe(18),
        organization_id=organization.id,
        organization=organization,
        name=name,
        secret_hash=hash_secret(secret),
        scopes=validate_scopes(organization, scopes),
        locales=_normalise_locales(locales),
        redirect_uris=validate_redirect_uris(redirect_uris or []),
    )
    db.session.add(client)
    db.session.flush()
    return client, secret


def _normalise_locales(locales: list[str] | None) -> list[str] | None:
    """None or an empty list: every locale; else the sorted set of tags."""
    return sorted({normalise_locale(tag) for tag in locales}) if locales else None


def get_client(client_id: str) -> OAuthClient | None:
    return db.session.scalars(select(OAuthClient).filter_by(client_id=client_id)).first()


def get_client_or_404(client_id: str) -> OAuthClient:
    client = get_client(client_id)
    if client is None:
        raise NotFound(_("No client has this client_id."))
    return client


def list_clients(organization: Organization):
    """A select of an organization's clients, oldest first (for pagination)."""
    return (select(OAuthClient).where(OAuthClient.organization_id == organization.id)
            .order_by(OAuthClient.created_date, OAuthClient.client_id))


def update_client(client: OAuthClient, **changes) -> OAuthClient:
    """Rename, re-scope, limit to locales or disable a client; its tokens follow within a second."""
    loses_admin = ("admin" not in changes.get("scopes", client.scopes)) or bool(changes.get("disabled"))
    if loses_admin and client in usable_admin_clients():
        _keep_an_admin_credential(client)
    if "name" in changes:
        client.name = changes["name"]
    if "scopes" in changes:
        client.scopes = validate_scopes(client.organization, changes["scopes"])
    if "locales" in changes:
        client.locales = _normalise_locales(changes["locales"])
    if "redirect_uris" in changes:
        client.redirect_uris = validate_redirect_uris(changes["redirect_uris"])
    if "disabled" in changes:
        client.disabled = bool(changes["disabled"])
    db.session.flush()
    if changes.keys() & {"scopes", "locales", "disabled"}:
        # What its tokens allow changed; a new name changes nothing they carry.
        forget_tokens_after_commit(token_hashes_of(client_pk=client.id))
    return client


def rotate_client_secret(client: OAuthClient) -> tuple[OAuthClient, str]:
    """A new secret, returned once; the old one keeps working for the configured overlap.

    Only the secret just replaced stays valid: rotating twice within the overlap ends the oldest.
    """
    overlap = current_app.extensions["coalition.config"].secret_rotation_overlap
    secret = new_client_secret()
    client.previous_secret_hash = client.secret_hash
    client.previous_secret_expires = utcnow() + timedelta(seconds=overlap)
    client.secret_hash = hash_secret(secret)
    db.session.flush()
    return client, secret


def revoke_previous_secret(client: OAuthClient) -> OAuthClient:
    """End the secret replaced by the last rotation now, and revoke every token of the client.

    Tokens do not record which secret obtained them, so all of them go; the holder of the new
    secret simply asks for a new token.
    """
    if not client.previous_secret_hash or not client.previous_secret_expires \
            or client.previous_secret_expires <= utcnow():
        raise Conflict(_("This client has no previous secret that still works."))
    client.previous_secret_hash = None
    client.previous_secret_expires = None
    hashes = token_hashes_of(client_pk=client.id)
    db.session.execute(update(OAuthToken).where(OAuthToken.client_pk == client.id, OAuthToken.revoked.is_(False))
                       .values(revoked=True))
    db.session.flush()
    forget_tokens_after_commit(hashes)
    return client


def delete_client(client: OAuthClient) -> None:
    """Remove a client with its tokens; they stop at once."""
    if client in usable_admin_clients():
        _keep_an_admin_credential(client)
    hashes = token_hashes_of(client_pk=client.id)
    db.session.execute(OAuthToken.__table__.delete().where(OAuthToken.client_pk == client.id))
    db.session.delete(client)
    db.session.flush()
    forget_tokens_after_commit(hashes)


def revoke_token(token: OAuthToken) -> None:
    token.revoked = True
    db.session.flush()
    forget_tokens_after_commit([token.token_hash])


def token_hashes_of(*, client_pk: str | None = None, organization_id: str | None = None) -> list[str]:
    """Hashes of the live (unrevoked, unexpired) tokens of a client or an organization."""
    statement = select(OAuthToken.token_hash).where(
        OAuthToken.revoked.is_(False),
        OAuthToken.issued_at + OAuthToken.expires_in > int(time.time()),
    )
    if client_pk is not None:
        statement = statement.where(OAuthToken.client_pk == client_pk)
    if organization_id is not None:
        statement = statement.join(OAuthClient).where(OAuthClient.organization_id == organization_id)
    return list(db.session.scalars(statement))


def forget_tokens_after_commit(token_hashes: Iterable[str]) -> None:
    """Drop cached principals once the change is committed, so no request re-caches the old state.

    Also dropped now: a request in this process between flush and commit must not use them either.
    """
    hashes = list(token_hashes)
    forget_tokens(hashes)
    db.after_commit(lambda: forget_tokens(hashes))
