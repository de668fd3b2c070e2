"""Content that could mix up, hide or hang: runaway tags, names that collide or look
alike, positions of field errors, names the file system refuses, ids the theme uses,
files a generated one would replace, values at the edges (issue #12, parts of #14)."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, article
from healthhub import paths
from healthhub.content import Article
from healthhub.render import RelatedIndex, related_articles


# --- related articles ------------------------------------------------------------------

def _article(n: int, category: str, tags: tuple[str, ...], day: int) -> Article:
    return Article(source=f"articles/a{n}.md", title=f"A{n}", category=category, category_slug=category.lower(),
                   slug=f"a{n}", date=dt.date(2020, 1, 1) + dt.timedelta(days=day), updated=None, views=0,
                   summary="", description="", tags=tags, author="", draft=False, headings=(),
                   path=f"{category.lower()}/a{n}.html")


def test_related_index_ranks_exactly_as_the_plain_definition():
    rng = random.Random(12)
    for _ in range(30):
        pool = [f"t{i}" for i in range(rng.randint(1, 8))]
        articles = [_article(n, rng.choice(["Health", "Sleep", "Food"]),
                             tuple(rng.sample(pool, rng.randint(0, len(pool)))), rng.randint(0, 5))
                    for n in range(rng.randint(1, 25))]
        articles.sort(key=lambda a: (-a.date.toordinal(), a.title.lower(), a.path))
        index = RelatedIndex(articles)
        for count in (1, 4, 30):
            for a in articles:
                assert index.related(a, count) == related_articles(a, articles, count)


def test_thousands_of_shared_tags_rank_without_trying_their_combinations():
    # 40 shared tags were 2^40 combinations (a hang); 10,000 tags on one article too.
    script = textwrap.dedent("""
        import datetime as dt, sys
        sys.path.insert(0, sys.argv[1])
        from healthhub.content import Article
        from healthhub.render import RelatedIndex
        def make(n, tags, category="Health"):
            return Article(source=f"a{n}.md", title=f"A{n}", category=category, category_slug=category.lower(),
                           slug=f"a{n}", date=dt.date(2025, 1, 1) - dt.timedelta(days=n), updated=None, views=0,
                           summary="", description="", tags=tuple(tags), author="", draft=False, headings=(),
                           path=f"{category.lower()}/a{n}.html")
        shared = [f"shared {i}" for i in range(40)]
        articles = [make(0, shared + [f"own {i}" for i in range(10_000)]), make(1, shared),
                    make(2, shared[:39], "Sleep"), make(3, shared[:1], "Food"), make(4, [], "Food")]
        index = RelatedIndex(articles)
        print([a.title for a in index.related(articles[0], 4)])
    """)
    run = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "['A1', 'A2', 'A3']", run.stderr


def test_a_site_with_an_article_of_1000_tags_builds(site_dir):
    tags = "[" + ", ".join(f"topic {i}" for i in range(1_000)) + "]"
    site_dir.write("articles/many.md", article("Many", tags=tags))
    site_dir.write("articles/other.md", article("Other", tags="[topic 5, topic 7]"))
    result = site_dir.build(search=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert "Other" in site_dir.read("health/many.html")


# --- names that collide or look alike ------------------------------------------------------

def _formats(result) -> list[str]:
    return [d.format() for d in result.diagnostics]


def test_two_tags_at_one_address_are_an_error_naming_both_files_and_lines(site_dir):
    site_dir.write("articles/pos.md", article("Positive", tags='["Rh+", blood]'))
    site_dir.write("articles/neg.md", article("Negative", tags='[blood, "Rh-"]'))
    result = site_dir.build(search=False)
    assert not result.ok
    assert _formats(result) == [
        "articles/pos.md:5:7: error: tag 'Rh+' and tag 'Rh-' (articles/neg.md:5) are different names that would "
        "share one address, tags/rh/index.html, rename one of them"]


def test_tags_spelled_by_case_and_spacing_are_one_tag_named_by_the_most_common_spelling(site_dir):
    site_dir.write("articles/a.md", article("A", tags="[covid-19]"))
    site_dir.write("articles/b.md", article("B", tags="[COVID 19]"))
    site_dir.write("articles/c.md", article("C", tags="[COVID 19]"))
    result = site_dir.build(search=False)
    assert result.ok and result.diagnostics == []
    page = site_dir.read("tags/covid-19/index.html")
    assert "COVID 19" in page and all(f">{t}<" in page for t in "ABC")


def test_a_category_typed_in_nfc_and_nfd_is_one_category_without_a_message(site_dir):
    site_dir.write("articles/a.md", article("A", category="Sant\u00e9"))
    site_dir.write("articles/b.md", article("B", category="Sante\u0301"))
    result = site_dir.build(search=False)
    assert result.ok and result.diagnostics == []
    assert "Sante\u0301" not in site_dir.read("santé/b.html")
    assert site_dir.read("index.html").count('href="sant%C3%A9/index.html"') >= 1


def test_a_category_mixing_scripts_that_looks_like_another_gets_a_warning_naming_both(site_dir):
    site_dir.write("articles/a.md", article("A", category="Health"))
    site_dir.write("articles/b.md", article("B", category="\u041d\u0435alth"))  # Cyrillic Н and е
    result = site_dir.build(search=False)
    assert result.ok
    assert _formats(result) == [
        "articles/b.md:3:11: warning: category '\u041d\u0435alth' mixes letters of different scripts and looks "
        "like category 'Health' (articles/a.md:3), but they are two categories, retype '\u041d\u0435alth' in one script"]


def test_a_category_in_one_other_script_is_not_a_lookalike(site_dir):
    site_dir.write("articles/a.md", article("A", category="Health"))
    site_dir.write("articles/b.md", article("B", category="\u0417\u0434\u043e\u0440\u043e\u0432\u044c\u0435"))
    assert _formats(site_dir.build(search=False)) == []


def test_two_category_names_at_one_address_are_an_error_at_the_category_line(site_dir):
    site_dir.write("articles/a.md", article("A", category='"Heart & lungs"'))
    site_dir.write("articles/b.md", article("B", category="Heart lungs"))
    assert _formats(site_dir.build(search=False)) == [
        "articles/b.md:3:11: error: category 'Heart lungs' and category 'Heart & lungs' (articles/a.md:3) are "
        "different names that would share one address, heart-lungs/index.html, rename one of them"]


def test_a_link_to_cafe_md_finds_the_file_in_nfc_or_nfd(site_dir):
    site_dir.write("articles/cafe\u0301.md", article("Coffee"))  # the name as macOS keeps it
    site_dir.write("articles/a.md", article("A", body="See [coffee](caf\u00e9.md).\n"))
    result = site_dir.build(search=False)
    assert result.ok, _formats(result)
    assert 'href="caf%C3%A9.html"' in site_dir.read("health/a.html")


def test_duplicate_slugs_point_at_the_slug_lines(site_dir):
    site_dir.write("articles/a.md", article("A", slug="same"))
    site_dir.write("articles/b.md", article("B", views=3, slug="same"))
    assert _formats(site_dir.build(search=False)) == [
        "articles/b.md:6:7: error: this article and articles/a.md:5 would both be published at health/same.html, "
        "give one of them a different 'slug:' or file name"]


# --- names and the file system ------------------------------------------------------------

BIG = "\U00020000"  # a CJK letter of four UTF-8 bytes


def test_a_long_well_formed_slug_is_accepted_up_to_the_file_name_limit(site_dir):
    slug = "-".join(["word"] * 50)  # 249 bytes
    site_dir.write("articles/a.md", article("A", slug=slug))
    result = site_dir.build(search=False)
    assert result.ok, _formats(result)
    assert (site_dir.out / "health" / f"{slug}.html").is_file()


def test_a_slug_too_long_for_a_file_name_says_so_and_suggests_whole_words(site_dir):
    slug = "-".join(["word"] * 60)  # 299 bytes
    site_dir.write("articles/a.md", article("A", slug=slug))
    assert _formats(site_dir.build(search=False)) == [
        f"articles/a.md:5:7: error: 'slug' is '{slug[:60]}… (299 characters)': it is 299 bytes long and a file name "
        "holds at most 255 (250 for the slug and '.html'), use e.g. slug: " + "-".join(["word"] * 16)]


def test_a_rejected_slug_names_the_character(site_dir):
    site_dir.write("articles/a.md", article("A", slug="knee_pain"))
    assert _formats(site_dir.build(search=False)) == [
        "articles/a.md:5:7: error: 'slug' is 'knee_pain': character 5 is '_', a slug may only hold letters, "
        "digits and hyphens, use e.g. slug: knee-pain"]


def test_category_and_tag_too_long_for_a_folder_are_errors_at_their_lines(site_dir):
    site_dir.write("articles/a.md", article("A", category=BIG * 70, tags=f"[ok, {BIG * 70}]"))
    assert _formats(site_dir.build(search=False)) == [
        f"articles/a.md:3:11: error: category '{BIG * 60}… (70 characters)' is too long for a folder name "
        "(280 bytes, 250 at most), shorten it",
        f"articles/a.md:5:7: error: tag '{BIG * 60}… (70 characters)' is too long for a folder name "
        "(280 bytes, 250 at most), shorten it"]


def test_a_file_name_giving_a_slug_too_long_for_the_page_is_an_error(site_dir):
    site_dir.write(f"articles/{BIG * 62}.md", article("A"))  # 248 bytes: the page's file name is 253
    site_dir.write(f"articles/{BIG * 62}abc.md", article("B"))  # 254 bytes: the page would be 256
    result = site_dir.build(search=False)
    assert len(result.errors) == 1 and not any("check the disk" in d.message for d in result.diagnostics)
    assert result.errors[0].format().startswith(
        f"articles/{BIG * 62}abc.md:1:1: error: the file name gives a slug of 251 bytes")


def test_a_person_id_too_long_for_a_file_name_is_an_error_at_its_line(site_dir):
    pid = "-".join(["dr"] * 90)  # 269 bytes
    site_dir.write("articles/authors.yaml", f"{pid}:\n  name: Dr. Long\n")
    site_dir.write("articles/a.md", article("A"))
    result = site_dir.build(search=False)
    assert [d.format() for d in result.errors] == [
        f"articles/authors.yaml:1:1: error: person id '{pid[:60]}…' is too long for a file name (269 bytes, "
        "250 at most), shorten it, e.g. " + "-".join(["dr"] * 27)]
