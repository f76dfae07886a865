"""The 一覧 | 地図 | 集計 switch, and the head an htmx response carries for the document's.

The oracle for each link is the query string the test itself sent, parsed: every filter, the
search, the distance and the sort go along; page and view do not (the map link adds view=map).
"""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tests.cases.test_metadata import HeadParser

pytestmark = pytest.mark.django_db

BROWSE = reverse("cases:case_list")
OVERVIEW = reverse("cases:case_overview")
SELECTIONS = [
    "",
    "theme=transport-redesign&org=municipality",
    "type=commons&type=local_firm&region=kanto&q=交通&sort=title",
    "region=chubu&near=202096&km=50",
    "q=地域&page=2",
]
# What each view is asked with: its page and its own parameters, which the links leave behind.
VIEWS = {
    "list": (BROWSE, ""),
    "map": (BROWSE, "view=map"),
    "overview": (OVERVIEW, "row1=region&col1=type&figures=population"),
}
LEFT_BEHIND = {"page", "view", "format", "row1", "col1", "row2", "col2", "figures", "fsort"}


class SwitchParser(HTMLParser):
    """The links of each <nav aria-label="表示の切り替え">, with their attributes."""

    def __init__(self):
        super().__init__()
        self.navs, self._depth = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            if attrs.get("aria-label") == "表示の切り替え":
                self.navs.append({"attrs": attrs, "links": []})
                self._depth = 1
            elif self._depth:
                self._depth += 1
        elif tag == "a" and self._depth:
            self.navs[-1]["links"].append(attrs)

    def handle_endtag(self, tag):
        if tag == "nav" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        links = self.navs[-1]["links"] if self._depth and self.navs else []
        if links and data.strip():
            links[-1]["text"] = links[-1].get("text", "") + data.strip()


def switch(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    parser = SwitchParser()
    parser.feed(response.content.decode())
    assert len(parser.navs) == 1, f"one switch on {url}"
    return parser.navs[0]


def join(*parts):
    return "&".join(part for part in parts if part)


@pytest.mark.parametrize("selection", SELECTIONS)
@pytest.mark.parametrize("current", VIEWS)
def test_each_link_keeps_the_selection_and_the_current_view_is_marked(client, selection, current):
    path, own = VIEWS[current]
    nav = switch(client, f"{path}?{join(selection, own)}")
    sent = {k: v for k, v in parse_qs(selection).items() if k not in LEFT_BEHIND}
    links = {link["text"]: link for link in nav["links"]}
    assert list(links) == ["一覧", "地図", "集計"]
    expected = {
        "一覧": (BROWSE, sent),
        "地図": (BROWSE, {**sent, "view": ["map"]}),
        "集計": (OVERVIEW, sent),
    }
    for label, (expected_path, expected_query) in expected.items():
        url = urlsplit(links[label]["href"])
        assert url.path == expected_path, label
        assert parse_qs(url.query) == expected_query, label
    marked = [label for label, link in links.items() if link.get("aria-current") == "page"]
    assert marked == [{"list": "一覧", "map": "地図", "overview": "集計"}[current]]


def test_list_and_map_swap_with_htmx_and_the_overview_is_another_page(client):
    for nav in (switch(client, BROWSE), switch(client, BROWSE, HX_Request="true")):
        assert nav["attrs"]["hx-boost"] == "true"
        assert nav["attrs"]["hx-target"] == "#browse"
        overview = [link for link in nav["links"] if link["text"] == "集計"]
        assert overview[0]["hx-boost"] == "false"
        # htmx gives the focus back to the element with the same id after the swap.
        assert [link["id"] for link in nav["links"]] == [
            "view-switch-list",
            "view-switch-map",
            "view-switch-overview",
        ]
    on_overview = switch(client, OVERVIEW)
    assert "hx-boost" not in on_overview["attrs"]
    assert all("hx-boost" not in link for link in on_overview["links"])


def head_of(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    body = response.content.decode()
    head = body[body.index("<head") : body.index("</head>")]
    parser = HeadParser()
    parser.feed(head)
    title = head[head.index("<title>") + 7 : head.index("</title>")]
    return head, parser, title


@pytest.mark.parametrize(
    "query", ["", "theme=transport-redesign&region=chubu", "q=交通&view=map&sort=title&page=2"]
)
def test_the_htmx_fragment_carries_the_head_of_the_page_at_its_url(client, query):
    url = f"{BROWSE}?{query}"
    page_head, page, page_title = head_of(client, url)
    fragment_head, fragment, fragment_title = head_of(client, url, HX_Request="true")
    assert fragment_head.startswith('<head hx-head="merge">')
    assert fragment_title == page_title
    assert fragment.meta == page.meta
    assert fragment.links == page.links
    assert fragment.json_ld == page.json_ld
    (canonical,) = fragment.rel("canonical")
    assert canonical["href"] == page.meta["og:url"]
    # The head of the page as served, element by element: what head-support merges keeps the
    # elements both share (same markup) and swaps the others.
    assert lines(fragment_head)[1:] == lines(page_head)[1:]


def lines(head):
    return [line.strip() for line in head.splitlines() if line.strip()]
