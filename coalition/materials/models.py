from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.campaigns.models import Campaign
from coalition.db import Base, TimestampMixin, new_uuid, utcnow

KINDS = ("leaflet", "social_post", "press_release", "faq", "email_template", "image", "other")
FIELDS = ("title", "summary", "body")
STATUSES = ("draft", "needs_review", "approved")


class Material(TimestampMixin, Base):
    __tablename__ = "materials"
    __table_args__ = (UniqueConstraint("campaign_id", "slug"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    source_locale: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    body: Mapped[str | None] = mapped_column(Text, default=None)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))

    campaign: Mapped[Campaign] = relationship(lazy="joined")
    tag_rows: Mapped[list[MaterialTag]] = relationship(
        cascade="all, delete-orphan", order_by="MaterialTag.tag", lazy="selectin")
    files: Mapped[list[MaterialFile]] = relationship(
        cascade="all, delete-orphan", order_by="MaterialFile.created_date", lazy="selectin")

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def campaign_slug(self) -> str:
        return self.campaign.slug

    def source_fields(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in FIELDS}


class MaterialTag(Base):
    """One tag of a material, in its own table so lists filter by tag on every backend."""

    __tablename__ = "material_tags"

    material_id: Mapped[str] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class MaterialRevision(Base):
    """The source text of a material as it was after one edit; never changed."""

    __tablename__ = "material_revisions"
    __table_args__ = (UniqueConstraint("material_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    material_id: Mapped[str] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    body: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[str] = mapped_column(String(64))
    created_date: Mapped[datetime] = mapped_column(default=utcnow)

    def source_fields(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in FIELDS}


class MaterialFile(Base):
    """An uploaded file; its bytes live once per content hash in the file store."""

    __tablename__ = "material_files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    material_id: Mapped[str] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_date: Mapped[datetime] = mapped_column(default=utcnow)


class Translation(TimestampMixin, Base):
    """The text of a material in one locale, made from one source revision."""

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("material_id", "locale"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    material_id: Mapped[str] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(300), default=None)
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    body: Mapped[str | None] = mapped_column(Text, default=None)
    based_on_revision: Mapped[int] = mapped_column(Integer)
    # The least advanced state of its fields, the client that wrote last and the one that approved last.
    status: Mapped[str] = mapped_column(String(16), default="draft")
    written_by: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64), default=None)
    # Per translated field {"status", "written_by", "approved_by"}: fields travel as separate units
    # (PO messages, XLIFF units), are confirmed one by one, and nobody approves a field they wrote.
    field_states: Mapped[dict] = mapped_column(JSON, default=dict)

    material: Mapped[Material] = relationship(lazy="joined")

    def target_fields(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in FIELDS}

    def field_status(self, name: str) -> str | None:
        """The state of one field; None while it is untranslated."""
        return self.field_states[name]["status"] if getattr(self, name) else None


class TranslationEvent(Base):
    """One change of a translation: who did what, in which state, with which text."""

    __tablename__ = "translation_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    translation_id: Mapped[str] = mapped_column(ForeignKey("translations.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    based_on_revision: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict] = mapped_column(JSON)
    client_id: Mapped[str] = mapped_column(String(64))
    organization: Mapped[str] = mapped_column(String(64))
    created_date: Mapped[datetime] = mapped_column(default=utcnow)
