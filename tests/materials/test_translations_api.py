"""The translation workflow through the API: writers, reviewers, locales, outdated text, delivery."""

import pytest


def put(client, material, locale, headers, **fields):
    return client.put(f"/api/v1/materials/{material['id']}/translations/{locale}", json=fields, headers=headers)


def approve(client, material, locale, headers):
    return client.post(f"/api/v1/materials/{material['id']}/translations/{locale}/approve", headers=headers)


GERMAN = {"title": "Biometrische Massenüberwachung verbieten", "summary": "Unterschreibe für {name}",
          "body": "Unsere **Gesichter** sind *keine* Strichcodes."}


def test_write_review_approve_and_deliver(client, make_material, writer, reviewer, reader):
    material = make_material()
    saved = put(client, material, "de", writer, status="needs_review", **GERMAN)
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["status"] == "needs_review"
    assert body["based_on_revision"] == 1
    assert body["outdated"] is False
    assert body["warnings"] == []
    assert saved.headers["Content-Language"] == "de"

    # Not approved yet: the German reader still gets the source.
    before = client.get(f"/api/v1/materials/{material['id']}", headers={**reader, "Accept-Language": "de"})
    assert before.get_json()["served_locales"]["title"] == "en"

    approved = approve(client, material, "de", reviewer)
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    assert [event["action"] for event in approved.get_json()["history"]] == ["saved", "approved"]

    after = client.get(f"/api/v1/materials/{material['id']}", headers={**reader, "Accept-Language": "de"})
    assert after.get_json()["title"] == GERMAN["title"]
    assert after.get_json()["served_locales"] == {"title": "de", "summary": "de", "body": "de"}
    assert after.headers["Content-Language"] == "de"

    listed = client.get(f"/api/v1/materials/{material['id']}/translations", headers=reader).get_json()
    assert [(t["locale"], t["status"]) for t in listed["items"]] == [("de", "approved")]


def test_writer_cannot_approve_own_text(client, make_material, auth_headers, member):
    material = make_material()
    both = auth_headers(member, "materials:read translations:write translations:review")
    assert put(client, material, "de", both, **GERMAN).status_code == 200
    refused = approve(client, material, "de", both)
    assert refused.status_code == 403
    assert "cannot approve" in refused.get_json()["detail"]


def test_locale_restriction(client, make_material, writer):
    material = make_material()
    refused = put(client, material, "fr", writer, title="Interdire la surveillance")
    assert refused.status_code == 403
    assert "fr" in refused.get_json()["detail"]
    not_campaign = put(client, material, "it", writer, title="Vietare")
    assert not_campaign.status_code == 422


def test_writing_needs_translations_write(client, make_material, reader):
    material = make_material()
    assert put(client, material, "de", reader, **GERMAN).status_code == 403


def test_status_approved_cannot_be_written(client, make_material, writer):
    material = make_material()
    response = put(client, material, "de", writer, status="approved", **GERMAN)
    assert response.status_code == 422
    assert "status" in response.get_json()["errors"]


def test_source_edit_outdates_translation_with_diff(client, make_material, editor, writer, reviewer, reader):
    material = make_material()
    put(client, material, "de", writer, **GERMAN)
    approve(client, material, "de", reviewer)
    client.patch(f"/api/v1/materials/{material['id']}", headers=editor,
                 json={"body": "Our faces are not barcodes. Sign today."})

    translation = client.get(f"/api/v1/materials/{material['id']}/translations/de", headers=reader).get_json()
    assert translation["outdated"] is True
    assert translation["outdated_fields"] == ["body"]
    assert translation["based_on_revision"] == 1
    assert translation["source_revision"] == 2
    assert "+Our faces are not barcodes. Sign today." in translation["source_diff"]["body"]

    # Outdated approved text is still delivered, and said to be outdated.
    delivered = client.get(f"/api/v1/materials/{material['id']}?locale=de", headers=reader).get_json()
    assert delivered["body"] == GERMAN["body"]
    assert delivered["outdated_fields"] == ["body"]

    assert approve(client, material, "de", reviewer).status_code == 409
    updated = put(client, material, "de", writer, status="needs_review",
                  **{**GERMAN, "body": "Unsere Gesichter sind keine Strichcodes. Unterschreibe heute."})
    assert updated.get_json()["outdated"] is False
    assert updated.get_json()["based_on_revision"] == 2


