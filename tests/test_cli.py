"""The `coalition` command line as an operator meets it."""

from sqlalchemy import select

from coalition.organizations.models import Organization


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
