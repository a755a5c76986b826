"""Property-based testing of every documented operation with schemathesis' checks.

schemathesis generates valid and invalid requests from the document the code serves and sends
them with a coordinator token holding every scope and with a member organization's token,
inside the rolled-back test transaction. Every check runs — server errors, status codes,
content types, response schemas and headers, refused invalid data, Allow headers, auth — except
positive_data_acceptance: the document cannot say every rule the server enforces (a campaign
named in a body must exist, `until` after `since`, a language tag Babel knows), so some
schema-valid requests are rightly refused.

The stateful runs follow the document's links (coalition/openapi_links.py) from each creation to
the operations that take what it made, with the same checks and both tokens.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks, positive_data_acceptance
from schemathesis.generation.stateful import run_state_machine_as_test

from coalition.auth.scopes import SCOPES
from coalition.extensions import db
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


# Stateful: schemathesis follows the document's links from each creation to the operations that
# read, change and delete what it made. Bounded to keep the suite quick.
STATEFUL = settings(max_examples=25, stateful_step_count=10, deadline=None,
                    suppress_health_check=list(HealthCheck))


def run_sequences(api_schema, token: dict) -> None:
    class WithToken(api_schema.as_state_machine()):
        # Each scenario starts from the same data: Hypothesis replays scenarios and needs the
        # server to answer them as it did the first time.
        def setup(self):
            db.session.remove()
            self.scenario = db.session.get_bind().begin_nested()

        def teardown(self):
            db.session.remove()
            self.scenario.rollback()

        def get_call_kwargs(self, case):
            return {"headers": token}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKED, headers=token, transport_kwargs=kwargs)

    run_state_machine_as_test(WithToken, settings=STATEFUL)


def test_sequences_of_linked_operations_hold_to_the_document_for_a_coordinator(api_schema, coordinator_token):
    run_sequences(api_schema, coordinator_token)


def test_sequences_of_linked_operations_hold_to_the_document_for_a_member(api_schema, member_token):
    run_sequences(api_schema, member_token)
