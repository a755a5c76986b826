"""PO and XLIFF 2.0 round trips, read back by independent parsers (polib, translate-toolkit)."""

import polib
import pytest
from translate.storage.xliff2 import Xliff2File

from tests.materials.test_translations_api import GERMAN, approve, put


@pytest.fixture
def materials(client, make_material, editor, writer, reviewer):
    """leaflet: approved then outdated by a body edit; post: needs review; faq: untranslated."""
    leaflet = make_material()
    post = make_material(slug="post", kind="social_post", title="Share it", summary=None, body="Sign {link}")
    make_material(slug="faq", kind="faq", title="Why?", summary=None, body=None)
    put(client, leaflet, "de", writer, **GERMAN)
    approve(client, leaflet, "de", reviewer)
    client.patch(f"/api/v1/materials/{leaflet['id']}", headers=editor, json={"body": "Faces are not barcodes."})
    put(client, post, "de", writer, status="needs_review", title="Teilen")
    return {"leaflet": leaflet, "post": post}


def export(client, campaign, headers, extension, locale="de"):
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/translations/{locale}.{extension}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def import_file(client, campaign, headers, extension, data, locale="de", content_type=None):
    content_type = content_type or {"po": "text/x-gettext-translation", "xlf": "application/xliff+xml"}[extension]
    return client.post(f"/api/v1/campaigns/{campaign.slug}/translations/{locale}.{extension}", data=data,
                       headers={**headers, "Content-Type": content_type})


def test_po_export_states(client, campaign, materials, writer):
    response = export(client, campaign, writer, "po")
    assert response.mimetype == "text/x-gettext-translation"
    assert "attachment" in response.headers["Content-Disposition"]
    po = polib.pofile(response.data.decode())
    assert f"coalition-campaign: {campaign.slug}" in po.header
    assert po.metadata["Language"] == "de"
    units = {entry.msgctxt: entry for entry in po}
    assert set(units) == {"leaflet.title", "leaflet.summary", "leaflet.body", "post.title", "post.body",
                          "faq.title"}
    assert units["leaflet.title"].msgstr == GERMAN["title"] and not units["leaflet.title"].fuzzy
    assert units["leaflet.body"].fuzzy  # approved but outdated
    assert units["leaflet.body"].msgid == "Faces are not barcodes."
    assert units["post.title"].fuzzy and units["post.title"].msgstr == "Teilen"
    assert units["faq.title"].msgstr == ""
    assert "coalition-revision: 2" in units["leaflet.body"].comment


def test_po_round_trip_updates_drafts_and_reports_conflicts(client, campaign, materials, writer):
    po = polib.pofile(export(client, campaign, writer, "po").data.decode())
    for entry in po:
        if entry.msgctxt == "post.title":
            entry.msgstr = "Weitersagen"
        elif entry.msgctxt == "post.body":
            entry.msgstr = "Unterschreibe {link}"
            entry.flags = []
        elif entry.msgctxt == "leaflet.title":
            entry.msgstr = "Geändert"
        elif entry.msgctxt == "faq.title":
            entry.msgstr = "Warum?"
            entry.flags = ["fuzzy"]
    response = import_file(client, campaign, writer, "po", str(po).encode())
    assert response.status_code == 200, response.get_json()
    summary = response.get_json()
    assert summary["updated"] == 3
    assert summary["unchanged"] == 2  # leaflet summary and body kept as they were
    assert summary["conflicts"] == [{"unit": "leaflet.title", "current": GERMAN["title"], "proposed": "Geändert"}]
    assert summary["errors"] == []

    post = client.get(f"/api/v1/materials/{materials['post']['id']}/translations/de", headers=writer).get_json()
    assert (post["title"], post["body"], post["status"]) == ("Weitersagen", "Unterschreibe {link}", "draft")
    leaflet = client.get(f"/api/v1/materials/{materials['leaflet']['id']}/translations/de",
                         headers=writer).get_json()
    assert leaflet["title"] == GERMAN["title"] and leaflet["status"] == "approved"
    assert post["history"][-1]["action"] == "imported"


def test_import_runs_qa_per_unit(client, campaign, materials, writer):
    po = polib.pofile(export(client, campaign, writer, "po").data.decode())
    for entry in po:
        if entry.msgctxt == "post.body":
            entry.msgstr = "Unterschreibe"
        if entry.msgctxt == "faq.title":
            entry.msgstr = "Warum?"
    summary = import_file(client, campaign, writer, "po", str(po).encode()).get_json()
    assert summary["updated"] == 1
    assert summary["errors"][0]["unit"] == "post.body"
    assert "{link}" in summary["errors"][0]["messages"][0]


