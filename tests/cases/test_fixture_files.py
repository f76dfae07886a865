"""The fixture files' YAML: whatever text the database stores is written so it reads back."""

import io

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.fixtures.files import dump_yaml, parse_yaml
from cases.models import KeyFigure
from cases.text import normalize_line_breaks


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_any_stored_text_reads_back_as_written(text):
    stored = normalize_line_breaks(text)  # what saving a model keeps (cases/signals.py)
    assert parse_yaml(dump_yaml({"label": stored}))["label"] == stored


@pytest.mark.parametrize("line_break", ["\r\n", "\r", "\x85", "\u2028", "\u2029"])
def test_line_breaks_are_stored_as_newlines(line_break):
    assert normalize_line_breaks(f"一行目{line_break}二行目") == "一行目\n二行目"


@pytest.mark.django_db
def test_export_refuses_text_that_would_not_read_back(tmp_path):
    # QuerySet.update() skips save(), and so the line-break rule: PyYAML writes NEL so that it
    # reads back as a space. The exporter says so rather than write a file that loses it.
    KeyFigure.objects.filter(case__slug="meets").update(label="人口\x85（試験）")
    with pytest.raises(CommandError) as error:
        call_command("export_catalogue", "--fixtures", str(tmp_path), stdout=io.StringIO())
    assert f"{tmp_path / 'cases' / 'meets.yaml'}: case 'meets'" in str(error.value)
    assert "would not read back" in str(error.value)
