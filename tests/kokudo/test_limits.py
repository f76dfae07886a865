"""Request size caps: a flood of form fields or a huge body is refused before it is parsed."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import Case
from tests.cases.test_admin import form_data

pytestmark = pytest.mark.django_db


def change_form_data(client, case):
    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    return form_data(*forms)


def test_the_largest_case_form_fits_well_within_the_caps(admin_client):
    """伊那市 (the largest case file) saves, and the caps leave it four times the room."""
    case = Case.objects.get(slug="ina-city")
    data = change_form_data(admin_client, case)
    fields = sum(len(value) if isinstance(value, list) else 1 for value in data.values())
    body = len(urlencode(data, doseq=True).encode())
    assert fields * 4 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, fields
    assert body * 4 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE, body
    response = admin_client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert response.status_code == 302


def test_a_flood_of_fields_is_refused(admin_client):
    case = Case.objects.get(slug="meets")
    data = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = admin_client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert response.status_code == 400


def test_a_40_mb_multipart_post_to_the_login_page_is_refused_unread(client):
    boundary = "kokudo-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="upload"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"\0" * (40 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.generic(
        "POST",
        reverse("admin:login"),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "大きすぎます" in response.content.decode()
