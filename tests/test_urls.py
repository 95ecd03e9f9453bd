"""One canonical form per article URL."""

from __future__ import annotations

import pytest

from monitor.urls import canonical_url, host_allowed, is_tracking_param

SAME = [
    ("https://www.example.fr/a/b.html", "HTTPS://WWW.Example.FR:443/a/b.html#comments"),
    ("https://www.example.fr/a/b.html", "https://www.example.fr/a/b.html?utm_source=rss&utm_medium=feed"),
    ("https://www.example.fr/a/b.html", "https://www.example.fr/a/b.html?xtor=RSS-3&at_medium=RSS_feeds"),
    ("https://www.example.fr/a/b.html", "https://www.example.fr/a/b.html?fbclid=IwAR0&gclid=abc&mc_eid=1"),
    ("https://www.example.fr/a/b.html", "https://www.example.fr/a/b.amp.html"),
    ("https://www.example.fr/a/b.html", "https://m.example.fr/a/b.html"),
    ("https://www.example.fr/a/b.html", "https://amp.example.fr/a/b.html?amp=1"),
    ("https://www.example.fr/a/b.html", "https://www-example-fr.cdn.ampproject.org/c/s/www.example.fr/a/b.html"),
    ("https://www.example.com/2024/03/story/", "https://www.example.com/2024/03/story/amp/"),
    ("https://www.example.com/2024/03/story", "https://www.example.com/amp/2024/03/story"),
    ("https://www.example.com/a?outputType=xml", "https://www.example.com/a?outputType=xml"),
    ("https://www.example.com/a", "https://www.example.com/a?outputType=amp"),
    ("https://www.example.com/p?a=1&id=5", "https://www.example.com/p?id=5&a=1&utm_campaign=x"),
    ("http://127.0.0.1:8000/news/x", "http://127.0.0.1:8000/news/x?utm_source=y#top"),
    ("https://www.bbc.co.uk/news/technology-52978191", "https://www.bbc.co.uk/news/technology-52978191.amp"),
    ("https://www.example.com/2020/06/10/x.html", "https://mobile.example.com/2020/06/10/x.html?smid=tw-share"),
    ("https://news.example.com/a/x.html", "https://news.example.com/a/x.html?ncid=rss&guccounter=1"),
    # feeds' own campaign parameters: The New York Times' (emc=rss), Reuters' (feedType, feedName)
    ("https://www.example.com/2020/06/10/x.html", "https://www.example.com/2020/06/10/x.html?partner=rss&emc=rss"),
    ("https://www.example.com/article/x-idUS1", "https://www.example.com/article/x-idUS1?feedType=RSS&feedName=tech"),
    # "action" may address a CMS's page (index.php?action=view&id=5): kept; the page type and WebTrends' go
    (
        "https://www.example.com/x.html?action=click",
        "https://www.example.com/x.html?action=click&pgtype=Home&WT.mc_id=a",
    ),
]


@pytest.mark.parametrize(("expected", "url"), SAME)
def test_canonical_form(expected: str, url: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(canonical_url(url)) == canonical_url(url)


def test_meaningful_parameters_and_ports_are_kept() -> None:
    assert canonical_url("http://example.org:8080/a?id=12&page=2") == "http://example.org:8080/a?id=12&page=2"
    assert canonical_url("https://www.example.org/search?q=reconnaissance+faciale") == (
        "https://www.example.org/search?q=reconnaissance+faciale"
    )


def test_tracking_parameters() -> None:
    assert all(is_tracking_param(p) for p in ("utm_source", "UTM_Medium", "fbclid", "gclid", "xtor", "at_medium"))
    assert not any(is_tracking_param(p) for p in ("id", "page", "q", "article", "year"))


def test_host_allowed_includes_subdomains_only() -> None:
    assert host_allowed("https://www.lemonde.fr/a", ["lemonde.fr"])
    assert host_allowed("https://img.lemonde.fr/a", ["lemonde.fr"])
    assert not host_allowed("https://notlemonde.fr/a", ["lemonde.fr"])
    assert not host_allowed("https://lemonde.fr.evil.org/a", ["lemonde.fr"])
