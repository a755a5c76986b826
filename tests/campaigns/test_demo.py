"""The demo coalition comes with a live initiative and realistic figures, loaded once."""

from coalition.demo import load_demo
from tests.conftest import obtain_token, table_counts


def test_demo_campaign_is_live_with_figures_and_loads_once(client, db_session):
    load_demo()
    db_session.commit()
    counts = table_counts("signature_reports", "signature_tallies", "outbox_events")
    load_demo()
    db_session.commit()
    assert table_counts("signature_reports", "signature_tallies", "outbox_events") == counts
    token = obtain_token(client, "demo-member", "demo-member-secret")
    progress = client.get("/api/v1/campaigns/reclaim-your-face/progress",
                          headers={"Authorization": f"Bearer {token}"}).get_json()
    germany = next(c for c in progress["countries"] if c["country"] == "DE")
    assert germany["met"] is True and germany["threshold"] == 69_120
    assert 300_000 < progress["total"] < 1_000_000
    assert progress["eci"]["met_reported"] is False
    counter = client.get("/api/v1/campaigns/reclaim-your-face/counter").get_json()
    assert counter["total"] == progress["total"]
    assert counter["countries_over_threshold"] == progress["countries_over_threshold"] == 6


def test_demo_campaign_is_in_progress_today(client, db_session):
    load_demo()
    db_session.commit()
    token = obtain_token(client, "demo-coordinator", "demo-coordinator-secret")
    metrics = client.get("/api/v1/campaigns/reclaim-your-face/metrics",
                         headers={"Authorization": f"Bearer {token}"}).get_json()
    assert metrics["last_7_days"] > 0 and metrics["daily_rate"] > 0
    assert metrics["projected_goal_date"] is not None
    assert metrics["outreach"]["actions_last_30_days"] > 0
