"""The fixture pipeline: load, export, round trip, and broken fixtures."""

import io
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from cases.fixtures import dump_yaml
from cases.fixtures.files import Quoted
from cases.models import Case, Municipality, Organization, Prefecture

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.CATALOGUE_FIXTURES_DIR)


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("cases").get_models()
    }


def write_case(path, record):
    """Write a case as the exporter would: LG codes quoted (the loader rejects them bare)."""
    for place in record.get("places", []):
        if isinstance(place.get("lg_code"), str):
            place["lg_code"] = Quoted(place["lg_code"])
    path.write_text(dump_yaml(record), encoding="utf-8")


def load(directory=FIXTURES, *args):
    out = io.StringIO()
    call_command("load_catalogue", "--fixtures", str(directory), *args, stdout=out)
    return out.getvalue()


def test_reference_data_is_loaded_from_japancode():
    assert Prefecture.objects.count() == 47
    assert Municipality.objects.count() > 1700
    atsuma = Municipality.objects.get(lg_code="015814")
    assert (atsuma.name, atsuma.prefecture.name, atsuma.prefecture.region) == (
        "厚真町",
        "北海道",
        "hokkaido",
    )
    assert Prefecture.objects.get(name="沖縄県").region == "kyushu"


def test_loading_twice_changes_nothing():
    before = row_counts()
    output = load()
    assert row_counts() == before
    assert " 0 created, 0 updated" in output
    assert "cases: 0 created, 0 updated" in output


def test_export_after_load_reproduces_the_files_byte_for_byte(tmp_path):
    target = tmp_path / "exported"
    call_command("export_catalogue", "--fixtures", str(target), stdout=io.StringIO())
    for name in ("sources.yaml", "themes.yaml", "organizations.yaml"):
        assert (target / name).read_bytes() == (FIXTURES / name).read_bytes(), name
    exported = sorted(p.name for p in (target / "cases").glob("*.yaml"))
    committed = sorted(p.name for p in (FIXTURES / "cases").glob("*.yaml"))
    assert exported == committed
    for name in committed:
        assert (target / "cases" / name).read_bytes() == (FIXTURES / "cases" / name).read_bytes(), (
            name
        )


def test_an_edit_in_the_database_is_exported(fixtures_copy):
    case = Case.objects.get(slug="meets")
    case.summary = "編集後の要約。"
    case.save()
    call_command("export_catalogue", "--fixtures", str(fixtures_copy), stdout=io.StringIO())
    record = yaml.safe_load((fixtures_copy / "cases" / "meets.yaml").read_text(encoding="utf-8"))
    assert record["summary"] == "編集後の要約。"


def test_an_edited_file_is_loaded(fixtures_copy):
    path = fixtures_copy / "cases" / "meets.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["title"] = "ミーツ（改題）"
    write_case(path, record)
    output = load(fixtures_copy)
    assert "cases: 0 created, 1 updated" in output
    assert Case.objects.get(slug="meets").title == "ミーツ（改題）"


def break_case(directory, slug, mutate):
    path = directory / "cases" / f"{slug}.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(record)
    write_case(path, record)
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda r: r["places"].append(
                {"kind": "municipality", "name": "架空町", "lg_code": "999999"}
            ),
            "no municipality has the LG code 999999",
        ),
        (
            lambda r: r["actors"].append(
                {
                    "organization": "存在しない組織",
                    "role": "operator",
                    "source": "2025-report",
                    "section": "4.(1)①(i)",
                }
            ),
            "unknown organisation '存在しない組織'",
        ),
        (lambda r: r.update(type_2025="not-a-type"), "type_2025"),
        (
            lambda r: r["citations"].append({"source": "no-such-source", "section": "1"}),
            "unknown source 'no-such-source'",
        ),
        (
            lambda r: r["actors"][0].update(section="4.(1)①(ix)"),
            "unknown section '4.(1)①(ix)' of source '2025-report'",
        ),
        (
            # A section of another document: the 2018 sheets number theirs 1(1).
            lambda r: r["citations"][0].update(section="1(1)"),
            "unknown section '1(1)' of source '2025-report'",
        ),
        (
            # The text rows used to type, note and all, is no longer a section's key.
            lambda r: r["citations"][0].update(section="4.(1)①(i) 参考事例①"),
            "unknown section '4.(1)①(i) 参考事例①'",
        ),
        (
            lambda r: r["milestones"].append(
                {"year": 1200, "label": "古すぎる", "source": "2025-report", "section": "4.(1)①(i)"}
            ),
            "1800",
        ),
        (
            lambda r: r["figures"].append(
                {
                    "kind": "other",
                    "label": "日付なし",
                    "as_printed": "3人",
                    "source": "2025-report",
                    "section": "4.(1)①(i)",
                }
            ),
            "時点の記載なし",
        ),
        (lambda r: r.update(colour="red"), "unknown field(s): colour"),
        (
            lambda r: r["figures"][0].update(value=383.0),
            "value must be the number as printed, quoted",
        ),
        (
            lambda r: r["figures"][0].update(text_only=True),
            "「表記のみ」の数値には数値を入れないでください",
        ),
        (lambda r: r.update(reference_of="no-such-case"), "case 'no-such-case' does not exist"),
        (
            lambda r: r.update(reference_of="sundred"),
            "参考事例の表記（例: 参考事例①）も入れてください",
        ),
        (lambda r: r.update(themes=[{"key": "x"}]), "'themes' must be a list of keys"),
        (lambda r: r.update(related="meets"), "'related' must be a list of keys"),
        (
            lambda r: r["places"].append(
                {"kind": "municipality", "name": "八進数", "lg_code": 12025}
            ),
            "lg_code must be quoted",
        ),
    ],
    ids=[
        "lg-code",
        "organisation",
        "choice",
        "source",
        "section",
        "section-of-another-document",
        "section-with-its-note",
        "year",
        "undated",
        "unknown-field",
        "float-value",
        "text-only-with-value",
        "reference-of-unknown",
        "reference-without-label",
        "themes-not-keys",
        "related-not-a-list",
        "octal",
    ],
)
def test_a_broken_case_names_file_and_record_and_changes_nothing(fixtures_copy, mutate, message):
    # Change a case that loads before the broken one, so a partial load would show.
    break_case(fixtures_copy, "asahi-town-toyama", lambda r: r.update(title="途中まで読み込まれた"))
    path = break_case(fixtures_copy, "meets", mutate)
    before = row_counts()
    with pytest.raises(CommandError) as error:
        load(fixtures_copy)
    assert str(path) in str(error.value)
    assert "case 'meets'" in str(error.value)
    assert message in str(error.value)
    assert row_counts() == before
    assert Case.objects.get(slug="asahi-town-toyama").title != "途中まで読み込まれた"


