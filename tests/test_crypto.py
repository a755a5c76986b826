"""Secrets at rest: generated on the embedded default, required elsewhere, rotated by command."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from coalition import create_app, crypto
from coalition.config import Config
from coalition.extensions import db
from coalition.webhooks.models import WebhookSubscription
from tests import factories
from tests.conftest import BACKENDS


def test_the_embedded_default_generates_its_keys_once_into_the_instance_folder(tmp_path):
    config = Config.from_env({"INSTANCE_PATH": str(tmp_path)})
    first = create_app(config)
    with first.app_context():
        ciphertext = crypto.encrypt("whsec_abc")
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    second = create_app(config)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"] and len(first.config["SECRET_KEY"]) == 64
    with second.app_context():
        assert crypto.decrypt(ciphertext) == "whsec_abc"


def test_environment_keys_win_and_the_first_encrypts(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = create_app(Config.from_env({"INSTANCE_PATH": str(tmp_path), "ENCRYPTION_KEYS": f"{new}, {old}",
                                      "SECRET_KEY": "s" * 32}))
    assert not (tmp_path / "encryption_keys").exists() and app.config["SECRET_KEY"] == "s" * 32
    with app.app_context():
        ciphertext = crypto.encrypt("x")
    assert Fernet(new).decrypt(ciphertext.encode()) == b"x"


def _store_a_secret(app, organization_factory=factories.make_organization):
    with app.app_context():
        organization = organization_factory()
        subscription = WebhookSubscription(organization_id=organization.id, url="https://example.org/",
                                           events=["*"], secret_ciphertext=crypto.encrypt("whsec_kept"))
        db.session.add(subscription)
        db.commit()
        return subscription.id


@pytest.mark.postgres_only
def test_without_keys_an_app_holding_encrypted_data_refuses_to_start(app, committed_db, backend):
    _store_a_secret(app)
    bare = Config.for_tests(**BACKENDS[backend], encryption_keys=(), secret_key="")
    with pytest.raises(crypto.MissingKeys, match="ENCRYPTION_KEYS"):
        create_app(bare)


@pytest.mark.postgres_only
def test_without_keys_and_without_encrypted_data_the_app_starts(app, committed_db, backend):
    bare = Config.for_tests(**BACKENDS[backend], encryption_keys=(), secret_key="")
    assert create_app(bare).extensions["coalition.fernet"] is None


def test_keys_rotate_reencrypts_with_the_newest_key(app, db_session, monkeypatch):
    subscription_id = _store_a_secret(app)
    old = app.extensions["coalition.config"].encryption_keys[0]
    new = Fernet.generate_key().decode()
    rotated_config = replace(app.extensions["coalition.config"], encryption_keys=(new, old))
    monkeypatch.setitem(app.extensions, "coalition.config", rotated_config)
    monkeypatch.setitem(app.extensions, "coalition.fernet", None)
    crypto.init_app(app)
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    stored = db_session.scalars(select(WebhookSubscription.secret_ciphertext)
                                .filter_by(id=subscription_id)).one()
    assert Fernet(new).decrypt(stored.encode()) == b"whsec_kept"
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(stored.encode())
