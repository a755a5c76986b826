"""The foundation as a user meets it: errors, languages, probes, the token endpoint."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from coalition import create_app
from coalition import db as database
from coalition.config import Config, normalise_database_url
from coalition.extensions import db
from tests.conftest import make_test_app


def test_unknown_route_answers_localised_problem(client):
    response = client.get("/api/v1/nope", headers={"Accept-Language": "de"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.headers["Content-Language"] == "de"
    body = response.get_json()
    assert body["status"] == 404
    assert body["title"] == "Nicht gefunden"
    assert set(body) >= {"type", "title", "status", "detail"}


def test_locale_query_parameter_wins_over_accept_language(client):
    response = client.get("/api/v1/nope?locale=fr", headers={"Accept-Language": "de"})
    assert response.headers["Content-Language"] == "fr"
    assert response.get_json()["title"] == "Introuvable"


def test_unsupported_language_falls_back_to_english(client):
    response = client.get("/api/v1/nope", headers={"Accept-Language": "tlh"})
    assert response.headers["Content-Language"] == "en"
    assert response.get_json()["title"] == "Not found"


def test_wrong_method_keeps_allow_header(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.mimetype == "application/problem+json"


def test_healthz_and_readyz(client, backend):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    checks = ready.get_json()["checks"]
    assert checks["database"] == "ok"
    assert ("redis" in checks) == (backend == "postgresql")


def test_readyz_answers_503_when_database_is_unreachable(tmp_path):
    app = create_app(Config.for_tests(database_url="postgresql://nobody@127.0.0.1:1/none", redis_url=""))
    response = app.test_client().get("/readyz", headers={"Accept-Language": "es"})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Content-Language"] == "es"


def test_readyz_answers_503_when_redis_is_unreachable():
    app = create_app(Config.for_tests(database_url="sqlite://", redis_url="redis://127.0.0.1:1/0"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "redis" in response.get_json()["detail"]


def test_unexpected_error_is_a_problem_without_trace():
    app = make_test_app("sqlite")

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom-for-test", headers={"Accept-Language": "it"})
    assert response.status_code == 500
    body = response.get_json()
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["title"] == "Errore interno del server"


@pytest.mark.parametrize("given, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_url_forms(given, expected):
    assert normalise_database_url(given) == expected


def test_config_reads_typed_values_from_environment(tmp_path):
    config = Config.from_env({"INSTANCE_PATH": str(tmp_path), "TOKEN_LIFETIME": "60",
                              "RATELIMIT_ENABLED": "false"})
    assert config.token_lifetime == 60
    assert config.ratelimit_enabled is False
    assert config.database_url == f"sqlite:///{tmp_path / 'coalition.db'}"


@pytest.fixture(scope="module")
def echo_app():
    """A fresh app with one JSON route, to test body handling shared by every API route."""
    import marshmallow as ma
    from flask_smorest import Blueprint

    app = make_test_app("sqlite", max_json_length=1000)
    blp = Blueprint("echo", __name__)

    class EchoSchema(ma.Schema):
        name = ma.fields.String(required=True)

    @blp.post("/api/v1/echo-for-test")
    @blp.arguments(EchoSchema)
    def echo(data):
        return data

    app.extensions["coalition.api"].register_blueprint(blp)
    return app


def test_malformed_json_is_a_400_problem(echo_app):
    response = echo_app.test_client().post(
        "/api/v1/echo-for-test", data="{nope", content_type="application/json",
        headers={"Accept-Language": "pl"},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.headers["Content-Language"] == "pl"
    assert response.get_json()["title"] == "Nieprawidłowe żądanie"


def test_wrong_content_type_is_a_415_problem(echo_app):
    response = echo_app.test_client().post("/api/v1/echo-for-test", data="name=x",
                                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "application/json" in response.get_json()["detail"]


def test_oversized_json_is_a_413_problem(echo_app):
    response = echo_app.test_client().post("/api/v1/echo-for-test", json={"name": "x" * 2000})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_missing_field_is_a_localised_422_with_field_errors(echo_app):
    response = echo_app.test_client().post("/api/v1/echo-for-test", json={},
                                           headers={"Accept-Language": "de"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"] == {"name": ["Fehlende Daten für ein Pflichtfeld."]}


def test_valid_json_passes(echo_app):
    response = echo_app.test_client().post("/api/v1/echo-for-test", json={"name": "Ada"})
    assert response.status_code == 200
    assert response.get_json() == {"name": "Ada"}


def test_nul_characters_are_refused_in_json_and_query(echo_app):
    test_client = echo_app.test_client()
    in_body = test_client.post("/api/v1/echo-for-test", json={"name": "a\u0000b"})
    in_query = test_client.post("/api/v1/echo-for-test?x=%00", json={"name": "ab"})
    for response in (in_body, in_query):
        assert response.status_code == 400
        assert response.get_json()["detail"] == "Text may not contain NUL characters."


def test_the_text_backslash_u0000_is_no_nul(echo_app):
    test_client = echo_app.test_client()
    written = test_client.post("/api/v1/echo-for-test", json={"name": "^[^\\u0000]*$"})
    assert written.status_code == 200
    assert written.get_json() == {"name": "^[^\\u0000]*$"}
    after_backslashes = test_client.post("/api/v1/echo-for-test", data='{"name": "\\\\\\u0000"}',
                                         content_type="application/json")
    assert after_backslashes.status_code == 400


@pytest.mark.postgres_only
def test_a_pooled_connection_the_server_closed_while_idle_is_replaced(backend, monkeypatch):
    app = make_test_app(backend)
    with app.app_context():
        first_pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.rollback()
        db.session.remove()
        with create_engine(db.engine.url, poolclass=NullPool).connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
        monkeypatch.setattr(database, "IDLE_BEFORE_PING", 0.0)
        second_pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second_pid != first_pid
        db.session.remove()
        db.engine.dispose()
