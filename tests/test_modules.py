"""Unit tests for the config, Markdown, render and write modules."""

import datetime as dt
import json
import os
import re

import pytest

from conftest import without_background_cleanup
from healthhub.loading.config import Config, parse_config
from healthhub.errors import ConfigError
from healthhub.loading.markup import MarkdownConverter, first_paragraph, shorten
from healthhub.rendering.environment import format_date, json_for_script
from healthhub.rendering.pages import paginate
from healthhub.writing.safety import UnsafeOutputPath
from healthhub.writing.write import write_outputs
from conftest import article


# --- config -------------------------------------------------------------------

def test_config_defaults():
    config = Config()
    assert config.site_name == "HealthHub" and config.per_page == 10 and config.language == "en"


def test_config_values_and_base_url_normalised():
    config = parse_config("site_name: Clinic\nbase_url: https://host/hub\nper_page: 4\n"
                          "category_order: [Sleep, Health]\n", "healthhub.yaml")
    assert (config.site_name, config.base_url, config.per_page, config.category_order) == (
        "Clinic", "https://host/hub/", 4, ("Sleep", "Health"))


@pytest.mark.parametrize("text, message", [
    ("base_url: host.org\n", "healthhub.yaml:1:11: error: 'base_url' is 'host.org', write the full address"),
    ("per_page: 0\n", "healthhub.yaml:1:11: error: 'per_page' is 0, it must be 1 or more"),
    ("titel_max: 3\n", "healthhub.yaml:1:1: error: unknown config key 'titel_max' (did you mean 'title_max'?)"),
    ("- a\n", "healthhub.yaml:1:1: error: the config file is a list, not fields"),
])
def test_config_errors(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "healthhub.yaml")
    assert caught.value.diagnostics[0].format().startswith(message)


def test_config_reports_every_bad_key_at_once():
    with pytest.raises(ConfigError) as caught:
        parse_config("per_page: x\nlanguage: 12 3\n", "c.yaml")
    assert [(d.line, d.col) for d in caught.value.diagnostics] == [(1, 11), (2, 11)]


# --- markdown -----------------------------------------------------------------

def test_markdown_extensions_and_stable_heading_ids():
    converter = MarkdownConverter()
    source = ("## Why it hurts\n\nText[^1] with `code`.\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n"
              "!!! note \"Remember\"\n    Rest.\n\n### Quick fix {: #fix }\n\n[^1]: A note.\n")
    rendered = converter.convert(source)
    assert '<h2 id="why-it-hurts">Why it hurts</h2>' in rendered.html
    assert '<h3 id="fix">Quick fix</h3>' in rendered.html
    assert "<table>" in rendered.html and 'class="admonition note"' in rendered.html
    assert 'class="footnote"' in rendered.html
    assert [(h.level, h.id) for h in rendered.headings] == [(2, "why-it-hurts"), (3, "fix")]
    assert converter.convert(source) == rendered  # no state leaks between documents


def test_unicode_heading_ids():
    assert '<h2 id="santé-mentale">' in MarkdownConverter().convert("## Santé mentale\n").html
    # combining marks stay, as GitHub and Hugo keep them (vowel signs, viramas, harakat):
    # the id was 'सवसथय-क-लकषण', which nobody writes in a link
    assert '<h2 id="स्वास्थ्य-के-लक्षण">' in MarkdownConverter().convert("## स्वास्थ्य के लक्षण\n").html
    assert '<h2 id="متى-يكون-الجفاف-خطرًا">' in MarkdownConverter().convert("## متى يكون الجفاف خطرًا؟\n").html


def test_reading_time_counts_chinese_and_japanese_by_their_characters():
    """A Chinese or Japanese article (no spaces between words) was '1 min read' whatever
    its length: its words were counted by the spaces between them."""
    from healthhub.loading.markup import reading_minutes

    assert reading_minutes("<p>" + "word " * 1000 + "</p>") == 5  # 200 words a minute
    chinese = "<p>" + "高血压是一种常见的慢性疾病，需要长期管理。" * 150 + "</p>"  # 2,850 characters and their stops
    assert reading_minutes(chinese) == 6  # 500 characters a minute
    assert reading_minutes("<p>" + "高血圧は、よくある病気です。" * 200 + "</p>") == 5
    assert reading_minutes("<p>" + "高血压 (hypertension) 是 WHO 的重点。" * 100 + "</p>") == 3  # and the words between


def test_summary_helpers():
    assert first_paragraph("<h2>x</h2><p>Hello <em>there</em> &amp; you</p><p>no</p>") == "Hello there & you"
    assert shorten("one two three four", 12) == "one two…"
    assert shorten("short", 12) == "short"


# --- render helpers -----------------------------------------------------------

def test_format_date_without_leading_zero():
    assert format_date(dt.date(2025, 3, 5), "%B %-d, %Y") == "March 5, 2025"
    assert format_date(dt.date(2025, 3, 5), "%d/%m/%Y") == "05/03/2025"


def test_json_for_script_cannot_end_the_script_element():
    text = json_for_script({"t": "</script><!-- \u2028 & 'x'"})
    assert "</" not in text and "<!--" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><!-- \u2028 & 'x'"}


def test_paginate():
    pages = paginate(list(range(5)), 2, lambda n: f"p{n}.html")
    assert [p.items for p in pages] == [(0, 1), (2, 3), (4,)]
    assert (pages[0].prev_path, pages[0].next_path, pages[2].next_path) == (None, "p2.html", None)
    assert pages[1].numbers() == [(1, "p1.html"), (2, "p2.html"), (3, "p3.html")]
    assert len(paginate([], 2, str)) == 1


