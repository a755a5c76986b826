"""People of member organizations (DESIGN §8): who may sign in, with which role, and their
invitations. A person's e-mail serves sign-in only; nothing about them is shown to other
organizations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.db import Base, TimestampMixin, new_uuid, utcnow
from coalition.organizations.models import Organization

PERSON_ROLES = ("coordinator", "member", "translator", "reviewer")
# Roles whose work is limited to the person's locales.
LOCALE_ROLES = ("translator", "reviewer")


class Person(TimestampMixin, Base):
    __tablename__ = "people"

    # Opaque: the `sub` of the person's tokens, and the id in URLs.
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    locales: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    display_name: Mapped[str] = mapped_column(String(200))
    # Lower case, for sign-in and invitations only.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # The language of the pages for this person, when they chose one.
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    # None until the person accepted their invitation.
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    totp_ciphertext: Mapped[str | None] = mapped_column(Text, default=None, info={"encrypted": True})
    recovery_code_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Raised to end every session at once (sign out everywhere, a new password).
    session_generation: Mapped[int] = mapped_column(Integer, default=0)

    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def uses_totp(self) -> bool:
        return self.totp_ciphertext is not None


class Invitation(Base):
    """A single-use link that lets a person set their password; only its hash is stored."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    created_date: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")


class StoredSession(Base):
    """A page session on the embedded default (no Redis): the id's hash and its values."""

    __tablename__ = "page_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime] = mapped_column(index=True)