def test_invalid_yaml_is_reported_with_the_file(fixtures_copy):
    path = fixtures_copy / "organizations.yaml"
    path.write_text("- name: [unclosed\n", encoding="utf-8")
    before = row_counts()
    with pytest.raises(CommandError, match=r"organizations\.yaml: file: not valid YAML"):
        load(fixtures_copy)
    assert row_counts() == before


def test_duplicate_organisation_spelling_is_rejected(fixtures_copy):
    path = fixtures_copy / "organizations.yaml"
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    records.append({"name": "ミーツ　(株)", "slug": "meets-dup", "kind": "company"})
    path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        load(fixtures_copy)
    assert "organizations.yaml" in str(error.value)
    assert "'ミーツ\\u3000(株)'" in str(error.value)
    assert "the same organisation as record" in str(error.value)
    assert "'ミーツ株式会社'" in str(error.value)
    assert not Organization.objects.filter(slug="meets-dup").exists()


def test_a_second_record_with_the_same_name_is_an_error_naming_both(fixtures_copy):
    # Before: the second record silently overwrote the first ("1 updated"): its kind and its
    # slug, so the organisation's old URL answered 404.
    path = fixtures_copy / "organizations.yaml"
    records = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = next(i for i, r in enumerate(records) if r["name"] == "AiCTコンソーシアム")
    records.append({"name": "AiCTコンソーシアム", "slug": "aict-again", "kind": "company"})
    path.write_text(dump_yaml(records), encoding="utf-8")
    before = {
        (o.name, o.slug, o.kind) for o in Organization.objects.filter(name="AiCTコンソーシアム")
    }
    rows = row_counts()
    with pytest.raises(CommandError) as error:
        load(fixtures_copy)
    message = str(error.value)
    assert str(path) in message
    assert f"record {len(records)} (name 'AiCTコンソーシアム')" in message
    assert f"record {first + 1} (name 'AiCTコンソーシアム')" in message
    assert row_counts() == rows
    after = {
        (o.name, o.slug, o.kind) for o in Organization.objects.filter(name="AiCTコンソーシアム")
    }
    assert after == before


def test_an_unquoted_lg_code_is_rejected_naming_file_and_record(fixtures_copy):
    path = fixtures_copy / "cases" / "aizuwakamatsu-city.yaml"
    text = path.read_text(encoding="utf-8")
    assert "lg_code: '072028'" in text  # the exporter quotes every code
    path.write_text(text.replace("lg_code: '072028'", "lg_code: 072028"), encoding="utf-8")
    rows = row_counts()
    with pytest.raises(CommandError) as error:
        load(fixtures_copy)
    assert f"{path}: case 'aizuwakamatsu-city', places[0] ('会津若松市')" in str(error.value)
    assert "lg_code must be quoted" in str(error.value)
    assert row_counts() == rows


def test_every_lg_code_in_the_fixtures_is_quoted():
    for path in sorted((FIXTURES / "cases").glob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("lg_code:"):
                assert line.split(":", 1)[1].strip().startswith("'"), (path.name, line)


def test_prune_removes_cases_without_a_file(fixtures_copy):
    (fixtures_copy / "cases" / "meets.yaml").unlink()
    # Related links to the removed case would no longer resolve.
    for path in (fixtures_copy / "cases").glob("*.yaml"):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "meets" in record.get("related", []):
            record["related"].remove("meets")
            write_case(path, record)
    output = load(fixtures_copy)
    assert "not in the fixtures: meets" in output
    assert Case.objects.filter(slug="meets").exists()
    load(fixtures_copy, "--prune")
    assert not Case.objects.filter(slug="meets").exists()
