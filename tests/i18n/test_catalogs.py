"""The catalog files as a translator's tools and GNU gettext see them."""

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from coalition.catalogs import catalog_path
from coalition.config import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[2]
CATALOG_FILES = sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))
EU_LANGUAGES = ["bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
                "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv"]


def _pinned_plural_forms() -> dict[str, str]:
    spec = importlib.util.spec_from_file_location("pin_plural_forms", ROOT / "scripts" / "pin_plural_forms.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PLURAL_FORMS


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda path: path.parts[-3])
def test_every_catalog_passes_msgfmt_check(path):
    """GNU gettext's own checks, placeholders of python-format and python-brace-format included."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext's msgfmt is needed (apt-get install gettext)"
    result = subprocess.run([msgfmt, "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_msgfmt_check_refuses_a_lost_placeholder(tmp_path):
    """The check above can fail: a translation that drops %(slug)s is refused."""
    broken = tmp_path / "messages.po"
    broken.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, python-format\nmsgid "No campaign is called %(slug)s."\nmsgstr "Keine Kampagne."\n',
        encoding="utf-8",
    )
    result = subprocess.run([shutil.which("msgfmt") or "msgfmt", "--check", "-o", "/dev/null", str(broken)],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "slug" in result.stderr


def test_plural_forms_are_those_babel_writes_for_every_eu_language():
    assert _pinned_plural_forms() == {language: Catalog(locale=language).plural_forms for language in EU_LANGUAGES}
    assert _pinned_plural_forms()["ga"].startswith("nplurals=5;")


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda path: path.parts[-3])
def test_every_catalog_carries_its_pinned_plural_forms(path):
    with open(path, "rb") as handle:
        header = dict(read_po(handle).mime_headers)
    assert header["Plural-Forms"] == _pinned_plural_forms()[path.parts[-3]]


def test_every_supported_language_has_a_catalog_in_the_package():
    assert [locale for locale in SUPPORTED_LOCALES if not catalog_path(locale).is_file()] == []
