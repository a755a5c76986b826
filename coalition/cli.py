"""The `coalition` command: a Flask CLI group bound to create_app."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from coalition.extensions import db
from coalition.i18n import _


def _create_app():
    from coalition import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, set_debug_flag=False)
def main():
    """Coalition: manage the database, organizations, clients and the worker."""


def alembic_config():
    """Alembic's settings without alembic.ini: the migrations travel in the package, so an
    installed `coalition db upgrade` finds them from any working directory."""
    from importlib.resources import files

    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(files("coalition.migrations")))
    config.set_main_option("sqlalchemy.url", current_app.extensions["coalition.config"].database_url)
    return config


@click.group("db")
def db_group():
    """Database schema, through Alembic migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str):
    """Apply migrations up to REVISION (default: the newest)."""
    from alembic import command

    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(), revision)
    click.echo(_("Database at revision %(revision)s.", revision=revision))


@click.group("orgs")
def orgs_group():
    """Member organizations."""


@orgs_group.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 code")
@click.option("--coordinator", is_flag=True, help="a lead organization of the coalition")
@click.option("--kind", default="organization", help="organization, or hub: another Coalition instance")
@with_appcontext
def orgs_create(slug: str, name: str, country: str | None, coordinator: bool, kind: str):
    """Create an organization."""
    from coalition.organizations.operations import create_organization
    from coalition.organizations.schemas import OrganizationCreateSchema

    organization = _run(lambda: create_organization(**_loaded(OrganizationCreateSchema(), {
        "slug": slug, "name": name, "country": country, "role": "coordinator" if coordinator else "member",
        "kind": kind})))
    if organization.is_hub:
        click.echo(_("Created the hub organization %(slug)s.", slug=organization.slug))
    elif organization.role == "coordinator":
        click.echo(_("Created the coordinator organization %(slug)s.", slug=organization.slug))
    else:
        click.echo(_("Created the member organization %(slug)s.", slug=organization.slug))


@click.group("clients")
def clients_group():
    """OAuth clients of organizations."""


@clients_group.command("create")
@click.argument("org_slug")
@click.option("--name", required=True)
@click.option("--scopes", required=True, help='space-separated, e.g. "campaigns:read signatures:write"')
@click.option("--locales", default=None, help="comma-separated locales a translator may write, e.g. de,fr")
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="where a portal acting for people receives its codes (repeatable; enables the code flow)")
@click.option("--json", "as_json", is_flag=True, help="print the credentials as JSON")
@with_appcontext
def clients_create(org_slug: str, name: str, scopes: str, locales: str | None, redirect_uris: tuple[str, ...],
                   as_json: bool):
    """Create a client; its secret is printed once and stored hashed."""
    from coalition.auth.operations import create_client
    from coalition.auth.schemas import ClientCreateSchema
    from coalition.organizations.operations import get_organization_or_404

    def create():
        fields = _loaded(ClientCreateSchema(), {
            "name": name, "scopes": scopes.split(), "locales": locales.split(",") if locales else None,
            "redirect_uris": list(redirect_uris)})
        return create_client(get_organization_or_404(org_slug), **fields)

    client, secret = _run(create)
    if as_json:
        click.echo(json.dumps({"client_id": client.client_id, "client_secret": secret}))
    else:
        click.echo(f"client_id:     {client.client_id}\nclient_secret: {secret}  " + _("(shown once)"))


@click.command("demo")
@with_appcontext
def demo_command():
    """Load a realistic demo coalition (idempotent)."""
    from coalition.demo import load_demo

    for line in _run(load_demo):
        click.echo(line)


@click.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@with_appcontext
def worker_command(burst: bool):
    """Run the background worker (needs REDIS_URL)."""
    from coalition.jobs import run_worker

    run_worker(current_app._get_current_object(), burst=burst)


@click.group("keys")
def keys_group():
    """Keys that encrypt stored credentials (ENCRYPTION_KEYS)."""


@keys_group.command("rotate")
@with_appcontext
def keys_rotate():
    """Re-encrypt every stored credential with the first of ENCRYPTION_KEYS."""
    from coalition.crypto import rotate_all

    count = _run(rotate_all)
    click.echo(_("Re-encrypted %(count)d stored credentials with the first key.", count=count))


@click.command("openapi")
@click.option("--check", is_flag=True, help="fail if api_spec/openapi.yaml is stale")
@with_appcontext
def openapi_command(check: bool):
    """Write the OpenAPI document to api_spec/openapi.yaml."""
    from coalition.openapi import SPEC_PATH, openapi_yaml

    document = openapi_yaml()
    if check:
        if not SPEC_PATH.exists() or SPEC_PATH.read_text() != document:
            raise click.ClickException(_("%(name)s is stale: run `coalition openapi`.", name=SPEC_PATH.name))
        click.echo(_("The OpenAPI document is up to date."))
        return
    SPEC_PATH.parent.mkdir(exist_ok=True)
    SPEC_PATH.write_text(document)
    click.echo(_("Wrote %(path)s.", path=SPEC_PATH))


def _loaded(schema, values: dict) -> dict:
    """Command-line values, checked and normalised as the API does (`el` is Greece, `GR`)."""
    from marshmallow import ValidationError

    from coalition.errors import ValidationFailed

    try:
        return schema.load({name: value for name, value in values.items() if value is not None})
    except ValidationError as error:
        raise ValidationFailed(errors=error.messages) from None


def _run(operation):
    """Run an operation in a transaction; a problem becomes a clean CLI error."""
    from coalition.errors import TITLES, ProblemError, translate_messages

    try:
        result = operation()
        db.commit()
        return result
    except ProblemError as error:
        db.rollback()
        message = str(error.detail or TITLES.get(error.status, TITLES[400]))
        if error.errors:
            message += " " + json.dumps(translate_messages(error.errors), ensure_ascii=False)
        raise click.ClickException(message) from None


def register_commands(app: Flask) -> None:
    from coalition.federation.commands import federation_group

    for command in (db_group, orgs_group, clients_group, keys_group, demo_command, worker_command,
                    openapi_command, federation_group):
        app.cli.add_command(command)


if __name__ == "__main__":
    main()
