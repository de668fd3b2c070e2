"""Addresses that never break: aliases, gone: pages, the removed-page guard,
and publishing on a date (scheduled and expiring articles)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import checkers
from conftest import article

GUARD = "published-addresses.txt"


def guard_build(site_dir, **overrides):
    """A build with the removed-page guard on, as the CLI runs it."""
    return site_dir.build(addresses_file=site_dir.root / GUARD, search=False, **overrides)


def messages(result) -> list[str]:
    return [d.format() for d in result.diagnostics]


def recorded(site_dir) -> list[str]:
    return [line for line in (site_dir.root / GUARD).read_text().splitlines() if not line.startswith("#")]


def test_the_first_build_records_every_published_address(site_dir):
    site_dir.write("articles/health/knee.md", article("Knee pain", tags="[knees]"))
    site_dir.write("articles/health/plan.md", article("A plan", draft="true"))
    for n in range(11):  # a second category page, which is not kept
        site_dir.write(f"articles/sleep/n{n}.md", article(f"Nap {n}", category="Sleep"))
    result = guard_build(site_dir)
    assert result.ok, messages(result)
    addresses = recorded(site_dir)
    assert addresses == sorted(addresses)
    assert {"/", "/health/knee.html", "/health/", "/sleep/", "/tags/knees/", "/topics.html"} <= set(addresses)
    assert "/health/plan.html" not in addresses  # a draft was never published
    assert "/sleep/page/2.html" not in addresses and "/404.html" not in addresses
    assert not any(a.startswith("/assets/") for a in addresses)


def test_a_build_that_adds_an_address_leaves_nothing_for_the_next_build_to_do(site_dir):
    """The guard's list is an input of the build that writes it: after a build that added
    a page (and so a line to the list), a build with nothing changed takes the short way
    (it used to go over the whole site once more, 1.7-2.1 s instead of 0.4 s at 10,000 articles)."""
    from test_incremental import write

    write(site_dir, "articles/health/knee.md", article("Knee pain"))
    assert guard_build(site_dir).ok
    write(site_dir, "articles/health/back.md", article("Back pain"))
    result = guard_build(site_dir)
    assert result.ok and "/health/back.html" in recorded(site_dir)
    nothing = guard_build(site_dir)
    assert nothing.ok and [stage for stage, _, _ in nothing.timings.stages] == ["check inputs"]
    # and a list changed by hand is still read: that build goes over the site and restores it
    guard = site_dir.root / GUARD
    guard.write_text(guard.read_text(encoding="utf-8").replace("/health/back.html\n", ""), encoding="utf-8")
    again = guard_build(site_dir)
    assert again.ok and len(again.timings.stages) > 1 and "/health/back.html" in recorded(site_dir)


def test_a_renamed_article_fails_the_build_until_it_has_an_alias(site_dir):
    old = site_dir.write("articles/health/knee.md", article("Knee pain after running"))
    site_dir.write("articles/health/back.md", article("Back pain", date="2025-01-01"))
    assert guard_build(site_dir).ok
    before = site_dir.tree()
    line = recorded(site_dir).index("/health/knee.html") + 3  # two comment lines
    old.rename(site_dir.articles / "health" / "running-knee.md")
    result = guard_build(site_dir)
    assert not result.ok
    assert messages(result) == [
        f"{GUARD}:{line}:1: error: /health/knee.html was published before but this build no longer makes it; "
        "it looks like articles/health/running-knee.md (\"Knee pain after running\", now at "
        "/health/running-knee.html) replaced it: add  aliases: [/health/knee.html]  to its front matter; "
        "or, if it is gone on purpose, add it to healthhub.yaml under  gone: [/health/knee.html]"]
    assert site_dir.tree() == before  # the previous site is intact

    site_dir.write("articles/health/running-knee.md",
                   article("Knee pain after running", aliases="[/health/knee.html, /2019/04/knee/]"))
    result = guard_build(site_dir)
    assert result.ok, messages(result)
    page = site_dir.read("health/knee.html")
    assert '<meta http-equiv="refresh" content="0; url=running-knee.html">' in page
    assert '<link rel="canonical" href="running-knee.html">' in page  # no base_url: relative
    assert '<meta name="robots" content="noindex">' in page
    assert 'url=../../../health/running-knee.html"' in site_dir.read("2019/04/knee/index.html")
    assert site_dir.read("_redirects") == ("/2019/04/knee/ /health/running-knee.html 301\n"
                                           "/2019/04/knee/index.html /health/running-knee.html 301\n"
                                           "/health/knee.html /health/running-knee.html 301\n")
    assert {"/health/knee.html", "/2019/04/knee/", "/health/running-knee.html"} <= set(recorded(site_dir))


def test_redirects_under_a_base_url_path_and_canonical_links(site_dir):
    site_dir.write("healthhub.yaml", "base_url: https://example.org/hub/\n")
    site_dir.write("articles/health/knee.md", article("Knee", aliases="[https://example.org/hub/old/knee.html]"))
    result = guard_build(site_dir)
    assert result.ok, messages(result)
    assert site_dir.read("_redirects") == "/hub/old/knee.html /hub/health/knee.html 301\n"
    assert '<link rel="canonical" href="https://example.org/hub/health/knee.html">' in site_dir.read("old/knee.html")
    assert "old/knee.html" not in site_dir.read("sitemap.xml")


def test_a_site_in_several_languages_sends_each_language_folders_missing_pages_to_its_404(site_dir):
    site_dir.write("healthhub.yaml", "base_url: https://example.org/hub/\nlanguage: en\n"
                   "languages: {en: {name: English}, es: {name: Español}, ar: {name: العربية}}\n")
    site_dir.write("articles/health/knee.md", article("Knee", aliases="[/old/knee.html]"))
    site_dir.write("articles/es/salud/rodilla.md", article("Rodilla", category="Salud", lang="es"))
    result = guard_build(site_dir)
    assert result.ok, messages(result)
    # the aliases' 301s first (Netlify takes the first rule that matches), then one rule per language folder
    assert site_dir.read("_redirects") == ("/hub/old/knee.html /hub/health/knee.html 301\n"
                                           "/hub/ar/* /hub/ar/404.html 404\n"
                                           "/hub/es/* /hub/es/404.html 404\n")
    assert 'lang="es"' in site_dir.read("es/404.html") and 'dir="rtl"' in site_dir.read("ar/404.html")


def test_gone_addresses_get_a_removed_page_with_onward_links(site_dir):
    site_dir.write("articles/health/knee.md", article("Knee"))
    old = site_dir.write("articles/health/fad.md", article("A fad diet"))
    assert guard_build(site_dir).ok
    old.unlink()
    assert not guard_build(site_dir).ok
    site_dir.write("healthhub.yaml", "gone:\n  - /health/fad.html\n")
    result = guard_build(site_dir)
    assert result.ok, messages(result)
    page = site_dir.read("health/fad.html")
    assert "This page was removed" in page and '<meta name="robots" content="noindex">' in page
    assert 'href="../index.html"' in page and 'href="../topics.html"' in page
    assert "/health/fad.html" in recorded(site_dir)  # still published: as the removed page


@pytest.mark.parametrize("files, message", [
    ({"articles/health/a.md": article("A", aliases="[/health/b.html]"), "articles/health/b.md": article("B")},
     "articles/health/a.md:5:10: error: the alias /health/b.html is the address of the article "
     "articles/health/b.md, remove the alias"),
    ({"articles/health/a.md": article("A", aliases="[/health/a.html]")},
     "articles/health/a.md:5:10: error: the alias /health/a.html is this article's own address, remove it"),
    ({"articles/health/a.md": article("A", aliases="[/health/]")},
     "articles/health/a.md:5:10: error: the alias /health/ is the address of the category page of Health, "
     "remove the alias"),
    ({"articles/health/a.md": article("A", aliases="['../../etc/x.html']")},
     "articles/health/a.md:5:10: error: '../../etc/x.html' in 'aliases' is not an address on this site, "
     "write it from the site's root, like /old/page.html or /2019/04/old-slug/"),
    ({"articles/health/a.md": article("A", aliases="[https://elsewhere.org/a.html]")},
     "articles/health/a.md:5:10: error: 'https://elsewhere.org/a.html' in 'aliases' is not an address on this "
     "site, write it from the site's root, like /old/page.html or /2019/04/old-slug/"),
    ({"articles/health/a.md": article("A"), "healthhub.yaml": "site_name: X\ngone: [/health/a.html]\n"},
     "healthhub.yaml:2:8: error: gone: /health/a.html is still the address of the article articles/health/a.md, "
     "remove it from 'gone' (or remove the page)"),
])
def test_clashing_aliases_and_gone_entries_are_errors_at_their_line(site_dir, files, message):
    for name, text in files.items():
        site_dir.write(name, text)
    result = guard_build(site_dir)
    assert not result.ok
    assert message in messages(result)


def test_drafts_builds_the_preview_and_other_output_folders_leave_the_list_alone(site_dir):
    site_dir.write("articles/health/knee.md", article("Knee"))
    site_dir.write("articles/health/plan.md", article("Plan", draft="true"))
    assert guard_build(site_dir).ok
    first = (site_dir.root / GUARD).read_bytes()
    assert guard_build(site_dir, drafts=True).ok  # a draft preview is not publishing
    assert guard_build(site_dir, out_dir=site_dir.root / "elsewhere").ok  # --out elsewhere: the same site
    assert (site_dir.root / GUARD).read_bytes() == first
    (site_dir.root / GUARD).unlink()
    assert site_dir.build(search=False, drafts=True).ok  # the live preview's builds have no guard
    assert not (site_dir.root / GUARD).exists()


def test_the_cli_keeps_the_list_next_to_the_config_and_fails_on_a_removed_page(site_dir):
    site_dir.write("articles/health/knee.md", article("Knee"))
    old = site_dir.write("articles/health/elbow.md", article("Elbow"))
    site_dir.cli("--no-search", check=True)
    assert "/health/elbow.html" in recorded(site_dir)
    old.unlink()
    result = site_dir.cli("--no-search")
    assert result.returncode == 1
    assert "error: /health/elbow.html was published before" in result.stderr
    assert "site/ was left unchanged" in result.stderr
    assert (site_dir.out / "health/elbow.html").exists()


def test_a_renamed_category_redirects_its_page_articles_and_feed_with_category_aliases(site_dir):
    site_dir.write("healthhub.yaml", "base_url: https://example.org/\n")
    for name, title in (("stretch", "Stretching"), ("walk", "Walking")):
        site_dir.write(f"articles/excercise/{name}.md", article(title, category="Excercise"))
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    assert guard_build(site_dir).ok
    for name, title in (("stretch", "Stretching"), ("walk", "Walking")):
        site_dir.write(f"articles/excercise/{name}.md", article(title, category="Exercise"))
    result = guard_build(site_dir)
    assert not result.ok  # the old addresses are no longer made: the guard says how to keep them
    category_line = recorded(site_dir).index("/excercise/") + 3
    assert f"{GUARD}:{category_line}:1: error: /excercise/ was published before but this build no longer makes it; " \
           "it looks like the category Exercise (now at /exercise/) replaced it: add  category_aliases: " \
           "{excercise: Exercise}  to healthhub.yaml; or, if it is gone on purpose, add it to healthhub.yaml " \
           "under  gone: [/excercise/]" in messages(result)
    site_dir.write("healthhub.yaml", "base_url: https://example.org/\ncategory_aliases: {Excercise: Exercise}\n")
    result = guard_build(site_dir)
    assert result.ok, messages(result)
    assert '<meta http-equiv="refresh" content="0; url=../exercise/index.html">' in site_dir.read("excercise/index.html")
    assert '<link rel="canonical" href="https://example.org/exercise/walk.html">' in site_dir.read("excercise/walk.html")
    assert site_dir.read("excercise/feed.xml") == site_dir.read("exercise/feed.xml")  # feed readers keep working
    assert site_dir.read("_redirects") == (
        "/excercise/ /exercise/ 301\n/excercise/feed.xml /exercise/feed.xml 301\n/excercise/index.html /exercise/ 301\n"
        "/excercise/stretch.html /exercise/stretch.html 301\n/excercise/walk.html /exercise/walk.html 301\n")
    assert "excercise" not in site_dir.read("sitemap.xml")
    assert {"/excercise/", "/excercise/walk.html", "/exercise/", "/exercise/walk.html"} <= set(recorded(site_dir))


@pytest.mark.parametrize("config, message", [
    ("category_aliases: {Excercise: Exersize}\n",
     "healthhub.yaml:1:20: error: category_aliases: 'Exersize' is not the category of any article (did you mean "
     "'Exercise'?), write the current name of the category that replaced 'Excercise'"),
    ("category_aliases:\n  Health: Exercise\n",
     "healthhub.yaml:2:3: error: category_aliases: 'Health' is still a category (at /health/), remove it from "
     "'category_aliases' or move its articles to Exercise"),
    ("category_aliases: [Health]\n",
     "healthhub.yaml:1:19: error: 'category_aliases' maps each old category name to the current one, "
     "e.g. category_aliases: {Excercise: Fitness}"),
])
def test_category_aliases_that_cannot_work_are_errors_at_their_line(site_dir, config, message):
    site_dir.write("healthhub.yaml", config)
    site_dir.write("articles/exercise/walk.md", article("Walking", category="Exercise"))
    site_dir.write("articles/health/knee.md", article("Knee pain"))
    result = site_dir.cli("--no-search")
    assert result.returncode != 0 and message in result.stderr.splitlines(), result.stderr


@pytest.fixture(scope="module")
def redirect_site(tmp_path_factory):
    from conftest import SiteDir
    site = SiteDir(tmp_path_factory.mktemp("redirects") / "project")
    site.write("articles/health/knee.md", article("Knee pain", aliases="[/old/knee.html, /2019/04/knee/]"))
    site.write("articles/exercise/walk.md", article("Walking", category="Exercise"))
    site.write("healthhub.yaml", "category_aliases: {Excercise: Exercise}\n")
    result = site.build(search=False)
    assert result.ok, messages(result)
    return site


@pytest.mark.parametrize("scheme", ["file", "http"])
def test_a_redirect_page_takes_the_browser_to_the_article(redirect_site, browser, scheme, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 700})
    try:
        page = context.new_page()
        with checkers.serve(redirect_site.out) as url:
            base = redirect_site.out.as_uri() + "/" if scheme == "file" else url
            for old in ("old/knee.html", "2019/04/knee/index.html" if scheme == "file" else "2019/04/knee/"):
                page.goto(base + old)
                page.wait_for_url("**/health/knee.html", timeout=10_000)
                assert page.locator("h1").inner_text() == "Knee pain"
            for old, new, title in (("excercise/walk.html", "exercise/walk.html", "Walking"),
                                    ("excercise/index.html", "exercise/index.html", "Exercise")):  # a renamed category
                page.goto(base + old)
                page.wait_for_url(f"**/{new}", timeout=10_000)
                assert page.locator("h1").inner_text() == title
        if scheme == "file":
            # what a reader sees for a moment (or with refresh turned off): a link onward
            page.route("**/*", lambda route: route.abort() if route.request.url.endswith("/health/knee.html")
                       else route.continue_())
            for width in (390, 1280):
                page.set_viewport_size({"width": width, "height": 700})
                page.set_content((redirect_site.out / "old/knee.html").read_text().replace(
                    '<meta http-equiv="refresh"', '<meta data-off'))
                page.screenshot(path=str(artifacts / f"redirect-page-{width}.png"))
    finally:
        context.close()


# --- publishing on a date ----------------------------------------------------------

def schedule_site(site_dir):
    site_dir.write("healthhub.yaml", "base_url: https://example.org/\n")
    site_dir.write("articles/health/now.md", article("Published now", date="2026-01-01", tags="[knees]"))
    site_dir.write("articles/health/later.md", article("Coming later", date="2026-06-01", tags="[knees]"))
    site_dir.write("articles/health/flu.md", article("Flu clinic dates", date="2025-10-01", expires="2026-03-01",
                                                      tags="[knees]"))


def published_everywhere(site_dir) -> dict[str, bool]:
    """Where an article shows up: its page, listings, feeds, sitemap, related lists."""
    def seen(title, path):
        return {
            "page": (site_dir.out / path).exists(),
            "home": title in site_dir.read("index.html"),
            "category": title in site_dir.read("health/index.html"),
            "tag": title in site_dir.read("tags/knees/index.html"),
            "feed": title in site_dir.read("feed.xml"),
            "sitemap": path in site_dir.read("sitemap.xml"),
            "related": title in site_dir.read("health/now.html"),
        }
    return {"later": seen("Coming later", "health/later.html"), "flu": seen("Flu clinic dates", "health/flu.html")}


def test_an_article_dated_in_the_future_is_published_on_its_day(site_dir):
    schedule_site(site_dir)
    result = site_dir.build(search=False, today=dt.date(2026, 2, 1))
    assert result.ok, messages(result)
    shown = published_everywhere(site_dir)
    assert not any(shown["later"].values()), shown
    assert all(shown["flu"].values()), shown
    result = site_dir.build(search=False, today=dt.date(2026, 6, 1))  # its day: published; flu expired
    assert result.ok, messages(result)
    shown = published_everywhere(site_dir)
    assert all(shown["later"].values()), shown
    assert not any(shown["flu"].values()), shown


def test_future_shows_scheduled_articles_with_a_banner(site_dir):
    schedule_site(site_dir)
    assert site_dir.build(search=False, today=dt.date(2026, 2, 1), future=True).ok
    page = site_dir.read("health/later.html")
    assert "Scheduled: this article is published on June 1, 2026." in page
    assert "Scheduled:" not in site_dir.read("health/now.html")


def test_an_expired_article_counts_as_removed_for_the_guard(site_dir):
    schedule_site(site_dir)
    assert guard_build(site_dir, today=dt.date(2026, 2, 1)).ok
    result = guard_build(site_dir, today=dt.date(2026, 3, 1))
    assert not result.ok
    assert any("/health/flu.html was published before" in m for m in messages(result))
    site_dir.write("healthhub.yaml", "base_url: https://example.org/\ngone: [/health/flu.html]\n")
    assert guard_build(site_dir, today=dt.date(2026, 3, 1)).ok
    assert "This page was removed" in site_dir.read("health/flu.html")


def test_a_link_to_a_scheduled_article_is_an_error_at_the_link(site_dir):
    schedule_site(site_dir)
    site_dir.write("articles/health/now.md", article("Published now", date="2026-01-01",
                                                     body="See [later](later.md).\n"))
    result = site_dir.build(search=False, today=dt.date(2026, 2, 1))
    assert "articles/health/now.md:7:13: error: link to 'later.md': that article is scheduled for 2026-06-01 and " \
           "is not published today, remove the link or link to another article" in messages(result)
    assert site_dir.build(search=False, today=dt.date(2026, 6, 1)).ok


def test_expires_must_come_after_date(site_dir):
    site_dir.write("articles/a.md", article("A", date="2026-01-01", expires="2025-01-01"))
    assert "articles/a.md:5:10: error: 'expires' (2025-01-01) is not after 'date' (2026-01-01), use a later date " \
           "or remove 'expires'" in messages(site_dir.build(search=False))


def test_check_lists_what_is_scheduled(site_dir):
    schedule_site(site_dir)
    result = site_dir.cli("check", "--today", "2026-02-01")
    assert "Scheduled (2):\narticles/health/flu.md: taken down (expires) on 2026-03-01\n" \
           "articles/health/later.md: published on 2026-06-01\n" in result.stdout, result.stdout
    data = json.loads(site_dir.cli("check", "--today", "2026-02-01", "--format", "json").stdout)
    assert data["scheduled"][1] == {"file": "articles/health/later.md", "event": "published", "date": "2026-06-01"}
    built = site_dir.cli("build", "--no-search", "--today", "2026-02-01", check=True)
    assert not (site_dir.out / "health/later.html").exists(), built.stdout
    site_dir.cli("build", "--no-search", "--today", "2026-02-01", "--future", check=True)
    assert (site_dir.out / "health/later.html").exists()


def test_a_tag_no_article_has_any_more_says_so(site_dir):
    site_dir.write("articles/health/knee.md", article("Knee", tags="[running]"))
    site_dir.write("articles/health/back.md", article("Back", tags="[backs]"))
    assert guard_build(site_dir).ok
    site_dir.write("articles/health/knee.md", article("Knee"))
    result = guard_build(site_dir)
    assert [m.split(": error: ", 1)[1] for m in messages(result)] == [
        "/tags/running/ was published before but this build no longer makes it; no article has this tag any more: "
        "give one of them the tag again; or, if it is gone on purpose, add it to healthhub.yaml under  "
        "gone: [/tags/running/]"]
    site_dir.write("healthhub.yaml", "gone: [/tags/running/]\n")
    assert guard_build(site_dir).ok


@settings(max_examples=400, deadline=None)
@given(line=st.one_of(
    st.text(alphabet="/.-_~aZ09%#?:\\ é", max_size=24),
    st.lists(st.text(alphabet="._-~a0", min_size=0, max_size=4), max_size=5).map(lambda parts: "/" + "/".join(parts)),
))
def test_the_recorded_list_is_read_as_address_path_reads_each_line(tmp_path_factory, line):
    """read_addresses' short way for the plain lines it writes gives what paths.address_path
    gives, for any line: the same site path, or the same error."""
    from healthhub import paths
    from healthhub.rendering.addresses import HEADER, read_addresses

    file = tmp_path_factory.mktemp("list") / "published-addresses.txt"
    file.write_text(HEADER + line + "\n", encoding="utf-8")
    found, problems = read_addresses(file, "published-addresses.txt")
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        assert (found, problems) == ({}, [])
        return
    expected = paths.address_path(stripped)
    if expected is None:
        assert found == {} and len(problems) == 1 and "is not an address inside the site" in problems[0].message
    else:
        assert problems == [] and list(found) == [expected]
