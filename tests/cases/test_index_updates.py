"""An index brought up to date change by change equals one built afresh, and builds read one
snapshot of the database."""

import threading

import pytest
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.facets.index import (
    FacetIndex,
    current_index,
    kept_positions,
    move_bits,
    renumbered,
)
from cases.models import Case, CatalogueVersion, IndexChange, SourceDocument, Theme
from tests.factories import CaseFactory, CitationFactory, PlaceFactory, SourceDocumentFactory

pytestmark = pytest.mark.django_db

SEARCHES = ["交通", "地域", "試験", "まちづくり", "索引 更新"]


def assert_same(updated, fresh, *, applied=True):
    for name in (
        "ids",
        "slugs",
        "titles",
        "search_titles",
        "populations",
        "latest_years",
        "changed_at",
    ):
        assert getattr(updated, name) == getattr(fresh, name), name
    assert updated.bits == fresh.bits
    assert updated.orders == fresh.orders
    # Each position's organisations (small selections count from them), as sets: a case's
    # values are in no particular order.
    assert {
        facet: [set(values) for values in lists] for facet, lists in updated.members.items()
    } == {facet: [set(values) for values in lists] for facet, lists in fresh.members.items()}
    assert fresh.members  # the 関係主体 facet keeps them
    assert {facet: sorted(pairs) for facet, pairs in updated.by_facet.items()} == {
        facet: sorted(pairs) for facet, pairs in fresh.by_facet.items()
    }
    assert updated.version == fresh.version
    # The searches an applied index kept answer as a fresh search would; a rebuild starts empty.
    assert set(updated.searches) == (set(SEARCHES) if applied else set())
    for query in updated.searches:
        assert updated.searches[query] == fresh.search_mask(query), query


@pytest.fixture
def warm():
    """The index as a running process has it, with searches in its cache."""
    index = current_index()
    # Only these searches: the process's index may hold those of tests that ran before.
    index.searches.clear()
    for query in SEARCHES:
        index.search_mask(query)
    return index


def new_case(title, **fields):
    """A case with a place, a citation and a theme, all of records that exist already: a new
    theme or source document is a change beyond cases, which rebuilds the index."""
    case = CaseFactory(title=title, **fields)
    PlaceFactory(case=case)
    CitationFactory(case=case, source=SourceDocument.objects.order_by("-year").first())
    case.themes.add(Theme.objects.order_by("-position").first())
    case.refresh_index()
    return case


def test_insert_is_applied_not_rebuilt(warm):
    case = new_case("索引の更新を試す事例 交通")
    updated = current_index()
    assert updated is not warm
    assert updated.applied_from == warm.version  # applied to a copy, not rebuilt
    assert case.pk in updated.ids
    assert_same(updated, FacetIndex.build())


def test_edit_that_moves_a_case(warm):
    case = Case.objects.published().order_by("title").first()
    case.title = "んんん最後に並ぶ題名（交通）"
    case.save()
    case.refresh_index()
    updated = current_index()
    assert updated.applied_from == warm.version
    assert updated.ids.index(case.pk) > warm.ids.index(case.pk) == 0
    assert_same(updated, FacetIndex.build())


def test_unpublish_and_delete(warm):
    first, second = Case.objects.published().order_by("?")[:2]
    first.status = Case.Status.DRAFT
    first.save()
    second.delete()
    updated = current_index()
    assert updated.applied_from == warm.version
    assert first.pk not in updated.ids
    assert second.pk not in updated.ids
    assert_same(updated, FacetIndex.build())


def test_publishing_a_draft(warm):
    draft = new_case("下書きから公開する事例", status=Case.Status.DRAFT)
    assert draft.pk not in current_index().ids
    draft.status = Case.Status.PUBLISHED
    draft.save()
    assert_same(current_index(), FacetIndex.build())


def test_a_change_beyond_cases_rebuilds(warm):
    theme = Theme.objects.first()
    theme.short_name = "改称したテーマ"
    theme.save()
    rebuilt = current_index()
    assert rebuilt.applied_from == ""
    assert ("theme", theme.key) in [(p, v) for p in ["theme"] for v, _ in rebuilt.labels[p]]
    assert dict(rebuilt.labels["theme"])[theme.key] == "改称したテーマ"


