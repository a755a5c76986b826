"""Every export format, downloaded over HTTP and read back by an independent reader."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime

import frictionless
import pytest
from openpyxl import load_workbook

from tests import factories
from tests.metrics.conftest import SAMPLE_COLUMNS, SAMPLE_ROWS

SECOND_TEXT = 'Ünïcode, "quoted"\nsecond line'


@pytest.fixture
def samples_export(client, coordinator, auth_headers, sample_dataset):
    """GET a `samples` export of a campaign as a coordinator; answer the response."""
    sample_dataset[coordinator.id] = SAMPLE_ROWS
    campaign = factories.make_campaign(slug="reclaim-your-face")
    headers = auth_headers(coordinator, "metrics:read")

    def get(fmt: str, **params):
        return client.get(f"/api/v1/campaigns/{campaign.slug}/exports/samples.{fmt}",
                          query_string=params, headers=headers)

    return get


def test_csv_is_rfc4180_utf8_with_values_spreadsheets_read_as_dates_in_utc(samples_export):
    response = samples_export("csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "reclaim-your-face-samples-" in disposition and disposition.endswith('.csv')
    raw = response.data
    assert b"\r\n" in raw and not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert rows == [
        ["code", "amount", "ratio", "day", "at (UTC)", "flag"],
        ["plain", "1", "0.5", "2026-03-01", "2026-03-01 12:00:00", "true"],
        [SECOND_TEXT, "-7", "12.50", "2026-12-31", "2026-03-01 12:30:15.250000", "false"],
        ["empty cells", "", "", "", "", ""],
    ]


def test_json_lines_keep_types_and_nulls(samples_export):
    response = samples_export("jsonl")
    assert response.status_code == 200
    assert response.mimetype == "application/jsonl"
    lines = response.data.decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"code": "plain", "amount": 1, "ratio": 0.5, "day": "2026-03-01", "at": "2026-03-01T12:00:00Z",
         "flag": True},
        {"code": SECOND_TEXT, "amount": -7, "ratio": 12.5, "day": "2026-12-31",
         "at": "2026-03-01T12:30:15.250000Z", "flag": False},
        {"code": "empty cells", "amount": None, "ratio": None, "day": None, "at": None, "flag": None},
    ]


def test_xlsx_opens_with_typed_cells(samples_export):
    response = samples_export("xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["samples"]
    rows = list(workbook["samples"].iter_rows(values_only=True))
    assert rows == [
        ("code", "amount", "ratio", "day", "at (UTC)", "flag"),
        ("plain", 1, 0.5, datetime(2026, 3, 1), datetime(2026, 3, 1, 12, 0), True),
        (SECOND_TEXT, -7, 12.5, datetime(2026, 12, 31), datetime(2026, 3, 1, 12, 30, 15, 250000), False),
        ("empty cells", None, None, None, None, None),
    ]


def test_data_package_validates_with_frictionless(samples_export, tmp_path):
    response = samples_export("zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert sorted(archive.namelist()) == ["data/samples.csv", "datapackage.json"]
        archive.extractall(tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    fields = descriptor["resources"][0]["schema"]["fields"]
    assert [(f["name"], f["type"]) for f in fields] == [(c.name, c.type) for c in SAMPLE_COLUMNS]
    assert [f["title"] for f in fields] == ["Conflict", "Gone", "Forbidden", "Not found",
                                            "Bad request (UTC)", "Conflict"]
    assert all(f["description"] for f in fields)

    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    package = frictionless.Package(str(tmp_path / "datapackage.json"))
    rows = [row.to_list() for row in package.get_resource("samples").read_rows()]
    assert rows[0] == ["plain", 1, 0.5, date(2026, 3, 1), datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
                       True]
    assert rows[1][:4] == [SECOND_TEXT, -7, 12.5, date(2026, 12, 31)]
    assert rows[1][4] == datetime(2026, 3, 1, 12, 30, 15, 250000, tzinfo=UTC)
    assert rows[2] == ["empty cells", None, None, None, None, None]


def test_labels_translate_csv_and_xlsx_headers(samples_export):
    response = samples_export("csv", labels="de")
    assert response.headers["Content-Language"] == "de"
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8"))))
    assert header == ["Konflikt", "Nicht mehr verfügbar", "Zugriff verweigert", "Nicht gefunden",
                      "Ungültige Anfrage (UTC)", "Konflikt"]
    workbook = load_workbook(io.BytesIO(samples_export("xlsx", labels="de").data), read_only=True)
    assert next(workbook["samples"].iter_rows(values_only=True))[:2] == ("Konflikt", "Nicht mehr verfügbar")


def test_labels_in_a_data_package_are_titles_not_names(samples_export):
    response = samples_export("zip", labels="fr")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
        header = archive.read("data/samples.csv").decode("utf-8").splitlines()[0]
    fields = descriptor["resources"][0]["schema"]["fields"]
    assert [f["name"] for f in fields] == ["code", "amount", "ratio", "day", "at", "flag"]
    assert fields[3]["title"] == "Introuvable"
    assert header == "code,amount,ratio,day,at,flag"


def test_unsupported_labels_locale_is_a_422(samples_export):
    response = samples_export("csv", labels="tlh")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "labels" in response.get_json()["errors"]


def test_empty_dataset_still_has_a_header(client, coordinator, auth_headers, sample_dataset):
    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "metrics:read")
    url = f"/api/v1/campaigns/{campaign.slug}/exports/samples"
    assert client.get(url + ".csv", headers=headers).data == b"code,amount,ratio,day,at (UTC),flag\r\n"
    assert client.get(url + ".jsonl", headers=headers).data == b""
    workbook = load_workbook(io.BytesIO(client.get(url + ".xlsx", headers=headers).data), read_only=True)
    assert list(workbook["samples"].iter_rows(values_only=True)) == [("code", "amount", "ratio", "day", "at (UTC)", "flag")]


HOSTILE_TEXTS = ['=HYPERLINK("https://evil.example","open")', "+1+1", "-2+3", "@SUM(A1)", "\tindent",
                 "\rreturn", "#N/A", "line\x0bbreak", "bell\x07", "fine"]


@pytest.fixture
def hostile_export(client, coordinator, auth_headers, monkeypatch):
    from coalition.metrics.datasets import REGISTRY, Column, Dataset

    columns = (Column("text", "text", "string"), Column("amount", "amount", "integer"))
    rows = [(text, -5) for text in HOSTILE_TEXTS]
    monkeypatch.setitem(REGISTRY, "hostile", Dataset("hostile", "hostile", columns, lambda c, s: iter(rows)))
    campaign = factories.make_campaign()
    headers = auth_headers(coordinator, "metrics:read")
    return lambda format: client.get(f"/api/v1/campaigns/{campaign.slug}/exports/hostile.{format}", headers=headers)


def test_csv_cells_that_start_like_formulas_are_neutralised(hostile_export):
    for format in ("csv", "zip"):
        response = hostile_export(format)
        assert response.status_code == 200
        data = response.data
        if format == "zip":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                data = archive.read("data/hostile.csv")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))[1:]
        texts = [row[0] for row in rows]
        assert texts[:6] == ["'" + text for text in HOSTILE_TEXTS[:6]]
        assert texts[6:] == HOSTILE_TEXTS[6:]
        assert {row[1] for row in rows} == {"-5"}  # numbers stay numbers


def test_xlsx_writes_stored_text_as_text_and_survives_control_characters(hostile_export):
    response = hostile_export("xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["hostile"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    assert [cell.value for cell in cells] == HOSTILE_TEXTS[:7] + ["line\nbreak", "bell\ufffd", "fine"]
    assert {row[1].value for row in sheet.iter_rows(min_row=2)} == {-5}


def test_excel_dialect_in_a_decimal_comma_locale(samples_export):
    response = samples_export("csv", dialect="excel", labels="de")
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][4] == "Ungültige Anfrage (UTC)"
    assert rows[1] == ["plain", "1", "0,5", "2026-03-01", "2026-03-01 12:00:00", "true"]
    assert rows[2][2] == "12,50"


def test_excel_dialect_in_a_decimal_point_locale_keeps_commas(samples_export):
    raw = samples_export("csv", dialect="excel").data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[1][:3] == ["plain", "1", "0.5"]


def test_an_unknown_dialect_is_a_422(samples_export):
    response = samples_export("csv", dialect="lotus")
    assert response.status_code == 422
    assert "dialect" in response.get_json()["errors"]
