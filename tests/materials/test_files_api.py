"""Uploads judged by their content: allowed types, size limit, names, and safe serving."""

import dataclasses
import io
import zipfile

import pytest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def upload(client, material, headers, content, filename, **form):
    data = {"file": (io.BytesIO(content), filename), **form}
    return client.post(f"/api/v1/materials/{material['id']}/files", data=data, headers=headers,
                       content_type="multipart/form-data")


def test_upload_list_and_download(client, make_material, editor, reader):
    material = make_material()
    response = upload(client, material, editor, PDF, "leaflet.pdf", locale="de")
    assert response.status_code == 201, response.get_json()
    stored = response.get_json()
    assert stored["media_type"] == "application/pdf"
    assert stored["filename"] == "leaflet.pdf"
    assert stored["locale"] == "de"

    listed = client.get(f"/api/v1/materials/{material['id']}", headers=reader).get_json()
    assert [f["id"] for f in listed["files"]] == [stored["id"]]

    download = client.get(stored["download_url"], headers=reader)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert 'filename=leaflet.pdf' in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("content, media_type, extension", [
    (PNG, "image/png", "png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg", "jpg"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32, "image/webp", "webp"),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32, "video/mp4", "mp4"),
    (zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    (zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}),
     "application/vnd.oasis.opendocument.text", "odt"),
])
def test_type_comes_from_the_content(client, make_material, editor, content, media_type, extension):
    material = make_material()
    response = upload(client, material, editor, content, "upload.bin")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["media_type"] == media_type
    assert response.get_json()["filename"] == f"upload.{extension}"


def test_pdf_name_with_png_content_is_stored_as_png(client, make_material, editor, reader):
    material = make_material()
    stored = upload(client, material, editor, PNG, "report.pdf").get_json()
    assert stored["media_type"] == "image/png"
    assert stored["filename"] == "report.png"
    assert client.get(stored["download_url"], headers=reader).mimetype == "image/png"


@pytest.mark.parametrize("content", [EXE, b"plain text", zipped({"readme.txt": b"hello"}), b"PK\x03\x04broken"])
def test_other_content_is_415(client, make_material, editor, content):
    material = make_material()
    response = upload(client, material, editor, content, "leaflet.pdf")
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/materials/{material['id']}", headers=editor).get_json()["files"] == []


def test_oversize_is_413(app, client, make_material, editor, monkeypatch):
    config = app.extensions["coalition.config"]
    monkeypatch.setitem(app.extensions, "coalition.config", dataclasses.replace(config, file_size_limit=100))
    material = make_material()
    assert upload(client, material, editor, PNG, "small.png").status_code == 201
    response = upload(client, material, editor, PNG + b"\x00" * 100, "big.png")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.png", "passwd.png"),
    ("uploads/2026/photo.png", "photo.png"),
    ("/abs/path/..png", "file.png"),
    ("bad\x07name.png", "badname.png"),
])
def test_path_like_names_are_reduced_to_a_base_name(client, make_material, editor, name, expected):
    material = make_material()
    response = upload(client, material, editor, PNG, name)
    assert response.status_code == 201
    assert response.get_json()["filename"] == expected


def test_svg_with_script_is_only_an_attachment_in_a_sandbox(client, make_material, editor, reader):
    material = make_material()
    stored = upload(client, material, editor, SVG, "logo.svg").get_json()
    assert stored["media_type"] == "image/svg+xml"
    download = client.get(stored["download_url"], headers=reader)
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Security-Policy"] == "sandbox"
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_same_content_is_stored_once(app, client, make_material, editor):
    from coalition.materials.files import file_store

    material = make_material()
    first = upload(client, material, editor, PNG + b"unique-1", "a.png").get_json()
    second = upload(client, material, editor, PNG + b"unique-1", "b.png").get_json()
    assert first["id"] != second["id"] and first["sha256"] == second["sha256"]
    assert len(list(file_store().glob(f"*/{first['sha256']}"))) == 1


def test_upload_needs_a_file_and_write_scope(client, make_material, editor, reader):
    material = make_material()
    assert upload(client, material, reader, PNG, "a.png").status_code == 403
    missing = client.post(f"/api/v1/materials/{material['id']}/files", data={"locale": "de"}, headers=editor,
                          content_type="multipart/form-data")
    assert missing.status_code == 422
    json_body = client.post(f"/api/v1/materials/{material['id']}/files", json={"file": "x"}, headers=editor)
    assert json_body.status_code == 415


def test_windows_paths_are_reduced_to_a_base_name():
    from coalition.materials.files import sanitise_filename

    assert sanitise_filename("C:\\Users\\x\\photo.PNG", "image/png") == "photo.png"
    assert sanitise_filename(None, "application/pdf") == "file.pdf"


def test_upload_locale_must_be_a_campaign_locale(client, make_material, editor):
    material = make_material()
    assert upload(client, material, editor, PNG, "a.png", locale="xx-!!").status_code == 422
    assert upload(client, material, editor, PNG, "a.png", locale="it").status_code == 422
