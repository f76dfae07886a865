"""Load mix for `make loadtest`: browse, facets, search and detail pages, as visitors use them."""

import random

from locust import FastHttpUser, between, task

FACET_QUERIES = [
    "?type=commons",
    "?theme=transport-redesign&region=chubu",
    "?org=municipality&funding=subsidy",
    "?pop=lt10k&theme=mutual-aid&scope=domestic",
    "?source=2022-slides&infra=digital_platform",
]
SEARCHES = ["交通", "医療", "森林", "エネルギー", "地域交通", "共助"]


class Visitor(FastHttpUser):
    wait_time = between(0.1, 0.5)

    def on_start(self):
        page = random.randint(1, 50)  # noqa: S311 (load mix, not cryptography)
        response = self.client.get(f"/cases/?format=json&page={page}", name="/cases/?format=json")
        self.slugs = [item["slug"] for item in response.json()["results"]] or ["meets"]

    @task(3)
    def browse(self):
        self.client.get("/cases/", name="/cases/")

    @task(4)
    def browse_facets(self):
        self.client.get(f"/cases/{random.choice(FACET_QUERIES)}", name="/cases/?<facets>")  # noqa: S311

    @task(3)
    def search(self):
        word = random.choice(SEARCHES)  # noqa: S311
        self.client.get(f"/cases/?q={word}", name="/cases/?q=<word>")

    @task(4)
    def detail(self):
        self.client.get(f"/cases/{random.choice(self.slugs)}/", name="/cases/<slug>/")  # noqa: S311
