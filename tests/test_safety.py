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
from healthhub.loading.model import Article
from healthhub.rendering.related import RelatedIndex, related_articles


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
        from healthhub.loading.model import Article
        from healthhub.rendering.related import RelatedIndex
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
        # at the tag itself, after 'tags: [ok, '
        f"articles/a.md:5:{len('tags: [ok, ') + 1}: error: tag '{BIG * 60}… (70 characters)' is too long for a "
        "folder name (280 bytes, 250 at most), shorten it"]


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


# --- generated files and the site's own pages ----------------------------------------------

def test_an_authors_feed_xml_that_the_category_feed_would_replace_is_an_error(site_dir):
    site_dir.write("healthhub.yaml", "base_url: https://example.org/\n")
    site_dir.write("articles/health/a.md", article("A"))
    site_dir.write("articles/health/feed.xml", "<rss>mine</rss>")
    result = site_dir.build(search=False)
    assert [d.format() for d in result.errors] == [
        "articles/health/feed.xml:1:1: error: this file would replace the page health/feed.xml, rename the file"]


def test_an_index_md_that_would_replace_the_category_listing_is_an_error_naming_it(site_dir):
    site_dir.write("articles/health/index.md", article("Index"))
    result = site_dir.build(search=False)
    assert [d.format() for d in result.errors] == [
        "articles/health/index.md:1:1: error: this article would be published at health/index.html, the category "
        "page's address, add a line like  slug: about-health"]


@pytest.mark.parametrize("name, folder", [("Tags", "tags"), ("Search", "search"), ("People", "people")])
def test_a_category_named_like_the_sites_own_pages_gets_its_own_address_and_a_warning(site_dir, name, folder):
    site_dir.write("authors.yaml", "amara:\n  name: Dr. Amara\n")
    site_dir.write("articles/a.md", article("A", category=name, tags="[sleep]", author="amara"))
    site_dir.write("articles/b.md", article("B", category=name))
    result = site_dir.build(authors_path=site_dir.root / "authors.yaml")
    assert result.ok
    assert _formats(result) == [
        f"articles/a.md:3:11: warning: category '{name}' has the name of the site's own '{folder}/' pages, so it is "
        f"published at {folder}-category/, choose another name to give it its own address"]
    tree = site_dir.tree()
    assert {f"{folder}-category/index.html", f"{folder}-category/a.html", "tags/sleep/index.html",
            "people/amara.html", "search.html"} <= set(tree)
    assert f'href="../../{folder}-category/a.html"' in site_dir.read("tags/sleep/index.html")


# --- values at the edges ----------------------------------------------------------------------

REVIEWED = 'author: amara\nreviewed_by: amara\n'


def _reviewed_site(site_dir, reviewed: str):
    site_dir.write("articles/authors.yaml", "amara:\n  name: Dr. Amara\n")
    site_dir.write("articles/a.md", article("A", author="amara", reviewed_by="amara", reviewed=reviewed))
    return site_dir.build(search=False)


def test_a_review_date_in_year_9999_is_an_error_at_its_line(site_dir):
    assert _formats(_reviewed_site(site_dir, "9999-12-01")) == [
        "articles/a.md:7:11: error: 'reviewed' is '9999-12-01', the year 9999 cannot be right, "
        "use a year from 1800 to 2200 (YYYY-MM-DD)"]


def test_a_review_date_in_the_future_is_an_error_at_its_line(site_dir):
    today = dt.date.today().isoformat()
    assert _formats(_reviewed_site(site_dir, "2099-01-01")) == [
        f"articles/a.md:7:11: error: 'reviewed' is 2099-01-01, which is after today ({today}), "
        "write the date the review was done"]


def test_check_measures_the_future_from_its_today(site_dir, capsys):
    from healthhub.cli import main
    _reviewed_site(site_dir, "2099-01-01")
    code = main(["check", "--articles", str(site_dir.articles), "--today", "2099-02-01"])
    assert "after today" not in capsys.readouterr().out and code == 0


def test_a_next_review_that_would_pass_the_calendar_cannot_happen(site_dir):
    site_dir.write("healthhub.yaml", "review_interval_months: 1000\n")
    result = _reviewed_site(site_dir, "2200-12-31")
    assert not any("unexpected" in d.message for d in result.diagnostics) and len(result.errors) == 1


@pytest.mark.parametrize("written, normal", [
    ("https://example.org//hub/", "https://example.org/hub/"),
    ("HTTPS://Example.ORG", "https://example.org/"),
    ("https://example.org/a//b", "https://example.org/a/b/"),
    ("https://bücher.example/Café/", "https://xn--bcher-kva.example/Caf%C3%A9/"),
    ("http://127.0.0.1:8080/x/", "http://127.0.0.1:8080/x/"),
])
def test_base_url_is_written_one_way(written, normal):
    from healthhub.loading.config import parse_config
    assert parse_config(f"base_url: {written}\n", "healthhub.yaml").base_url == normal


