"""Session fixtures for the real-tool checks: the sample site, built ONCE per
test session into a temporary folder, served over http://127.0.0.1, and one
headless Chromium shared by every browser test."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import checkers
from healthhub.build import BuildOptions, build

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SampleSite:
    out: Path          # the built site folder
    base_url: str      # config base_url (feeds, sitemap and canonical links use it)
    article: str       # one article page, relative to out
    category: str      # one category page
    tag: str           # one tag page

    @property
    def root_path(self) -> str:
        """The URL path the site is published at ('/' at a domain root)."""
        return urlsplit(self.base_url).path or "/"


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> SampleSite:
    out = tmp_path_factory.mktemp("sample") / "site"
    cwd = os.getcwd()
    os.chdir(ROOT)  # messages name paths relative to the working directory
    try:
        result = build(BuildOptions(articles_dir=ROOT / "articles", templates_dir=ROOT / "templates",
                                    out_dir=out, config_path=ROOT / "healthhub.yaml"))
    finally:
        os.chdir(cwd)
    assert result.ok, [d.format() for d in result.diagnostics]
    site = result.site
    category = site.categories[0]
    article = category.articles[0]
    tag = site.tags[0]
    base_url = site.config.base_url
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    return SampleSite(out, base_url, article.path, category.path, tag.path)


@pytest.fixture(scope="session")
def site_url(sample_site):
    """The sample site over HTTP, from a stdlib server in a thread."""
    with checkers.serve(sample_site.out) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            chromium = checkers.launch_chromium(playwright)
        except checkers.ToolMissing as exc:
            pytest.fail(str(exc), pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ in the checkout (git-ignored): screenshots to look at."""
    path = ROOT / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
