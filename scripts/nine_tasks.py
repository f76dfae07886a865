"""Walk through the nine everyday tasks of issue 13 in Chromium, as a user would, and time them.

    DEBUG=1 .venv/bin/python manage.py runserver 127.0.0.1:8000 &   # the curated catalogue
    .venv/bin/python scripts/nine_tasks.py [--base http://127.0.0.1:8000] [--width 1280]

Each task starts from the home page and goes through the pages and controls a person would use
(facet checkboxes, the search and autocomplete boxes, links and buttons), never a typed URL
beyond the home page. It prints, per task, the wall time the machine took, the number of
actions (clicks, ticks, typed words) and page loads (full loads and htmx swaps), and what was
found; screenshots go to test-artifacts/nine-tasks/. The wall time is the site's and the
browser's share of the task only: a person also reads and decides, which this cannot time.
Each task checks its answer against the page's own JSON for the same selection, so a broken
step fails loudly instead of being timed.
"""

import argparse
import json
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

SHOTS = Path("test-artifacts/nine-tasks")


class Task:
    """One task's page and its tally; made after the home page has loaded, which is not counted."""

    def __init__(self, page):
        self.page = page
        self.actions = 0
        self.loads = 0
        page.on("framenavigated", self._navigated)
        page.on("requestfinished", self._request)

    def _navigated(self, frame):
        if frame == self.page.main_frame:
            self.loads += 1

    def _request(self, request):
        if request.headers.get("hx-request") == "true":
            self.loads += 1

    def act(self):
        self.actions += 1

    def settle(self):
        """Wait until htmx has swapped in the answer of the last action."""
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_selector(".htmx-request", state="detached")

    def open_filters(self):
        """On a phone the filters sit in a drawer behind 「絞り込み」."""
        toggle = self.page.locator("button.filter-toggle")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
            self.act()

    def show_results(self):
        """On a phone, close the drawer with its 「N件を表示」 button."""
        button = self.page.locator("button.show-results")
        if button.is_visible():
            button.click()
            self.act()

    def open_facet(self, param):
        self.open_filters()
        group = self.page.locator(f"#facet-{param}")
        if group.get_attribute("open") is None:
            group.locator("summary").first.click()
            self.act()

    def tick(self, param, value):
        self.open_facet(param)
        self.page.locator(f"input[name={param}][value='{value}']").first.check()
        self.act()
        self.settle()

    def browse(self):
        """From the home page to the list of cases, by the header's link."""
        self.page.get_by_role("link", name="事例を探す").first.click()
        self.act()
        self.settle()

    def open_ina_city(self):
        """Search for 伊那市 and open its case page."""
        box = self.page.get_by_role("searchbox").first
        box.fill("伊那市")
        self.act()
        box.press("Enter")
        self.settle()
        self.page.get_by_role("link", name="長野県伊那市").first.click()
        self.act()
        self.page.wait_for_load_state()

    def browse_json(self):
        """The JSON of the selection the page shows (its own URL), to check the answer."""
        url = self.page.url + ("&" if "?" in self.page.url else "?") + "format=json"
        with urllib.request.urlopen(url) as response:  # noqa: S310 (a local server)
            return json.load(response)


class TaskFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise TaskFailed(message)


def task_transport_chubu(task):
    page = task.page
    task.browse()
    task.tick("theme", "transport-redesign")
    task.tick("region", "chubu")
    found = task.browse_json()["count"]
    task.show_results()
    page.locator("#first-result").click()
    task.act()
    page.wait_for_load_state()
    page.locator("details.figure-cite summary").first.click()
    task.act()
    line = page.locator("details.figure-cite[open] .cite-line").first.inner_text()
    check(line, "no citation line for the figure")
    return f"{found}件; 引用: {line}"


def task_small_towns(task):
    task.browse()
    task.tick("pop", "lt10k")
    data = task.browse_json()
    unknown = next(o for o in data["facets"]["pop"] if o["value"] == "unknown")
    return f"1万人未満 {data['count']}件（人口の記載なし {unknown['count']}件は別の選択肢）"


