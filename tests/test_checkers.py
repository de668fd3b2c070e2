"""The checkers catch real mistakes: a page with a missing alt text, a
duplicate id and a dead link makes each checker fail with a message that
names the page and the problem; broken feeds and sitemaps are caught too."""

from __future__ import annotations

import base64
import functools
import http.server
import re
import threading
import time
from pathlib import Path

import pytest

import checkers
from conftest import article

BROKEN = """
<img src="../assets/favicon.svg">
<p id="dup">first</p><p id="dup">second</p>
<a href="no-such-page.html">a dead link</a>
<a href="index.html#no-such-id">a dead fragment</a>
"""


@pytest.fixture
def broken_site(site_dir) -> Path:
    """A small built site plus health/broken.html: a real page with mistakes."""
    site_dir.write("articles/health/knee-pain.md", article("Knee pain", body="Rest, then move gently.\n"))
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    good = site_dir.read("health/knee-pain.html")
    body = re.search(r'<div class="article-body"[^>]*>', good)
    assert body, "the article page has no article body"
    (site_dir.out / "health" / "broken.html").write_text(
        good[:body.end()] + BROKEN + good[body.end():], encoding="utf-8")
    return site_dir.out


def only(problems: list[str], page: str) -> list[str]:
    return [p for p in problems if p.startswith(page)]


def test_the_nu_checker_names_the_page_line_and_each_mistake(broken_site):
    problems = checkers.run_vnu(checkers.html_pages(broken_site), broken_site)
    assert problems and all(p.startswith("health/broken.html:") for p in problems), problems
    text = "\n".join(problems)
    assert "must have an “alt” attribute" in text
    assert "Duplicate ID “dup”" in text
    source = (broken_site / "health" / "broken.html").read_text().splitlines()
    alt, dup = (int(p.split(":")[1]) for p in problems)
    assert "<img" in source[alt - 1] and 'id="dup"' in source[dup - 1]


def test_the_nu_checker_names_a_css_mistake(broken_site):
    (broken_site / "assets" / "broken.css").write_text("a {\n  colr: red;\n}\n")
    problems = checkers.run_vnu(checkers.stylesheets(broken_site), broken_site)
    assert problems == ["assets/broken.css:2: CSS: “colr”: Property “colr” doesn't exist."]


def test_the_link_crawl_names_the_page_and_each_dead_target(broken_site):
    problems = checkers.check_links(broken_site)
    assert problems == only(problems, "health/broken.html:"), problems
    text = "\n".join(problems)
    assert "link to 'no-such-page.html' is dead: health/no-such-page.html does not exist" in text
    assert "link to 'index.html#no-such-id' is dead: health/index.html has no id 'no-such-id'" in text
    assert "duplicate id 'dup'" in text


def test_the_link_crawl_rejects_folder_and_root_relative_links(site_dir):
    site_dir.out.mkdir(parents=True)
    (site_dir.out / "health").mkdir()
    (site_dir.out / "health" / "index.html").write_text("<p id=top>x</p>")
    (site_dir.out / "page.html").write_text(
        '<a href="health/">folder</a><a href="/health/index.html">root</a>'
        '<a href="../outside.html">out</a><a href="health/index.html?x=1#top">ok</a>'
        '<a href="https://example.org/x.html">external</a><a href="#top">own page, no such id</a>')
    text = "\n".join(checkers.check_links(site_dir.out))
    assert "page.html:1: link to 'health/' names a folder" in text
    assert "page.html:1: link to '/health/index.html' is root-relative" in text
    assert "page.html:1: link to '../outside.html' points outside the site folder" in text
    assert "page.html:1: link to '#top' is dead: page.html has no id 'top'" in text
    assert "health/index.html?x=1#top" not in text and "example.org" not in text


