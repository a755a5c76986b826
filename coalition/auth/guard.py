"""Bearer token checks for API routes: who is calling, for which organization, with which scopes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from sqlalchemy import select

from coalition.auth.models import OAuthToken, hash_secret
from coalition.auth.scopes import allowed_scopes
from coalition.errors import Forbidden, Unauthorized
from coalition.extensions import db
from coalition.http import check_required_body
from coalition.i18n import _

# Each process keeps the tokens it validated this long, so most requests ask neither the
# database nor another server: a revocation or suspension also drops the copy of the process that
# made it, and every other process drops its own within this bound (RFC 7662 §4 allows such a cache).
TOKEN_CACHE_SECONDS = 1.0
TOKEN_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class Principal:
    """The caller of an API request, as its token says, or the person signed in on a page.

    `role` is the organization-level role the caller acts with (`coordinator` or `member`).
    """

    client_id: str
    organization_id: str
    organization_slug: str
    role: str
    scopes: frozenset[str]
    locales: tuple[str, ...] | None
    expires_at: int
    # The person a page session or a portal's token acts for (its `sub`); None for a client.
    person_id: str | None = None

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    def may_write_locale(self, locale: str) -> bool:
        return self.locales is None or locale in self.locales


def _validated_tokens() -> dict[str, tuple[float, Principal]]:
    """This process's validated tokens: hash → (monotonic expiry, principal)."""
    return current_app.extensions.setdefault("coalition.validated_tokens", {})


def forget_tokens(token_hashes) -> None:
    """Drop validated tokens so revoked, suspended or disabled credentials stop."""
    validated = _validated_tokens()
    for token_hash in token_hashes:
        validated.pop(token_hash, None)


def effective_scopes(token: OAuthToken) -> frozenset[str]:
    """What a token allows now: a client's scopes may have been narrowed, or its organization
    demoted, since the token was issued, and the token holds no more than they allow today."""
    client = token.client
    return frozenset(token.scope.split()) & frozenset(client.scopes) & allowed_scopes(client.organization.role)


def _principal_from_database(token_hash: str) -> Principal | None:
    token = db.session.scalars(select(OAuthToken).filter_by(token_hash=token_hash)).first()
    if token is None or token.revoked or token.is_expired():
        return None
    client = token.client
    if not client.is_usable:
        return None
    return Principal(
        client_id=client.client_id,
        organization_id=client.organization_id,
        organization_slug=client.organization.slug,
        role=client.organization.role,
        scopes=effective_scopes(token),
        locales=tuple(client.locales) if client.locales else None,
        expires_at=token.expires_at,
    )


def _load_principal(token_hash: str) -> Principal | None:
    validated = _validated_tokens()
    now = time.monotonic()
    entry = validated.get(token_hash)
    if entry is not None and entry[0] > now:
        principal = entry[1]
    else:
        principal = _principal_from_database(token_hash)
        if principal is None:
            return None
        if len(validated) >= TOKEN_CACHE_SIZE:
            validated.clear()
        validated[token_hash] = (now + TOKEN_CACHE_SECONDS, principal)
    if principal.expires_at <= time.time():
        return None
    return principal


def _challenge(error: str | None = None, scope: str | None = None) -> dict:
    value = 'Bearer realm="coalition"'
    if error:
        value += f', error="{error}"'
    if scope:
        value += f', scope="{scope}"'
    return {"WWW-Authenticate": value}


def authenticate() -> Principal:
    """The request's principal, or a 401 problem with a Bearer challenge."""
    header = request.headers.get("Authorization", "")
    kind, _sep, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise Unauthorized(_("A valid access token is required."), headers=_challenge())
    principal = _load_principal(hash_secret(token.strip()))
    if principal is None:
        raise Unauthorized(
            _("The access token is invalid, expired or revoked."), headers=_challenge("invalid_token")
        )
    g.principal = principal
    return principal


def _document_security(view, wrapper, scopes: list[str]):
    """OpenAPI: any one of `scopes` suffices (alternatives), and the 401/403 answers."""
    apidoc = dict(getattr(view, "_apidoc", {}))
    manual = dict(apidoc.get("manual_doc", {}))
    manual["security"] = [{"oauth2": [scope]} for scope in scopes] or [{"oauth2": []}]
    responses = dict(manual.get("responses", {}))
    responses.setdefault("401", "Unauthorized")
    responses.setdefault("403", "Forbidden")
    manual["responses"] = responses
    apidoc["manual_doc"] = manual
    wrapper._apidoc = apidoc
    return wrapper


def require_scope(*scopes: str):
    """Protect a view: a valid token holding `scope` (or one of several); documented in OpenAPI.

    With several scopes the view decides what each allows (e.g. all rows or one's own).
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            principal = authenticate()
            if principal.scopes.isdisjoint(scopes):
                wanted = " ".join(scopes)
                raise Forbidden(
                    _("This requires the scope %(scope)s.", scope=" | ".join(scopes)),
                    headers=_challenge("insufficient_scope", wanted),
                )
            check_required_body()
            return view(*args, **kwargs)

        return _document_security(view, wrapper, list(scopes))

    return decorator


def require_token(view):
    """Protect a view with any valid token; the view itself decides what the caller may see."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        authenticate()
        check_required_body()
        return view(*args, **kwargs)

    return _document_security(view, wrapper, [])


def document_auth_responses(spec) -> None:
    """The 401 and 403 answers every protected route refers to, in the OpenAPI components."""
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    challenge = {"WWW-Authenticate": {"schema": {"type": "string"},
                                      "description": "Bearer challenge (RFC 6750)"}}
    spec.components.response("Unauthorized", {
        "description": "No valid access token: missing, invalid, expired or revoked.",
        "headers": challenge, "content": content,
    })
    spec.components.response("Forbidden", {
        "description": "The token lacks the scope, or the resource belongs to another organization.",
        "content": content,
    })


def current_principal() -> Principal:
    return g.principal