def test_too_many_changes_rebuild(warm, monkeypatch):
    monkeypatch.setattr("cases.facets.index.MAX_APPLIED_CASES", 1)
    cases = list(Case.objects.published()[:2])
    CatalogueVersion.bump(case_ids=[case.pk for case in cases])
    rebuilt = current_index()
    assert rebuilt.applied_from == ""
    assert_same(rebuilt, FacetIndex.build(), applied=False)


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "retitle", "unpublish", "publish", "delete"]),
        st.integers(min_value=0, max_value=10_000),
        st.sampled_from(["あ", "交通の", "ん", "Ａ", "地域", "zz"]),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=EDITS)
def test_any_edits_leave_the_index_as_a_fresh_build(edits):
    index = current_index()
    index.searches.clear()
    for query in SEARCHES:
        index.search_mask(query)
    for action, pick, word in edits:
        cases = list(Case.objects.order_by("pk"))
        case = cases[pick % len(cases)]
        if action == "insert":
            new_case(f"{word}試験の事例{pick}")
        elif action == "retitle":
            case.title = f"{word}{case.title}"[:200]
            case.save()
            case.refresh_index()
        elif action == "unpublish":
            case.status = Case.Status.DRAFT
            case.save()
        elif action == "publish":
            case.status = Case.Status.PUBLISHED
            case.save()
        else:
            case.delete()
    updated = current_index()
    assert updated.applied_from == index.version  # applied, not rebuilt
    assert_same(updated, FacetIndex.build())


@given(
    size=st.integers(min_value=0, max_value=40),
    data=st.data(),
)
def test_moving_bits_keeps_each_kept_bit_at_its_new_position(size, data):
    bits = data.draw(st.integers(min_value=0, max_value=(1 << size) - 1))
    removed = sorted(data.draw(st.sets(st.integers(0, max(size - 1, 0)), max_size=size)))
    removed = [at for at in removed if at < size]
    new_size = size - len(removed) + data.draw(st.integers(0, 5))
    inserted = sorted(data.draw(st.sets(st.integers(0, max(new_size - 1, 0)), max_size=new_size)))[
        : new_size - (size - len(removed))
    ]
    new_size = size - len(removed) + len(inserted)
    new_position = kept_positions(new_size, removed, inserted)
    moved = move_bits(bits, removed=removed, inserted=inserted)
    expected = 0
    for at in range(size):
        if bits >> at & 1 and at not in removed:
            expected |= 1 << new_position[at]
    assert moved == expected
    assert all(not moved >> at & 1 for at in inserted)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer: no read sees half a write"
)
def test_builds_read_one_snapshot_while_a_case_toggles():
    """A case published and unpublished while builds run never makes one fail (was KeyError).

    The toggling and the builds run in threads, each with its own connection, on the committed
    catalogue (the test's own transaction would hide their work from each other).
    """
    case_id = Case.objects.published().order_by("pk").values_list("pk", flat=True).first()
    stop = threading.Event()
    toggles = []
    errors = []

    def toggle():
        try:
            status = Case.Status.DRAFT
            while not stop.is_set():
                Case.objects.filter(pk=case_id).update(status=status)
                toggles.append(status)
                status = Case.Status.PUBLISHED if status == Case.Status.DRAFT else Case.Status.DRAFT
        finally:
            Case.objects.filter(pk=case_id).update(status=Case.Status.PUBLISHED)
            connections.close_all()

    def build():
        try:
            for _ in range(150):
                FacetIndex.build()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    toggler = threading.Thread(target=toggle)
    builder = threading.Thread(target=build)
    toggler.start()
    builder.start()
    builder.join()
    stop.set()
    toggler.join()
    assert len(toggles) > 10  # the case did change while the builds ran
    assert errors == []


def test_the_change_log_stays_bounded(warm, monkeypatch):
    monkeypatch.setattr("cases.models.IndexChange.KEPT", 3)
    cases = list(Case.objects.published().order_by("pk")[:4])
    for case in cases:
        CatalogueVersion.bump(case_ids=[case.pk])
    # The fourth row went over the bound: one row says everything changed, and the index
    # rebuilds rather than miss a change it can no longer read.
    assert list(IndexChange.objects.values_list("case_pk", flat=True)) == [None]
    rebuilt = current_index()
    assert rebuilt.applied_from == ""
    assert_same(rebuilt, FacetIndex.build(), applied=False)


