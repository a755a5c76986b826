"""Rules for campaigns. Operations flush, never commit."""

from __future__ import annotations

from sqlalchemy import select

from coalition.campaigns.models import Campaign
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.i18n import _


def get_campaign(slug: str) -> Campaign | None:
    return db.session.scalars(select(Campaign).filter_by(slug=slug)).first()


def get_campaign_or_404(slug: str) -> Campaign:
    campaign = get_campaign(slug)
    if campaign is None:
        raise NotFound(_("No campaign has this slug."))
    return campaign
