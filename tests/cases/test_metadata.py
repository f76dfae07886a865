"""What pages tell machines: JSON-LD, Open Graph, canonical, DCAT, sitemap, robots, licence."""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from cases import metadata
from cases.models import Case, Organization
from tests.factories import CaseFactory, CitationFactory, PlaceFactory

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


class HeadParser(HTMLParser):
    """Collect <meta>, <link> and JSON-LD blocks the way a crawler reads them."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld = {}, [], []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data

    def rel(self, name):
        return [link for link in self.links if link.get("rel") == name]


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parser = HeadParser()
    parser.feed(response.content.decode())
    parser.json_ld = [json.loads(block) for block in parser.json_ld]
    return parser


def test_case_page_describes_itself_as_an_article(client):
    case = Case.objects.get(slug="ina-city")
    page = read(client, case.get_absolute_url())
    (article,) = page.json_ld
    assert article["@context"] == "https://schema.org"
    assert article["@type"] == "Article"
    assert article["url"] == f"{HOST}/cases/ina-city/"
    assert article["name"] == case.title
    assert article["license"] == f"{HOST}{reverse('cases:terms')}"
    sources = {c.source.title for c in case.citations.select_related("source")}
    assert {item["name"] for item in article["citation"]} == sources
    assert all(item["@type"] == "Report" and item["author"]["name"] for item in article["citation"])
    (area,) = article["spatialCoverage"]
    assert area == {
        "@type": "AdministrativeArea",
        "name": "長野県伊那市",
        "identifier": "202096",
        **({"geo": area["geo"]} if "geo" in area else {}),
    }
    assert {theme["termCode"] for theme in article["about"]} == set(
        case.themes.values_list("key", flat=True)
    )


def test_json_ld_cannot_be_closed_by_the_content(client):
    case = CaseFactory(title="</script><script>alert(1)</script>", summary="a & b <i>")
    CitationFactory(case=case)
    PlaceFactory(case=case)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html
    (article,) = read(client, case.get_absolute_url()).json_ld
    assert article["name"] == "</script><script>alert(1)</script>"
    assert article["description"] == "a & b <i>"


@pytest.mark.parametrize("url", [reverse("cases:home"), reverse("cases:case_list")])
def test_home_and_browse_describe_the_dataset(client, url):
    (dataset,) = read(client, url).json_ld
    assert dataset["@type"] == "Dataset"
    for key in ("name", "description", "url", "license", "distribution", "isBasedOn"):
        assert dataset[key], key
    formats = {item["encodingFormat"]: item["contentUrl"] for item in dataset["distribution"]}
    assert formats == {
        "text/csv": f"{HOST}/cases/?format=csv",
        "application/json": f"{HOST}/cases/?format=json",
        "application/atom+xml": f"{HOST}/cases/feed/",
    }
    for url in formats.values():
        assert client.get(url.removeprefix(HOST)).status_code == 200


def test_links_unfurl_on_case_organisation_and_browse_pages(client):
    case = Case.objects.get(slug="ina-city")
    organization = Organization.objects.filter(roles__case=case).first()
    for url, title in [
        (case.get_absolute_url(), case.title),
        (organization.get_absolute_url(), organization.name),
        (reverse("cases:case_list"), "事例を探す - 国土事例カタログ"),
    ]:
        meta = read(client, url).meta
        assert meta["og:site_name"] == "国土事例カタログ"
        assert meta["og:title"] == title
        assert meta["twitter:title"] == title
        assert meta["og:description"]
        assert meta["twitter:card"] == "summary"
        assert "og:image" not in meta
    assert read(client, case.get_absolute_url()).meta["og:type"] == "article"


def test_canonical_links_name_the_page_without_its_query(client):
    case = Case.objects.get(slug="ina-city")
    organization = Organization.objects.filter(roles__case=case).first()
    for url in (reverse("cases:home"), case.get_absolute_url(), organization.get_absolute_url()):
        (canonical,) = read(client, f"{url}?utm_source=x").rel("canonical")
        assert canonical["href"] == f"{HOST}{url}"
    # Browse and comparison pages: their query is what they show (browse: phase 2).
    assert read(client, reverse("cases:case_list")).rel("canonical") == []
    assert read(client, reverse("cases:compare")).rel("canonical") == []


def test_every_page_links_the_terms_and_the_feed(client):
    case = Case.objects.get(slug="ina-city")
    for url in (reverse("cases:home"), reverse("cases:case_list"), case.get_absolute_url()):
        page = read(client, url)
        hrefs = {link.get("href") for link in page.rel("alternate")}
        assert reverse("cases:feed") in hrefs
        assert f'href="{reverse("cases:terms")}"' in client.get(url).content.decode()


def test_terms_page_states_the_licence_and_attribution(client):
    html = client.get(reverse("cases:terms")).content.decode()
    assert settings.DATA_LICENSE["name"] in html
    assert "CC BY 4.0" in html
    assert "出典：国土事例カタログ（http://testserver/）" in html
    assert "地理院タイル" in html


def test_dcat_catalogue(client):
    response = client.get(reverse("cases:catalog"))
    assert response["Content-Type"] == "application/ld+json; charset=utf-8"
    catalog = response.json()
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    (dataset,) = catalog["dcat:dataset"]
    assert dataset["@type"] == "dcat:Dataset"
    assert dataset["dct:license"] == {"@id": f"{HOST}/terms/"}
    assert dataset["dcat:landingPage"] == {"@id": f"{HOST}/"}
    assert len(dataset["dcat:distribution"]) == 3
    for distribution in dataset["dcat:distribution"]:
        assert distribution["@type"] == "dcat:Distribution"
        assert distribution["dcat:downloadURL"]["@id"].startswith(HOST)
        assert distribution["dcat:mediaType"]["@id"].startswith(
            "https://www.iana.org/assignments/media-types/"
        )
    assert len(dataset["dct:source"]) == len(metadata.dataset(response.wsgi_request)["isBasedOn"])


def test_sitemap_lists_every_published_case(client):
    index = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 (our own output)
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    sections = [loc.text for loc in index.findall("s:sitemap/s:loc", namespace)]
    assert f"{HOST}/sitemap-cases.xml" in sections
    urls = set()
    for section in sections:
        tree = ET.fromstring(client.get(section.removeprefix(HOST)).content)  # noqa: S314
        urls |= {loc.text for loc in tree.findall("s:url/s:loc", namespace)}
    for case in Case.objects.all():
        assert (f"{HOST}{case.get_absolute_url()}" in urls) == (
            case.status == Case.Status.PUBLISHED
        )
    assert f"{HOST}/terms/" in urls


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines


def test_json_ld_escapes_markup():
    script = metadata.json_ld_script({"name": "</script>&"})
    assert re.fullmatch(r'<script type="application/ld\+json">[^<>&]*</script>', script)
