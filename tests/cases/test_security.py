import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/cases/", "/cases/meets/", "/admin/login/"])
def test_security_headers(client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script(client):
    for url in ("/", reverse("cases:case_list"), reverse("cases:case_detail", args=["meets"])):
        body = client.get(url).content.decode()
        for tag in body.split("<script")[1:]:
            attributes = tag.split(">")[0]
            # A JSON-LD data block is never executed (and CSP's script-src does not cover it).
            if attributes == ' type="application/ld+json"':
                continue
            assert " src=" in attributes, url
