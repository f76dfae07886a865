"""The loader keeps the index true when shared records change: municipalities, theme and
source keys.

Each test edits a copy of the files `load_catalogue` reads (the fixtures, or the japancode
reference data behind the municipalities), reloads, and compares what the public pages answer
with what the edited files say, read here with PyYAML and json, not through the loader.
"""

import io
import json
import shutil
from importlib import resources
from types import SimpleNamespace

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from cases.fixtures import reference
from cases.models import SourceDocument, Theme
from tests import oracles

pytestmark = pytest.mark.django_db


def load(directory):
    out = io.StringIO()
    call_command("load_catalogue", "--fixtures", str(directory), stdout=out)
    return out.getvalue()


def export(directory):
    call_command("export_catalogue", "--fixtures", str(directory), stdout=io.StringIO())


def published_cases(directory):
    cases = {}
    for path in sorted((directory / "cases").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        if record.get("status") == "published":
            cases[record["slug"]] = record
    return cases


def replace_in_files(paths, old, new):
    for path in paths:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(old, new), encoding="utf-8")


def search(client, query):
    return set(oracles.browse_all(client, [("q", query)])[1])


# Municipalities (japancode reference data, bulk-updated without signals) ---------------------

ATSUMA = "015814"  # 厚真町, 北海道: where ミーツ works


@pytest.fixture
def reference_copy(tmp_path, monkeypatch):
    """The japancode data as load_reference_data reads it, in files a test may edit."""
    data = tmp_path / "japancode" / "data"
    data.mkdir(parents=True)
    original = resources.files("japancode") / "data"
    for name in ("prefectures.json", "municipalities.json"):
        (data / name).write_text((original / name).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(reference, "resources", SimpleNamespace(files=lambda _: data.parent))
    return data


def edit_municipality(data, lg_code, **changes):
    path = data / "municipalities.json"
    municipalities = json.loads(path.read_text(encoding="utf-8"))
    (entry,) = [m for m in municipalities if m["lgcode"].zfill(6) == lg_code]
    entry.update(changes)
    path.write_text(json.dumps(municipalities, ensure_ascii=False), encoding="utf-8")


def cases_placed_in(directory, lg_code):
    return {
        slug
        for slug, record in published_cases(directory).items()
        if any(str(place.get("lg_code") or "") == lg_code for place in record.get("places") or [])
    }


def expected_prefecture_codes(record, moved_code, new_prefecture):
    """The `pref` values of a case file, with the municipality moved_code in new_prefecture."""
    codes = set()
    for place in record.get("places") or []:
        if place.get("prefecture"):
            codes.add(oracles.PREFECTURES[place["prefecture"]][0])
        elif str(place.get("lg_code") or "") == moved_code:
            codes.add(oracles.PREFECTURES[new_prefecture][0])
        elif place.get("lg_code"):
            codes.add(str(place["lg_code"])[:2])
    return codes


def test_renaming_a_municipality_in_the_reference_data_reaches_search_and_its_page(
    client, fixtures_copy, reference_copy
):
    edit_municipality(reference_copy, ATSUMA, city="目印町オオワシ")
    load(fixtures_copy)
    expected = cases_placed_in(fixtures_copy, ATSUMA)
    assert "meets" in expected
    assert search(client, "目印町オオワシ") == expected
    assert search(client, "北海道目印町オオワシ") == expected  # as the site names it
    page = client.get(reverse("cases:place_detail", args=[ATSUMA]))
    assert page.status_code == 200
    assert "目印町オオワシ" in page.content.decode()


def test_moving_a_municipality_to_another_prefecture_moves_its_cases(
    client, fixtures_copy, reference_copy
):
    edit_municipality(reference_copy, ATSUMA, pref="青森県", pid="2")
    load(fixtures_copy)
    cases = published_cases(fixtures_copy)
    memberships = {
        slug: expected_prefecture_codes(record, ATSUMA, "青森県") for slug, record in cases.items()
    }
    expected_aomori = {slug for slug, codes in memberships.items() if "02" in codes}
    assert cases_placed_in(fixtures_copy, ATSUMA) <= expected_aomori
    assert set(oracles.browse_all(client, [("pref", "02")])[1]) == expected_aomori
    expected_hokkaido = {slug for slug, codes in memberships.items() if "01" in codes}
    assert set(oracles.browse_all(client, [("pref", "01")])[1]) == expected_hokkaido
    assert search(client, "青森県厚真町") == cases_placed_in(fixtures_copy, ATSUMA)
    assert "青森県" in client.get(reverse("cases:place_detail", args=[ATSUMA])).content.decode()


def test_a_moved_municipality_leaves_the_files_as_they_were(
    fixtures_copy, reference_copy, tmp_path
):
    """The move is the reference data's: the case files, which name the place by its code,
    export unchanged."""
    edit_municipality(reference_copy, ATSUMA, pref="青森県", pid="2")
    load(fixtures_copy)
    exported = tmp_path / "exported"
    shutil.copytree(fixtures_copy, exported)
    export(exported)
    for path in sorted((fixtures_copy / "cases").glob("*.yaml")):
        assert (exported / "cases" / path.name).read_text(encoding="utf-8") == path.read_text(
            encoding="utf-8"
        ), path.name


# Theme and source keys, renamed in the files -------------------------------------------------


def test_renaming_a_theme_key_in_the_files(client, fixtures_copy, tmp_path):
    files = [fixtures_copy / "themes.yaml", *sorted((fixtures_copy / "cases").glob("*.yaml"))]
    replace_in_files(files[:1], "- key: mutual-aid\n", "- key: kyojo\n")
    replace_in_files(files[1:], "\n- mutual-aid\n", "\n- kyojo\n")
    load(fixtures_copy)

    expected = {
        slug
        for slug, record in published_cases(fixtures_copy).items()
        if "kyojo" in (record.get("themes") or [])
    }
    assert expected
    first, slugs = oracles.browse_all(client, [("theme", "kyojo")])
    assert set(slugs) == expected
    assert first.counts["theme"]["kyojo"] == len(expected)
    assert "mutual-aid" not in oracles.browse(client).counts["theme"]
    assert_round_trip(fixtures_copy, tmp_path)


def test_renaming_a_source_key_in_the_files(client, fixtures_copy, tmp_path):
    files = [
        fixtures_copy / "sources.yaml",
        fixtures_copy / "common_factors.yaml",
        *sorted((fixtures_copy / "cases").glob("*.yaml")),
    ]
    # A new key in the same place of the key order, as the exporter writes the file.
    title = "デジタルとリアルが融合した地域生活圏の形成について"
    on_home = Client().get(reverse("cases:home")).content.decode().count(title)
    replace_in_files(files[:1], "- key: 2022-slides\n", "- key: 2022-mlit-slides\n")
    replace_in_files(files[1:], "source: 2022-slides\n", "source: 2022-mlit-slides\n")
    load(fixtures_copy)

    expected = {
        slug
        for slug, record in published_cases(fixtures_copy).items()
        if any(row["source"] == "2022-mlit-slides" for row in record.get("citations") or [])
    }
    assert expected
    first, slugs = oracles.browse_all(client, [("source", "2022-mlit-slides")])
    assert set(slugs) == expected
    assert "2022-slides" not in first.counts["source"]
    home = client.get(reverse("cases:home")).content.decode()
    assert home.count(title) == on_home  # listed once, not twice
    assert_round_trip(fixtures_copy, tmp_path)


def assert_round_trip(directory, tmp_path):
    """What was loaded exports as the files that were loaded, byte for byte."""
    exported = tmp_path / "exported"
    exported.mkdir()
    export(exported)
    for path in sorted(directory.rglob("*.yaml")):
        copy = exported / path.relative_to(directory)
        assert copy.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), path.name


