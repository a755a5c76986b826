"""Property-based testing of every documented operation with schemathesis' checks.

schemathesis generates valid and invalid requests from the document the code serves and sends
them with a coordinator token holding every scope and with a member organization's token,
inside the rolled-back test transaction. Every check runs — server errors, status codes,
content types, response schemas and headers, refused invalid data, Allow headers, auth — except
positive_data_acceptance: the document cannot say every rule the server enforces (a campaign
named in a body must exist, `until` after `since`, a language tag Babel knows), so some
schema-valid requests are rightly refused.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks, positive_data_acceptance

from coalition.auth.scopes import SCOPES
from tests import factories

load_all_checks()
CHECKED = [check for check in CHECKS.get_all() if check is not positive_data_acceptance]
MEMBER_SCOPES = ["campaigns:read", "signatures:write", "actions:read", "actions:write", "materials:read",
                 "translations:write"]

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(app, db_session):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def coordinator_token(auth_headers, db_session):
    factories.make_campaign(slug="fuzz-campaign")
    return auth_headers(factories.make_organization(role="coordinator"), list(SCOPES))


@pytest.fixture
def member_token(auth_headers, db_session):
    factories.make_campaign(slug="fuzz-campaign")
    return auth_headers(factories.make_organization(), MEMBER_SCOPES)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_holds_to_its_document_for_a_coordinator(case, coordinator_token):
    case.call_and_validate(headers=coordinator_token, checks=CHECKED)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_holds_to_its_document_for_a_member(case, member_token):
    case.call_and_validate(headers=member_token, checks=CHECKED)
