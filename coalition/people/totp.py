"""Two-step sign-in: TOTP (RFC 6238, pyotp) with the secret encrypted at rest, and single-use
recovery codes stored as hashes. A code is accepted once: the step it belongs to is remembered."""

from __future__ import annotations

import hmac
import secrets
import time

import pyotp

from coalition.auth.models import hash_secret
from coalition.crypto import decrypt, encrypt
from coalition.extensions import db
from coalition.people.models import Person

ISSUER = "Coalition"
RECOVERY_CODES = 10
# One step before and after: a phone's clock a little off still works.
VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(person: Person, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (typed in, or from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=person.email, issuer_name=ISSUER)


def _matching_step(secret: str, code: str) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time())
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        at = now + offset * totp.interval
        if hmac.compare_digest(totp.at(at), code):
            return at // totp.interval
    return None


def code_matches_secret(secret: str, code: str) -> bool:
    """For turning TOTP on: the person shows their app produces the codes of this secret."""
    return _matching_step(secret, code) is not None


def enable(person: Person, secret: str) -> list[str]:
    """Turn TOTP on; the recovery codes, shown once, each usable once."""
    person.totp_ciphertext = encrypt(secret)
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    person.recovery_code_hashes = [hash_secret(code) for code in codes]
    db.session.flush()
    return codes


def disable(person: Person) -> None:
    person.totp_ciphertext = None
    person.totp_last_step = None
    person.recovery_code_hashes = []
    db.session.flush()


def verify(person: Person, code: str) -> bool:
    """A current TOTP code not used before, or an unused recovery code (then spent)."""
    if not person.uses_totp:
        return False
    step = _matching_step(decrypt(person.totp_ciphertext), code)
    if step is not None:
        if person.totp_last_step is not None and step <= person.totp_last_step:
            return False
        person.totp_last_step = step
        db.session.flush()
        return True
    given = hash_secret(code.strip().lower())
    remaining = [stored for stored in person.recovery_code_hashes if not hmac.compare_digest(stored, given)]
    if len(remaining) == len(person.recovery_code_hashes):
        return False
    person.recovery_code_hashes = remaining
    db.session.flush()
    return True
