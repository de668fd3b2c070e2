"""Trustworthy health content: people, medical review, sources, care callouts,
reading aids, links between articles, and `check`."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest

from conftest import ROOT, article
from healthhub import cli

PEOPLE = """\
amara-okafor:
  name: Dr. Amara Okafor
  credentials: MBBS, MRCGP
  bio: A fictional GP.
sam-patel:
  name: Sam Patel
  credentials: Registered Dietitian
"""

SOURCES = """
  - title: "High blood pressure"
    url: https://www.nhs.uk/conditions/high-blood-pressure/
    publisher: NHS
    year: 2023"""

SIMPLE = "We like to walk. It is good for you. Walk each day with a friend.\n"


def messages(result):
    return [d.format() for d in result.diagnostics]


def check(site_dir, capsys, *args):
    """Run `healthhub check ARGS` in the project folder; (exit code, stdout)."""
    cwd = os.getcwd()
    os.chdir(site_dir.root)
    try:
        code = cli.main(["check", "--today", "2026-11-25", *args])
    finally:
        os.chdir(cwd)
    return code, capsys.readouterr().out


def clean(title="Walking", body=SIMPLE, **fields):
    """An article that passes every check (its body starts on line 13)."""
    values = dict(summary='"Why walking helps."', sources=SOURCES)
    values.update(fields)
    return article(title, body=body, **values)


# --- people and medical review ------------------------------------------------

def test_author_and_reviewer_link_to_profile_pages_listing_their_work(site_dir):
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/bp.md", article(
        "Blood pressure", author="sam-patel", reviewed_by="amara-okafor", reviewed="2026-03-01"))
    result = site_dir.build()
    assert result.ok, messages(result)
    page = site_dir.read("health/bp.html")
    assert 'By <a href="../people/sam-patel.html">Sam Patel</a>' in page
    assert ('Medically reviewed by <a href="../people/amara-okafor.html">Dr. Amara Okafor</a>, MBBS, MRCGP'
            in page)
    assert 'Page last reviewed: <time datetime="2026-03-01">March 1, 2026</time>' in page
    # next_review defaults to reviewed + 24 months
    assert 'Next review due: <time datetime="2028-03-01">March 1, 2028</time>' in page
    profile = site_dir.read("people/amara-okafor.html")
    assert "<h1>Dr. Amara Okafor</h1>" in profile and "MBBS, MRCGP" in profile
    reviewed = profile.split('id="reviewed-heading"')[1]
    assert '<a href="../health/bp.html">Blood pressure</a>' in reviewed
    written = site_dir.read("people/sam-patel.html").split('id="written-heading"')[1].split("reviewed-heading")[0]
    assert '<a href="../health/bp.html">Blood pressure</a>' in written


def test_a_long_list_of_a_persons_work_goes_on_over_pages_of_its_own(site_dir, browser):
    """A person's page shows the newest per_page articles of each list and the count;
    the rest follow on pages of their own (people/<id>/<kind>/page/N.html), each
    article on exactly one of them, linked back and forth, valid, in the sitemap;
    when the list shrinks the pages it no longer needs go, and the removed-page
    guard (which leaves later pages of a listing alone) does not object."""
    import checkers

    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("healthhub.yaml", "per_page: 3\nbase_url: https://health.example/\n")
    titles = []
    for n in range(1, 8):  # 7 written by Sam Patel, newest first: 7, 6, ... 1
        titles.append(f"Walking tip {n}")
        site_dir.write(f"articles/health/tip-{n}.md", article(
            f"Walking tip {n}", date=f"2025-03-{n:02d}", author="sam-patel",
            **({"reviewed_by": "amara-okafor", "reviewed": "2025-04-01"} if n <= 4 else {})))
    addresses = site_dir.root / "published-addresses.txt"
    result = site_dir.build(search=False, addresses_file=addresses)
    assert result.ok, messages(result)

    def listed(html: str) -> list[str]:
        return re.findall(r'<li><a href="[^"]+">(Walking tip \d)</a>', html)

    profile = site_dir.read("people/sam-patel.html")
    written = profile.split('id="written-heading"')[1].split("reviewed-heading")[0]
    assert listed(written) == ["Walking tip 7", "Walking tip 6", "Walking tip 5"]
    assert "<p class=\"small\">7 articles</p>" in written
    assert 'href="sam-patel/written/page/2.html" rel="next"' in written
    second = site_dir.read("people/sam-patel/written/page/2.html")
    assert "<h1>Articles written by Sam Patel</h1>" in second and "7 articles, page 2 of 3" in second
    assert "<title>Articles written by Sam Patel (page 2) | " in second
    assert '<a href="../../../sam-patel.html">Sam Patel</a>' in second  # in the breadcrumb
    assert 'href="../../../sam-patel.html#written-heading" rel="prev"' in second
    third = site_dir.read("people/sam-patel/written/page/3.html")
    assert listed(second) + listed(third) == ["Walking tip 4", "Walking tip 3", "Walking tip 2", "Walking tip 1"]
    assert not (site_dir.out / "people/sam-patel/written/page/4.html").exists()
    # the reviewer's list the same way; a list that fits (the reviewer wrote nothing) has no pages after
    reviewer = site_dir.read("people/amara-okafor.html")
    assert listed(reviewer.split('id="reviewed-heading"')[1]) == ["Walking tip 4", "Walking tip 3", "Walking tip 2"]
    assert listed(site_dir.read("people/amara-okafor/reviewed/page/2.html")) == ["Walking tip 1"]
    assert 'class="pagination"' not in reviewer.split('id="reviewed-heading"')[0]
    assert not (site_dir.out / "people/amara-okafor/written").exists()
    sitemap = site_dir.read("sitemap.xml")
    assert "<loc>https://health.example/people/sam-patel/written/page/3.html</loc>" in sitemap
    pages = [site_dir.out / rel for rel in ("people/sam-patel.html", "people/sam-patel/written/page/2.html",
                                            "people/amara-okafor/reviewed/page/2.html")]
    assert checkers.run_vnu(pages, site_dir.out) == []
    assert checkers.check_links(site_dir.out) == []
    assert checkers.axe_light_and_dark(browser, site_dir.out, ["people/sam-patel.html",
                                                          "people/sam-patel/written/page/2.html"]) == []
    assert checkers.validate_sitemap(site_dir.out / "sitemap.xml", site_dir.out, "https://health.example/") == []

    for n in (1, 2, 3):  # 4 left: two pages
        (site_dir.articles / "health" / f"tip-{n}.md").unlink()
    site_dir.write("healthhub.yaml", "per_page: 3\nbase_url: https://health.example/\ngone:\n"
                   + "".join(f"  - health/tip-{n}.html\n" for n in (1, 2, 3)))
    result = site_dir.build(search=False, addresses_file=addresses)
    assert result.ok, messages(result)
    assert listed(site_dir.read("people/sam-patel/written/page/2.html")) == ["Walking tip 4"]
    assert not (site_dir.out / "people/sam-patel/written/page/3.html").exists()
    assert not (site_dir.out / "people/amara-okafor/reviewed").exists()


def test_review_interval_comes_from_config_and_next_review_can_be_given(site_dir):
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("healthhub.yaml", "review_interval_months: 12\n")
    site_dir.write("articles/health/a.md", article("A", reviewed_by="amara-okafor", reviewed="2026-01-31"))
    site_dir.write("articles/health/b.md", article("B", reviewed_by="amara-okafor", reviewed="2026-01-31",
                                                   next_review="2026-06-30"))
    result = site_dir.build()
    assert result.ok, messages(result)
    assert 'Next review due: <time datetime="2027-01-31">' in site_dir.read("health/a.html")
    assert 'Next review due: <time datetime="2026-06-30">' in site_dir.read("health/b.html")


def test_unknown_author_and_reviewer_are_errors_at_their_values(site_dir):
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/a.md", article(
        "A", author="Sam Patel", reviewed_by="amara-okafr", reviewed="2026-03-01"))
    result = site_dir.build()
    assert not result.ok
    assert messages(result) == [
        "articles/health/a.md:5:9: error: unknown author 'Sam Patel' (write the person's id: author: sam-patel), "
        "use a person id from authors.yaml (known: amara-okafor, sam-patel) or add the person there",
        "articles/health/a.md:6:14: error: unknown reviewer 'amara-okafr' (did you mean 'amara-okafor'?), "
        "use a person id from authors.yaml (known: amara-okafor, sam-patel) or add the person there",
    ]


def test_review_fields_must_go_together_and_in_order(site_dir):
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/a.md", article("A", reviewed="2026-03-01"))
    site_dir.write("articles/health/b.md", article("B", reviewed_by="amara-okafor", reviewed="2026-03-01",
                                                   next_review="2026-02-01"))
    assert messages(site_dir.build()) == [
        "articles/health/a.md:5:11: error: 'reviewed' needs its partner, add a line like  reviewed_by: amara-okafor",
        "articles/health/b.md:7:14: error: 'next_review' (2026-02-01) is not after 'reviewed' (2026-03-01), "
        "use a later date",
    ]


def test_people_file_mistakes_are_reported_with_positions(site_dir):
    site_dir.write("authors.yaml", "amara-okafor:\n  credentials: GP\nsam:\n  name: Sam\n  url: nope\n")
    site_dir.write("articles/health/a.md", article("A"))
    assert messages(site_dir.build()) == [
        "authors.yaml:1:1: error: 'amara-okafor' has no 'name', add a line like  name: \"Dr. Amara Okafor\"",
        "authors.yaml:5:8: error: 'url' is 'nope', write a full address such as https://example.org/",
    ]


def test_a_missing_authors_file_named_on_the_command_line_is_a_usage_error(site_dir):
    site_dir.write("articles/health/a.md", article("A"))
    result = site_dir.cli("--authors", "people.yaml")
    assert result.returncode == 2
    assert "people.yaml:1:1: error: people file not found, check the --authors path" in result.stderr


# --- sources --------------------------------------------------------------------

def test_sources_render_as_a_numbered_list_and_footnotes_still_work(site_dir):
    sources = SOURCES + """
  - title: "Hypertension in adults"
    url: https://www.nice.org.uk/guidance/ng136
    publisher: NICE
    year: 2019
    doi: 10.1000/xyz123"""
    site_dir.write("articles/health/a.md", article("A", sources=sources, body="Salt matters.[^1]\n\n[^1]: A note.\n"))
    result = site_dir.build()
    assert result.ok, messages(result)
    page = site_dir.read("health/a.html")
    listing = page.split('<h2 id="hh-sources-heading">Sources</h2>')[1].split("</ol>")[0]
    assert re.findall(r"<li>(.*?)</li>", listing) == [
        'NHS (2023). <a href="https://www.nhs.uk/conditions/high-blood-pressure/">High blood pressure</a>.',
        'NICE (2019). <a href="https://www.nice.org.uk/guidance/ng136">Hypertension in adults</a>. '
        'DOI: <a href="https://doi.org/10.1000/xyz123">10.1000/xyz123</a>.',
    ]
    assert 'class="footnote"' in page


def test_bad_sources_are_errors_at_the_value(site_dir):
    sources = """
  - title: "High blood pressure"
    url: www.nhs.uk
    publisher: NHS
    year: 2023
  - title: "No year"
    url: https://example.org/
    publisher: NHS
  - title: "Copied with a space"
    url: https://www.nhs.uk/conditions/high blood pressure/
    publisher: NHS
    year: 2023"""
    site_dir.write("articles/health/a.md", article("A", sources=sources))
    assert messages(site_dir.build()) == [
        "articles/health/a.md:7:10: error: 'url' is 'www.nhs.uk', write the full address, e.g. https://www.nhs.uk/",
        "articles/health/a.md:10:5: error: source 2 has no 'year', every source needs title, url, publisher and year",
        "articles/health/a.md:14:10: error: 'url' is 'https://www.nhs.uk/conditions/high blood pressure/', which "
        "holds a space, write %20 in its place (or copy the address again from the browser)",
    ]


# --- care callouts and reading aids -------------------------------------------------

def test_care_callouts_have_a_worded_title_a_decorative_icon_and_a_role(site_dir):
    site_dir.write("healthhub.yaml", 'emergency_number: "112"\n')
    body = """\
    !!! urgent
        Chest pain that spreads to your arm.

    !!! see-a-doctor "See a GP if it lasts a week"
        Text.

    !!! tip ""
        Sip water, see [the other page](b.md).
    """
    site_dir.write("articles/health/a.md", article("A", body=body))
    site_dir.write("articles/health/b.md", article("B"))
    result = site_dir.build()
    assert result.ok, messages(result)
    page = site_dir.read("health/a.html")
    assert '<div class="callout callout-urgent" role="note">' in page
    assert '<a href="b.html">the other page</a>' in page  # links inside callouts are rewritten too
    titles = re.findall(r'<p class="callout-title"><svg aria-hidden="true" class="callout-icon" focusable="false"'
                        r'[^>]*>.*?</svg><span>(.*?)</span></p>', page)
    assert titles == ["Urgent advice: call 112 or go to A&amp;E", "Non-urgent advice: See a GP if it lasts a week",
                      "Tip"]


def test_contents_list_for_three_sections_reading_time_and_disclaimer(site_dir):
    site_dir.write("healthhub.yaml", 'disclaimer: "Not medical advice."\n')
    three = "Intro.\n\n## One\n\nA.\n\n## Two\n\nB.\n\n## Three\n\n" + "word " * 450 + "\n"
    site_dir.write("articles/health/long.md", article("Long", body=three))
    site_dir.write("articles/health/short.md", article("Short", body="## One\n\nA.\n\n## Two\n\nB.\n"))
    result = site_dir.build()
    assert result.ok, messages(result)
    long = site_dir.read("health/long.html")
    toc = long.split('<nav class="toc" aria-labelledby="hh-toc-heading">')[1].split("</nav>")[0]
    assert re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', toc) == [("#one", "One"), ("#two", "Two"), ("#three", "Three")]
    assert '<span class="reading-time">3 min read</span>' in long
    assert "<strong>Medical disclaimer:</strong> Not medical advice." in long
    short = site_dir.read("health/short.html")
    assert 'class="toc"' not in short and '<span class="reading-time">1 min read</span>' in short


def test_article_page_keeps_its_visible_order(site_dir):
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/a.md", article(
        "Title here", author="sam-patel", reviewed_by="amara-okafor", reviewed="2026-03-01", sources=SOURCES,
        body="Body text.\n\n## One\n\n## Two\n\n## Three\n"))
    assert site_dir.build().ok
    page = site_dir.read("health/a.html")
    markers = ['class="site-name"', "Location:", '<p class="kicker">Health</p>', "Title here</h1>",
               '<p class="meta">', 'class="toc"', "<p>Body text.</p>", "hh-sources-heading",
               "Page last reviewed", "Medical disclaimer"]
    positions = [page.index(m) for m in markers]
    assert positions == sorted(positions)


# --- links between articles ------------------------------------------------------------

def test_links_to_other_articles_become_links_to_their_pages(site_dir):
    site_dir.write("articles/fitness/run.md", article("Run", category="Fitness", slug="running",
                                                      body="## Walk-run intervals\n\nText.\n"))
    site_dir.write("articles/health/a.md", article(
        "A", body="See [running](../fitness/run.md#walk-run-intervals) and [again](../fitness/run.md).\n"))
    result = site_dir.build()
    assert result.ok, messages(result)
    page = site_dir.read("health/a.html")
    assert '<a href="../fitness/running.html#walk-run-intervals">running</a>' in page
    assert '<a href="../fitness/running.html">again</a>' in page


def test_broken_links_between_articles_fail_the_build_at_the_link(site_dir):
    site_dir.write("articles/fitness/run.md", article("Run", category="Fitness", body="## Pace\n"))
    site_dir.write("articles/health/a.md", article(
        "A", body="Text.\nSee [x](../fitness/walk.md) or [y](../fitness/run.md#pase).\n"))
    result = site_dir.build()
    assert not result.ok
    assert messages(result) == [
        "articles/health/a.md:8:9: error: link to '../fitness/walk.md': there is no article at "
        "articles/fitness/walk.md, check the path (it is relative to this file)",
        "articles/health/a.md:8:36: error: link to '../fitness/run.md#pase': articles/fitness/run.md has no heading "
        "with the id 'pase' (did you mean 'pace'?), use one of: pace",
    ]
    # paths written as on Windows: told what separates folders on the web
    line = "See [x](..\\fitness\\run.md) and ![A run](photos\\run.jpg).\n"
    site_dir.write("articles/health/a.md", article("A", body=line))
    link, image = line.index("..") + 1, line.index("photos") + 1
    assert messages(site_dir.build()) == [
        f"articles/health/a.md:7:{link}: error: link to '..\\fitness\\run.md': there is no article at "
        "articles/health/..\\fitness\\run.md, check the path (it is relative to this file), and write / between "
        "folders, not \\ (web addresses use /)",
        f"articles/health/a.md:7:{image}: error: image 'photos\\run.jpg': there is no file articles/health/photos\\run.jpg, "
        "check the name (it is relative to this article's file), and write / between folders, not \\ (web addresses use /)",
    ]


# --- check ------------------------------------------------------------------------------

HARD = ("Cardiovascular rehabilitation encompasses multidisciplinary interventions incorporating "
        "individualised physiological conditioning, pharmacological optimisation, psychological "
        "counselling and comprehensive educational programmes addressing modifiable determinants. ") * 8


def test_check_is_clean_for_a_good_site(site_dir, capsys):
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/a.md", clean(author="sam-patel", reviewed_by="amara-okafor",
                                                 reviewed="2026-03-01"))
    code, out = check(site_dir, capsys, "--strict")
    assert (code, out) == (0, "Checked 1 article: no problems found.\n")


def test_check_readability_above_target_is_a_warning_with_the_grade(site_dir, capsys):
    site_dir.write("articles/health/hard.md", article("Hard", summary='"S."', sources=SOURCES, body=HARD))
    site_dir.write("articles/health/easy.md", clean("Easy", body=SIMPLE * 12))
    code, out = check(site_dir, capsys)
    assert code == 0
    lines = out.splitlines()
    assert re.fullmatch(r"articles/health/hard\.md:13:1: warning: reading level is grade \d+\.\d \(Flesch-Kincaid\), "
                        r"above the target of 9, use shorter sentences and everyday words \[readability\]", lines[0]), lines
    assert lines[1:] == ["Checked 2 articles: 0 errors and 1 warning in 1 file."]
    assert check(site_dir, capsys, "--strict")[0] == 1


def test_check_review_dates_overdue_is_an_error_and_soon_a_warning(site_dir, capsys):
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/old.md", clean("Old", reviewed_by="amara-okafor", reviewed="2024-01-01",
                                                   next_review="2026-11-24"))
    site_dir.write("articles/health/soon.md", clean("Soon", reviewed_by="amara-okafor", reviewed="2025-01-01",
                                                    next_review="2026-12-20"))
    site_dir.write("articles/health/fine.md", clean("Fine", reviewed_by="amara-okafor", reviewed="2025-01-01",
                                                    next_review="2026-12-26"))
    code, out = check(site_dir, capsys)
    assert code == 1
    assert out.splitlines() == [
        "articles/health/old.md:13:14: error: medical review is overdue: it was due on 2026-11-24, "
        "have the article reviewed and update 'reviewed' [review-overdue]",
        "articles/health/soon.md:13:14: warning: medical review is due on 2026-12-20 (in 25 days), plan the review "
        "[review-due]",
        "Checked 3 articles: 1 error and 1 warning in 2 files.",
    ]


def test_check_warns_about_an_article_without_sources(site_dir, capsys):
    site_dir.write("articles/health/a.md", article("A", summary='"S."', body=SIMPLE))
    site_dir.write("articles/health/b.md", clean("B"))
    code, out = check(site_dir, capsys)
    assert (code, out.splitlines()[0]) == (0, "articles/health/a.md:1:1: warning: the article lists no sources, "
                                              "add a 'sources:' list with the guidance or research it is based on "
                                              "[no-sources]")
    assert len(out.splitlines()) == 2


def test_check_reports_unknown_people(site_dir, capsys):
    # An author without a profile is shown by name (a warning); `check --strict` demands profiles.
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/a.md", clean(author="nobody"))
    code, out = check(site_dir, capsys)
    assert code == 0
    assert out.startswith("articles/health/a.md:11:9: warning: author 'nobody' has no profile in authors.yaml, "
                          "the name is shown as written; to give authors a profile page, add them to authors.yaml")
    assert check(site_dir, capsys, "--strict")[0] == 1
    site_dir.write("articles/health/a.md", clean(author="amara-okafr"))  # a mistyped id stays an error
    code, out = check(site_dir, capsys)
    assert code == 1
    assert out.startswith("articles/health/a.md:11:9: error: unknown author 'amara-okafr' (did you mean 'amara-okafor'?)")


TINY_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
                         "9c63f8cfc000000301010018dd8db00000000049454e44ae426082")


def test_check_images_headings_and_second_h1(site_dir, capsys):
    body = """\
    Text.

    ![](chart.png)
    ![A chart of blood pressure](chart.png)

    # Another title

    ## Fine

    #### Skipped

    ```
    # not a heading ![](x.png)
    ```

    !!! warning
        Not a care callout type.
    """
    site_dir.write("articles/health/a.md", clean(body=body))
    site_dir.write("articles/health/b.md", clean("B", body="## One\n\n### Two\n\n![Alt](x.png)\n"))
    for name in ("chart.png", "x.png"):  # a missing image is an error of its own (test_images.py)
        site_dir.write(f"articles/health/{name}", TINY_PNG)
    code, out = check(site_dir, capsys)
    assert code == 1
    assert out.splitlines() == [
        "articles/health/a.md:15:5: error: image 'chart.png' has no alt text, "
        "describe it: ![what the image shows](chart.png) [alt-text]",
        "articles/health/a.md:18:1: error: heading 'Another title' is a second <h1> (the title is the first), "
        "use '##' for sections [second-h1]",
        "articles/health/a.md:22:1: warning: heading 'Skipped' skips from level 2 to 4, use ### here [heading-skip]",
        "articles/health/a.md:28:5: warning: callout type 'warning' has no care style, "
        "use one of: urgent, see-a-doctor, info, tip [callout-type]",
        "Checked 2 articles: 2 errors and 2 warnings in 1 file.",
    ]


def test_check_duplicate_titles_and_long_summaries(site_dir, capsys):
    long = "x" * 161
    site_dir.write("articles/health/a.md", clean("Same title"))
    site_dir.write("articles/sleep/b.md", clean("Same  Title"))
    site_dir.write("articles/health/c.md", clean("C", summary=f'"{long}"'))
    site_dir.write("articles/health/d.md", clean("D", summary=f'"{long[:160]}"'))
    code, out = check(site_dir, capsys)
    assert code == 0
    assert out.splitlines() == [
        "articles/health/c.md:5:10: warning: the summary is 161 characters, search engines show about 160, shorten it "
        "[summary-length]",
        "articles/sleep/b.md:2:8: warning: the title 'Same  Title' is also used by articles/health/a.md, "
        "give each article its own title [duplicate-title]",
        "Checked 4 articles: 0 errors and 2 warnings in 2 files.",
    ]


def test_check_broken_internal_link_is_reported(site_dir, capsys):
    site_dir.write("articles/health/a.md", clean(body="See [b](b.md#nope).\n"))
    site_dir.write("articles/health/b.md", clean("B"))
    code, out = check(site_dir, capsys)
    assert code == 1
    assert out.splitlines()[0] == ("articles/health/a.md:13:9: error: link to 'b.md#nope': articles/health/b.md has "
                                   "no heading with the id 'nope', use one of: none [broken-link]")


def test_a_link_to_a_heading_whose_id_has_one_hash_too_many_says_so(site_dir, capsys):
    # `{##dosage}` (a slip found in a real site) gives the heading the id '#dosage'
    site_dir.write("articles/health/a.md", clean(body="See [how much](#dosage) and [b](b.md#dosage).\n\n"
                                                      "## How much to take {##dosage}\n\nText.\n"))
    site_dir.write("articles/health/b.md", clean("B", body="## Dosage {##dosage}\n\nText.\n"))
    code, out = check(site_dir, capsys)
    assert code == 1
    assert out.splitlines()[:2] == [
        "articles/health/a.md:13:16: error: link to '#dosage': this article has no heading with that id, but its "
        "heading 'How much to take' has the id '#dosage' (written {##dosage}), write {#dosage} there [broken-link]",
        "articles/health/a.md:13:33: error: link to 'b.md#dosage': articles/health/b.md has no heading with the id "
        "'dosage', but its heading 'Dosage' has the id '#dosage' (written {##dosage}), write {#dosage} there "
        "[broken-link]",
    ]


def test_check_json_and_github_formats(site_dir, capsys):
    site_dir.write("articles/health/a.md", article("A", summary='"S."', body=SIMPLE))
    code, out = check(site_dir, capsys, "--format", "json")
    assert code == 0
    assert json.loads(out) == {"articles": 1, "errors": 0, "warnings": 1, "unparsed_files": 0,
                               "rules": {"no-sources": {"errors": 0, "warnings": 1}}, "diagnostics": [{
        "file": "articles/health/a.md", "line": 1, "col": 1, "severity": "warning", "rule": "no-sources",
        "message": "the article lists no sources, add a 'sources:' list with the guidance or research it is based on",
    }]}
    code, out = check(site_dir, capsys, "--format", "github", "--strict")
    assert code == 1
    assert out.splitlines() == [
        "::warning file=articles/health/a.md,line=1,col=1,title=no-sources::the article lists no sources, "
        "add a 'sources:' list with the guidance or research it is based on",
        "Checked 1 article: 0 errors and 1 warning in 1 file.",
    ]


def test_check_usage_errors_exit_2(site_dir, capsys):
    site_dir.write("articles/health/a.md", clean())
    cwd = os.getcwd()
    os.chdir(site_dir.root)
    try:
        assert cli.main(["check", "--today", "tomorrow"]) == 2
        site_dir.write("healthhub.yaml", "readability_target: hard\n")
        assert cli.main(["check"]) == 2
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert "--today 'tomorrow' is not a date" in err
    assert "healthhub.yaml:1:21: error: 'readability_target' is 'hard', use a school grade from 1 to 20" in err


@pytest.mark.parametrize("today", ["2026-11-25", "2026-12-31"])
def test_sample_site_passes_strict_check(capsys, today, tmp_path):
    # a copy: check keeps its result in the build cache, which is never written into the repo
    shutil.copytree(ROOT / "articles", tmp_path / "articles")
    shutil.copy(ROOT / "healthhub.yaml", tmp_path / "healthhub.yaml")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = cli.main(["check", "--strict", "--today", today])
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert (code, out) == (0, "Checked 21 articles: no problems found.\n")  # 17 English (1 easy read), 2 Spanish, 2 Arabic


def test_people_file_in_the_articles_folder_is_found(site_dir):
    site_dir.write("articles/authors.yaml", PEOPLE)
    site_dir.write("articles/health/a.md", article("A", author="sam-patel"))
    result = site_dir.build()
    assert result.ok, messages(result)
    assert site_dir.read("people/sam-patel.html")


def test_a_people_file_that_cannot_be_read_is_not_called_missing(site_dir, capsys):
    """A people file that is a list (or otherwise unreadable) gives nobody; the build
    said besides that authors have no profile 'as there is no authors.yaml'."""
    site_dir.write("authors.yaml", "- amara-okafor\n")
    site_dir.write("articles/health/a.md", article("A", author="Amara Okafor"))
    expected = ["authors.yaml:1:1: error: the people file is a list, not fields, write one 'name: value' per line, "
                "e.g. sam-patel: {name: Sam Patel}"]
    result = site_dir.build()
    assert messages(result) == expected
    code, out = check(site_dir, capsys)
    assert code == 1 and "no profile" not in out and expected[0] + " [content]\n" in out, out
    (site_dir.root / "authors.yaml").unlink()  # now there is none: then it is said
    assert [m.split(" no profile, ")[1][:27] for m in messages(site_dir.build())] == ["as there is no authors.yaml"]


@pytest.mark.parametrize("name, what", [("authors.yaml", "people file"), ("glossary.yaml", "glossary")])
def test_a_second_data_file_in_the_articles_folder_is_a_warning_even_when_nothing_else_changed(site_dir, name, what):
    """The working directory's file is read first; one in the articles folder beside it
    was ignored without a word (an import writes articles/authors.yaml)."""
    site_dir.write("healthhub.yaml", "site_name: Test\nbase_url: https://example.org/\n")
    site_dir.write(name, PEOPLE if name == "authors.yaml" else "Tendon:\n  definition: A cord joining muscle to bone.\n")
    site_dir.write("articles/health/a.md", article("A"))
    assert site_dir.cli("--no-search").stderr == ""
    site_dir.write(f"articles/{name}", "not: [read\n")
    warned = (f"articles/{name}:1:1: warning: this file is not read: {name} in the working directory is the {what}, "
              "move what this one holds there and delete it\n")
    for _ in range(2):  # the second time nothing changed: the stored result says it again
        result = site_dir.cli("--no-search")
        assert result.returncode == 0 and result.stderr == warned, result.stderr
    (site_dir.articles / name).unlink()
    assert site_dir.cli("--no-search").stderr == ""

def test_check_at_scale_groups_findings_totals_rules_counts_unreadable_files_and_rules_switch_off(site_dir, capsys):
    for number in range(30):
        site_dir.write(f"articles/health/a{number:02d}.md", article(f"A {number}", summary='"S."', body=SIMPLE))
    site_dir.write("articles/health/broken.md", "---\ntitle: [unclosed\n---\n")
    site_dir.write("articles/health/second.md", clean("Second", body="# Again\n"))
    code, out = check(site_dir, capsys)
    assert code == 1
    lines = out.splitlines()
    # rules with errors first, a rule with many findings shows its first five
    assert lines[0].startswith("articles/health/broken.md:3:1: error: the front matter is not valid YAML")
    assert lines[0].endswith(" [content]")
    assert lines[1] == ("articles/health/second.md:13:1: error: heading 'Again' is a second <h1> (the title is the "
                        "first), use '##' for sections [second-h1]")
    assert lines[2] == ("articles/health/a00.md:1:1: warning: the article lists no sources, add a 'sources:' list "
                        "with the guidance or research it is based on [no-sources]")
    assert lines[7] == "  ... and 25 more [no-sources] (--verbose lists them all)"
    assert lines[8:] == [
        "Totals by rule:",
        "  no-sources       0 errors      30 warnings",
        "  content          1 error        0 warnings",
        "  second-h1        1 error        0 warnings",
        "Checked 31 articles: 2 errors and 30 warnings in 32 files; 1 file could not be read as an article.",
    ]
    assert len(check(site_dir, capsys, "--verbose")[1].splitlines()) == 32 + 5
    site_dir.write("healthhub.yaml", "check_disable: [no-sources]\n")
    code, out = check(site_dir, capsys)
    assert out.splitlines()[-1] == ("Checked 31 articles: 2 errors and 0 warnings in 2 files; "
                                    "1 file could not be read as an article.")
    site_dir.write("healthhub.yaml", "check_disable: [no-source]\n")
    cwd = os.getcwd()
    os.chdir(site_dir.root)
    try:
        assert cli.main(["check"]) == 2
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().err.startswith("healthhub.yaml:1:1: error: check_disable names the rule 'no-source', "
                                              "which does not exist (did you mean 'no-sources'?); rules: readability,")


def test_check_rule_codes_are_set_where_each_finding_is_made(site_dir, capsys):
    # The codes of findings the build makes (fields, people, links, template syntax)
    # reach text and JSON; a message that reads like another rule's does not change
    # its rule (an author named "... is given twice" is no duplicate field).
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/a.md", "\n".join([
        "---", "title: Codes", "category: Health", "date: 2025-03-30", 'summary: "Why walking helps."',
        "author: kicker is given twice", "kicker: one", "kicker: two", "sources:" + SOURCES, "---", "",
        "Walk each day. See [the old page](/old/page.html).", "", "{{< youtube abc >}}", ""]))
    code, out = check(site_dir, capsys, "--format", "json")
    assert code == 0
    found = [(d["line"], d["rule"]) for d in json.loads(out)["diagnostics"]]
    assert found == [(6, "author-profile"), (8, "duplicate-field"), (8, "unknown-field"),
                     (16, "link-nowhere"), (18, "template-tag")]
    assert json.loads(out)["rules"] == {code: {"errors": 0, "warnings": 1} for code in (
        "author-profile", "duplicate-field", "link-nowhere", "template-tag", "unknown-field")}
    code, out = check(site_dir, capsys)
    assert [line.rsplit(" ", 1)[1] for line in out.splitlines()[:-1]] == [
        "[author-profile]", "[duplicate-field]", "[unknown-field]", "[link-nowhere]", "[template-tag]"]
    site_dir.write("healthhub.yaml", "check_disable: [duplicate-field, template-tag]\n")
    code, out = check(site_dir, capsys, "--format", "json")
    assert [d["rule"] for d in json.loads(out)["diagnostics"]] == ["author-profile", "unknown-field", "link-nowhere"]


def test_check_prints_its_stored_result_when_nothing_changed_and_checks_again_when_anything_did(
        site_dir, capsys, monkeypatch):
    import time

    from healthhub.checking import check as check_module
    from healthhub.caching.cache import Cache

    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/a.md", clean("A", reviewed_by="amara-okafor", reviewed="2025-01-01",
                                                 next_review="2026-12-20"))
    site_dir.write("articles/health/b.md", article("B", summary='"S."', body=SIMPLE))
    old = time.time() - 60  # files changed in the last 2 s are never trusted by their stat
    for path in site_dir.articles.rglob("*.md"):
        os.utime(path, (old, old))
    checked = []
    real_check_site = check_module.check_site
    monkeypatch.setattr(check_module, "check_site", lambda *args: checked.append(1) or real_check_site(*args))
    first = check(site_dir, capsys)
    assert first[0] == 0 and "[review-due]" in first[1] and "[no-sources]" in first[1]
    assert len(checked) == 1
    assert check(site_dir, capsys) == first
    assert len(checked) == 1  # nothing changed: the stored result
    # another day: checked again
    assert "[review-overdue]" in check(site_dir, capsys, "--today", "2026-12-21")[1]
    assert len(checked) == 2
    site_dir.write("healthhub.yaml", "check_disable: [no-sources]\n")
    assert "[no-sources]" not in check(site_dir, capsys)[1]
    site_dir.write("healthhub.yaml", "")
    # an edited article is checked again (its stat changed)
    site_dir.write("articles/health/b.md", clean("B"))
    os.utime(site_dir.articles / "health/b.md", (old + 1, old + 1))
    assert check(site_dir, capsys)[1].splitlines()[-1] == "Checked 2 articles: 0 errors and 1 warning in 1 file."
    # a stored result that cannot be read means checking again, never a wrong answer
    cache = Cache(site_dir.root / ".healthhub-cache")
    stored = cache.load(check_module.CHECK_STORE)
    assert stored["key"]
    cache.store(check_module.CHECK_STORE, {"key": stored["key"], "result": ("not", "a", "result")})
    assert check(site_dir, capsys)[1].splitlines()[-1] == "Checked 2 articles: 0 errors and 1 warning in 1 file."


def test_check_on_several_processes_finds_what_one_process_finds(site_dir, monkeypatch):
    import datetime as dt

    from healthhub.checking import check as check_module
    from healthhub.caching.bodies import TemporaryBodies
    from healthhub.build import BuildOptions, load_articles
    from healthhub.caching.cache import Cache
    from healthhub.loading.config import Config

    long_words = "Cardiovascular considerations notwithstanding, hypertension management necessitates multidisciplinary evaluation. " * 20
    for number in range(6):
        body = (long_words if number % 2 else SIMPLE) + ("\n# Second title\n" if number == 3 else "")
        site_dir.write(f"articles/health/a{number}.md", article(f"A {number}", summary='"S."', body=body))
    options = BuildOptions(articles_dir=site_dir.articles, out_dir=site_dir.out, future=True)
    with TemporaryBodies() as bodies:
        site = load_articles(options, Config(), {}, Cache(None), bodies).site
        one = check_module.check_site(site, dt.date(2026, 1, 1), jobs=1)
        monkeypatch.setattr(check_module, "PARALLEL_CHECK_MIN", 2)
        monkeypatch.setattr(check_module, "CHUNK", 1)
        several = check_module.check_site(site, dt.date(2026, 1, 1), jobs=2)
    assert several == one
    assert {d.code for d in one} == {"no-sources", "readability", "second-h1"}


def test_without_authors_yaml_many_author_names_give_one_warning(site_dir, capsys):
    names = ["Zoe Quinn", "ann lee", "Bo Chen", "Cy Diaz", "Di Eng"]
    for number, name in enumerate(names):
        site_dir.write(f"articles/health/a{number}.md", clean(f"A {number}", author=f'"{name}"'))
    site_dir.write("articles/health/again.md", clean("Again", author='"Bo Chen"'))
    result = site_dir.build()
    assert result.ok
    assert messages(result) == [
        "articles/health/a0.md:11:9: warning: 5 authors ('ann lee', 'Bo Chen', 'Cy Diaz' and 2 more) have no "
        "profile, as there is no authors.yaml: each name is shown as written; to give authors profile pages, "
        "create authors.yaml next to healthhub.yaml with an entry per author (an id, then name:, credentials:, "
        "bio:) and write that id in 'author:'"]
    assert "Zoe Quinn" in site_dir.read("health/a0.html")
    code, out = check(site_dir, capsys)
    assert code == 0 and out.splitlines()[0].endswith("write that id in 'author:' [author-profile]")
    assert len(out.splitlines()) == 2
    assert check(site_dir, capsys, "--strict")[0] == 1  # --strict demands profiles
    site_dir.write("authors.yaml", PEOPLE)  # with profiles, each name without one is its own warning
    assert len(check(site_dir, capsys)[1].splitlines()) == 1 + 6
