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


def test_an_organisation_named_only_by_drafts_has_no_page(client):
    from cases.models import Case, Funding
    from tests.factories import ActorFactory, CaseFactory, OrganizationFactory

    draft = CaseFactory(status=Case.Status.DRAFT)
    actor = ActorFactory(case=draft, organization__name="下書きだけの組織株式会社")
    hidden = actor.organization
    assert client.get(hidden.get_absolute_url()).status_code == 404
    # A published case naming it, as actor or as funder, publishes the page.
    funder = OrganizationFactory(name="下書きと公開の資金提供者")

    def fund(case):
        Funding.objects.create(
            case=case,
            kind=Funding.Kind.SUBSIDY,
            provider=funder,
            source=actor.source,
            section=actor.section,
        )

    fund(draft)
    assert client.get(funder.get_absolute_url()).status_code == 404
    published = CaseFactory()
    fund(published)
    assert client.get(funder.get_absolute_url()).status_code == 200
    ActorFactory(case=published, organization=hidden, source=actor.source)
    assert client.get(hidden.get_absolute_url()).status_code == 200


def test_a_document_cited_only_by_drafts_is_not_listed(client):
    from cases.models import Case
    from tests.factories import CitationFactory

    citation = CitationFactory(
        case__status=Case.Status.DRAFT, source__title="未公開の検討資料（下書きのみ）"
    )
    citation.case.refresh_index()
    assert "未公開の検討資料" not in client.get(reverse("cases:home")).content.decode()
    citation.case.status = Case.Status.PUBLISHED
    citation.case.save()
    assert "未公開の検討資料" in client.get(reverse("cases:home")).content.decode()
