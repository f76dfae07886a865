"""Saving what a case page shows besides the case itself refreshes the page cached before."""

import pytest
from django.urls import reverse

from cases.models import Case, Municipality, SourceDocument, Theme

pytestmark = pytest.mark.django_db

URL = reverse("cases:case_detail", args=["meets"])


def rename(instance, field, value):
    setattr(instance, field, value)
    instance.save()  # as the admin does


@pytest.mark.parametrize(
    ("model", "lookup", "field", "marker"),
    [
        (Theme, {"key": "mutual-aid"}, "name", "目印テーマハクビシン"),
        (SourceDocument, {"key": "2025-report"}, "short_title", "目印資料センザンコウ"),
        (Municipality, {"lg_code": "015814"}, "name", "目印町アホロートル"),
    ],
    ids=["theme", "source-document", "municipality"],
)
def test_saving_refreshes_the_cached_page(client, model, lookup, field, marker):
    assert Case.objects.get(slug="meets").status == Case.Status.PUBLISHED
    before = client.get(URL).content.decode()
    assert marker not in before
    assert client.get(URL).content.decode() == before  # now served from the cache
    rename(model.objects.get(**lookup), field, marker)
    assert marker in client.get(URL).content.decode()