class RolledBack(Exception):
    pass


def retitle_then_roll_back(case):
    with transaction.atomic():
        case.title = "取り消される題名"
        case.save()
        assert current_index().titles[current_index().ids.index(case.pk)] == "取り消される題名"
        raise RolledBack


def test_changes_seen_inside_a_rolled_back_transaction_do_not_linger(warm):
    """The process read a change that was then rolled back; the changes after it (which on
    SQLite may even take the same ids) must not be applied on top of that change."""
    first, second, third = Case.objects.published().order_by("pk")[:3]
    with pytest.raises(RolledBack):
        retitle_then_roll_back(first)
    for case in (second, third):
        case.title = f"{case.title}（改）"
        case.save()
    updated = current_index()
    assert "取り消される題名" not in updated.titles
    assert_same(updated, FacetIndex.build(), applied=False)


def test_publishing_the_only_case_citing_a_document_makes_it_an_option(warm):
    source = SourceDocumentFactory(key="zz-new-document", short_title="新しい資料")
    draft = CaseFactory(title="新しい資料だけが述べる事例", status=Case.Status.DRAFT)
    CitationFactory(case=draft, source=source)
    draft.refresh_index()
    assert "zz-new-document" not in dict(current_index().labels["source"])
    draft.status = Case.Status.PUBLISHED
    draft.save()
    updated = current_index()
    assert updated.applied_from  # one case changed: applied, yet the options follow
    assert dict(updated.labels["source"])["zz-new-document"] == "新しい資料"


def test_cases_sharing_a_title_are_applied_in_the_builds_order(warm):
    """Ties of title go by id, as a build orders them: new cases titled like a published one
    come after it, and after one another by id, applied together."""
    first = Case.objects.published().order_by("title", "pk").first()
    Case.objects.filter(pk=first.pk).update(title="同名の事例")
    CatalogueVersion.bump(case_ids=[first.pk])
    before = current_index()  # the renamed case in place: the new ones must find it
    for _ in range(3):
        new_case("同名の事例")
    new_case("同名の事例の次")
    updated = current_index()
    assert updated.applied_from == before.version  # applied, not rebuilt
    assert_same(updated, FacetIndex.build())


def test_a_case_retitled_like_a_later_one_goes_before_it(warm):
    """A changed case whose title ties an unchanged one with a higher id goes before it."""
    published = list(Case.objects.published().order_by("pk"))
    low, high = published[0], published[-1]
    low.title = high.title
    low.save()
    low.refresh_index()
    updated = current_index()
    assert updated.applied_from == warm.version
    assert_same(updated, FacetIndex.build())
    assert updated.ids.index(low.pk) + 1 == updated.ids.index(high.pk)


def test_a_value_no_case_had_is_applied_to_the_new_case_only(warm):
    """A new case bringing a facet value no published case had (a decade, here) has that
    value's bit alone; no other case gains it."""
    decades = {value for (facet, value) in warm.bits if facet == "started"}
    year = next(y for y in range(1950, 2030, 10) if f"{y}s" not in decades)
    case = new_case("新しい年代の事例", start_year=year)
    updated = current_index()
    assert updated.applied_from == warm.version
    assert_same(updated, FacetIndex.build())
    assert updated.bits[("started", f"{year}s")] == 1 << updated.ids.index(case.pk)


@given(
    order=st.permutations(list(range(7))),
    removed=st.lists(st.integers(0, 6), unique=True, max_size=3),
)
def test_renumbered_equals_a_plain_mapping(order, removed):
    """renumbered() (itemgetter, then the removed taken out) as the plain comprehension does it,
    down to orders of no and one position."""
    new_position, next_free = [], 0
    for old in range(7):
        if old in removed:
            new_position.append(-1)
        else:
            new_position.append(next_free)
            next_free += 1
    for part in (order, order[:1], []):
        expected = [new_position[old] for old in part if new_position[old] >= 0]
        assert renumbered(part, new_position) == expected