@pytest.mark.parametrize("written, problem", [
    ("ftp://example.org/", "starting with https:// and a host name"),
    ("https:///hub/", "starting with https:// and a host name"),
    ("https://user:secret@example.org/", "holds a user name or password"),
    ("https://example.org/?x=1", "has a '?' or '#' part"),
    ("https://example.org/a/../b/", "has '.' or '..' in it"),
    ("https://example.org:99999/", "check the port"),
    ('"https://exa mple.org/"', "holds a space or backslash"),
])
def test_a_bad_base_url_is_one_error_at_its_line(site_dir, written, problem):
    site_dir.write("healthhub.yaml", f"site_name: X\nbase_url: {written}\n")
    run = site_dir.cli("build", "--no-search")
    assert run.returncode == 2
    assert run.stderr.startswith("healthhub.yaml:2:11: error: 'base_url' is ") and problem in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_the_404_page_links_inside_the_site_with_a_doubled_slash_in_base_url(site_dir):
    site_dir.write("healthhub.yaml", "base_url: https://example.org//hub/\n")
    site_dir.write("articles/a.md", article("A"))
    assert site_dir.build(search=False).ok
    page = site_dir.read("404.html")
    assert 'href="/hub/index.html"' in page and 'href="//' not in page


def test_check_github_format_escapes_control_characters(site_dir, capsys):
    from healthhub.checking.check import format_github, format_text
    from healthhub.build import BuildOptions
    from healthhub.checking.check import run_check
    from healthhub.loading.config import Config
    site_dir.write("articles/a.md", article("A", **{'"ti\\etle\\r\\nx"': "1"}))
    options = BuildOptions(articles_dir=site_dir.articles, out_dir=site_dir.out)
    result = run_check(options, Config(), {}, [], dt.date(2025, 4, 1))
    for out in (format_github(result), format_text(result)):
        assert "\x1b" not in out and "\r" not in out
        assert out.count("\n") == len(result.diagnostics) + 1
    assert "ti\\x1btle%0D%0Ax" not in format_github(result)
    assert "unknown front-matter field 'ti\\x1btle\\r\\nx'" in format_github(result)


def test_new_shortens_a_title_of_four_byte_letters_to_a_file_name_the_build_accepts(site_dir):
    title = BIG * 70
    run = site_dir.cli("new", title, "--category", "Health")
    assert run.returncode == 0, run.stderr
    written = list(site_dir.articles.rglob("*.md"))
    assert len(written) == 1 and len(written[0].name.encode()) <= 255
    assert site_dir.build(search=False, drafts=True).ok


@pytest.mark.parametrize("args, message", [
    (["Knee", "--category", "???"], "error: --category: category '???' has no letters or digits"),
    (["Knee", "--category", "x", "--date", "9999-01-01"], "error: --date: 'date' is '9999-01-01', the year 9999"),
    (["Knee", "--category", "x", "--slug", "a_b"], "error: --slug 'a_b': character 2 is '_'"),
    (["K\x1bnee", "--category", "x"], "error: the title: 'title' holds the control character U+001B"),
    (["Knee", "--category", BIG * 70], f"error: --category: category '{BIG * 60}… (70 characters)' is too long"),
])
def test_new_refuses_what_the_build_would_refuse(site_dir, args, message):
    run = site_dir.cli("new", *args)
    assert run.returncode == 2 and run.stderr.startswith(message), run.stderr
    assert "\x1b" not in run.stderr and list(site_dir.articles.rglob("*")) == []


def test_new_with_a_category_named_like_the_sites_pages_writes_what_builds(site_dir):
    run = site_dir.cli("new", 'Sleep "and" rest\nwell', "--category", "Tags")
    assert run.returncode == 0, run.stderr
    result = site_dir.build(search=False, drafts=True)
    assert result.ok and (site_dir.out / "tags-category" / "sleep-and-rest-well.html").is_file()
    assert 'Sleep "and" rest' in next(site_dir.articles.rglob("*.md")).read_text(encoding="utf-8").replace('\\"', '"')


# --- heading ids and the theme's ids ------------------------------------------------------------

def test_headings_never_take_the_themes_ids_and_links_to_them_keep_working(site_dir):
    import re
    site_dir.write("articles/a.md", article("A", body="""
        See [main](#h-hh-main) and [related](#related-heading).

        ## HH main

        ## Related heading

        ## More heading
        """))
    site_dir.write("articles/b.md", article("B", body="Read [it](a.md#h-hh-main).\n"))
    result = site_dir.build(search=False)
    assert result.ok, _formats(result)
    page = site_dir.read("health/a.html")
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {"hh-main", "h-hh-main", "related-heading", "hh-related-heading", "more-heading"} <= set(ids)
    assert 'href="a.html#h-hh-main"' in site_dir.read("health/b.html")


def test_every_id_of_the_article_page_template_is_in_the_themes_namespace():
    import re
    for name in ("base.html", "article.html", "_macros.html"):
        text = (ROOT / "templates" / name).read_text(encoding="utf-8")
        assert [i for i in re.findall(r'\sid="([^"{]+)"', text) if not i.startswith("hh-")] == [], name


