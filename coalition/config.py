"""Configuration, read once from the environment into typed values."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from coalition.i18n import locale_from_environment

# The 24 official languages of the EU; English is the language of the messages in the code.
SUPPORTED_LOCALES = ("en", "bg", "cs", "da", "de", "el", "es", "et", "fi", "fr", "ga", "hr", "hu",
                     "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv")


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the URL forms platforms hand out and always reach PostgreSQL through psycopg 3."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_instance_path() -> Path:
    """Flask's convention, independent of the working directory: `instance/` beside the package in
    a checkout, `<prefix>/var/coalition-instance` when installed (never inside site-packages)."""
    package_parent = Path(__file__).resolve().parent.parent
    if package_parent.name in ("site-packages", "dist-packages"):
        return Path(sys.prefix) / "var" / "coalition-instance"
    return package_parent / "instance"
@cache
def _test_secrets() -> tuple[str, tuple[str, ...]]:
    """One SECRET_KEY and key per test process, shared by every app the tests create."""
    from cryptography.fernet import Fernet

    return os.urandom(16).hex(), (Fernet.generate_key().decode(),)


@dataclass(frozen=True)
class Config:
    instance_path: Path = field(default_factory=default_instance_path)
    database_url: str = ""
    redis_url: str = ""
    # Seconds any Redis command may take, connecting included: past it Redis counts as down.
    redis_timeout: float = 0.5
    max_content_length: int = 30 * 1024 * 1024
    max_json_length: int = 2 * 1024 * 1024
    token_lifetime: int = 3600
    secret_rotation_overlap: int = 24 * 3600
    ratelimit_enabled: bool = True
    ratelimit_token: str = "30 per minute"
    counter_max_age: int = 2
    file_size_limit: int = 25 * 1024 * 1024
    export_expiry: int = 24 * 3600
    # Largest exports streamed in a request (XLSX is about five times slower to write); larger
    # ones are refused before the first byte and built in the background instead.
    export_stream_rows: int = 250_000
    export_stream_xlsx_rows: int = 50_000
    # Seconds a background export may run before the worker gives it up (a 5 M-row ledger as
    # CSV takes about two minutes, a million XLSX rows about two).
    export_job_timeout: int = 6 * 3600
    jobs_inline: bool = False
    # The instance's own external base URL: the OAuth issuer and endpoints in its metadata.
    public_url: str = "http://127.0.0.1:5000"
    # Whether PUBLIC_URL was set: federation names the instance by it, a guessed default would not do.
    public_url_configured: bool = False
    # How many proxies in front set X-Forwarded-For/-Proto/-Host/-Prefix; 0 trusts none of them.
    trusted_proxies: int = 0
    # Page sessions end after this many idle seconds, and this many after signing in.
    session_idle_timeout: int = 2 * 3600
    session_lifetime: int = 12 * 3600
    # Failed sign-ins allowed per account and per network (/24, /48) before a pause.
    ratelimit_sign_in: str = "10 per 15 minutes"
    ratelimit_sign_in_network: str = "50 per 15 minutes"
    invitation_lifetime: int = 7 * 24 * 3600
    outbound_timeout: float = 15.0
    # Development and tests only: allows http:// and loopback, private and link-local addresses.
    outbound_allow_private: bool = False
    outbound_max_connections: int = 100
    # Deliveries in flight at once per worker; they share one thread (asyncio), so hundreds are cheap.
    webhook_concurrency: int = 256
    webhook_endpoint_concurrency: int = 4
    # A dead endpoint is known after this long, not after the whole timeout.
    webhook_connect_timeout: float = 5.0
    webhook_retention_days: int = 30
    # Counter sources: polls in flight at once in one worker process, and days their runs are kept.
    source_concurrency: int = 32
    source_run_retention_days: int = 30
    # Whether a commit with events sets their delivery going; tests drive delivery themselves.
    dispatch_events: bool = True
    # Empty: generated into the instance folder on SQLite, required elsewhere (coalition/crypto.py).
    secret_key: str = field(default="", repr=False)
    encryption_keys: tuple[str, ...] = field(default=(), repr=False)
    testing: bool = False
    default_locale: str = "en"
    # The language outside requests (command-line output), from LANGUAGE / LC_ALL / LC_MESSAGES / LANG.
    cli_locale: str = "en"
    locales: tuple[str, ...] = field(default=SUPPORTED_LOCALES)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Config:
        env = os.environ if environ is None else environ
        instance = Path(env["INSTANCE_PATH"]).resolve() if env.get("INSTANCE_PATH") else default_instance_path()
        values = dict(
            instance_path=instance,
            database_url=normalise_database_url(
                env.get("DATABASE_URL") or f"sqlite:///{instance / 'coalition.db'}"
            ),
            redis_url=env.get("REDIS_URL", ""),
            redis_timeout=float(env.get("REDIS_TIMEOUT", cls.redis_timeout)),
            max_content_length=int(env.get("MAX_CONTENT_LENGTH", cls.max_content_length)),
            max_json_length=int(env.get("MAX_JSON_LENGTH", cls.max_json_length)),
            token_lifetime=int(env.get("TOKEN_LIFETIME", cls.token_lifetime)),
            secret_rotation_overlap=int(env.get("SECRET_ROTATION_OVERLAP", cls.secret_rotation_overlap)),
            ratelimit_enabled=_bool(env.get("RATELIMIT_ENABLED", "true")),
            ratelimit_token=env.get("RATELIMIT_TOKEN", cls.ratelimit_token),
            counter_max_age=int(env.get("COUNTER_MAX_AGE", cls.counter_max_age)),
            file_size_limit=int(env.get("FILE_SIZE_LIMIT", cls.file_size_limit)),
            export_expiry=int(env.get("EXPORT_EXPIRY", cls.export_expiry)),
            export_stream_rows=int(env.get("EXPORT_STREAM_ROWS", cls.export_stream_rows)),
            export_stream_xlsx_rows=int(env.get("EXPORT_STREAM_XLSX_ROWS", cls.export_stream_xlsx_rows)),
            export_job_timeout=int(env.get("EXPORT_JOB_TIMEOUT", cls.export_job_timeout)),
            jobs_inline=_bool(env.get("JOBS_INLINE", "false")),
            public_url=(env.get("PUBLIC_URL") or f"http://127.0.0.1:{env.get('PORT') or 5000}").rstrip("/"),
            public_url_configured=bool(env.get("PUBLIC_URL")),
            trusted_proxies=int(env.get("TRUSTED_PROXIES", cls.trusted_proxies)),
            session_idle_timeout=int(env.get("SESSION_IDLE_TIMEOUT", cls.session_idle_timeout)),
            session_lifetime=int(env.get("SESSION_LIFETIME", cls.session_lifetime)),
            ratelimit_sign_in=env.get("RATELIMIT_SIGN_IN", cls.ratelimit_sign_in),
            ratelimit_sign_in_network=env.get("RATELIMIT_SIGN_IN_NETWORK", cls.ratelimit_sign_in_network),
            invitation_lifetime=int(env.get("INVITATION_LIFETIME", cls.invitation_lifetime)),
            outbound_timeout=float(env.get("OUTBOUND_TIMEOUT", cls.outbound_timeout)),
            outbound_allow_private=_bool(env.get("OUTBOUND_ALLOW_PRIVATE", "false")),
            outbound_max_connections=int(env.get("OUTBOUND_MAX_CONNECTIONS", cls.outbound_max_connections)),
            webhook_concurrency=int(env.get("WEBHOOK_CONCURRENCY", cls.webhook_concurrency)),
            webhook_endpoint_concurrency=int(env.get("WEBHOOK_ENDPOINT_CONCURRENCY",
                                                     cls.webhook_endpoint_concurrency)),
            webhook_connect_timeout=float(env.get("WEBHOOK_CONNECT_TIMEOUT", cls.webhook_connect_timeout)),
            webhook_retention_days=int(env.get("WEBHOOK_RETENTION_DAYS", cls.webhook_retention_days)),
            source_concurrency=int(env.get("SOURCE_CONCURRENCY", cls.source_concurrency)),
            source_run_retention_days=int(env.get("SOURCE_RUN_RETENTION_DAYS", cls.source_run_retention_days)),
            cli_locale=locale_from_environment(env, SUPPORTED_LOCALES),
            secret_key=env.get("SECRET_KEY", ""),
            encryption_keys=tuple(key.strip() for key in env.get("ENCRYPTION_KEYS", "").split(",") if key.strip()),
        )
        values.update(overrides)
        if "database_url" in overrides:
            values["database_url"] = normalise_database_url(values["database_url"])
        if "public_url" in overrides:
            values["public_url"] = values["public_url"].rstrip("/")
            values["public_url_configured"] = overrides.get("public_url_configured", True)
        return cls(**values)

    @classmethod
    def for_tests(cls, **overrides) -> Config:
        """Test settings: an in-memory database and no Redis unless named, everything else fixed.

        DATABASE_URL and REDIS_URL are never read here: they name the developer's own data.
        """
        base = dict(testing=True, database_url="sqlite://", redis_url="", ratelimit_enabled=False,
                    dispatch_events=False, secret_key=_test_secrets()[0], encryption_keys=_test_secrets()[1])
        base.update(overrides)
        return cls.from_env(environ={}, **base)

    def to_flask(self) -> dict:
        """The subset of values Flask and its extensions read from app.config."""
        return {
            "TESTING": self.testing,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "BABEL_DEFAULT_LOCALE": self.default_locale,
            "API_TITLE": "Coalition API",
            "API_VERSION": "1.0.0",
            "OPENAPI_VERSION": "3.1.0",
            # API routes authenticate with bearer tokens; page forms are checked (coalition/people).
            "WTF_CSRF_CHECK_DEFAULT": False,
            # A form's token lives as long as its session, whose lifetimes bound it.
            "WTF_CSRF_TIME_LIMIT": None,
        }
