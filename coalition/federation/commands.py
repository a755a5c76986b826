"""`coalition federation …`: register upstreams and push now from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from coalition.i18n import _


@click.group("federation")
def federation_group():
    """Hub-to-hub federation: the upstreams this instance pushes its figures to."""


@federation_group.command("add-upstream")
@click.argument("campaign")
@click.option("--url", required=True, help="the upstream instance's base URL")
@click.option("--upstream-campaign", required=True, help="the campaign's slug on the upstream")
@click.option("--client-id", required=True)
@click.option("--client-secret", required=True, envvar="UPSTREAM_CLIENT_SECRET",
              help="or the environment variable UPSTREAM_CLIENT_SECRET")
@with_appcontext
def add_upstream(campaign: str, url: str, upstream_campaign: str, client_id: str, client_secret: str):
    """Push CAMPAIGN's figures to a campaign of another instance."""
    from coalition.campaigns.operations import get_campaign_or_404
    from coalition.cli import _loaded, _run
    from coalition.federation.schemas import UpstreamCreateSchema
    from coalition.federation.upstreams import create_upstream

    def create():
        fields = _loaded(UpstreamCreateSchema(), {"url": url, "campaign": upstream_campaign,
                                                  "client_id": client_id, "client_secret": client_secret})
        return create_upstream(get_campaign_or_404(campaign), url=fields["url"], campaign_slug=fields["campaign"],
                               client_id=fields["client_id"], client_secret=fields["client_secret"])

    upstream = _run(create)
    click.echo(_("Upstream %(id)s added: the worker pushes %(campaign)s to %(url)s.",
                 id=upstream.id, campaign=campaign, url=upstream.url))


@federation_group.command("push")
@click.argument("campaign", required=False)
@click.option("--force", is_flag=True, help="push every snapshot now, changed or not")
@with_appcontext
def push(campaign: str | None, force: bool):
    """Push the changed snapshots to every upstream (of CAMPAIGN) now; print each outcome."""
    from coalition.campaigns.operations import get_campaign_or_404
    from coalition.cli import _run
    from coalition.extensions import db
    from coalition.federation.models import Upstream
    from coalition.federation.tasks import push_campaign

    outcomes = _run(lambda: push_campaign(get_campaign_or_404(campaign).id if campaign else None, force))
    for upstream_id, outcome in outcomes.items():
        upstream = db.session.get(Upstream, upstream_id)
        click.echo(json.dumps({"upstream": upstream_id, "url": upstream.url, "outcome": outcome,
                               "status": upstream.status, "error": upstream.last_error}, ensure_ascii=False))
