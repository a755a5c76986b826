"""`coalition orgs create --kind hub` and `coalition federation …` as an operator meets them."""

from __future__ import annotations

import json

from sqlalchemy import select

from coalition.federation.models import Upstream
from coalition.organizations.operations import get_organization
from tests import factories


def test_orgs_create_makes_a_hub(app, db_session):
    result = app.test_cli_runner().invoke(args=["orgs", "create", "hub-at", "--name", "Coalition Austria",
                                                "--kind", "hub", "--country", "AT"])

    assert result.exit_code == 0, result.output
    assert result.output == "Created the hub organization hub-at.\n"
    assert get_organization("hub-at").kind == "hub"


def test_orgs_create_refuses_an_unknown_kind(app, db_session):
    result = app.test_cli_runner().invoke(args=["orgs", "create", "hub-at", "--name", "X", "--kind", "club"])

    assert result.exit_code == 1
    assert "kind" in result.output and get_organization("hub-at") is None


def test_add_upstream_without_public_url_says_what_to_set(app, db_session, configure):
    configure(public_url_configured=False, outbound_allow_private=True)
    campaign = factories.make_campaign()

    result = app.test_cli_runner().invoke(args=[
        "federation", "add-upstream", campaign.slug, "--url", "http://127.0.0.1:9", "--upstream-campaign", "ryf",
        "--client-id", "hub", "--client-secret", "secret"])

    assert result.exit_code == 1
    assert "PUBLIC_URL" in result.output
    assert db_session.scalars(select(Upstream)).first() is None


def test_add_upstream_and_push_report_each_outcome(app, db_session, federating):
    campaign = factories.make_campaign()
    runner = app.test_cli_runner()

    added = runner.invoke(args=[
        "federation", "add-upstream", campaign.slug, "--url", "http://127.0.0.1:9/", "--upstream-campaign", "ryf",
        "--client-id", "hub"], env={"UPSTREAM_CLIENT_SECRET": "from-the-environment"})
    pushed = runner.invoke(args=["federation", "push", campaign.slug])
    backing_off = runner.invoke(args=["federation", "push"])
    forced = runner.invoke(args=["federation", "push", "--force"])

    assert added.exit_code == 0, added.output
    assert "http://127.0.0.1:9" in added.output
    [outcome] = [json.loads(line) for line in pushed.output.splitlines()]
    assert (outcome["url"], outcome["outcome"], outcome["status"]) == ("http://127.0.0.1:9", "failed", "failing")
    assert "could not connect" in outcome["error"]
    assert json.loads(backing_off.output)["outcome"] == "waiting"
    assert json.loads(forced.output)["outcome"] == "failed"
