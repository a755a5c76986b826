"""Materials and revisions through the API."""


def test_create_list_and_read_a_material(client, campaign, make_material, reader):
    material = make_material(tags=["print", "2026"])
    assert material["revision"] == 1
    assert material["source_locale"] == "en"
    assert material["tags"] == ["2026", "print"]
    assert material["served_locales"] == {"title": "en", "summary": "en", "body": "en"}

    make_material(slug="post", kind="social_post", title="Share", body="Sign now", tags=["online"])
    listed = client.get(f"/api/v1/campaigns/{campaign.slug}/materials", headers=reader)
    assert listed.status_code == 200
    assert listed.get_json()["total"] == 2
    assert "Link" in listed.headers
    by_kind = client.get(f"/api/v1/campaigns/{campaign.slug}/materials?kind=social_post", headers=reader)
    assert [m["slug"] for m in by_kind.get_json()["items"]] == ["post"]
    by_tag = client.get(f"/api/v1/campaigns/{campaign.slug}/materials?tag=print", headers=reader)
    assert [m["slug"] for m in by_tag.get_json()["items"]] == ["leaflet"]

    read = client.get(f"/api/v1/materials/{material['id']}", headers=reader)
    assert read.status_code == 200
    assert read.get_json()["title"] == "Ban biometric mass surveillance"
    assert read.headers["Content-Language"] == "en"


def test_slug_is_unique_per_campaign(client, campaign, make_material, editor):
    make_material()
    again = client.post(f"/api/v1/campaigns/{campaign.slug}/materials", headers=editor,
                        json={"slug": "leaflet", "kind": "leaflet", "title": "Other"})
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"


def test_writing_needs_materials_write(client, campaign, reader):
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/materials", headers=reader,
                           json={"slug": "x", "kind": "faq", "title": "Q"})
    assert response.status_code == 403


def test_length_limit_per_kind(client, campaign, editor):
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/materials", headers=editor,
                           json={"slug": "post", "kind": "social_post", "title": "T", "body": "x" * 501})
    assert response.status_code == 422
    assert "500" in response.get_json()["errors"]["body"][0]
    ok = client.post(f"/api/v1/campaigns/{campaign.slug}/materials", headers=editor,
                     json={"slug": "post", "kind": "social_post", "title": "T", "body": "x" * 500})
    assert ok.status_code == 201


def test_unknown_kind_and_bad_slug_are_422(client, campaign, editor):
    response = client.post(f"/api/v1/campaigns/{campaign.slug}/materials", headers=editor,
                           json={"slug": "Bad Slug", "kind": "poster", "title": "T"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"slug", "kind"}


def test_each_source_edit_makes_a_revision_with_a_diff(client, make_material, editor, reader):
    material = make_material()
    url = f"/api/v1/materials/{material['id']}"
    edited = client.patch(url, json={"body": "Our **faces** are not barcodes.\nSign today."}, headers=editor)
    assert edited.status_code == 200
    assert edited.get_json()["revision"] == 2
    tags_only = client.patch(url, json={"tags": ["web"]}, headers=editor)
    assert tags_only.get_json()["revision"] == 2
    assert tags_only.get_json()["tags"] == ["web"]
    client.patch(url, json={"title": "Ban it"}, headers=editor)

    revisions = client.get(f"{url}/revisions", headers=reader).get_json()
    assert [r["number"] for r in revisions["items"]] == [1, 2, 3]
    assert revisions["items"][0]["body"] == "Our **faces** are *not* barcodes."

    diff = client.get(f"{url}/revisions/3/diff?from=1", headers=reader).get_json()
    assert diff["from"] == 1 and diff["to"] == 3
    assert set(diff["fields"]) == {"title", "body"}
    assert "-Our **faces** are *not* barcodes." in diff["fields"]["body"]
    assert "+Sign today." in diff["fields"]["body"]
    previous = client.get(f"{url}/revisions/2/diff", headers=reader).get_json()
    assert set(previous["fields"]) == {"body"}
    assert client.get(f"{url}/revisions/9/diff", headers=reader).status_code == 404


def test_unknown_material_is_404(client, reader):
    response = client.get("/api/v1/materials/00000000-0000-0000-0000-000000000000", headers=reader)
    assert response.status_code == 404
    assert client.get("/api/v1/materials/not-a-uuid", headers=reader).status_code == 404
