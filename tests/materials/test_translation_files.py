"""Translation files as CAT tools handle them (translate-toolkit, GNU gettext): whitespace both
ways, states per unit, authorship per field, and what readers of approved text get."""

from __future__ import annotations

import subprocess

import polib
import pytest
from translate.storage.xliff2 import Xliff2File

from tests import factories
from tests.materials.test_exchange_api import export, import_file
from tests.materials.test_translations_api import approve, put

PARAGRAPHS = "Our faces are not barcodes.\n\nSign for {name} today."
ABSAETZE = "Unsere Gesichter sind keine Strichcodes.\n\nUnterschreibe heute für {name}."


@pytest.fixture
def leaflet(make_material):
    return make_material(summary=None, body=PARAGRAPHS)


def _reviewing_translator(auth_headers):
    return auth_headers(factories.make_organization(),
                        "materials:read translations:write translations:review", locales=["de"])


def _document(client, campaign, headers) -> Xliff2File:
    return Xliff2File.parsestring(export(client, campaign, headers, "xlf").data)


def _unit(document: Xliff2File, unit_id: str):
    return next(unit for unit in document.getunits() if unit.getid() == unit_id)


def _states(client, campaign, headers) -> dict[str, str]:
    return {unit.getid(): unit.xmlelement.get("state") for unit in _document(client, campaign, headers).getunits()}


def _translation(client, material, headers) -> dict:
    return client.get(f"/api/v1/materials/{material['id']}/translations/de", headers=headers).get_json()


def test_multi_line_text_survives_an_xliff_round_trip_through_translate_toolkit(
        client, campaign, leaflet, writer):
    exported = export(client, campaign, writer, "xlf").data
    assert exported.count(b'xml:space="preserve"') == 2  # the title's and the body's source
    document = Xliff2File.parsestring(exported)
    assert _unit(document, "leaflet.body").source == PARAGRAPHS
    _unit(document, "leaflet.body").target = ABSAETZE

    response = import_file(client, campaign, writer, "xlf", bytes(document))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["updated"] == 1
    assert _translation(client, leaflet, writer)["body"] == ABSAETZE
    again = export(client, campaign, writer, "xlf").data
    assert _unit(Xliff2File.parsestring(again), "leaflet.body").target == ABSAETZE
    assert again.count(b'xml:space="preserve"') == 3  # and now the body's target


def test_a_resegmented_unit_keeps_its_ignorable_paragraph_break(client, campaign, leaflet, writer):
    exported = export(client, campaign, writer, "xlf").data.decode()
    # What a CAT tool that splits sentences writes back: two segments, the break between them ignorable.
    start = exported.index('<unit id="leaflet.body">')
    segment_start = exported.index("<segment", start)
    segment_end = exported.index("</segment>", segment_start) + len("</segment>")
    resegmented = (
        '<segment state="translated"><source>Our faces are not barcodes.</source>'
        '<target>Unsere Gesichter sind keine Strichcodes.</target></segment>'
        '<ignorable><source xml:space="preserve">\n\n</source></ignorable>'
        '<segment state="translated"><source>Sign for {name} today.</source>'
        '<target>Unterschreibe heute für {name}.</target></segment>')
    document = exported[:segment_start] + resegmented + exported[segment_end:]

    response = import_file(client, campaign, writer, "xlf", document.encode())
    assert response.status_code == 200, response.get_json()
    stored = _translation(client, leaflet, writer)
    assert stored["body"] == ABSAETZE
    assert stored["warnings"] == []


def test_a_lost_paragraph_break_is_flagged(client, leaflet, writer):
    saved = put(client, leaflet, "de", writer, title="Titel", body=ABSAETZE.replace("\n\n", " "))
    assert saved.status_code == 200, saved.get_json()
    assert [(w["field"], w["check"]) for w in saved.get_json()["warnings"]] == [("body", "paragraphs")]
    kept = put(client, leaflet, "de", writer, title="Titel", body=ABSAETZE)
    assert kept.get_json()["warnings"] == []


