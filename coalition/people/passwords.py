"""Password rules and hashes: argon2id (argon2-cffi), at least 12 characters, not a common one."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from coalition.errors import ValidationFailed
from coalition.i18n import _

MIN_LENGTH = 12
# Longer passwords add nothing but hashing time that anyone could make the server spend.
MAX_LENGTH = 1000

_hasher = PasswordHasher()


@cache
def common_passwords() -> frozenset[str]:
    """Passwords of leaked lists long enough to pass the length rule (shipped in the package)."""
    text = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def password_problems(password: str, *known: str) -> list[str]:
    """Why a new password is refused (empty when it is fine); `known` are the person's e-mail
    and name, which a password must not be."""
    if len(password) < MIN_LENGTH:
        return [_("Use at least %(count)d characters.", count=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_("Use at most %(count)d characters.", count=MAX_LENGTH)]
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) < 4:
        return [_("This password is too common: choose another one.")]
    if any(value and folded in {value.casefold(), value.casefold().split("@")[0]} for value in known):
        return [_("Do not use your e-mail address or name as your password.")]
    return []


def check_new_password(password: str, *known: str, field: str = "password") -> str:
    problems = password_problems(password, *known)
    if problems:
        raise ValidationFailed(errors={field: problems})
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("a password nobody has, for the time of a check")


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches; with no stored hash the check takes as long, so the time of an
    answer does not tell whether an e-mail exists."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
