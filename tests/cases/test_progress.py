"""Progress bars on the long commands: on a terminal only, and never with --no-progress."""

import io

import pytest
from django.core.management import call_command

from cases.models import Case


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a person's shell would."""

    def isatty(self):
        return True


def run(command, *args, stderr):
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=stderr)
    return out.getvalue(), stderr.getvalue()


@pytest.mark.django_db
def test_reindex_draws_a_bar_on_a_terminal_only():
    total = Case.objects.count()
    out_tty, bar = run("reindex", "--batch-size", "10", stderr=Terminal())
    assert f"{total}/{total}" in bar  # the bar, finished
    assert "case" in bar

    out_pipe, err = run("reindex", "--batch-size", "10", stderr=io.StringIO())
    assert err == ""
    assert out_pipe == out_tty == f"Reindexed {total} cases.\n"

    _, err = run("reindex", "--no-progress", stderr=Terminal())
    assert err == ""


@pytest.mark.django_db
def test_reindex_is_quiet_at_verbosity_zero_even_on_a_terminal():
    err = Terminal()
    call_command("reindex", verbosity=0, stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""


@pytest.mark.django_db
def test_load_catalogue_draws_a_bar_over_the_case_files_on_a_terminal_only(settings):
    files = len(list((settings.CATALOGUE_FIXTURES_DIR / "cases").glob("*.yaml")))
    out_tty, bar = run("load_catalogue", stderr=Terminal())
    assert "cases: 100%" in bar
    assert f"{files}/{files}" in bar

    out_pipe, err = run("load_catalogue", stderr=io.StringIO())
    assert err == ""
    assert out_pipe == out_tty  # the report itself is the same either way

    _, err = run("load_catalogue", "--no-progress", stderr=Terminal())
    assert err == ""


@pytest.mark.django_db
def test_export_catalogue_draws_a_bar_over_the_cases_on_a_terminal_only(tmp_path):
    total = Case.objects.count()
    _, bar = run("export_catalogue", "--fixtures", str(tmp_path / "a"), stderr=Terminal())
    assert f"{total}/{total}" in bar

    _, err = run("export_catalogue", "--fixtures", str(tmp_path / "b"), stderr=io.StringIO())
    assert err == ""

    _, err = run(
        "export_catalogue", "--fixtures", str(tmp_path / "c"), "--no-progress", stderr=Terminal()
    )
    assert err == ""
