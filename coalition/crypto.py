"""Secrets at rest: credentials Coalition must present later, encrypted with ENCRYPTION_KEYS.

The keys are Fernet keys; the first encrypts, every one decrypts, so a new key is put first, the
stored values are re-encrypted (`coalition keys rotate`) and the old key is then dropped. On the
embedded default (SQLite) the keys and SECRET_KEY are generated once into the instance folder;
elsewhere they come from the environment, and an app that holds encrypted data refuses to start
without them. A column holding ciphertext says so with `info={"encrypted": True}`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from coalition.errors import ProblemError
from coalition.i18n import _

log = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret_key"
ENCRYPTION_KEYS_FILE = "encryption_keys"


class MissingKeys(RuntimeError):
    """Encrypted data exists, but ENCRYPTION_KEYS or SECRET_KEY are not configured."""


def _read_or_create(path: Path, make) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # Created readable by this user only; an existing file is never overwritten (O_EXCL).
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value + "\n")
    return value


def encrypted_columns(metadata) -> list:
    return [column for table in metadata.sorted_tables for column in table.columns
            if column.info.get("encrypted")]


def init_app(app: Flask) -> None:
    """Load or generate the keys, or refuse to start when encrypted data exists without them."""
    config = app.extensions["coalition.config"]
    secret_key, keys = config.secret_key, config.encryption_keys
    if not (secret_key and keys) and config.database_url.startswith("sqlite"):
        instance = Path(app.instance_path)
        secret_key = secret_key or _read_or_create(instance / SECRET_KEY_FILE, lambda: os.urandom(32).hex())
        keys = keys or tuple(_read_or_create(instance / ENCRYPTION_KEYS_FILE,
                                             lambda: Fernet.generate_key().decode()).split(","))
    elif not (secret_key and keys) and _holds_encrypted_data(app):
        raise MissingKeys("this database holds encrypted credentials: set ENCRYPTION_KEYS and SECRET_KEY")
    if secret_key:
        app.config["SECRET_KEY"] = secret_key
    app.extensions["coalition.fernet"] = MultiFernet([Fernet(key) for key in keys]) if keys else None


def _holds_encrypted_data(app: Flask) -> bool:
    from coalition.models import metadata

    engine = app.extensions["coalition.engine"]
    try:
        with engine.connect() as connection:
            return any(connection.scalar(select(column).where(column.is_not(None)).limit(1)) is not None
                       for column in encrypted_columns(metadata))
    except SQLAlchemyError:
        # No schema yet, or no database reachable: nothing known to be encrypted (/readyz tells).
        log.warning("could not check for encrypted data at start-up", exc_info=True)
        return False


def _fernet() -> MultiFernet:
    fernet = current_app.extensions.get("coalition.fernet")
    if fernet is None:
        raise ProblemError(_("ENCRYPTION_KEYS is not configured: credentials cannot be stored."), status=503)
    return fernet


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise MissingKeys("a stored credential was encrypted with a key ENCRYPTION_KEYS lacks") from None


def rotate_all() -> int:
    """Re-encrypt every stored credential with the first key; the number of values rewritten."""
    from coalition.extensions import db
    from coalition.models import metadata

    fernet = _fernet()
    rewritten = 0
    for column in encrypted_columns(metadata):
        table = column.table
        primary_key = list(table.primary_key.columns)[0]
        rows = db.session.execute(select(primary_key, column).where(column.is_not(None))).all()
        for row_id, ciphertext in rows:
            try:
                rotated = fernet.rotate(ciphertext.encode()).decode()
            except InvalidToken:
                raise MissingKeys(f"{table.name}.{column.name} of {row_id} was encrypted with a key "
                                  "ENCRYPTION_KEYS lacks") from None
            db.session.execute(update(table).where(primary_key == row_id).values({column.name: rotated}))
            rewritten += 1
    return rewritten
