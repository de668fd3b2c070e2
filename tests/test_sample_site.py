"""The sample site: the reference article as the reader sees it, and byte-identical builds."""

import re
from urllib.parse import unquote
import shutil
from html.parser import HTMLParser

import pytest

from conftest import ROOT, SiteDir

# The reference page the sample article reproduces (a copy kept with the tests).
REFERENCE = ROOT / "tests" / "fixtures" / "reference-article.txt"


class VisibleText(HTMLParser):
    """Text a reader sees in <body>, one string per text node."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip, self.in_body = [], 0, False

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
        if tag in ("script", "style", "template") or ("class", "visually-hidden") in attrs:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "span") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if self.in_body and not self.skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    site = SiteDir(tmp_path_factory.mktemp("sample") / "project")
    shutil.rmtree(site.articles)
    shutil.copytree(ROOT / "articles", site.articles)
    shutil.copy(ROOT / "healthhub.yaml", site.root / "healthhub.yaml")
    result = site.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    return site


def test_reference_article_elements_in_order(sample):
    html = sample.read("health/back-pain-after-jogging.html")
    text = visible_text(html)
    expected_order = [
        "HealthHub",
        "Location: HOME > Health > content",
        "Health",
        "Back Pain After Jogging: Possible Medical Conditions and Effective Solutions",
        "March 30, 2025 · Health · 3667 views",
        "Running, a popular form of exercise, can sometimes lead to various types of back pain.",
        "Possible Medical Conditions",
        "Piriformis Syndrome",
        "Initial Self-Assessment and Quick Fixes",
        "1. Planks",
        "2. Side-to-Side Back Stretches",
        "Understanding Pelvic Imbalance",
        "In Conclusion",
        "do not hesitate to seek professional advice if your symptoms persist or worsen.",
    ]
    position = 0
    for piece in expected_order:
        found = text.find(piece, position)
        assert found >= 0, f"{piece!r} missing or out of order after position {position} in: {text[position:position + 300]!r}"
        position = found + len(piece)


def test_reference_article_body_matches_the_reference_text(sample):
    reference = REFERENCE.read_text(encoding="utf-8")
    body_start = reference.index("Running, a popular form")
    paragraphs = [p.strip().removeprefix("- ") for p in reference[body_start:].split("\n\n") if len(p.strip()) > 80]
    text = visible_text(sample.read("health/back-pain-after-jogging.html"))
    for paragraph in paragraphs:
        assert " ".join(paragraph.split()) in text


def test_reference_article_structure(sample):
    html = sample.read("health/back-pain-after-jogging.html")
    assert html.count("<h1") == 1
    assert re.search(r'<nav class="breadcrumb" aria-label="Breadcrumb">\s*<span class="breadcrumb-label">Location:</span>\s*'
                     r'<ol>\s*<li><a href="\.\./index\.html">HOME</a></li>\s*'
                     r'<li><span class="sep" aria-hidden="true">&gt;</span> <a href="index\.html">Health</a></li>\s*'
                     r'<li><span class="sep" aria-hidden="true">&gt;</span> <span aria-current="page">content</span></li>', html)
    assert '<time datetime="2025-03-30">March 30, 2025</time>' in html
    assert '<a class="meta-category" href="index.html">Health</a>' in html
    assert "3667 views" in html


def test_home_page_lists_latest_popular_and_categories(sample):
    html = sample.read("index.html")
    assert '<a href="health/back-pain-after-jogging.html"' in html
    assert "Most viewed" in html
    assert re.search(r'<a href="health/index.html">Health</a> <span class="count">5 articles</span>', html)
    long_titles = [m for m in re.findall(r'class="card-title"><a [^>]*>([^<]*)</a>', html) if m.endswith("…")]
    assert long_titles and all(len(t) <= 70 for t in long_titles)


def test_every_article_has_a_page_and_the_category_lists_it(sample):
    languages = {"es", "ar"}  # articles in other languages are under /<lang>/ (see test_languages.py)
    sources = sorted(s for s in (ROOT / "articles").rglob("*.md")
                     if s.relative_to(ROOT / "articles").parts[0] not in languages)
    assert len(sources) >= 13
    for source in sources:
        category = source.parent.name
        page = sample.out / category / f"{source.stem}.html"
        assert page.is_file(), page
        assert f'href="{source.stem}.html"' in sample.read(f"{category}/index.html")


def test_at_least_five_categories_and_rich_markdown(sample):
    assert len(list(sample.out.glob("*/index.html"))) >= 6  # five categories and tags/
    bodies = "".join(p.read_text() for p in sample.out.glob("*/*.html"))
    assert "<table>" in bodies and 'class="footnote"' in bodies and "<ol>" in bodies


def test_building_twice_gives_byte_identical_output(sample, tmp_path):
    other = SiteDir(tmp_path / "again")
    shutil.rmtree(other.articles)
    shutil.copytree(ROOT / "articles", other.articles)
    shutil.copy(ROOT / "healthhub.yaml", other.root / "healthhub.yaml")
    assert other.build().ok
    assert other.tree() == sample.tree()


def test_every_internal_link_points_at_a_built_file(sample):
    missing = []
    for page in sample.out.rglob("*.html"):
        for href in re.findall(r'(?:href|src)="([^"#?]+)', page.read_text()):
            if "://" in href or href.startswith(("mailto:", "data:")):
                continue
            # The 404 page links from the configured base path (https://healthhub.example.org/).
            href = unquote(href)  # links to /es/sueño/ are percent-encoded
            target = (sample.out / href[1:] if href.startswith("/") else page.parent / href).resolve()
            if not target.is_file():
                missing.append(f"{page.relative_to(sample.out)} -> {href}")
    assert missing == []