def test_long_listings_link_the_first_last_and_nearby_pages_not_all_of_them():
    pages = paginate(list(range(50)), 1, lambda n: f"p{n}.html")
    shown = lambda pager: [n for n, _ in pager.numbers()]  # noqa: E731
    assert shown(pages[24]) == [1, None, 23, 24, 25, 26, 27, None, 50]
    assert shown(pages[0]) == [1, 2, 3, None, 50]
    assert shown(pages[3]) == [1, 2, 3, 4, 5, 6, None, 50]  # no ellipsis for a single missing page
    assert shown(pages[49]) == [1, None, 48, 49, 50]
    assert pages[24].numbers()[2] == (23, "p23.html")


# --- writer -------------------------------------------------------------------

def test_writer_keeps_unchanged_files_and_removes_stale_ones(tmp_path):
    out = tmp_path / "site"
    write_outputs(out, {"a.html": b"A", "b/c.html": b"C", "old.html": b"O"})
    before = (out / "a.html").stat()
    result = write_outputs(out, {"a.html": b"A", "b/c.html": b"C2"})
    assert (result.written, result.unchanged, result.removed) == (1, 1, 1)
    after = (out / "a.html").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (out / "b/c.html").read_bytes() == b"C2" and not (out / "old.html").exists()
    assert without_background_cleanup(tmp_path) == [".site-spare-*", "site"]  # the previous site, kept


def test_writer_refuses_paths_outside_the_site(tmp_path):
    out = tmp_path / "site"
    write_outputs(out, {"a.html": b"A"})
    for bad in ("../escape.html", "/etc/x", "a/../../x"):
        with pytest.raises(UnsafeOutputPath):
            write_outputs(out, {bad: b"x"})
    assert not (tmp_path / "escape.html").exists()
    assert (out / "a.html").read_bytes() == b"A"


def test_writer_failure_leaves_previous_site(tmp_path):
    out = tmp_path / "site"
    write_outputs(out, {"a.html": b"A"})

    def crash(staging):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_outputs(out, {"a.html": b"B", "new.html": b"N"}, finish=crash)
    assert sorted(os.listdir(out)) == [".healthhub-site", "a.html"] and (out / "a.html").read_bytes() == b"A"
    assert without_background_cleanup(tmp_path) == ["site"]


# --- site model ----------------------------------------------------------------

def test_two_articles_with_the_same_url_are_one_error_naming_both(site_dir):
    site_dir.write("articles/health/a.md", article("A", slug="same"))
    site_dir.write("articles/other/b.md", article("B", slug="same"))
    result = site_dir.build()
    assert [d.format() for d in result.errors] == [
        "articles/other/b.md:5:7: error: this article and articles/health/a.md:5 would both be published at "
        "health/same.html, give one of them a different 'slug:' or file name"]


def test_category_spelled_two_ways_by_case_is_one_category_with_a_warning(site_dir):
    site_dir.write("articles/a.md", article("A", category="Mental Health"))
    site_dir.write("articles/b.md", article("B", category="Mental health"))
    site_dir.write("articles/c.md", article("C", category="Mental Health"))
    result = site_dir.build()
    assert result.ok
    assert [d.format() for d in result.diagnostics] == [
        "articles/b.md:3:11: warning: category 'Mental health' is written 'Mental Health' in 2 other articles "
        "(articles/a.md), both are one category shown as 'Mental Health', use one spelling"]
    assert "Mental health" not in site_dir.read("mental-health/b.html")


def test_names_sharing_a_tag_address_are_counted_in_source_order_whatever_order_one_article_gives_them(site_dir):
    # gather_site groups the uses of each name before choosing one: b.md gives both
    # names, in the other order than they first appear; the result is as if each use
    # were looked at in turn.
    site_dir.write("articles/a.md", article("A", tags="[Rh+]"))
    site_dir.write("articles/b.md", article("B", tags="[Rh-, Rh+]"))
    site_dir.write("articles/c.md", article("C", tags="[Rh-]"))
    site_dir.write("articles/d.md", article("D", tags="[rh-]"))
    result = site_dir.build()
    assert [d.format() for d in result.errors] == [
        "articles/a.md:5:7: error: tag 'Rh+' and tag 'Rh-' (articles/b.md:5) are different names that would share "
        "one address, tags/rh/index.html, rename one of them (this one is also used in 1 more article)"]


def test_categories_follow_config_order_and_unicode_slugs(site_dir):
    site_dir.write("healthhub.yaml", "category_order: [Sommeil, Health]\n")
    site_dir.write("articles/a.md", article("A", category="Health"))
    site_dir.write("articles/b.md", article("B", category="Santé", tags="[Cœur, cœur]"))
    site_dir.write("articles/c.md", article("C", category="Sommeil"))
    result = site_dir.build()
    assert result.ok
    assert [c.name for c in result.site.categories] == ["Sommeil", "Health", "Santé"]
    assert (site_dir.out / "santé/b.html").is_file()
    assert (site_dir.out / "tags/cœur/index.html").is_file()
    assert 'href="sant%C3%A9/index.html"' in site_dir.read("index.html")


def test_category_pages_are_paginated(site_dir):
    site_dir.write("healthhub.yaml", "per_page: 2\n")
    for n in range(5):
        site_dir.write(f"articles/a{n}.md", article(f"Article {n}", date=f"2025-01-0{n + 1}"))
    assert site_dir.build().ok
    first, third = site_dir.read("health/index.html"), site_dir.read("health/page/3.html")
    cards = lambda html: re.findall(r'class="card-title"><a href="[^"]*">([^<]*)</a>', html)
    assert cards(first) == ["Article 4", "Article 3"] and cards(third) == ["Article 0"]
    assert '<link rel="next" href="page/2.html">' in first
    assert '<link rel="prev" href="2.html">' in third
    assert '<span aria-current="page">3</span>' in third
