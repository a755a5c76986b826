"""HTTP details strict clients trip over: one charset per Content-Type, CORS preflight on the counter."""

import pytest

from tests import factories


@pytest.mark.parametrize(("path", "content_type"), [
    ("exports/organizations.csv", "text/csv; charset=utf-8"),
    ("exports/organizations.jsonl", "application/jsonl; charset=utf-8"),
    ("translations/de.po", "text/x-gettext-translation; charset=utf-8"),
    ("translations/de.xlf", "application/xliff+xml; charset=utf-8"),
])
def test_file_answers_name_one_charset(client, coordinator, auth_headers, path, content_type):
    campaign = factories.make_campaign(locales=["de"])
    headers = auth_headers(coordinator, "metrics:read materials:read")
    response = client.get(f"/api/v1/campaigns/{campaign.slug}/{path}", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type


def test_a_browser_may_revalidate_the_counter_from_any_site(client, db_session):
    campaign = factories.make_campaign(status="live")
    db_session.commit()
    url = f"/api/v1/campaigns/{campaign.slug}/counter"
    preflight = client.options(url, headers={
        "Origin": "https://partner.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "if-none-match" in preflight.headers["Access-Control-Allow-Headers"].lower()
    etag = client.get(url, headers={"Origin": "https://partner.example"}).headers["ETag"]
    revalidated = client.get(url, headers={"Origin": "https://partner.example", "If-None-Match": etag})
    assert revalidated.status_code == 304
    assert revalidated.headers["Access-Control-Allow-Origin"] == "*"
    assert revalidated.headers["ETag"] == etag


def test_a_body_the_document_requires_is_required(client, coordinator, auth_headers):
    campaign = factories.make_campaign(locales=["de"])
    organization = factories.make_organization()
    headers = auth_headers(coordinator, "admin translations:write")
    for method, path in (("patch", f"/api/v1/organizations/{organization.slug}"),
                         ("post", f"/api/v1/campaigns/{campaign.slug}/translations/de.po")):
        response = getattr(client, method)(path, headers=headers)
        assert response.status_code == 400, path
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"] == "This request needs a body."
    assert client.get(f"/api/v1/organizations/{organization.slug}", headers=headers).get_json()["name"] == organization.name