def task_compare(task):
    page = task.page
    task.open_ina_city()
    page.get_by_role("link", name="他の事例と比べる").click()
    task.act()
    page.wait_for_load_state()
    page.locator("#compare-q").fill("塩尻市")
    task.act()
    page.locator("#compare-q").press("Enter")
    page.wait_for_load_state()
    page.locator(".compare-add a").first.click()
    task.act()
    page.wait_for_load_state()
    headings = page.locator("table thead th a, table thead th").all_inner_texts()
    for name in ("伊那市", "塩尻市"):
        check(any(name in heading for heading in headings), f"{name} not among {headings}")
    return "伊那市と塩尻市を並べた比較表"


def task_kddi(task):
    page = task.page
    task.browse()
    task.open_facet("organization")
    box = page.locator("#organization-name")
    box.fill("KDDI")
    task.act()
    box.press("Enter")
    task.settle()
    data = task.browse_json()
    return f"{data['count']}件: " + "、".join(item["title"][:20] for item in data["results"])


def task_innovation_csv(task):
    page = task.page
    task.browse()
    task.tick("type", "industrial_innovation")
    task.show_results()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV（Excel向け）").click()
        task.act()
    saved = SHOTS / download.value.suggested_filename
    download.value.save_as(saved)
    rows = saved.read_text(encoding="utf-8-sig").count("\n") - 1
    return f"{download.value.suggested_filename}（{rows}行）"


def task_near_nagano(task):
    page = task.page
    task.browse()
    task.open_filters()
    near = page.locator("#near")
    near.fill("長野市")
    task.act()
    page.locator("#km").select_option("100")
    task.act()
    near.press("Enter")
    task.settle()
    data = task.browse_json()
    return f"長野市から100km以内 {data['count']}件"


def task_counts(task):
    page = task.page
    task.browse()
    page.get_by_role("link", name="集計").first.click()
    task.act()
    page.wait_for_load_state()
    charts = page.locator("h2, h3").all_inner_texts()
    wanted = ("類型", "テーマ", "都道府県")
    for word in wanted:
        check(any(word in heading for heading in charts), f"no chart of {word} among {charts}")
    return "類型・テーマ・都道府県ごとの件数を一つのページで"


def task_english(task):
    html = task.page.content()
    return "英語版なし（未対応）" if 'hreflang="en"' not in html else "英語版あり"


def task_print(task):
    page = task.page
    task.open_ina_city()
    page.emulate_media(media="print")
    pdf = SHOTS / "ina-city.pdf"
    page.pdf(path=str(pdf), format="A4")
    task.act()
    page.emulate_media(media="screen")
    return f"A4 PDF {pdf.stat().st_size // 1024} KB"


TASKS = (
    ("中部の地域交通の事例を探して数値を引用する", task_transport_chubu),
    ("人口1万人未満の市町村の事例", task_small_towns),
    ("伊那市と塩尻市を比べる", task_compare),
    ("KDDIが関わる事例", task_kddi),
    ("産業イノベーション創出型のCSV", task_innovation_csv),
    ("長野県（長野市）の近くの事例", task_near_nagano),
    ("類型・テーマ・都道府県ごとの件数", task_counts),
    ("英語で読む", task_english),
    ("事例ページを印刷する", task_print),
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = 900 if args.width > 600 else 800
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        rows = []
        for number, (name, run) in enumerate(TASKS, 1):
            context = browser.new_context(
                viewport={"width": args.width, "height": height}, accept_downloads=True
            )
            page = context.new_page()
            page.goto(args.base + "/")
            task = Task(page)
            started = time.perf_counter()
            try:
                found = run(task)
            except Exception as error:  # report the task, go on to the next
                found = f"FAILED: {type(error).__name__}: {str(error)[:160]}"
            elapsed = time.perf_counter() - started
            page.screenshot(path=str(SHOTS / f"task{number}-{args.width}.png"))
            rows.append((number, name, elapsed, task.actions, task.loads, found))
            context.close()
        browser.close()
    print(f"width {args.width} px, {args.base}")
    print("| # | task | machine time | actions | page loads | result |")
    print("|---|---|---|---|---|---|")
    for number, name, elapsed, actions, loads, found in rows:
        print(f"| {number} | {name} | {elapsed:.1f} s | {actions} | {loads} | {found} |")


if __name__ == "__main__":
    main()
