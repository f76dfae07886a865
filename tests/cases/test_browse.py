"""The browse query string, parsed once into a BrowseQuery."""

from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from cases.browse import MAX_QUERY_LENGTH, BrowseQuery, parse_page

LABELS = {"theme": [("transport-redesign", "交通")], "pref": [("13", "東京都")], "source": []}


def parse(query_string):
    return BrowseQuery.parse(QueryDict(query_string), LABELS)


def test_known_values_are_kept_once_in_order_and_unknown_ones_set_aside():
    browse = parse("type=local_firm&type=zzz&type=commons&type=local_firm&theme=transport-redesign")
    assert browse.selected["type"] == ["local_firm", "commons"]
    assert browse.selected["theme"] == ["transport-redesign"]
    assert browse.ignored == {"type": ["zzz"]}
    assert "zzz という値はないため" in browse.notices(1)[0]


def test_a_notice_quotes_the_first_five_unknown_values_cut_to_thirty_characters():
    # A visitor can send any number of values of any length; the notice stays one short line.
    long_value = "x" * 29 + "yz"  # 31 characters: the "z" is cut
    browse = parse(f"type={long_value}&type=b&type=c&type=d&type=e&type=f")
    assert browse.notices(1) == [
        f"「類型（2025年報告書）」に {'x' * 29}y、b、c、d、e という値はないため、無視しました。"
    ]


def test_a_plain_browse_url_has_page_one_and_no_notices():
    browse = parse("")
    assert browse.page == 1
    assert browse.notices(1) == []


def test_known_sort_and_format_are_not_reported():
    browse = parse("sort=-population&format=csv")
    assert (browse.sort, browse.format) == ("-population", "csv")
    assert (browse.ignored_sort, browse.ignored_format) == ("", "")
    assert browse.notices(1) == []


def test_search_is_normalised_and_cut_with_a_notice():
    assert parse("q=ＫＡＢＵＬＥＴ").query == "kabulet"
    browse = parse("q=" + "あ" * (MAX_QUERY_LENGTH + 5))
    assert browse.query == "あ" * MAX_QUERY_LENGTH
    assert browse.query_truncated
    assert browse.notices(1) == ["キーワードが長すぎるため、先頭の100文字で検索しました。"]
    exactly = parse("q=" + "あ" * MAX_QUERY_LENGTH)
    assert (exactly.query, exactly.query_truncated) == ("あ" * 100, False)
    assert exactly.notices(1) == []


def test_sort_defaults_to_relevance_with_a_search_and_title_without():
    assert parse("").sort_key == "title"
    assert parse("q=交通").sort_key == "relevance"
    assert parse("q=交通&sort=-population").sort_key == "-population"
    unknown = parse("sort=drop table")
    assert unknown.sort_key == "title"
    assert unknown.notices(1) == ["並び順 drop table はないため、既定の順で表示しています。"]


def test_format():
    assert parse("format=json").format == "json"
    assert parse("format=csv").format == "csv"
    for citation_format in ("bibtex", "ris", "csljson"):
        browse = parse(f"format={citation_format}")
        assert browse.format == citation_format
        assert browse.notices(1) == []
    for unknown in ("xml", "bib", "BibTeX", "endnote"):
        browse = parse(f"format={unknown}")
        assert browse.format == ""
        assert browse.notices(1) == [
            f"形式 {unknown} には対応していないため、ページとして表示しています。"
        ]


def test_description_says_the_selection_in_facet_order():
    assert parse("").description(LABELS) == ""
    assert parse("type=zzz&sort=title&page=2").description(LABELS) == ""
    browse = parse("region=chubu&theme=transport-redesign")
    # Facets in the page's order, whatever the query's; labels as the facet lists show them.
    assert browse.description(LABELS) == "テーマ: 交通 × 地方: 中部"
    assert (
        parse("region=chubu&region=kyushu&q=ドローン").description(LABELS)
        == "地方: 中部 または 九州・沖縄 × キーワード: ドローン"
    )


def test_selection_notices_leave_out_sort_format_and_page():
    browse = parse("type=zzz&sort=nope&format=xml&page=abc")
    assert browse.selection_notices() == [
        "「類型（2025年報告書）」に zzz という値はないため、無視しました。"
    ]
    assert len(browse.notices(1)) == 4


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
    # A page number past any real one is quoted by its first twelve characters.
    assert parse("page=1234567890123456").notices(3) == [
        "123456789012 ページはないため、3 ページを表示しています。"
    ]


def test_an_empty_or_missing_page_number_means_the_first_page():
    assert parse_page("") == 1
    assert parse_page(None) == 1
    assert parse_page("x") is None


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
