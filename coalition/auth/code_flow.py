"""The authorization code grant with PKCE (S256 only) and rotating refresh tokens, for portals
acting for a person (DESIGN §8).

Codes and refresh tokens are stored hashed. A code is used once: presented again, every token
it gave is revoked (RFC 6749 §4.1.2). A refresh token is used once too: each refresh answers a
new one, and an old one presented again revokes the whole family (RFC 9700 §4.14.2).
"""

from __future__ import annotations

import logging
import time

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import delete, select, update

from coalition.auth.models import AuthorizationCode, OAuthToken, hash_secret
from coalition.auth.operations import forget_tokens_after_commit
from coalition.auth.scopes import allowed_scopes, person_scopes
from coalition.extensions import db
from coalition.i18n import _l

log = logging.getLogger(__name__)

CODE_LIFETIME = 600
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def person_scope(client, person, requested: str | None) -> str:
    """What a person's token may hold: the client's scopes ∩ the person's role ∩ those asked
    (all the other two allow when none are asked); nothing in common is `invalid_scope`."""
    held = set(client.scopes) & allowed_scopes(client.organization.role) \
        & person_scopes(person.role, person.organization.role)
    granted = held & set(requested.split()) if requested else held
    if not granted:
        raise InvalidScopeError(description=_l("You hold none of the scopes this portal asks for."))
    return " ".join(sorted(granted))


def revoke_family(family_id: str) -> None:
    """Revoke every token of a family, committed now: the refused request must not undo it."""
    hashes = list(db.session.scalars(select(OAuthToken.token_hash).where(OAuthToken.family_id == family_id)))
    db.session.execute(update(OAuthToken).where(OAuthToken.family_id == family_id)
                       .values(revoked=True, refresh_used=True))
    forget_tokens_after_commit(hashes)
    db.commit()


class S256CodeChallenge(CodeChallenge):
    """PKCE required of every client, with S256 only: `plain` sends the secret in the clear."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError(description=_l("PKCE is required: send a code_challenge (S256)."),
                                      redirect_uri=redirect_uri)
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError(description=_l("Only the S256 code_challenge_method is supported."),
                                      redirect_uri=redirect_uri)
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code):
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code):
        return authorization_code.code_challenge_method


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def save_authorization_code(self, code, request):
        person = request.user
        data = request.payload.data
        item = AuthorizationCode(
            code_hash=hash_secret(code), client_pk=request.client.id, person_id=person.id, person=person,
            redirect_uri=request.payload.redirect_uri or "",
            scope=person_scope(request.client, person, request.payload.scope),
            code_challenge=data["code_challenge"], code_challenge_method=data["code_challenge_method"],
            auth_time=int(time.time()), expires_at=int(time.time()) + CODE_LIFETIME,
        )
        db.session.add(item)
        db.commit()

    def query_authorization_code(self, code, client):
        item = db.session.scalars(select(AuthorizationCode).filter_by(code_hash=hash_secret(code))).first()
        if item is None or item.client_pk != client.id:
            return None
        if item.used:
            log.warning("authorization code used twice by client %s: its tokens are revoked", client.client_id)
            revoke_family(item.family_id)
            return None
        return item if item.expires_at > time.time() else None

    def delete_authorization_code(self, authorization_code):
        """Kept, marked used by save_token in the commit of its tokens: a second use must find it."""

    def authenticate_user(self, authorization_code):
        person = authorization_code.person
        return person if person is not None and person.organization.is_active else None


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        token = db.session.scalars(select(OAuthToken).filter_by(refresh_token_hash=hash_secret(refresh_token))).first()
        if token is None:
            return None
        if token.refresh_used:
            log.warning("a used refresh token came back: its family is revoked")
            revoke_family(token.family_id)
            return None
        return None if token.revoked else token

    def authenticate_user(self, refresh_token):
        person = refresh_token.person
        return person if person is not None and person.organization.is_active else None

    def revoke_old_credential(self, refresh_token):
        """Marked used by save_token, in the commit of the token that replaces it."""


def continue_family(record: OAuthToken, request) -> None:
    """A token of the code flow joins the family of its code or of the token it refreshes; the
    code or the old refresh token is spent in the same commit."""
    code = getattr(request, "authorization_code", None)
    previous = getattr(request, "refresh_token", None)
    if isinstance(code, AuthorizationCode):
        record.person_id, record.family_id = code.person_id, code.family_id
        code.used = True
    elif isinstance(previous, OAuthToken):
        record.person_id, record.family_id = previous.person_id, previous.family_id
        previous.refresh_used = previous.revoked = True
        forget_tokens_after_commit([previous.token_hash])


def remove_expired_codes() -> int:
    """Delete codes past their lifetime (housekeeping): a used one no longer needs to be found."""
    return db.session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at <= int(time.time()))
                              ).rowcount