def test_a_theme_taken_out_of_the_files_but_used_by_a_case_without_a_file_stops_the_load(
    fixtures_copy,
):
    record = yaml.safe_load((fixtures_copy / "cases" / "meets.yaml").read_text(encoding="utf-8"))
    theme = record["themes"][0]
    (fixtures_copy / "cases" / "meets.yaml").unlink()  # the case stays, without a file
    themes = fixtures_copy / "themes.yaml"
    records = yaml.safe_load(themes.read_text(encoding="utf-8"))
    users = {
        slug
        for slug, case in published_cases(fixtures_copy).items()
        if theme in (case.get("themes") or [])
    }
    for slug in users:  # the other cases no longer use it
        path = fixtures_copy / "cases" / f"{slug}.yaml"
        replace_in_files([path], f"\n- {theme}\n", "\n")
    themes.write_text(
        yaml.safe_dump(
            [r for r in records if r["key"] != theme], allow_unicode=True, sort_keys=False
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as error:
        load(fixtures_copy)
    assert f"key {theme!r}" in str(error.value)
    assert "meets" in str(error.value)
    assert Theme.objects.filter(key=theme).exists()  # nothing was loaded


def test_a_source_no_case_cites_any_more_leaves_with_its_record(fixtures_copy):
    sources = fixtures_copy / "sources.yaml"
    records = yaml.safe_load(sources.read_text(encoding="utf-8"))
    extra = {**records[0], "key": "zz-unused-document"}
    sources.write_text(
        yaml.safe_dump([*records, extra], allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    load(fixtures_copy)
    assert SourceDocument.objects.filter(key="zz-unused-document").exists()
    sources.write_text(
        yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    output = load(fixtures_copy)
    assert not SourceDocument.objects.filter(key="zz-unused-document").exists()
    assert "sources: 0 created, 0 updated, 5 unchanged, 1 deleted" in output