def test_fallback_chain_pt_br_then_pt_then_source(client, make_material, writer, reviewer, reader):
    material = make_material()
    put(client, material, "pt", writer, title="Proibir a vigilância", summary="Assine por {name}")
    approve(client, material, "pt", reviewer)
    put(client, material, "pt-BR", writer, title="Proibir a vigilância em massa")
    approve(client, material, "pt-BR", reviewer)

    response = client.get(f"/api/v1/materials/{material['id']}?locale=pt-BR", headers=reader)
    body = response.get_json()
    assert body["title"] == "Proibir a vigilância em massa"
    assert body["summary"] == "Assine por {name}"
    assert body["body"] == "Our **faces** are *not* barcodes."
    assert body["served_locales"] == {"title": "pt-BR", "summary": "pt", "body": "en"}
    assert response.headers["Content-Language"] == "pt-BR, pt, en"

    by_header = client.get(f"/api/v1/materials/{material['id']}",
                           headers={**reader, "Accept-Language": "pt-BR,pt;q=0.8,en;q=0.5"})
    assert by_header.get_json()["served_locales"] == body["served_locales"]


def test_drafts_are_delivered_only_to_translators_who_ask(client, make_material, writer, reader):
    material = make_material()
    put(client, material, "de", writer, title=GERMAN["title"])
    plain = client.get(f"/api/v1/materials/{material['id']}?locale=de", headers=writer).get_json()
    assert plain["served_locales"]["title"] == "en"
    drafts = client.get(f"/api/v1/materials/{material['id']}?locale=de&drafts=1", headers=writer).get_json()
    assert drafts["title"] == GERMAN["title"]
    assert drafts["served_locales"]["title"] == "de"
    assert client.get(f"/api/v1/materials/{material['id']}?locale=de&drafts=1",
                      headers=reader).status_code == 403


def test_progress_per_locale_in_fields(client, campaign, make_material, editor, writer, reviewer, reader):
    first = make_material()
    make_material(slug="faq", kind="faq", title="Why?", summary=None, body="Because.")
    put(client, first, "de", writer, title=GERMAN["title"], summary=GERMAN["summary"])
    approve(client, first, "de", reviewer)
    client.patch(f"/api/v1/materials/{first['id']}", headers=editor, json={"summary": "Sign now, {name}"})
    put(client, first, "pt", writer, status="needs_review", title="Proibir")

    progress = client.get(f"/api/v1/campaigns/{campaign.slug}/locales", headers=reader).get_json()
    by_locale = {row["locale"]: row for row in progress["locales"]}
    assert set(by_locale) == {"de", "fr", "pt", "pt-BR"}
    assert by_locale["de"] == {"locale": "de", "fields": 5, "untranslated": 3, "draft": 0, "needs_review": 0,
                               "approved": 1, "outdated": 1, "percent_approved": 20.0}
    assert by_locale["pt"]["needs_review"] == 1 and by_locale["pt"]["untranslated"] == 4
    assert by_locale["fr"]["untranslated"] == 5


@pytest.mark.parametrize("fields, field, fragment", [
    ({"summary": "Unterschreibe"}, "summary", "placeholder {name} is missing"),
    ({"summary": "Unterschreibe für {name} und {other}"}, "summary", "{other} is not in the source"),
    ({"title": "<b>Verbieten"}, "title", "<b> is not closed"),
    ({"body": "Unsere **Gesichter sind keine Strichcodes."}, "body", "** is not closed"),
    ({"title": "   "}, "title", "empty"),
    ({"title": "x" * 121}, "title", "At most 120 characters"),
])
def test_qa_errors_refuse_the_save(client, make_material, writer, fields, field, fragment):
    material = make_material()
    response = put(client, material, "de", writer, **fields)
    assert response.status_code == 422
    messages = response.get_json()["errors"][field]
    assert any(fragment in message for message in messages), messages
    assert client.get(f"/api/v1/materials/{material['id']}/translations/de", headers=writer).status_code == 404


def test_printf_placeholders_are_checked(client, make_material, writer):
    material = make_material(summary="Dear %(name)s, sign")
    assert put(client, material, "de", writer, summary="Liebe %(name)s").status_code == 200
    missing = put(client, material, "de", writer, summary="Liebe Leute")
    assert "%(name)s" in missing.get_json()["errors"]["summary"][0]


def test_whitespace_is_a_warning(client, make_material, writer):
    material = make_material()
    response = put(client, material, "de", writer, title=" Verbieten ")
    assert response.status_code == 200
    assert response.get_json()["warnings"] == [
        {"field": "title", "check": "whitespace", "message": "The text starts or ends with white space."}]


def test_a_field_removed_from_the_source_is_not_delivered(client, make_material, editor, writer, reviewer, reader):
    material = make_material()
    put(client, material, "de", writer, **GERMAN)
    approve(client, material, "de", reviewer)
    client.patch(f"/api/v1/materials/{material['id']}", headers=editor, json={"summary": None})
    delivered = client.get(f"/api/v1/materials/{material['id']}?locale=de", headers=reader).get_json()
    assert delivered["summary"] is None
    assert delivered["served_locales"]["summary"] == "en"
    assert delivered["title"] == GERMAN["title"]