def test_import_refuses_other_campaign_locale_or_stale_revision(client, campaign, materials, editor, writer):
    from tests import factories

    data = export(client, campaign, writer, "po").data
    other = factories.make_campaign(locales=["en", "de"])
    wrong_campaign = import_file(client, other, writer, "po", data)
    assert wrong_campaign.status_code == 422
    assert campaign.slug in wrong_campaign.get_json()["detail"]
    wrong_locale = import_file(client, campaign, writer, "po", data, locale="pt")
    assert wrong_locale.status_code == 422

    po = polib.pofile(data.decode())
    for entry in po:
        if entry.msgctxt == "post.title":
            entry.msgstr = "Weitersagen"
    client.patch(f"/api/v1/materials/{materials['post']['id']}", headers=editor, json={"title": "Share this"})
    stale = import_file(client, campaign, writer, "po", str(po).encode())
    assert stale.status_code == 422
    assert "post.title" in stale.get_json()["errors"]


def test_import_needs_an_allowed_locale(client, campaign, materials, writer):
    data = export(client, campaign, writer, "po", locale="fr").data
    assert import_file(client, campaign, writer, "po", data, locale="fr").status_code == 403


def test_garbage_po_is_422(client, campaign, materials, writer):
    response = import_file(client, campaign, writer, "po", b'msgid "unterminated\nmsgstr ""\n')
    assert response.status_code == 422


def test_a_po_file_with_nul_bytes_is_refused(client, campaign, materials, writer):
    exported = export(client, campaign, writer, "po").data.replace(b'msgstr ""', b'msgstr "a\x00b"', 1)
    response = import_file(client, campaign, writer, "po", exported)
    assert response.status_code == 400
    assert response.get_json()["detail"] == "Text may not contain NUL characters."


def test_xliff_export_states(client, campaign, materials, writer):
    response = export(client, campaign, writer, "xlf")
    assert response.mimetype == "application/xliff+xml"
    document = Xliff2File.parsestring(response.data)
    assert document.gettargetlanguage() == "de"
    units = {unit.getid(): unit for unit in document.getunits()}
    assert units["leaflet.title"].target == GERMAN["title"]
    assert units["faq.title"].target in (None, "")
    segments = {unit.getid(): unit.xmlelement for unit in document.getunits()}
    assert segments["leaflet.title"].get("state") == "final"
    assert segments["leaflet.body"].get("state") == "final"
    assert segments["leaflet.body"].get("subState") == "coalition:outdated"
    assert segments["post.title"].get("state") == "translated"
    assert segments["faq.title"].get("state") == "initial"
    assert segments["faq.title"].find("{urn:oasis:names:tc:xliff:document:2.0}target") is None
    assert f">{campaign.slug}</mda:meta>" in response.data.decode()


def test_xliff_round_trip(client, campaign, materials, writer):
    document = Xliff2File.parsestring(export(client, campaign, writer, "xlf").data)
    for unit in document.getunits():
        if unit.getid() == "faq.title":
            unit.target = "Warum?"
            unit.xmlelement.set("state", "translated")
        if unit.getid() == "leaflet.title":
            unit.target = "Geändert"
    response = import_file(client, campaign, writer, "xlf", bytes(document))
    assert response.status_code == 200, response.get_json()
    summary = response.get_json()
    assert summary["updated"] == 1
    assert [c["unit"] for c in summary["conflicts"]] == ["leaflet.title"]
    faq_id = next(m["id"] for m in client.get(f"/api/v1/campaigns/{campaign.slug}/materials",
                                              headers=writer).get_json()["items"] if m["slug"] == "faq")
    faq = client.get(f"/api/v1/materials/{faq_id}/translations/de", headers=writer).get_json()
    assert (faq["title"], faq["status"]) == ("Warum?", "needs_review")


def test_xliff_with_doctype_is_refused(client, campaign, materials, writer):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0">&b;</xliff>')
    response = import_file(client, campaign, writer, "xlf", bomb)
    assert response.status_code == 422
    assert "document type" in response.get_json()["detail"]
    assert import_file(client, campaign, writer, "xlf", b"<xliff").status_code == 422


def test_exchange_of_an_unknown_locale_is_422(client, campaign, reader):
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/translations/it.po", headers=reader)
    assert response.status_code == 422


def test_xliff_import_refuses_other_campaign_and_unallowed_locale(client, campaign, materials, writer):
    from tests import factories

    other = factories.make_campaign(locales=["en", "de", "fr"])
    data = export(client, campaign, writer, "xlf").data
    wrong = import_file(client, other, writer, "xlf", data)
    assert wrong.status_code == 422
    assert other.slug in wrong.get_json()["detail"]
    french = export(client, campaign, writer, "xlf", locale="fr").data
    assert import_file(client, campaign, writer, "xlf", french, locale="fr").status_code == 403