def test_confirming_one_xliff_unit_changes_its_state_only(client, campaign, leaflet, writer):
    assert put(client, leaflet, "de", writer, title="Titel", body=ABSAETZE).status_code == 200
    document = _document(client, campaign, writer)
    # A reviewer confirms the title without editing it.
    _unit(document, "leaflet.title").xmlelement.set("state", "reviewed")

    summary = import_file(client, campaign, writer, "xlf", bytes(document)).get_json()
    assert (summary["updated"], summary["unchanged"]) == (1, 1)
    assert _states(client, campaign, writer) == {"leaflet.title": "translated", "leaflet.body": "initial"}
    assert _translation(client, leaflet, writer)["status"] == "draft"  # its least advanced field


def test_msgattrib_clear_fuzzy_submits_the_units_for_review(client, campaign, leaflet, writer, tmp_path):
    assert put(client, leaflet, "de", writer, title="Titel", body=ABSAETZE).status_code == 200
    exported = tmp_path / "de.po"
    exported.write_bytes(export(client, campaign, writer, "po").data)
    assert all(entry.fuzzy for entry in polib.pofile(str(exported)) if entry.msgstr)
    confirmed = tmp_path / "confirmed.po"
    subprocess.run(["msgattrib", "--clear-fuzzy", "-o", str(confirmed), str(exported)], check=True)

    summary = import_file(client, campaign, writer, "po", confirmed.read_bytes()).get_json()
    assert summary["updated"] == 2
    assert _translation(client, leaflet, writer)["status"] == "needs_review"
    assert _states(client, campaign, writer) == {"leaflet.title": "translated", "leaflet.body": "translated"}
    # Exported again unchanged, texts under review stay under review.
    again = import_file(client, campaign, writer, "po", export(client, campaign, writer, "po").data).get_json()
    assert (again["updated"], again["unchanged"]) == (0, 2)


def test_a_partial_import_makes_its_importer_the_writer_of_the_units_it_changes_only(
        client, campaign, leaflet, auth_headers, reviewer):
    first, second = _reviewing_translator(auth_headers), _reviewing_translator(auth_headers)
    assert put(client, leaflet, "de", first, status="needs_review", title="Titel", body=ABSAETZE).status_code == 200
    document = _document(client, campaign, second)
    _unit(document, "leaflet.body").target = ABSAETZE.replace("heute", "jetzt")
    assert import_file(client, campaign, second, "xlf", bytes(document)).get_json()["updated"] == 1

    # Each of them wrote a field: neither may approve the translation, the title's writer included.
    for author in (first, second):
        refused = approve(client, leaflet, "de", author)
        assert refused.status_code == 403, refused.get_json()
    assert approve(client, leaflet, "de", reviewer).status_code == 200


def test_readers_of_approved_text_see_no_drafts_texts_under_review_or_their_writers(
        client, campaign, leaflet, writer, reviewer, reader):
    assert put(client, leaflet, "de", writer, status="needs_review", title="Titel").status_code == 200
    assert approve(client, leaflet, "de", reviewer).status_code == 200
    document = _document(client, campaign, writer)
    _unit(document, "leaflet.body").target = "Entwurf.\n\nNoch nicht fertig, {name}."
    assert import_file(client, campaign, writer, "xlf", bytes(document)).get_json()["updated"] == 1

    seen = _translation(client, leaflet, reader)
    assert (seen["title"], seen["body"]) == ("Titel", None)
    assert seen["history"] == [] and seen["written_by"] is None and seen["approved_by"] is None
    listed = client.get(f"/api/v1/materials/{leaflet['id']}/translations", headers=reader).get_json()["items"]
    assert [(item["title"], item["body"]) for item in listed] == [("Titel", None)]
    for extension in ("po", "xlf"):
        exported = export(client, campaign, reader, extension).data.decode()
        assert "Titel" in exported and "Entwurf" not in exported
    drafts = client.get(f"/api/v1/materials/{leaflet['id']}?drafts=1", headers=reader)
    assert drafts.status_code == 403

    written = _translation(client, leaflet, writer)
    assert written["body"].startswith("Entwurf") and written["history"][-1]["client_id"]
