"""The demo shows materials in every translation state, and loading it twice changes nothing."""

from sqlalchemy import func, select

from coalition.campaigns.demo import SLUG as CAMPAIGN_SLUG
from coalition.campaigns.operations import get_campaign
from coalition.demo import load_demo
from coalition.materials.delivery import campaign_progress
from coalition.materials.models import Material, Translation


def test_demo_materials_are_loaded_once_with_translations_in_several_states(db_session):
    load_demo()
    load_demo()
    campaign = get_campaign(CAMPAIGN_SLUG)
    assert db_session.scalar(select(func.count()).select_from(Material)) == 3
    states = set(db_session.scalars(select(Translation.status)))
    assert states == {"draft", "needs_review", "approved"}
    german = next(row for row in campaign_progress(campaign) if row["locale"] == "de")
    assert german["approved"] > 0 and german["outdated"] == 1 and german["draft"] > 0
