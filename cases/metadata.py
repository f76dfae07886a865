"""What the catalogue says about itself to machines: schema.org JSON-LD and a DCAT catalogue.

Every builder takes the request only to make absolute URLs; what it describes comes from the
database, so the descriptions never claim more than the catalogue holds.
"""

import json

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe

from .citations import SITE_NAME

SITE_DESCRIPTION = (
    "国土審議会・国土交通省の報告書に載った地域づくりの事例を、出典付きで探せるカタログ"
)
SCHEMA_ORG = "https://schema.org"

# Characters that would let JSON end the <script> element or open markup inside it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld_script(data):
    """Return a <script type="application/ld+json"> element holding data.

    A data block, not a script: the Content-Security-Policy's script-src does not apply to it.
    """
    text = json.dumps(data, ensure_ascii=False, indent=None).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 (escaped above)


def absolute(request, path):
    return request.build_absolute_uri(path)


def license_url(request):
    return absolute(request, reverse(settings.DATA_LICENSE["page"]))


def distributions(request):
    """The downloads a data portal or search engine can take: CSV, JSON and the Atom feed."""
    listing = reverse("cases:case_list")
    return [
        {
            "@type": "DataDownload",
            "name": "すべての公開事例（CSV, UTF-8 BOM付き）",
            "encodingFormat": "text/csv",
            "contentUrl": absolute(request, f"{listing}?format=csv"),
        },
        {
            "@type": "DataDownload",
            "name": "事例一覧と絞り込みの件数（JSON, 1ページ20件）",
            "encodingFormat": "application/json",
            "contentUrl": absolute(request, f"{listing}?format=json"),
        },
        {
            "@type": "DataDownload",
            "name": "新着・更新された事例（Atomフィード）",
            "encodingFormat": "application/atom+xml",
            "contentUrl": absolute(request, reverse("cases:feed")),
        },
    ]


def dataset(request):
    """schema.org Dataset for the catalogue as a whole (home and browse pages)."""
    from .models import Case, SourceDocument

    changed = (
        Case.objects.published()
        .order_by("-content_changed_at")
        .values_list("content_changed_at", flat=True)
        .first()
    )
    data = {
        "@context": SCHEMA_ORG,
        "@type": "Dataset",
        "name": SITE_NAME,
        "description": SITE_DESCRIPTION,
        "url": absolute(request, reverse("cases:home")),
        "inLanguage": "ja",
        "isAccessibleForFree": True,
        "license": license_url(request),
        "creator": {"@type": "Organization", "name": SITE_NAME},
        "spatialCoverage": {"@type": "Country", "name": "日本"},
        "isBasedOn": [
            {
                "@type": "Report",
                "name": source.title,
                "author": {"@type": "Organization", "name": source.issuer},
                **({"url": source.url} if source.url else {}),
            }
            for source in SourceDocument.objects.order_by("year", "key")
        ],
        "distribution": distributions(request),
    }
    if changed:
        data["dateModified"] = changed.isoformat()
    return data


def _rows(case, name):
    """A relation's rows, without a query when the detail page already knows it has none."""
    return getattr(case, name).all() if getattr(case, f"has_{name}", True) else []


def case_article(case, request):
    """schema.org Article for a case page: its sources, municipalities and themes.

    The case must have its citations, places and themes loaded (the detail page's prefetch).
    """
    page = absolute(request, case.get_absolute_url())
    sources = {}
    for citation in _rows(case, "citations"):
        sources.setdefault(citation.source_id, citation.source)
    data = {
        "@context": SCHEMA_ORG,
        "@type": "Article",
        "@id": page,
        "url": page,
        "headline": case.title[:110],
        "name": case.title,
        "description": case.summary,
        "inLanguage": "ja",
        "license": license_url(request),
        "isPartOf": {
            "@type": "Dataset",
            "name": SITE_NAME,
            "url": absolute(request, reverse("cases:home")),
        },
        "publisher": {"@type": "Organization", "name": SITE_NAME},
        "citation": [
            {
                "@type": "Report",
                "name": source.title,
                "author": {"@type": "Organization", "name": source.issuer},
                "datePublished": (
                    source.published_on.isoformat() if source.published_on else str(source.year)
                ),
                **({"url": source.url} if source.url else {}),
            }
            for source in sorted(sources.values(), key=lambda s: (s.year, s.key))
        ],
        "spatialCoverage": [
            {
                "@type": "AdministrativeArea",
                "name": str(place.municipality),
                "identifier": place.municipality.lg_code,
                **(
                    {
                        "geo": {
                            "@type": "GeoCoordinates",
                            "latitude": place.municipality.latitude,
                            "longitude": place.municipality.longitude,
                        }
                    }
                    if place.municipality.latitude is not None
                    and place.municipality.longitude is not None
                    else {}
                ),
            }
            for place in _rows(case, "places")
            if place.municipality_id
        ],
        "about": [
            {"@type": "DefinedTerm", "name": theme.name, "termCode": theme.key}
            for theme in case.themes.all()
        ],
    }
    if case.content_changed_at:
        data["dateModified"] = case.content_changed_at.isoformat()
    return data


def dcat_catalog(request):
    """A DCAT (DCAT-AP / DCAT-JP vocabulary) description of the catalogue, for data portals."""
    schema = dataset(request)
    home = schema["url"]
    media_types = {
        "text/csv": "https://www.iana.org/assignments/media-types/text/csv",
        "application/json": "https://www.iana.org/assignments/media-types/application/json",
        "application/atom+xml": (
            "https://www.iana.org/assignments/media-types/application/atom+xml"
        ),
    }
    dataset_node = {
        "@id": f"{home}#dataset",
        "@type": "dcat:Dataset",
        "dct:title": {"@value": SITE_NAME, "@language": "ja"},
        "dct:description": {"@value": SITE_DESCRIPTION, "@language": "ja"},
        "dct:language": {"@id": "http://id.loc.gov/vocabulary/iso639-1/ja"},
        "dct:license": {"@id": schema["license"]},
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": SITE_NAME},
        "dct:spatial": {"@type": "dct:Location", "skos:prefLabel": "日本"},
        "dcat:landingPage": {"@id": home},
        "dct:source": [
            {"@type": "dct:BibliographicResource", "dct:title": report["name"]}
            for report in schema["isBasedOn"]
        ],
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dct:title": {"@value": item["name"], "@language": "ja"},
                "dcat:accessURL": {"@id": item["contentUrl"]},
                "dcat:downloadURL": {"@id": item["contentUrl"]},
                "dcat:mediaType": {"@id": media_types[item["encodingFormat"]]},
                "dct:license": {"@id": schema["license"]},
            }
            for item in schema["distribution"]
        ],
    }
    if "dateModified" in schema:
        dataset_node["dct:modified"] = {
            "@value": schema["dateModified"],
            "@type": "xsd:dateTime",
        }
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": f"{home}#catalog",
        "@type": "dcat:Catalog",
        "dct:title": {"@value": SITE_NAME, "@language": "ja"},
        "dct:description": {"@value": SITE_DESCRIPTION, "@language": "ja"},
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": SITE_NAME},
        "dct:license": {"@id": schema["license"]},
        "foaf:homepage": {"@id": home},
        "dcat:dataset": [dataset_node],
    }
