"""Password rules and hashes."""

from __future__ import annotations

import pytest

from coalition.people.passwords import _hasher_for, password_problems


def test_production_hashes_are_argon2id_with_the_library_s_defaults():
    hasher = _hasher_for(testing=False)
    assert hasher.hash("a long enough password").startswith("$argon2id$")
    assert hasher.memory_cost >= 65536 and hasher.time_cost >= 3


@pytest.mark.parametrize(("password", "refused"), [
    ("eleven char", True), ("123456789012", True), ("QWERTYUIOP12", True), ("aaaaaaaaaaaaaaaa", True),
    ("x" * 1001, True), ("a walk along the river", False), ("zwölf Zeichen!", False),
])
def test_short_common_and_monotonous_passwords_are_refused(app, password, refused):
    with app.test_request_context("/"):
        assert bool(password_problems(password)) is refused
