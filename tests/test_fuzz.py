"""Property-based fuzzing of every documented operation: no input may cause a server error.

schemathesis generates valid and invalid requests from api_spec (the same document the code
serves) and sends them with a coordinator token holding every scope, inside the rolled-back
test transaction.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from coalition.auth.scopes import SCOPES
from tests import factories

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(app, db_session):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def every_scope(client, auth_headers, db_session):
    coordinator = factories.make_organization(role="coordinator")
    factories.make_campaign(slug="fuzz-campaign")
    return auth_headers(coordinator, list(SCOPES))


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_causes_a_server_error(case, every_scope):
    case.call_and_validate(headers=every_scope, checks=[not_a_server_error])
