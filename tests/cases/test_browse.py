"""The browse query string, parsed once into a BrowseQuery."""

from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from cases.browse import MAX_QUERY_LENGTH, BrowseQuery

LABELS = {"theme": [("transport-redesign", "交通")], "pref": [("13", "東京都")], "source": []}


def parse(query_string):
    return BrowseQuery.parse(QueryDict(query_string), LABELS)


def test_known_values_are_kept_once_in_order_and_unknown_ones_set_aside():
    browse = parse("type=local_firm&type=zzz&type=commons&type=local_firm&theme=transport-redesign")
    assert browse.selected["type"] == ["local_firm", "commons"]
    assert browse.selected["theme"] == ["transport-redesign"]
    assert browse.ignored == {"type": ["zzz"]}
    assert "zzz という値はないため" in browse.notices(1)[0]


def test_search_is_normalised_and_cut_with_a_notice():
    assert parse("q=ＫＡＢＵＬＥＴ").query == "kabulet"
    browse = parse("q=" + "あ" * (MAX_QUERY_LENGTH + 5))
    assert browse.query == "あ" * MAX_QUERY_LENGTH
    assert browse.query_truncated
    assert any(f"先頭の{MAX_QUERY_LENGTH}文字" in notice for notice in browse.notices(1))


def test_sort_defaults_to_relevance_with_a_search_and_title_without():
    assert parse("").sort_key == "title"
    assert parse("q=交通").sort_key == "relevance"
    assert parse("q=交通&sort=-population").sort_key == "-population"
    unknown = parse("sort=drop table")
    assert unknown.sort_key == "title"
    assert any("drop table" in notice for notice in unknown.notices(1))


def test_format():
    assert parse("format=json").format == "json"
    assert parse("format=csv").format == "csv"
    xml = parse("format=xml")
    assert xml.format == ""
    assert any("xml" in notice for notice in xml.notices(1))


def test_page_numbers():
    assert parse("").page_to_show == 1
    assert parse("page=3").page_to_show == 3
    assert parse("page=-3").page_to_show == 1
    assert parse("page=abc").page is None
    assert parse("page=abc").notices(1) == [
        "ページ番号が数字ではないため、最初のページを表示しています。"
    ]
    assert parse("page=9").notices(2) == ["9 ページはないため、2 ページを表示しています。"]
    assert parse("page=2").notices(2) == []


def test_canonical_query_string_drops_page_format_and_unknown_values():
    browse = parse(
        "q=交通&page=2&format=json&type=zzz&sort=title&theme=transport-redesign&type=commons"
    )
    assert browse.querydict().urlencode() == (
        "type=commons&theme=transport-redesign&q=%E4%BA%A4%E9%80%9A&sort=title"
    )
    assert browse.querydict(remove=("type", "commons")).urlencode() == (
        "theme=transport-redesign&q=%E4%BA%A4%E9%80%9A&sort=title"
    )
    assert browse.querydict(remove=("q", "交通")).urlencode() == (
        "type=commons&theme=transport-redesign&sort=title"
    )


@given(st.lists(st.tuples(st.text(max_size=10), st.text(max_size=30)), max_size=8))
def test_parsing_the_canonical_query_string_again_changes_nothing(pairs):
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    browse = BrowseQuery.parse(data, LABELS)
    again = BrowseQuery.parse(browse.querydict(), LABELS)
    assert again.selected == browse.selected
    assert again.query == browse.query
    assert again.sort_key == browse.sort_key
    assert again.ignored == {}
