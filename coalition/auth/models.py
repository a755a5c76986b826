from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.db import Base, new_uuid, utcnow
from coalition.organizations.models import Organization
from coalition.people.models import Person


def hash_secret(secret: str) -> str:
    # Secrets and tokens are 256-bit random values, so one SHA-256 is enough: there is nothing
    # to brute-force that a slow password hash would protect.
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthClient(Base):
    __tablename__ = "oauth_clients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    previous_secret_expires: Mapped[datetime | None] = mapped_column(default=None)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    locales: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    # Where a portal acting for people receives its codes (exact match); empty: no code flow.
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def is_usable(self) -> bool:
        """Neither disabled nor of a suspended organization: it may get and use tokens."""
        return not self.disabled and self.organization.is_active

    # authlib's ClientMixin protocol
    def get_client_id(self) -> str:
        return self.client_id

    @property
    def acts_for_people(self) -> bool:
        return bool(self.redirect_uris)

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def check_redirect_uri(self, redirect_uri) -> bool:
        # Exact string comparison (RFC 9700 §4.1.3): no prefix, no normalisation.
        return any(hmac.compare_digest(redirect_uri or "", registered) for registered in self.redirect_uris)

    def check_response_type(self, response_type) -> bool:
        return response_type == "code" and self.acts_for_people

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "client_credentials":
            return True
        return grant_type in ("authorization_code", "refresh_token") and self.acts_for_people

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_client_secret(self, client_secret: str) -> bool:
        given = hash_secret(client_secret or "")
        if hmac.compare_digest(given, self.secret_hash):
            return True
        if self.previous_secret_hash and self.previous_secret_expires and self.previous_secret_expires > utcnow():
            return hmac.compare_digest(given, self.previous_secret_hash)
        return False

    def get_allowed_scope(self, scope: str | None) -> str:
        from coalition.auth.server import allowed_scope_for

        return allowed_scope_for(self, scope)


class OAuthToken(Base):
    __tablename__ = "oauth_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[str] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(1000), default="")
    issued_at: Mapped[int] = mapped_column(Integer)
    expires_in: Mapped[int] = mapped_column(Integer)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Tokens of the code flow act for a person; deleting the person deletes them.
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), default=None,
                                                  index=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    # Every token descended from one authorization code: a reused code or refresh token revokes them all.
    family_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    refresh_used: Mapped[bool] = mapped_column(Boolean, default=False)

    client: Mapped[OAuthClient] = relationship(lazy="joined")
    person: Mapped[Person | None] = relationship(lazy="joined")

    @property
    def expires_at(self) -> int:
        return self.issued_at + self.expires_in

    # authlib's TokenMixin protocol
    def check_client(self, client) -> bool:
        return self.client_pk == client.id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return self.expires_at <= time.time()

    def is_revoked(self) -> bool:
        return self.revoked

    # authlib's refresh token grant: a refresh token lives as long as its family.
    def get_user(self):
        return self.person


class AuthorizationCode(Base):
    """A code of the code flow (RFC 6749 §4.1, PKCE S256): single use, ten minutes, hash only."""

    __tablename__ = "oauth_authorization_codes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[str] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(1000), default="")
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    auth_time: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[int] = mapped_column(Integer)
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    # The family of the tokens this code gave, revoked if the code comes back.
    family_id: Mapped[str] = mapped_column(String(36), default=new_uuid)

    person: Mapped[Person] = relationship(lazy="joined")

    # authlib's AuthorizationCodeMixin protocol
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_nonce(self):
        return None
