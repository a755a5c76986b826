"""The translator's workspace through the test client: the translations' rules, with the person."""

from __future__ import annotations

import io

from sqlalchemy import select

from coalition.extensions import db
from coalition.materials.models import Material
from tests import factories
from tests.conftest import form_token


def leaflet(campaign) -> Material:
    return db.session.scalars(select(Material).filter_by(campaign_id=campaign.id, slug="leaflet")).one()


def save(client, campaign, locale, material, status="draft", **fields):
    page = client.get(f"/campaigns/{campaign.slug}/translate/{locale}")
    return client.post(f"/campaigns/{campaign.slug}/translate/{locale}/{material.id}",
                       data={"csrf_token": form_token(page.text), "status": status, **fields})


def test_a_translation_saved_in_the_workspace_is_in_the_api(signed_in, campaign, member, auth_headers, app):
    client, _person = signed_in(member, "translator", locales=["de"])
    page = client.get(f"/campaigns/{campaign.slug}/translate/de", headers={"Accept-Language": "de"})
    assert page.status_code == 200 and "Übersetzungen: Deutsch" in page.text and "nicht übersetzt" in page.text
    material = leaflet(campaign)
    answer = save(client, campaign, "de", material, "needs_review", title="Biometrische Massenüberwachung verbieten",
                  summary="Unterschreibe heute mit {organization}.")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"#material-{material.id}")
    api = app.test_client().get(f"/api/v1/materials/{material.id}/translations/de",
                                headers=auth_headers(member, "materials:read translations:write")).get_json()
    assert api["status"] == "needs_review" and api["title"] == "Biometrische Massenüberwachung verbieten"
    assert client.get(f"/campaigns/{campaign.slug}/translate/de?state=needs_review").text.count('class="unit"') == 1
    assert client.get(f"/campaigns/{campaign.slug}/translate/de?state=untranslated").text.count('class="unit"') == 0


def test_a_locale_the_person_may_not_write_is_read_only_and_refused(signed_in, campaign, member):
    client, _person = signed_in(member, "translator", locales=["de"])
    page = client.get(f"/campaigns/{campaign.slug}/translate/fr", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "You may read this language but not write in it." in page.text
    assert "Save draft" not in page.text and "readonly" in page.text
    refused = save(client, campaign, "fr", leaflet(campaign), title="Interdire la surveillance")
    assert refused.status_code == 403 and "Your credentials do not allow writing in fr." in refused.text


def test_qa_errors_refuse_the_save_and_the_check_answers_them_as_one_types(signed_in, campaign, member):
    client, _person = signed_in(member, "translator", locales=["de"])
    material = leaflet(campaign)
    refused = save(client, campaign, "de", material, summary="Unterschreibe heute.")
    assert refused.status_code == 422 and "{organization}" in refused.text
    page = client.get(f"/campaigns/{campaign.slug}/translate/de")
    check = client.post(f"/campaigns/{campaign.slug}/translate/de/{material.id}/check",
                        data={"summary": "Unterschreibe heute. "}, headers={"X-CSRFToken": form_token(page.text)})
    assert check.status_code == 200
    assert check.get_json()["errors"] == {"summary": ["The placeholder {organization} is missing."]}
    assert check.get_json()["warnings"][0]["check"] == "whitespace"


def test_a_reviewer_approves_another_persons_text_never_their_own(signed_in, campaign, member, auth_headers, app):
    writer, _person = signed_in(member, "reviewer", locales=["de"])
    material = leaflet(campaign)
    assert save(writer, campaign, "de", material, "needs_review", title="Verbieten").status_code == 303
    own = writer.get(f"/campaigns/{campaign.slug}/translate/de")
    assert "another reviewer approves it" in own.text
    refused = writer.post(f"/campaigns/{campaign.slug}/translate/de/{material.id}/approve",
                          data={"csrf_token": form_token(own.text)})
    assert refused.status_code == 403
    reviewer, _other = signed_in(factories.make_organization(), "reviewer", locales=["de"])
    page = reviewer.get(f"/campaigns/{campaign.slug}/translate/de")
    assert reviewer.post(f"/campaigns/{campaign.slug}/translate/de/{material.id}/approve",
                         data={"csrf_token": form_token(page.text)}).status_code == 303
    api = app.test_client().get(f"/api/v1/materials/{material.id}/translations/de",
                                headers=auth_headers(member, "materials:read")).get_json()
    assert api["status"] == "approved"


def test_po_download_and_upload_with_the_conflict_report(signed_in, campaign, member):
    reviewer, _person = signed_in(factories.make_organization(), "reviewer", locales=["de"])
    writer, _writer = signed_in(member, "translator", locales=["de"])
    material = leaflet(campaign)
    save(writer, campaign, "de", material, "needs_review", title="Verbieten")
    page = reviewer.get(f"/campaigns/{campaign.slug}/translate/de")
    reviewer.post(f"/campaigns/{campaign.slug}/translate/de/{material.id}/approve",
                  data={"csrf_token": form_token(page.text)})
    catalog = writer.get(f"/campaigns/{campaign.slug}/translate/de.po")
    page = writer.get(f"/campaigns/{campaign.slug}/translate/de")
    assert catalog.status_code == 200 and 'msgstr "Verbieten"' in catalog.text
    changed = catalog.data.replace(b'msgstr "Verbieten"', b'msgstr "Anders"')
    answer = writer.post(f"/campaigns/{campaign.slug}/translate/de/upload", data={
        "csrf_token": form_token(page.text), "file": (io.BytesIO(changed), "de.po")},
        content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert answer.status_code == 200 and "Approved texts the file would change" in answer.text
    assert "leaflet.title" in answer.text and "Verbieten → Anders" in answer.text
    wrong = writer.post(f"/campaigns/{campaign.slug}/translate/de/upload", data={
        "csrf_token": form_token(page.text), "file": (io.BytesIO(b"x"), "de.docx")},
        content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert wrong.status_code == 422 and "Choose a PO or XLIFF file" in wrong.text


def test_a_locale_the_campaign_does_not_translate_into_is_not_a_page(signed_in, campaign, member):
    client, _person = signed_in(member, "translator", locales=["de"])
    assert client.get(f"/campaigns/{campaign.slug}/translate/sv").status_code == 404