def test_an_id_written_out_in_the_themes_namespace_is_an_error_at_its_line(site_dir):
    site_dir.write("articles/a.md", article("A", body="Intro.\n\n## Skip here {#hh-main}\n"))
    assert _formats(site_dir.build(search=False)) == [
        "articles/a.md:9:16: error: the id 'hh-main' starts with 'hh-', which the theme keeps for its own elements "
        "(such as hh-main), choose another id"]


# --- config, people file and command line under attack -------------------------------------------

def _config_error(site_dir, text: str | bytes) -> str:
    site_dir.write("healthhub.yaml", text)
    site_dir.write("articles/a.md", article("A"))
    run = site_dir.cli("build", "--no-search")
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1, run.stderr
    return run.stderr.strip()


def test_a_config_file_that_is_not_utf8_is_an_error_at_the_byte(site_dir):
    assert _config_error(site_dir, b"site_name: Caf\xe9\n") == (
        "healthhub.yaml:1:15: error: byte 14 (0xe9) of the config file is not UTF-8 text, "
        "save the file as UTF-8 in your editor")


@pytest.mark.parametrize("value, message", [
    ('"%1000000000Y"', "'%1' is not a part of a date it can show"),
    ('"%Q %d"', "'%Q' is not a part of a date it can show"),
    ('"today"', "which shows no part of the date"),
])
def test_a_date_format_that_would_hide_dates_is_an_error(site_dir, value, message):
    assert message in _config_error(site_dir, f"date_format: {value}\n")


@pytest.mark.parametrize("text, message", [
    ('site_name: "A\\x1bB"\n', "holds the control character U+001B"),
    ("site_name: " + "[" * 50 + "\n", "nested more than 20 levels"),
    ("site_name: A\x00\n", "holds the control character U+0000"),
    ("per_page: 99999999999999999999\n", "too large"),
    ("per_page: [1, 2]\n", "it must be a single value"),
])
def test_hostile_config_values_are_one_error_each(site_dir, text, message):
    assert message in _config_error(site_dir, text)


def test_a_lone_surrogate_from_a_yaml_escape_is_refused_as_text():
    import yaml
    from healthhub.loading import frontmatter as fm
    node = yaml.ScalarNode(fm.STR, "A\ud800")
    with pytest.raises(fm.FieldError, match="U\\+D800"):
        fm.to_text(node, "title")


def test_a_config_that_is_a_pipe_or_a_device_is_refused_without_waiting(site_dir):
    import os
    os.mkfifo(site_dir.root / "pipe.yaml")
    site_dir.write("articles/a.md", article("A"))
    for target in (str(site_dir.root / "pipe.yaml"), "/dev/zero"):
        run = site_dir.cli("build", "--config", target)
        assert run.returncode == 2 and "is not a regular file" in run.stderr, run.stderr


def test_a_people_file_that_is_not_utf8_or_too_big_is_an_error(site_dir):
    site_dir.write("articles/a.md", article("A"))
    site_dir.write("articles/authors.yaml", b"amara:\n  name: Dr. Am\xffara\n")
    assert [d.format() for d in site_dir.build(search=False).errors] == [
        "articles/authors.yaml:2:15: error: byte 21 (0xff) of the people file is not UTF-8 text, "
        "save the file as UTF-8 in your editor"]
    site_dir.write("articles/authors.yaml", "x: y\n" * 1_000_000)
    assert [d.message for d in site_dir.build(search=False).errors] == [
        "the people file is larger than 4 MB, which no such file needs, check that it is the right file"]


def test_people_fields_with_control_characters_are_errors(site_dir):
    site_dir.write("articles/a.md", article("A"))
    site_dir.write("articles/authors.yaml", 'amara:\n  name: "Dr.\\e[2J Amara"\n')
    assert [d.format() for d in site_dir.build(search=False).errors] == [
        "articles/authors.yaml:2:9: error: 'name' holds the control character U+001B, which a page or feed "
        "cannot show, remove it"]


def test_a_file_name_that_is_not_utf8_is_printed_escaped(site_dir):
    import os
    site_dir.write("articles/a.md", article("A"))
    with open(os.path.join(os.fsencode(site_dir.articles), b"\xff\x1b.md"), "wb") as file:
        file.write(article("B", views="x").encode())
    run = site_dir.cli("check", "--format", "github")
    assert run.returncode == 1 and "\x1b" not in run.stdout and "\\udcff\\x1b.md" in run.stdout


@pytest.mark.parametrize("host", ["", "a b", "a\x1bb", "x" * 300])
def test_serve_refuses_a_host_that_is_no_host_name(site_dir, host):
    run = site_dir.cli("serve", "--host", host, "--port", "0")
    assert run.returncode == 2 and "is not a host name or address" in run.stderr and "\x1b" not in run.stderr


@pytest.mark.parametrize("args", [("build", "--bogus\x1b[2J"), ("check", "--today", "\x1b[2J"),
                                  ("serve", "--port", "80\x1b[2J")])
def test_usage_errors_show_control_characters_escaped(site_dir, args):
    run = site_dir.cli(*args)
    assert run.returncode == 2 and "\x1b" not in run.stderr and "\\x1b[2J" in run.stderr
