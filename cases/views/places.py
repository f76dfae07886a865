"""Municipality pages (/places/), their map data and the municipality autocomplete.

A municipality page exists for every municipality a published case names; the others answer
404. The autocomplete covers all 1,916 municipalities: the `near` filter may start anywhere.
"""

import re
import unicodedata

from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View
from django.views.generic import DetailView, TemplateView

from ..geo import (
    NEAR_DEFAULT_KM,
    cases_near,
    current_geography,
    geojson_text,
)
from ..models import Case, KeyFigure, Municipality, Place, Prefecture
from ..text import strip_control_characters

LG_CODE = re.compile(r"^[0-9]{6}$")
NEARBY_LIMIT = 10
AUTOCOMPLETE_LIMIT = 20
# Prefix matches ranked in Python: more than any one- or two-character reading has (い: ~100).
AUTOCOMPLETE_CANDIDATES = 300
AUTOCOMPLETE_MAX_LENGTH = 20  # longer than any municipality's name or reading
# Katakana to hiragana: japancode gives readings in hiragana (いなし); a visitor may type イナ.
KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def reading_form(text):
    """Fold a query for matching readings: NFKC (ｲﾅ -> イナ), then katakana -> hiragana."""
    return unicodedata.normalize("NFKC", text).translate(KATAKANA_TO_HIRAGANA)


def published_places(municipality):
    return Place.objects.filter(municipality=municipality, case__status=Case.Status.PUBLISHED)


class PlaceDetailView(DetailView):
    """A municipality: its names, the populations the documents state, its cases, nearby ones."""

    template_name = "cases/place_detail.html"
    context_object_name = "municipality"

    def get_object(self, queryset=None):
        code = self.kwargs["lg_code"]
        if not LG_CODE.match(code):
            raise Http404("全国地方公共団体コードは6桁の数字です。")
        try:
            municipality = Municipality.objects.select_related("prefecture").get(lg_code=code)
        except Municipality.DoesNotExist:
            raise Http404("この全国地方公共団体コードの市区町村はありません。") from None
        if not published_places(municipality).exists():
            raise Http404("この市区町村の事例はまだありません。")
        return municipality

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        municipality = self.object
        cases = list(
            Case.objects.published()
            .filter(places__municipality=municipality)
            .distinct()
            .order_by("title")
        )
        here = {case.pk for case in cases}
        geography = current_geography()
        nearby = sorted(
            (
                (km, geography.cases[case_id][1], case_id)
                for case_id, km in cases_near(
                    municipality.lg_code, NEAR_DEFAULT_KM, geography
                ).items()
                if case_id not in here
            ),
        )[:NEARBY_LIMIT]
        context.update(
            cases=cases,
            populations=KeyFigure.objects.filter(
                kind=KeyFigure.Kind.POPULATION,
                place__municipality=municipality,
                case__status=Case.Status.PUBLISHED,
            )
            .select_related("source", "section", "case")
            .order_by("-as_of_year", "case__title"),
            nearby=[
                {
                    "slug": geography.cases[case_id][0],
                    "title": title,
                    "km": km,
                }
                for km, title, case_id in nearby
            ],
            near_km=NEAR_DEFAULT_KM,
            near_url=reverse("cases:case_list")
            + "?"
            + urlencode({"near": municipality.lg_code, "km": NEAR_DEFAULT_KM}),
            geojson_url=reverse("cases:place_geojson", args=[municipality.lg_code]),
            pref_query=urlencode({"pref": municipality.prefecture.code}),
            map_center=(
                f"{municipality.latitude},{municipality.longitude}"
                if municipality.latitude is not None and municipality.longitude is not None
                else ""
            ),
        )
        return context


class PlaceGeoJSONView(PlaceDetailView):
    """The place page's small map: this municipality's cases and those within NEAR_DEFAULT_KM."""

    def get(self, request, *args, **kwargs):
        municipality = self.get_object()
        geography = current_geography()
        near = cases_near(municipality.lg_code, NEAR_DEFAULT_KM, geography)
        ids = sorted(near, key=lambda case_id: (near[case_id], geography.cases[case_id][1]))
        return HttpResponse(geojson_text(ids, geography), content_type="application/geo+json")


class PlaceListView(TemplateView):
    """Every municipality with a published case, by prefecture."""

    template_name = "cases/place_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        geography = current_geography()
        by_prefecture = {}
        towns = sorted(geography.towns.values(), key=lambda town: town.lg_code)
        for town in towns:
            by_prefecture.setdefault(town.lg_code[:2], []).append(
                {"town": town, "count": len(geography.town_cases[town.id])}
            )
        names = dict(Prefecture.objects.values_list("code", "name"))
        context["prefectures"] = [
            {"code": code, "name": names.get(code, code), "towns": items}
            for code, items in sorted(by_prefecture.items())
        ]
        context["town_count"] = len(towns)
        return context


class MunicipalityAutocompleteView(View):
    """JSON for the municipality picker: ?q= matches a name (伊那) or its reading (いな, イナ)."""

    def get(self, request):
        raw = request.GET.get("q", "")
        # Control characters match no name, and PostgreSQL refuses NUL in a query parameter.
        query = strip_control_characters(unicodedata.normalize("NFKC", raw)).strip()
        query = query[:AUTOCOMPLETE_MAX_LENGTH]
        if not query:
            return JsonResponse(
                {"results": [], "message": "市区町村名かよみを入力してください。"},
                json_dumps_params={"ensure_ascii": False},
            )
        reading = reading_form(query)
        towns = Municipality.objects.select_related("prefecture").order_by("lg_code")
        # Names and readings that begin with the query first, the shortest reading first (いな:
        # 伊那市 いなし before 稲沢市 いなざわし), then names that merely contain it (那: 伊那市).
        prefixed = towns.filter(Q(name__startswith=query) | Q(kana__startswith=reading))
        found = sorted(
            prefixed[:AUTOCOMPLETE_CANDIDATES],
            key=lambda town: (town.name != query, len(town.kana), town.lg_code),
        )[:AUTOCOMPLETE_LIMIT]
        if len(found) < AUTOCOMPLETE_LIMIT:
            found += towns.filter(name__contains=query).exclude(pk__in=[t.pk for t in found])[
                : AUTOCOMPLETE_LIMIT - len(found)
            ]
        results = [
            {
                "lg_code": town.lg_code,
                "name": town.name,
                "kana": town.kana,
                "prefecture": town.prefecture.name,
                "label": f"{town.prefecture.name}{town.name}",
            }
            for town in found
        ]
        return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})
