"""The `coalition` command line as an operator meets it."""

from dataclasses import replace

import pytest
from sqlalchemy import select

from coalition.config import Config
from coalition.db import Base
from coalition.extensions import db
from coalition.organizations.models import Organization
from tests.conftest import make_test_app


def test_orgs_create_makes_a_coordinator(app, db_session):
    result = app.test_cli_runner().invoke(args=["orgs", "create", "lead-ngo", "--name", "Lead NGO",
                                                "--country", "be", "--coordinator"])
    assert result.exit_code == 0, result.output
    organization = db_session.scalars(select(Organization).filter_by(slug="lead-ngo")).one()
    assert (organization.role, organization.country) == ("coordinator", "BE")


def test_orgs_create_with_a_bad_slug_says_why_and_writes_nothing(app, db_session):
    result = app.test_cli_runner().invoke(args=["orgs", "create", "Bad Slug", "--name", "X"])
    assert result.exit_code == 1
    assert "Invalid request" in result.output and "lower-case letters" in result.output
    assert db_session.scalars(select(Organization).filter_by(name="X")).first() is None


def test_the_command_line_speaks_the_language_of_its_environment(app, db_session, monkeypatch):
    german = replace(app.extensions["coalition.config"], cli_locale="de")
    monkeypatch.setitem(app.extensions, "coalition.config", german)
    runner = app.test_cli_runner()
    created = runner.invoke(args=["orgs", "create", "lokal-ngo", "--name", "Lokal"])
    assert created.output == "Mitgliedsorganisation lokal-ngo angelegt.\n"
    refused = runner.invoke(args=["orgs", "create", "Bad Slug", "--name", "X"])
    assert refused.exit_code == 1
    assert "Unzulässige Anfrage" in refused.output and "Kleinbuchstaben" in refused.output


@pytest.mark.parametrize("environment, locale", [
    ({}, "en"),
    ({"LANG": "de_AT.UTF-8"}, "de"),
    ({"LC_ALL": "C.UTF-8", "LANG": "pl_PL.UTF-8"}, "pl"),
    ({"LANGUAGE": "zh_TW:it", "LANG": "fr_FR.UTF-8"}, "it"),
    ({"LANGUAGE": "pt_BR:it"}, "pt"),
    ({"LANG": "POSIX"}, "en"),
])
def test_the_command_line_language_comes_from_the_locale_variables(environment, locale):
    assert Config.from_env(environment).cli_locale == locale


def test_the_command_line_checks_values_as_the_api_does(app, db_session):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["orgs", "create", "athens-ngo", "--name", "Athens", "--country", "el"])
    assert created.exit_code == 0, created.output
    assert db_session.scalars(select(Organization).filter_by(slug="athens-ngo")).one().country == "GR"
    assert runner.invoke(args=["orgs", "create", "nowhere", "--name", "X", "--country", "XX"]).exit_code == 1
    refused = runner.invoke(args=["clients", "create", "athens-ngo", "--name", "Script",
                                  "--scopes", "materials:read", "--locales", "de,zz-not-a-tag"])
    assert refused.exit_code == 1 and "BCP 47" in refused.output


def test_port_and_public_url_decide_the_advertised_address():
    assert Config.from_env(environ={"PORT": "8123"}).public_url == "http://127.0.0.1:8123"
    assert Config.from_env(environ={"PORT": "8123", "PUBLIC_URL": "https://hub.example/"}).public_url \
        == "https://hub.example"


def test_demo_prints_the_address_it_is_served_on(tmp_path):
    app = make_test_app("sqlite", public_url="http://127.0.0.1:8123", instance_path=tmp_path)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/oauth/token" in result.output
    assert ":5000" not in result.output