def test_axe_names_the_missing_alt_text(broken_site, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto((broken_site / "health" / "broken.html").as_uri())
        problems = checkers.run_axe(page)
        page.goto((broken_site / "health" / "knee-pain.html").as_uri())
        clean = checkers.run_axe(page)
    finally:
        context.close()
    assert any(p.startswith("image-alt") and "img" in p for p in problems), problems
    assert clean == []


def test_browser_errors_catch_console_errors_and_failed_requests(tmp_path, browser):
    page_file = tmp_path / "page.html"
    page_file.write_text('<!DOCTYPE html><title>x</title><img src="missing.png" alt="">'
                         "<script>console.error('boom'); undefinedFunction();</script>")
    context = browser.new_context()
    try:
        page = context.new_page()
        errors = checkers.BrowserErrors(page)
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
    finally:
        context.close()
    text = "\n".join(errors.problems)
    assert "console error" in text and "boom" in text
    assert "uncaught exception" in text and "undefinedFunction" in text
    assert "missing.png" in text


def test_browser_errors_count_a_cancelled_request_only_when_it_never_loaded(tmp_path, browser):
    """Going to another page cancels the last one's slow image (net::ERR_ABORTED): a
    problem while that image has never loaded, none once it has."""
    icon = '<link rel="icon" href="data:,">'  # no /favicon.ico asked of the server (a 404 it has no file for)
    (tmp_path / "one.html").write_text(f'<!DOCTYPE html><title>1</title>{icon}<img src="slow.png" alt="">')
    (tmp_path / "two.html").write_text(f'<!DOCTYPE html><title>2</title>{icon}<p>two</p>')
    (tmp_path / "three.html").write_text(f'<!DOCTYPE html><title>3</title>{icon}<img src="slow.png" alt="">')
    (tmp_path / "slow.png").write_bytes(base64.b64decode(  # one transparent pixel
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="))
    first = threading.Event()

    class Slow(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/slow.png" and not first.is_set():
                first.set()
                time.sleep(3)  # the first time only: the test has gone on by then
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Slow, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    context = browser.new_context()
    try:
        page = context.new_page()
        errors = checkers.BrowserErrors(page)
        page.goto(base + "one.html", wait_until="domcontentloaded")
        first.wait(10)
        page.goto(base + "two.html")
        assert [p for p in errors.problems if "slow.png" in p and "ERR_ABORTED" in p], errors.problems
        page.goto(base + "three.html", wait_until="load")
        assert errors.problems == []
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_a_missing_chromium_fails_saying_how_to_install_it(monkeypatch):
    monkeypatch.setattr(checkers, "CHROMIUM", Path("/nonexistent/chromium"))
    with pytest.raises(checkers.ToolMissing, match="apt-get install -y chromium"):
        checkers.launch_chromium(playwright=None)  # checked before Playwright is asked


GOOD_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>HealthHub</title><id>https://example.org/</id><updated>2025-03-30T00:00:00Z</updated>
  <entry><title>Knee pain</title><id>https://example.org/health/knee-pain.html</id>
    <link href="https://example.org/health/knee-pain.html"/><updated>2025-03-30T00:00:00Z</updated></entry>
</feed>
"""


def test_feed_validation_passes_a_good_feed_and_names_a_broken_one(tmp_path):
    site = tmp_path / "site"
    (site / "health").mkdir(parents=True)
    (site / "health" / "knee-pain.html").write_text("<p>x</p>")
    (site / "feed.xml").write_text(GOOD_FEED)
    (site / "health" / "feed.xml").write_text(GOOD_FEED.replace("</entry>", "</entri>"))
    (site / "sleep.xml").write_text(GOOD_FEED.replace("knee-pain.html", "gone.html"))
    (site / "index.html").write_text('<link rel="alternate" type="application/atom+xml" href="feed.xml">'
                                     '<link rel="alternate" type="application/atom+xml" href="missing/feed.xml">')
    feeds, problems = checkers.find_feeds(site)
    assert [checkers.rel(site, f) for f in feeds] == ["feed.xml", "health/feed.xml", "sleep.xml"]
    assert problems == ["index.html:1: feed link to 'missing/feed.xml' is dead: missing/feed.xml does not exist"]
    assert checkers.validate_feed(site / "feed.xml", site, "https://example.org/") == []
    broken = checkers.validate_feed(site / "health" / "feed.xml", site, "https://example.org/")
    assert len(broken) == 1 and broken[0].startswith("health/feed.xml: not a well-formed feed: "), broken
    dead = checkers.validate_feed(site / "sleep.xml", site, "https://example.org/")
    assert dead == ["sleep.xml: entry 1 links to https://example.org/health/gone.html, "
                    "but health/gone.html does not exist"]


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://example.org/index.html</loc><lastmod>2025-03-30</lastmod></url>
  <url><loc>https://example.org/health/</loc></url>
</urlset>
"""


def test_sitemap_validation_passes_a_good_sitemap_and_names_a_broken_one(tmp_path):
    site = tmp_path / "site"
    (site / "health").mkdir(parents=True)
    (site / "index.html").write_text("<p>x</p>")
    (site / "health" / "index.html").write_text("<p>x</p>")
    sitemap = site / "sitemap.xml"
    sitemap.write_text(SITEMAP)
    assert checkers.validate_sitemap(sitemap, site, "https://example.org/") == []

    sitemap.write_text(SITEMAP.replace("<lastmod>2025-03-30</lastmod>", "<lastmod>last spring</lastmod>"))
    problems = checkers.validate_sitemap(sitemap, site, "https://example.org/")
    assert problems and all(p.startswith("sitemap.xml:") for p in problems)
    assert "lastmod" in "\n".join(problems)

    sitemap.write_text(SITEMAP.replace("<loc>https://example.org/index.html</loc>", ""))
    assert any("loc" in p for p in checkers.validate_sitemap(sitemap, site, "https://example.org/"))

    sitemap.write_text(SITEMAP.replace("health/", "sleep/"))
    assert checkers.validate_sitemap(sitemap, site, "https://example.org/") == [
        "sitemap.xml: <loc>https://example.org/sleep/</loc> but sleep/index.html does not exist"]
