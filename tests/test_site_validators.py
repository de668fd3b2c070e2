"""The built sample site passes real validators: the W3C Nu HTML checker, a
crawl of every internal link, feedparser for feeds and xmllint for the sitemap."""

from __future__ import annotations

import pytest

import checkers


def problems_or_fail(call):
    try:
        return call()
    except checkers.ToolMissing as exc:
        pytest.fail(str(exc), pytrace=False)


def report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_every_page_and_stylesheet_is_valid_for_the_nu_checker(sample_site):
    pages = checkers.html_pages(sample_site.out)
    assert len(pages) > 20, "the sample site should have built dozens of pages"
    files = pages + checkers.stylesheets(sample_site.out)
    problems = problems_or_fail(lambda: checkers.run_vnu(files, sample_site.out))
    assert not problems, report(problems)


def test_every_internal_link_and_fragment_resolves(sample_site):
    problems = checkers.check_links(sample_site.out, sample_site.root_path)
    assert not problems, report(problems)


def test_the_crawl_sees_the_pages_links(sample_site):
    # Guard against a crawler that passes because it found nothing to check.
    home = checkers.parse_page(sample_site.out / "index.html")
    assert any(url.endswith(sample_site.article.rsplit("/", 1)[-1]) for url, _ in home.urls)
    assert "hh-main" in home.ids


def test_every_feed_parses_cleanly(sample_site):
    feeds, problems = checkers.find_feeds(sample_site.out, sample_site.root_path)
    for feed in feeds:
        problems += checkers.validate_feed(feed, sample_site.out, sample_site.base_url)
    assert not problems, report(problems)
    # Feeds are made when base_url is set (it is in healthhub.yaml); a link to a
    # feed must also lead to one that the loop above checked.
    announced = any(checkers.alternate_feed_links(p) for p in checkers.html_pages(sample_site.out))
    if announced or sample_site.base_url:
        assert (sample_site.out / "feed.xml").resolve() in feeds, f"no site feed.xml was found to validate: {feeds}"


def test_the_sitemap_is_valid_against_the_sitemaps_schema(sample_site):
    sitemap = sample_site.out / "sitemap.xml"
    assert sample_site.base_url, "healthhub.yaml sets base_url, so the build must make a sitemap"
    assert sitemap.is_file(), "the sample site has no sitemap.xml"
    problems = problems_or_fail(lambda: checkers.validate_sitemap(sitemap, sample_site.out, sample_site.base_url))
    assert not problems, report(problems)
