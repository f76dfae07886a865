"""docs/editing.md, step by step, on a small made-up report (no fact of the catalogue's)."""

import io

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case, SourceDocument, SourceSection
from tests.cases.test_admin import form_data
from tests.cases.test_review import make_editor

pytestmark = pytest.mark.django_db

SOURCE = {
    "key": "made-up-2026",
    "title": "試験用の架空報告書（この試験のためだけの資料）",
    "short_title": "架空報告書2026",
    "issuer": "試験用の架空の発行者",
    "published_label": "令和8年5月",
    "year": "2026",
    "url": "https://example.org/made-up-2026.pdf",
    "summary": "試験専用。利用条件: 試験のための架空の記載。",
}


SECTIONS = [("2.(1)", "架空の事例その一", "12"), ("3.(2)", "架空の事例その二", "")]


def submit(client, url, change):
    """Post an admin form as rendered (with its inlines), after `change` edits its data."""
    page = client.get(url)
    forms = [page.context["adminform"].form]
    prefixes = {}
    for inline in page.context["inline_admin_formsets"]:
        prefixes[inline.formset.model] = inline.formset.prefix
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = form_data(*forms)
    change(data, prefixes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    return response


def add_sections(data, prefixes, sections):
    prefix = prefixes[SourceSection]
    data[f"{prefix}-TOTAL_FORMS"] = len(sections)
    for index, (number, heading, page) in enumerate(sections):
        data.update(
            {
                f"{prefix}-{index}-number": number,
                f"{prefix}-{index}-heading": heading,
                f"{prefix}-{index}-page": page,
                f"{prefix}-{index}-position": index,
            }
        )


def add_citation(data, prefixes, source, number):
    from cases.models import Citation

    section = SourceSection.objects.get(source=source, number=number)
    prefix = prefixes[Citation]
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    data.update(
        {
            f"{prefix}-{index}-source": source.pk,
            f"{prefix}-{index}-section": section.pk,
            f"{prefix}-{index}-position": index,
            f"{prefix}-{index}-note": "架空の報告書が述べること。",
        }
    )


def test_a_new_report_from_start_to_publish(client, tmp_path):
    alice, bob = make_editor("alice"), make_editor("bob")
    client.force_login(alice)

    # 1. The document, with its sections and the pages its 目次 gives.
    def new_source(data, prefixes):
        data.update(SOURCE)
        add_sections(data, prefixes, SECTIONS)

    submit(client, reverse("admin:cases_sourcedocument_add"), new_source)
    source = SourceDocument.objects.get(key="made-up-2026")

    # 2. A new case that cites it, and a case the report revisits.
    def new_case(data, prefixes):
        data.update({"title": "架空の試験事例", "slug": "made-up-case", "summary": "架空の要約。"})
        add_citation(data, prefixes, source, "2.(1)")

    submit(client, reverse("admin:cases_case_add"), new_case)
    case = Case.objects.get(slug="made-up-case")
    assert case.status == Case.Status.DRAFT
    ina = Case.objects.get(slug="ina-city")
    submit(
        client,
        reverse("admin:cases_case_change", args=[ina.pk]),
        lambda data, prefixes: add_citation(data, prefixes, source, "3.(2)"),
    )

    # 3. The preview, before anyone else can see it.
    preview = client.get(reverse("cases:case_preview", args=["made-up-case"]))
    assert "架空の試験事例" in preview.content.decode()
    assert client.get(reverse("cases:case_detail", args=["made-up-case"])).status_code == 404

    # 4. Review, 5. publish by a second editor: refused while the audit finds a problem.
    status_url = reverse("admin:cases_case_status", args=[case.pk])
    client.post(status_url, {"status": "review"})
    client.force_login(bob)
    refused = client.post(status_url, {"status": "published"}, follow=True).content.decode()
    assert "場所がなく" in refused
    assert "事例名のよみ" in refused
    client.force_login(alice)
    submit(
        client,
        reverse("admin:cases_case_change", args=[case.pk]),
        lambda data, _: data.update(
            editor_note="所在地の記載なし（架空の事例）", title_kana="かくうのしけんじれい"
        ),
    )
    client.post(status_url, {"status": "published"})
    assert Case.objects.get(pk=case.pk).status == Case.Status.REVIEW  # not by alice herself
    client.force_login(bob)
    client.post(status_url, {"status": "published"})
    assert Case.objects.get(pk=case.pk).status == Case.Status.PUBLISHED
    client.logout()
    assert client.get(reverse("cases:case_detail", args=["made-up-case"])).status_code == 200

    # 6. Export: the diff to review holds the document, the new case and the revisit.
    call_command("export_catalogue", "--fixtures", str(tmp_path), stdout=io.StringIO())
    sources = yaml.safe_load((tmp_path / "sources.yaml").read_text())
    exported_source = next(s for s in sources if s["key"] == "made-up-2026")
    assert {"key": "made-up-2026", "published_label": "令和8年5月"}.items() <= (
        exported_source.items()
    )
    assert exported_source["sections"] == [
        {"number": "2.(1)", "heading": "架空の事例その一", "page": "12"},
        {"number": "3.(2)", "heading": "架空の事例その二"},
    ]
    new_file = yaml.safe_load((tmp_path / "cases" / "made-up-case.yaml").read_text())
    assert new_file["status"] == "published"
    assert [(c["source"], c["section"]) for c in new_file["citations"]] == [
        ("made-up-2026", "2.(1)")
    ]
    ina_file = yaml.safe_load((tmp_path / "cases" / "ina-city.yaml").read_text())
    assert ("made-up-2026", "3.(2)") in [(c["source"], c["section"]) for c in ina_file["citations"]]
