"""Property-based testing of every documented operation with all of schemathesis' checks.

schemathesis generates valid and invalid requests from the document the code serves and sends
them with a coordinator token holding every scope and with a member organization's token, each
example in a savepoint of its own inside the rolled-back test transaction. Every check runs on
every operation: server errors, status codes, content types, response schemas and headers,
refused invalid data, accepted valid data, Allow headers, auth. For accepted valid data,
tests/fuzz_values.py gives valid cases the real values the document cannot state (an existing
campaign, `until` after `since`, a language tag Babel knows).

The stateful runs follow the document's links (coalition/openapi_links.py) from each creation to
the operations that take what it made, with both tokens and every check, accepted valid data too.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation.stateful import run_state_machine_as_test

from coalition.auth.scopes import SCOPES
from coalition.extensions import db
from tests import factories
from tests.fuzz_values import map_case

load_all_checks()
EVERY_CHECK = CHECKS.get_all()

MEMBER_SCOPES = ["campaigns:read", "signatures:write", "actions:read", "actions:write", "materials:read",
                 "translations:write"]

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(app, db_session):
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    api_schema.hook(map_case)
    return api_schema


@pytest.fixture
def coordinator_token(auth_headers, db_session, configure):
    factories.make_campaign(slug="fuzz-campaign")
    # Upstreams need PUBLIC_URL; a hub may hold every scope, `federation:push` included.
    configure(public_url="https://fuzz.coalition.test", public_url_configured=True)
    return auth_headers(factories.make_organization(role="coordinator", kind="hub"), list(SCOPES))


@pytest.fixture
def member_token(auth_headers, db_session):
    factories.make_campaign(slug="fuzz-campaign")
    return auth_headers(factories.make_organization(), MEMBER_SCOPES)


# The same examples on every run (derandomize): the suite gates main, so a new example that
# breaks a rule comes from a deliberate exploration run (derandomize off, more examples), as a
# bug report with its regression test, never as a surprise in an unrelated change.
FUZZ = settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def call_and_validate_alone(case, token: dict) -> None:
    """Each example in a savepoint of its own, rolled back after it: what one stored (a 20th
    subscription, an Idempotency-Key, a campaign's new locales) cannot make a valid request of
    the next one wrongly refused, and Hypothesis finds the same answers when it replays."""
    db.session.remove()
    example = db.session.get_bind().begin_nested()
    try:
        case.call_and_validate(headers=token, checks=EVERY_CHECK)
    finally:
        db.session.remove()
        example.rollback()


@schema.parametrize()
@FUZZ
def test_every_operation_holds_to_its_document_for_a_coordinator(case, coordinator_token):
    call_and_validate_alone(case, coordinator_token)


@schema.parametrize()
@FUZZ
def test_every_operation_holds_to_its_document_for_a_member(case, member_token):
    call_and_validate_alone(case, member_token)


# Stateful: schemathesis follows the document's links from each creation to the operations that
# read, change and delete what it made. Bounded to keep the suite quick. Each scenario is one
# savepoint, so its steps see what the earlier ones stored, and tests/fuzz_values.py gives them
# values that stay valid whatever those stored (a new Idempotency-Key, a member state). The
# exports of a campaign's translations (…/translations/{locale}.po and .xlf) are not linked:
# which locales a campaign created or changed along the way translates into is its steps' choice.
STATEFUL = settings(max_examples=25, stateful_step_count=10, deadline=None, derandomize=True,
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
            case.validate_response(response, checks=EVERY_CHECK, headers=token,
                                   transport_kwargs=kwargs)

    run_state_machine_as_test(WithToken, settings=STATEFUL)


def test_sequences_of_linked_operations_hold_to_the_document_for_a_coordinator(api_schema, coordinator_token):
    run_sequences(api_schema, coordinator_token)


def test_sequences_of_linked_operations_hold_to_the_document_for_a_member(api_schema, member_token):
    run_sequences(api_schema, member_token)
