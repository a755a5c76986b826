"""The `coalition` command speaks the language its environment names, as an operator runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coalition.catalogs import read_catalog

COALITION = Path(sys.executable).parent / "coalition"


def run_coalition(tmp_path, environment: dict, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "INSTANCE_PATH": str(tmp_path / "instance"),
           **environment}
    return subprocess.run([str(COALITION), *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("environment, locale", [
    ({"LANG": "fr_BE.UTF-8"}, "fr"),
    ({"LC_ALL": "C.UTF-8", "LANGUAGE": "ga_IE:de"}, "ga"),
])
def test_the_command_line_answers_in_the_language_of_its_environment(tmp_path, environment, locale):
    messages = read_catalog(locale)[0]
    upgraded = run_coalition(tmp_path, environment, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout == messages["Database at revision %(revision)s."] % {"revision": "head"} + "\n"
    refused = run_coalition(tmp_path, environment, "orgs", "create", "Bad Slug", "--name", "X")
    assert refused.returncode == 1
    assert messages["Invalid request"] in refused.stderr
    assert messages["Use lower-case letters, digits and hyphens."] in refused.stderr
