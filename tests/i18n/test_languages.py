"""The API's languages as a client meets them: every supported language, regional tags falling
back, and Content-Language naming the languages of the text actually served."""

import pytest
from babel.messages.pofile import read_po, write_po

from coalition import catalogs
from coalition.config import SUPPORTED_LOCALES

# What a regional or unsupported tag is answered in.
REGIONAL_FALLBACKS = [
    ("pt-BR", "pt"), ("de-AT", "de"), ("nl-BE", "nl"), ("fr-LU", "fr"), ("el-CY", "el"),
    ("tlh", "en"), ("zh-Hant-TW", "en"),
]


def in_catalog(locale: str, message: str) -> str:
    """`message` as the language's catalog file translates it (English as written)."""
    if locale == "en":
        return message
    return catalogs.read_catalog(locale)[0][message]


@pytest.fixture
def fresh_catalogs():
    """Catalogs read again after a test that swaps catalog files, and before the next test."""
    catalogs.read_catalog.cache_clear()
    catalogs.translations_for.cache_clear()
    yield
    catalogs.read_catalog.cache_clear()
    catalogs.translations_for.cache_clear()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_404_problem_in_every_supported_language(client, locale):
    response = client.get("/api/v1/nope", headers={"Accept-Language": locale})
    assert response.status_code == 404
    assert response.headers["Content-Language"] == locale
    body = response.get_json()
    assert body["title"] == in_catalog(locale, "Not found")
    assert body["detail"] == in_catalog(locale, "Nothing exists at this address.")
    assert (body["title"] == "Not found") == (locale == "en")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_validation_problem_in_every_supported_language(client, coordinator, auth_headers, locale):
    headers = {**auth_headers(coordinator, ["admin"]), "Accept-Language": locale}
    response = client.post("/api/v1/organizations", json={"name": ""}, headers=headers)
    assert response.status_code == 422
    assert response.headers["Content-Language"] == locale
    body = response.get_json()
    assert body["title"] == in_catalog(locale, "Invalid request")
    assert body["errors"] == {
        "slug": [in_catalog(locale, "Missing data for required field.")],
        "name": [in_catalog(locale, "Length must be between %(min)s and %(max)s.") % {"min": 1, "max": 200}],
    }


@pytest.mark.parametrize("asked, served", [(a, s) for a, s in REGIONAL_FALLBACKS if s in SUPPORTED_LOCALES])
def test_a_regional_or_unsupported_tag_falls_back(client, asked, served):
    for response in (
        client.get("/api/v1/nope", headers={"Accept-Language": asked}),
        client.get(f"/api/v1/nope?locale={asked}"),
    ):
        assert response.headers["Content-Language"] == served
        assert response.get_json()["title"] == in_catalog(served, "Not found")


def test_accept_language_weights_pick_the_best_supported_language(client):
    response = client.get("/api/v1/nope", headers={"Accept-Language": "tlh, fr-CA;q=0.9, de;q=0.8"})
    assert response.headers["Content-Language"] == "fr"


def _catalog_without(tmp_path, locale: str, message: str):
    """A copy of `locale`'s catalog that lacks `message`, as a catalog in progress would."""
    with catalogs.catalog_path(locale).open("rb") as handle:
        catalog = read_po(handle)
    catalog.delete(message)
    path = tmp_path / f"{locale}.po"
    with open(path, "wb") as handle:
        write_po(handle, catalog)
    return path


def test_a_message_missing_from_a_catalog_falls_back_alone_and_content_language_says_so(
        client, monkeypatch, tmp_path, fresh_catalogs):
    partial = _catalog_without(tmp_path, "de", "Not found")
    original = catalogs.catalog_path
    monkeypatch.setattr(catalogs, "catalog_path", lambda locale: partial if locale == "de" else original(locale))
    response = client.get("/api/v1/nope", headers={"Accept-Language": "de-AT"})
    body = response.get_json()
    assert body["title"] == "Not found"
    assert body["detail"] == in_catalog("de", "Nothing exists at this address.")
    assert response.headers["Content-Language"] == "de, en"


def test_a_language_without_its_catalog_is_never_claimed(client, monkeypatch, tmp_path, fresh_catalogs):
    original = catalogs.catalog_path
    monkeypatch.setattr(catalogs, "catalog_path",
                        lambda locale: tmp_path / "absent.po" if locale == "fr" else original(locale))
    response = client.get("/api/v1/nope", headers={"Accept-Language": "fr"})
    assert response.get_json()["title"] == "Not found"
    assert response.headers["Content-Language"] == "en"


def test_a_message_translated_twice_is_not_counted_as_english(client, coordinator, auth_headers):
    """Validation messages made with gettext pass through it again when rendered."""
    headers = {**auth_headers(coordinator, ["campaigns:read", "signatures:write"]), "Accept-Language": "de"}
    response = client.post("/api/v1/campaigns/nope/signatures", json={"reports": "all", "extra": 1},
                           headers=headers)
    body = response.get_json()
    assert body["errors"] == {"reports": [in_catalog("de", "Not a valid list.")],
                              "extra": [in_catalog("de", "Unknown field.")]}
    assert response.headers["Content-Language"] == "de"
