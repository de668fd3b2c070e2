"""Found by readers: feeds, sitemap, robots.txt, meta tags, JSON-LD, search, related and popular."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from html.parser import HTMLParser
from pathlib import Path

import feedparser
from urllib.parse import quote

import checkers
import pytest

from conftest import ROOT, SAMPLE_ARTICLES, TEMPLATES, article
from healthhub.build import BuildOptions, build

BASE = "https://hub.example.org/health-hub/"
SITEMAP_XSD = ROOT / "node_modules" / "sitemap" / "schema" / "sitemap.xsd"


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    """The sample articles built once, with search, at a base URL with a subpath."""
    root = tmp_path_factory.mktemp("sample")
    config = root / "healthhub.yaml"
    config.write_text((ROOT / "healthhub.yaml").read_text(encoding="utf-8").replace(
        "https://healthhub.example.org/", BASE), encoding="utf-8")
    result = build(BuildOptions(articles_dir=SAMPLE_ARTICLES, templates_dir=TEMPLATES,
                                out_dir=root / "site", config_path=config))
    assert result.ok, [d.format() for d in result.diagnostics]
    assert not result.warnings, [d.format() for d in result.warnings]
    return root / "site"


def with_base_url(site_dir, extra: str = "") -> None:
    site_dir.write("healthhub.yaml", f"base_url: {BASE}\n{extra}")


def html_pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")
                  if not p.relative_to(out).as_posix().startswith("pagefind/"))


class JsonLd(HTMLParser):
    """Collects the text of every <script type="application/ld+json">."""

    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self._inside = False

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("type") == "application/ld+json":
            self._inside = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.scripts[-1] += data


def json_ld(page: str) -> list[dict]:
    parser = JsonLd()
    parser.feed(page)
    return [json.loads(text) for text in parser.scripts]


# --- feeds --------------------------------------------------------------------

def test_every_feed_parses_cleanly_and_lists_the_newest_articles_in_full(sample_site):
    feeds = ["feed.xml"] + sorted(p.relative_to(sample_site).as_posix() for p in sample_site.glob("*/feed.xml"))
    assert len(feeds) == 8  # the site, its five categories, and the Spanish and Arabic feeds (es/, ar/)
    for rel in feeds:
        parsed = feedparser.parse((sample_site / rel).read_bytes())
        assert not parsed.bozo, (rel, parsed.get("bozo_exception"))
        assert parsed.feed.links[0].href.startswith(BASE)
        assert parsed.entries
        dates = [e.published_parsed for e in parsed.entries]
        assert dates == sorted(dates, reverse=True)
        for entry in parsed.entries:
            assert entry.id.startswith(BASE) and entry.id == entry.link
            assert entry.content[0].type == "text/html"
            assert "<p>" in entry.content[0].value
    whole = feedparser.parse((sample_site / "feed.xml").read_bytes())
    assert len(whole.entries) == 17  # the English articles (the Spanish and Arabic ones have their own feeds)
    assert whole.entries[0].link == BASE + "nutrition/how-much-protein-do-you-need.html"


def test_feeds_hold_the_latest_20_and_escape_author_text(site_dir):
    with_base_url(site_dir)
    site_dir.write("authors.yaml", "lee:\n  name: 'Dr. <b>Lee</b> & \"Co\"'\n")
    for day in range(1, 23):
        site_dir.write(f"articles/a{day:02d}.md", article(
            f"Article {day}", date=f"2025-01-{day:02d}", author="lee",
            body=f"Body of <em>article</em> {day} & more.\n"))
    site_dir.write("articles/late.md", article("Updated later", date="2024-12-01", updated="2025-02-01"))
    assert site_dir.build().ok
    parsed = feedparser.parse((site_dir.out / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert len(parsed.entries) == 20
    assert parsed.entries[0].title == "Article 22"
    assert parsed.entries[0].author == 'Dr. <b>Lee</b> & "Co"'
    assert "<em>article</em> 22 &amp; more" in parsed.entries[0].content[0].value
    assert parsed.entries[0].updated == "2025-01-22T00:00:00Z"
    # the feed is as new as its newest entry, not as new as the build
    assert parsed.feed.updated == "2025-01-22T00:00:00Z"
    health = feedparser.parse((site_dir.out / "health/feed.xml").read_bytes())
    assert not health.bozo and len(health.entries) == 20


def test_control_characters_in_a_body_do_not_break_the_feed(site_dir):
    with_base_url(site_dir)
    site_dir.write("articles/a.md", article("Odd bytes", body="Page\x0cbreak and \x01 bell.\n"))
    assert site_dir.build(search=False).ok
    parsed = feedparser.parse((site_dir.out / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert "Pagebreak and  bell." in parsed.entries[0].content[0].value


def test_entry_updated_comes_from_the_article(site_dir):
    with_base_url(site_dir)
    site_dir.write("articles/a.md", article("Revised", date="2025-01-10", updated="2025-03-01"))
    assert site_dir.build().ok
    entry = feedparser.parse((site_dir.out / "feed.xml").read_bytes()).entries[0]
    assert (entry.published, entry.updated) == ("2025-01-10T00:00:00Z", "2025-03-01T00:00:00Z")


def test_pages_link_to_their_feeds_in_head(sample_site):
    home = (sample_site / "index.html").read_text()
    assert '<link rel="alternate" type="application/atom+xml" title="HealthHub" href="feed.xml">' in home
    page = (sample_site / "sleep/napping-smart.html").read_text()
    assert 'type="application/atom+xml" title="HealthHub" href="../feed.xml"' in page
    assert 'type="application/atom+xml" title="Sleep | HealthHub" href="feed.xml"' in page


# --- sitemap and robots ----------------------------------------------------------

def test_sitemap_lists_every_public_page_and_is_valid(sample_site):
    if not SITEMAP_XSD.is_file():
        pytest.fail(f"{SITEMAP_XSD} is missing: run `npm ci` (or `npm install --no-save sitemap`) in {ROOT}")
    # xmllint with the sitemaps.org schema (and a declaration of the language alternates, xhtml:link)
    assert checkers.validate_sitemap(sample_site / "sitemap.xml", sample_site) == []
    sitemap = (sample_site / "sitemap.xml").read_text()
    listed = re.findall(r"<loc>(.*?)</loc>", sitemap)
    expected = {BASE + quote(re.sub(r"(^|/)index\.html$", r"\1", page))
                for page in html_pages(sample_site) if not page.endswith(("404.html", "search.html"))}
    assert set(listed) == expected
    assert len(listed) == len(expected)
    entries = dict(re.findall(r"<loc>(.*?)</loc>\s*<lastmod>(.*?)</lastmod>", sitemap))
    assert entries[BASE + "sleep/napping-smart.html"] == "2026-05-19"  # its medical review
    assert entries[BASE + "sleep/"] == max(entries[BASE + "sleep/" + name + ".html"] for name in (
        "napping-smart", "sleep-hygiene-basics", "when-snoring-might-be-sleep-apnea"))
    # the home page changes with its newest article (the statement's test date may be later)
    articles = [day for loc, day in entries.items() if re.fullmatch(re.escape(BASE) + r"[^/]+/[^/]+\.html", loc)
                and not loc.startswith(tuple(BASE + folder for folder in ("es/", "ar/", "people/", "tags/")))]
    assert len(articles) >= 15
    assert entries[BASE] == max(articles)
    robots = (sample_site / "robots.txt").read_text()
    assert f"Sitemap: {BASE}sitemap.xml" in robots


@pytest.mark.parametrize("limit", ["urls", "bytes"])
def test_a_site_bigger_than_one_sitemap_gets_an_index_of_sitemaps(site_dir, monkeypatch, limit):
    """sitemaps.org lets a sitemap hold 50,000 URLs and 50 MB: a bigger site (or one whose
    29 languages make each URL 3-4 KB) wrote one sitemap search engines cut short. Its
    URLs now go into sitemap-1.xml, sitemap-2.xml... (each valid, together exactly the
    URLs one sitemap would list) and sitemap.xml is their index, still the one robots.txt
    names. The limits are lowered here so that 14 articles exceed them; incremental builds
    remake a damaged part and drop the parts once the site fits in one sitemap."""
    from healthhub.rendering import feeds

    with_base_url(site_dir)
    guard = site_dir.root / "published-addresses.txt"  # as the command line keeps it
    for n in range(14):
        site_dir.write(f"articles/a{n:02}.md", article(f"Article {n}", date=f"2025-01-{n + 1:02}",
                                                       category=("Health", "Sleep")[n % 2]))
    assert site_dir.build(search=False, addresses_file=guard).ok
    whole = re.findall(r"<loc>(.*?)</loc>", site_dir.read("sitemap.xml"))
    assert len(whole) > 14
    if limit == "urls":
        monkeypatch.setattr(feeds, "MAX_SITEMAP_URLS", 7)
    else:  # bytes: about four URLs' worth
        monkeypatch.setattr(feeds, "MAX_SITEMAP_BYTES", len(site_dir.read("sitemap.xml")) * 4 // len(whole))

    def parts() -> list[str]:
        return sorted((p.name for p in site_dir.out.glob("sitemap-*.xml")), key=lambda name: int(name[8:-4]))

    site_dir.write("articles/a00.md", article("Article 0", date="2025-01-01", body="Changed.\n"))  # a build that renders
    assert site_dir.build(search=False, addresses_file=guard).ok
    index = site_dir.read("sitemap.xml")
    names = parts()
    assert len(names) > 2 and names == [f"sitemap-{n}.xml" for n in range(1, len(names) + 1)]
    assert re.findall(r"<loc>(.*?)</loc>", index) == [BASE + name for name in names]
    assert "<sitemapindex" in index and "<urlset" not in index
    listed = []
    for name in ["sitemap.xml", *names]:
        assert checkers.validate_sitemap(site_dir.out / name, site_dir.out) == [], name
        if name != "sitemap.xml":
            part = site_dir.read(name)
            listed += re.findall(r"<loc>(.*?)</loc>", part)
            assert len(part.encode()) <= feeds.MAX_SITEMAP_BYTES and part.count("<url>") <= feeds.MAX_SITEMAP_URLS
    assert listed == whole
    # each part's lastmod in the index is its newest
    lastmods = re.findall(r"<lastmod>(.*?)</lastmod>", index)
    assert lastmods == [max(re.findall(r"<lastmod>(.*?)</lastmod>", site_dir.read(name))) for name in names]
    assert f"Sitemap: {BASE}sitemap.xml" in site_dir.read("robots.txt")
    clean = {name: site_dir.read(name) for name in ["sitemap.xml", *names]}
    (site_dir.out / names[1]).write_text("damaged")  # by hand, between builds
    site_dir.write("articles/a01.md", article("Article 1", date="2025-01-02", category="Sleep", body="Changed.\n"))
    assert site_dir.build(search=False, addresses_file=guard).ok
    assert {name: site_dir.read(name) for name in ["sitemap.xml", *parts()]} == clean
    monkeypatch.undo()  # the site fits in one sitemap again: the parts go, and the removed-page guard lets them
    site_dir.write("articles/a02.md", article("Article 2", date="2025-01-03", body="Changed.\n"))
    assert site_dir.build(search=False, addresses_file=guard).ok
    assert parts() == [] and "<urlset" in site_dir.read("sitemap.xml")


def test_article_lastmod_is_updated_or_date(site_dir):
    with_base_url(site_dir)
    site_dir.write("articles/first.md", article("First", date="2025-01-10", updated="2025-03-01"))
    site_dir.write("articles/second.md", article("Second", date="2025-02-10"))
    assert site_dir.build().ok
    entries = dict(re.findall(r"<loc>(.*?)</loc>\s*<lastmod>(.*?)</lastmod>", site_dir.read("sitemap.xml")))
    assert entries[BASE + "health/first.html"] == "2025-03-01"
    assert entries[BASE + "health/second.html"] == "2025-02-10"
    assert entries[BASE + "health/"] == "2025-03-01"


def test_drafts_stay_out_of_feeds_and_sitemap_even_when_previewed(site_dir):
    with_base_url(site_dir)
    site_dir.write("articles/published-one.md", article("Published one", tags="[sleep]"))
    site_dir.write("articles/secret-draft.md", article("Secret draft", category="Sleep", tags="[sleep]", draft="true"))
    result = site_dir.build(drafts=True)
    assert result.ok
    draft_page = site_dir.read("sleep/secret-draft.html")
    assert '<meta name="robots" content="noindex">' in draft_page
    assert 'rel="canonical"' not in draft_page
    assert "data-pagefind-body" not in draft_page
    assert "noindex" not in site_dir.read("health/published-one.html")
    for rel in ("feed.xml", "sitemap.xml"):
        assert "secret-draft" not in site_dir.read(rel) and "Secret draft" not in site_dir.read(rel)
    assert not (site_dir.out / "sleep/feed.xml").exists()  # a category of drafts only has no feed
    assert f"<loc>{BASE}sleep/</loc>" not in site_dir.read("sitemap.xml")


# --- meta tags -------------------------------------------------------------------

def test_article_head_has_canonical_description_open_graph_and_twitter(sample_site):
    page = (sample_site / "health/back-pain-after-jogging.html").read_text()
    url = BASE + "health/back-pain-after-jogging.html"
    assert f'<link rel="canonical" href="{url}">' in page
    description = re.search(r'<meta name="description" content="([^"]*)">', page).group(1)
    assert 0 < len(description) <= 160
    assert f'<meta property="og:url" content="{url}">' in page
    assert '<meta property="og:type" content="article">' in page
    assert f'<meta property="og:description" content="{description}">' in page
    assert '<meta property="og:title" content="Back Pain After Jogging: ' in page
    assert '<meta name="twitter:card" content="summary">' in page
    assert f'<link rel="canonical" href="{BASE}">' in (sample_site / "index.html").read_text()
    assert f'<link rel="canonical" href="{BASE}sleep/">' in (sample_site / "sleep/index.html").read_text()


def test_description_falls_back_to_the_first_paragraph_cut_at_a_word(site_dir):
    with_base_url(site_dir)
    words = " ".join(["wellbeing"] * 40)
    site_dir.write("articles/no-summary.md", article("No summary", body=f"{words}\n\nSecond paragraph.\n"))
    assert site_dir.build().ok
    description = re.search(r'<meta name="description" content="([^"]*)">', site_dir.read("health/no-summary.html")).group(1)
    assert description.endswith("wellbeing…") and len(description) < 160


# --- structured data ----------------------------------------------------------------

def test_article_has_one_medical_web_page_with_breadcrumb(sample_site):
    page = (sample_site / "sleep/napping-smart.html").read_text()
    (data,) = json_ld(page)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["headline"] == "Napping Smart: How to Get the Benefits of a Daytime Nap"
    assert data["datePublished"] == "2025-07-09"
    assert data["dateModified"] == "2025-07-09"
    assert data["inLanguage"] == "en"
    assert data["author"]["name"] and data["publisher"]["name"] == "HealthHub"
    assert data["url"] == BASE + "sleep/napping-smart.html"
    crumbs = data["breadcrumb"]["itemListElement"]
    assert [c["name"] for c in crumbs] == ["HOME", "Sleep", data["headline"]]
    assert [c["item"] for c in crumbs] == [BASE, BASE + "sleep/", data["url"]]
    assert [c["position"] for c in crumbs] == [1, 2, 3]
    assert data["author"]["name"] == "Sam Patel"
    assert (data["lastReviewed"], data["reviewedBy"]["name"]) == ("2026-05-19", "Dr. Lena Hart")


def test_only_article_pages_carry_json_ld_one_each(sample_site):
    for rel in html_pages(sample_site):
        scripts = json_ld((sample_site / rel).read_text())
        rel = re.sub(r"^(es|ar)/", "", rel)  # the sample's Spanish and Arabic pages: the same rule below /<lang>/
        is_article = (rel.count("/") == 1 and not rel.endswith("/index.html")
                      and not rel.startswith(("tags/", "people/")))
        types = [script["@type"] for script in scripts]
        # An article with a "Common questions" section also has FAQPage data.
        assert types in ([["MedicalWebPage"], ["MedicalWebPage", "FAQPage"]] if is_article else [[]]), rel
    assert [s["@type"] for s in json_ld((sample_site / "health/haemorrhoids.html").read_text())] == [
        "MedicalWebPage", "FAQPage"]


@pytest.mark.parametrize("title", [
    "</script><script>alert(1)</script>",
    "<!-- <script> open comment",
    "Quotes \" and ' and \\ backslash",
    "Line\u2028separator and paragraph\u2029separator & <b>tags</b>",
])
def test_no_title_can_break_out_of_the_json_ld(site_dir, title):
    site_dir.write("articles/evil.md", article(json.dumps(title), slug="evil"))
    assert site_dir.build().ok
    page = site_dir.read("health/evil.html")
    assert page.count("<script type=\"application/ld+json\">") == 1
    assert "alert(1)</script>" not in page and "<script>alert" not in page
    (data,) = json_ld(page)
    assert data["headline"] == title
    assert data["breadcrumb"]["itemListElement"][2]["name"] == title


def test_people_and_review_go_into_the_json_ld(site_dir):
    site_dir.write("authors.yaml", "ada-obi:\n  name: Dr. Ada Obi\nsam-lee:\n  name: Sam Lee\n")
    site_dir.write("articles/checked.md", article(
        "Checked", author="sam-lee", reviewed_by="ada-obi", reviewed="2025-05-01"))
    assert site_dir.build(search=False).ok
    (data,) = json_ld(site_dir.read("health/checked.html"))
    assert data["lastReviewed"] == "2025-05-01"
    assert data["reviewedBy"] == {"@type": "Person", "name": "Dr. Ada Obi", "url": "../people/ada-obi.html"}
    assert data["author"] == {"@type": "Person", "name": "Sam Lee", "url": "../people/sam-lee.html"}


# --- without a base_url ------------------------------------------------------------------

def test_without_base_url_the_site_builds_with_one_warning_and_no_feeds(site_dir):
    site_dir.write("healthhub.yaml", "site_name: Local\n")
    site_dir.write("articles/plain.md", article("Plain", tags="[x]"))
    result = site_dir.build()
    assert result.ok
    messages = [d.format() for d in result.warnings]
    assert messages == ["healthhub.yaml:1:1: warning: no base_url is set, so feeds, the sitemap and canonical "
                        "links are left out; add base_url: https://your.site/"]
    tree = site_dir.tree()
    assert not [p for p in tree if p.endswith("feed.xml") or p == "sitemap.xml"]
    assert "Sitemap:" not in site_dir.read("robots.txt")
    page = site_dir.read("health/plain.html")
    assert "canonical" not in page and "og:url" not in page and "application/atom+xml" not in page
    (data,) = json_ld(page)
    assert data["url"] == "plain.html"  # relative, resolved against the page
    assert 'href="../index.html"' in page


def test_without_any_config_file_the_build_is_a_quiet_local_preview(site_dir):
    site_dir.write("articles/plain.md", article("Plain"))
    result = site_dir.build(search=False)
    assert result.ok and result.diagnostics == []
    assert "feed.xml" not in site_dir.tree() and "sitemap.xml" not in site_dir.tree()


def test_the_warning_names_the_config_file_and_the_cli_prints_it_once(site_dir):
    site_dir.write("healthhub.yaml", "site_name: Local\n")
    site_dir.write("articles/a.md", article("Plain"))
    run = site_dir.cli("build", "--no-search", check=True)
    assert run.stderr.count("warning: no base_url is set") == 1
    assert run.stderr.startswith("healthhub.yaml:1:1: warning:")


# --- related and popular -------------------------------------------------------------------

def test_related_articles_rank_shared_tags_then_category_then_newest(site_dir):
    site_dir.write("articles/main.md", article("Main", category="Health", tags="[a, b, c]"))
    site_dir.write("articles/two.md", article("Two shared", category="Sleep", date="2024-01-01", tags="[a, b]"))
    site_dir.write("articles/one-old.md", article("One shared old", category="Sleep", date="2024-02-01", tags="[c]"))
    site_dir.write("articles/one-new.md", article("One shared new", category="Fitness", date="2025-01-01", tags="[a]"))
    site_dir.write("articles/same-cat.md", article("Same category", category="Health", date="2025-03-01"))
    site_dir.write("articles/same-cat-tag.md", article("Same category and tag", category="Health", date="2023-01-01", tags="[b]"))
    site_dir.write("articles/unrelated.md", article("Unrelated", category="Nutrition", date="2025-03-29", tags="[z]"))
    assert site_dir.build(search=False).ok
    page = site_dir.read("health/main.html")
    related = re.search(r'<h2 id="hh-related-heading">Related articles</h2>(.*?)</section>', page, re.S).group(1)
    titles = re.findall(r'<a href="[^"]*">([^<]*)</a>', related)
    assert titles == ["Two shared", "Same category and tag", "One shared new", "One shared old"]
    more = re.search(r'<h2 id="hh-more-heading">More in Health</h2>(.*?)</section>', page, re.S).group(1)
    assert re.findall(r'<a href="[^"]*">([^<]*)</a>', more) == ["Same category", "All 3 articles in Health"]
    body_end = page.index('<div class="article-body"')
    assert body_end < page.index("hh-related-heading") < page.index("hh-more-heading")


def test_most_viewed_on_home_and_category(site_dir):
    for name, views in [("low", 5), ("high", 900), ("mid", 50)]:
        site_dir.write(f"articles/{name}.md", article(name.title(), views=views))
    assert site_dir.build(search=False).ok
    for rel in ("index.html", "health/index.html"):
        popular = re.search(r'<ol class="popular">(.*?)</ol>', site_dir.read(rel), re.S).group(1)
        assert re.findall(r">(High|Mid|Low)</a>", popular) == ["High", "Mid", "Low"]


def test_listings_paginate_with_rel_prev_next(site_dir):
    site_dir.write("healthhub.yaml", "per_page: 2\n")
    for day in range(1, 6):
        site_dir.write(f"articles/a{day}.md", article(f"Day {day}", date=f"2025-01-0{day}", tags="[t]"))
    assert site_dir.build(search=False).ok
    first, second, third = (site_dir.read(p) for p in ("health/index.html", "health/page/2.html", "health/page/3.html"))
    assert '<link rel="next" href="page/2.html">' in first and 'rel="prev"' not in first
    assert '<link rel="prev" href="../index.html">' in second and '<link rel="next" href="3.html">' in second
    assert 'rel="next"' not in third and "Day 1" in third
    assert '<span aria-current="page">2</span>' in second
    assert (site_dir.out / "tags/t/page/3.html").is_file()
    assert not (site_dir.out / "health/page/4.html").exists()


# --- search --------------------------------------------------------------------------

def test_search_index_is_built_and_deterministic(site_dir):
    site_dir.write("articles/a.md", article("Hydration", body="Drink water when thirsty.\n"))
    site_dir.write("articles/b.md", article("Draft idea", draft="true", body="Secret words.\n"))
    assert site_dir.build(drafts=True).ok
    first = site_dir.tree()
    assert "pagefind/pagefind-ui.js" in first and "search.html" in first
    assert site_dir.build(drafts=True).ok
    assert site_dir.tree() == first
    # the draft page is a preview: not indexed
    entry = json.loads(first["pagefind/pagefind-entry.json"])
    assert sum(lang["page_count"] for lang in entry["languages"].values()) == 1


def test_no_search_skips_the_index_the_page_and_the_box(site_dir):
    site_dir.write("articles/a.md", article("Hydration"))
    run = site_dir.cli("build", "--no-search", check=True)
    assert run.returncode == 0
    tree = site_dir.tree()
    assert not [p for p in tree if p.startswith("pagefind/")]
    assert "search.html" not in tree
    assert 'role="search"' not in site_dir.read("index.html")
    site_dir.cli("build", check=True)
    assert "pagefind/pagefind-ui.js" in site_dir.tree()
    assert 'role="search"' in site_dir.read("index.html")


# `browser` is the session's one Chromium (tests/qa_fixtures.py): Playwright's
# sync API cannot start a second instance while that one runs.


@pytest.fixture(scope="module")
def served(sample_site):
    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass

    handler_class = type("Handler", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
    server = Quiet(("127.0.0.1", 0), functools.partial(handler_class, directory=str(sample_site.parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/site/"
    server.shutdown()
    server.server_close()


def test_search_from_the_header_box_finds_an_article_in_chromium(browser, served):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served + "sleep/index.html")
    assert page.locator(".site-search .search-offline").is_hidden()
    page.fill("#hh-search-q", "piriformis")
    page.press("#hh-search-q", "Enter")
    page.wait_for_url("**/search.html?q=piriformis")
    first = page.locator(".pagefind-ui__result-link").first
    first.wait_for(timeout=15000)
    result = page.locator(".pagefind-ui__result").first
    assert result.locator(".pagefind-ui__result-title").inner_text().startswith("Back Pain After Jogging")
    assert result.locator(".pagefind-ui__result-tag").inner_text() == "Category: Health"
    assert "piriformis" in result.locator(".pagefind-ui__result-excerpt").inner_text().lower()
    first.click()
    page.wait_for_url("**/health/back-pain-after-jogging.html")
    assert page.locator("h1").inner_text().startswith("Back Pain After Jogging")
    assert errors == []
    page.close()


def test_from_disk_search_says_it_needs_a_server(browser, sample_site):
    page = browser.new_page()
    page.goto((sample_site / "search.html").as_uri())
    assert "once the site is served" in page.locator("main .search-offline").inner_text()
    page.goto((sample_site / "index.html").as_uri())
    assert page.locator(".site-search .search-offline").is_visible()
    page.close()


def test_a_failed_search_index_leaves_the_previous_site(site_dir, monkeypatch):
    from healthhub.rendering import search
    from healthhub.rendering.search import SearchIndexError

    site_dir.write("articles/a.md", article("First"))
    assert site_dir.build().ok
    before = site_dir.tree()
    site_dir.write("articles/b.md", article("Second"))

    def broken(staging):
        (staging / "pagefind").mkdir(exist_ok=True)
        raise SearchIndexError("the search index could not be built: disk full (or build with --no-search)")

    monkeypatch.setattr(search, "index_site", broken)
    result = site_dir.build()
    assert not result.ok
    assert [d.message for d in result.errors] == [
        "the search index could not be built: disk full (or build with --no-search)"]
    assert site_dir.tree() == before


def test_the_search_box_is_a_plain_form_that_works_without_javascript(browser, served):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served + "health/back-pain-after-jogging.html")
    page.fill("#hh-search-q", "sleep")
    page.press("#hh-search-q", "Enter")
    page.wait_for_url("**/search.html?q=sleep")
    assert "Search needs JavaScript" in page.locator("main").inner_text()
    # the header's categories, then All topics for the rest
    assert page.locator(".search-browse a").all_inner_texts()[-1] == "All topics"
    assert page.locator(".search-browse a").count() == 6
    context.close()
