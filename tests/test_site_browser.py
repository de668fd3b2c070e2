"""The built sample site in a real browser (headless Debian Chromium through
Playwright): navigation over http:// and file://, no console errors or failed
requests, screenshots to look at, axe-core in light and dark, keyboard use."""

from __future__ import annotations

import pytest

import checkers

WIDTHS = (390, 1280)
SCHEMES = ("light", "dark")


def page_types(sample_site) -> dict[str, str]:
    types = {"home": "index.html", "category": sample_site.category, "tag": sample_site.tag,
             "article": sample_site.article, "404": "404.html"}
    # Pages other features add, checked once they exist.
    for name, path in (("search", "search.html"), ("topics", "tags/index.html"), ("a-z", "a-z.html"),
                       ("glossary", "glossary.html"), ("accessibility", "accessibility.html")):
        if (sample_site.out / path).is_file():
            types[name] = path
    people = sorted((sample_site.out / "people").glob("*.html"))
    if people:
        types["person"] = people[0].relative_to(sample_site.out).as_posix()
    return types


@pytest.fixture(params=["http", "file"])
def base(request, sample_site):
    """The site's root URL over a local HTTP server and straight from disk."""
    if request.param == "http":
        return request.getfixturevalue("site_url")
    return sample_site.out.as_uri() + "/"


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        return page, checkers.BrowserErrors(page)

    yield make
    for context in contexts:
        context.close()


# The breadcrumb as a person sees it, with the CSS-generated ">" separators.
BREADCRUMB_AS_SEEN = """() => {
    const nav = document.querySelector('.breadcrumb');
    const parts = [nav.querySelector('.breadcrumb-label').textContent.trim()];
    for (const li of nav.querySelectorAll('li')) {
        const sep = getComputedStyle(li, '::before').content;
        if (sep && sep !== 'none' && sep !== 'normal') parts.push(JSON.parse(sep));
        parts.push(li.textContent.trim());
    }
    return parts.join(' ');
}"""


def follow(page, link):
    """Click a link and wait until the browser has loaded the page it leads to."""
    with page.expect_navigation(wait_until="load"):
        link.click()
    return page.url


def test_home_to_category_to_article_and_back_by_the_breadcrumb(base, sample_site, new_page):
    page, errors = new_page()
    page.goto(base + "index.html")
    assert page.title().startswith("HealthHub")

    nav_link = page.locator(".site-nav a").first
    category_name = nav_link.inner_text()
    category_url = follow(page, nav_link)
    assert category_url == base + sample_site.category
    assert page.locator("h1").inner_text() == category_name

    card = page.locator(".card-title a").first
    title = card.get_attribute("title") or card.inner_text()
    article_url = follow(page, card)
    assert article_url.startswith(base) and article_url.endswith(".html") and article_url != category_url
    assert page.locator("h1").inner_text() == title
    breadcrumb = page.evaluate(BREADCRUMB_AS_SEEN)
    assert breadcrumb == f"Location: HOME > {category_name} > content"

    assert follow(page, page.locator(".breadcrumb a", has_text=category_name)) == category_url
    assert follow(page, page.locator(".breadcrumb a", has_text="HOME")) == base + "index.html"
    assert not errors.problems, "\n".join(errors.problems)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_screenshots_of_every_page_type_at_phone_and_desktop_width(scheme, sample_site, site_url, new_page, artifacts):
    """Saved to test-artifacts/screenshots/ for a person to look at."""
    for width in WIDTHS:
        page, errors = new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
        for name, path in page_types(sample_site).items():
            page.goto(site_url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px wide"
            page.screenshot(path=str(artifacts / f"{name}-{width}-{scheme}.png"), full_page=True)
        assert not errors.problems, "\n".join(errors.problems)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_no_violations_on_any_page_type(scheme, sample_site, site_url, new_page):
    page, errors = new_page(color_scheme=scheme)
    problems = []
    for name, path in page_types(sample_site).items():
        page.goto(site_url + path)
        problems += [f"{path} ({name}, {scheme}): {p}" for p in checkers.run_axe(page)]
    assert not problems, f"{len(problems)} axe violation(s):\n" + "\n".join(problems)
    assert not errors.problems, "\n".join(errors.problems)


FOCUS_STYLE = """() => {
    const el = document.activeElement, s = getComputedStyle(el);
    return {text: el.textContent.trim(), tag: el.tagName, id: el.id,
            outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
            shadow: s.boxShadow !== 'none', inMain: !!el.closest('main')};
}"""


@pytest.mark.parametrize("which", ["home", "article"])
def test_first_tab_shows_a_visible_skip_link_that_moves_focus_to_main(which, sample_site, site_url, new_page):
    page, errors = new_page(viewport={"width": 1280, "height": 700})
    page.goto(site_url + page_types(sample_site)[which])

    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUS_STYLE)
    assert focused["text"] == "Skip to main content", focused
    assert focused["outline"] or focused["shadow"], f"the focused skip link has no visible focus style: {focused}"
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0 and box["height"] > 0, f"the focused skip link is off screen: {box}"

    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#hh-main'", timeout=5000)
    assert page.evaluate("document.activeElement.id") == "hh-main", "activating the skip link did not move focus to main"
    page.keyboard.press("Tab")
    after = page.evaluate(FOCUS_STYLE)
    assert after["inMain"], f"after the skip link, Tab went to {after} instead of into main"
    assert after["outline"] or after["shadow"], f"focused link in main has no visible focus style: {after}"
    assert not errors.problems, "\n".join(errors.problems)


def test_second_tab_focuses_the_site_name_visibly(sample_site, site_url, new_page):
    page, _ = new_page()
    page.goto(site_url + "index.html")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUS_STYLE)
    assert focused["text"] == "HealthHub" and focused["tag"] == "A", focused
    assert focused["outline"] or focused["shadow"], f"no visible focus style: {focused}"


def test_a_long_listing_links_the_nearby_pages_and_passes_the_validators(site_dir, browser):
    import re

    from conftest import article

    site_dir.write("healthhub.yaml", "per_page: 1\n")
    for n in range(12):
        site_dir.write(f"articles/health/a{n}.md", article(f"Article {n}", date=f"2025-01-{n + 1:02d}"))
    assert site_dir.build(search=False).ok
    rel = "health/page/6.html"
    html = site_dir.read(rel)
    shown = re.findall(r'(?:<span aria-current="page">|<span class="visually-hidden">Page </span>)(\d+)', html)
    assert shown == ["1", "4", "5", "6", "7", "8", "12"] and html.count('class="gap"') == 2  # 1 … 4 5 6 7 8 … 12
    assert checkers.run_vnu([site_dir.out / rel], site_dir.out) == []
    page = browser.new_page()
    try:
        page.goto((site_dir.out / rel).as_uri())
        assert checkers.run_axe(page) == []
    finally:
        page.close()


LONG_WORDS = {  # a German health site's words, and an address written out in a summary
    "title": "Donaudampfschifffahrtsgesellschaftskapitänsmützenallergie und Arbeitsunfähigkeitsbescheinigung",
    "category": "Arbeitsunfähigkeitsbescheinigungsverfahrensfragen",
    "tag": "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz",
    "address": "https://www.example.org/gesundheit/ratgeber/allergien/lebensmittel/unvertraeglichkeiten/uebersicht.html",
}


@pytest.mark.parametrize("width", WIDTHS)
def test_words_longer_than_the_screen_break_instead_of_widening_the_page(site_dir, new_page, width, artifacts):
    """A word longer than a phone's line (German compounds, a written-out address) in a
    site name, title, category, tag or summary widened the page by up to 590 px at
    390 px (the cards' grid and the category list took the word's width), and the home
    page's list by 111 px at 1280. Every page type fits its window; a table still
    scrolls inside the article instead of breaking its words."""
    from conftest import article

    words = LONG_WORDS
    site_dir.write("healthhub.yaml", "site_name: Gesundheitsinformationsportal für Rheinland-Pfalz\n"
                                     "language: de\n")
    table = "| " + " | ".join(f"Spalte {n}" for n in range(1, 9)) + " |\n" + "|---" * 8 + "|\n" + "| Wert " * 8 + "|\n"
    site_dir.write("articles/health/a.md", article(
        words["title"], category=words["category"], tags=f"[{words['tag']}]",
        summary=f'"Mehr unter {words["address"]} darüber."',
        body=f"Siehe {words['address']}.\n\nEin Wort: Grundstücksverkehrsgenehmigungszuständigkeitsübertragung.\n\n{table}"))
    assert site_dir.build(search=False).ok
    page, errors = new_page(viewport={"width": width, "height": 800})
    slug = "arbeitsunfähigkeitsbescheinigungsverfahrensfragen"
    for rel in ("index.html", f"{slug}/index.html", f"{slug}/a.html", "tags/index.html", "topics.html", "a-z.html"):
        page.goto((site_dir.out / rel).as_uri())
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{rel} scrolls sideways by {overflow}px at {width}px"
        if rel.endswith("a.html"):
            page.screenshot(path=str(artifacts / f"long-words-article-{width}.png"), full_page=True)
            scrolls = page.evaluate("() => { const t = document.querySelector('.article-body table');"
                                    " return t.scrollWidth > t.clientWidth; }")
            assert scrolls is (width == 390)  # eight columns do not fit a phone: the table scrolls
    assert not errors.problems, errors.problems


def test_a_printed_article_keeps_the_text_and_the_sources_addresses_and_drops_the_screen_parts(sample_site, new_page,
                                                                                               artifacts):
    """Patients print health pages. On paper the feedback form (radio buttons, a text box
    and a Send button), the page's contents links and the easy-read switch are of no use
    and were printed; a source's address was not (only links in the body had theirs)."""
    page, errors = new_page(viewport={"width": 794, "height": 1123})
    page.goto((sample_site.out / "health/understanding-blood-pressure-readings.html").as_uri())
    page.emulate_media(media="print")
    shown = page.evaluate("""() => Object.fromEntries(['.feedback', '.toc', '.variant-links', '.article-body',
        '.sources', '.disclaimer', '.review'].map(s => [s, getComputedStyle(document.querySelector(s)).display !== 'none']))""")
    assert shown == {".feedback": False, ".toc": False, ".variant-links": False, ".article-body": True,
                     ".sources": True, ".disclaimer": True, ".review": True}
    after = page.evaluate("getComputedStyle(document.querySelector('.sources a'), '::after').content")
    assert after == '" (https://www.nhs.uk/conditions/high-blood-pressure/)"'
    page.screenshot(path=str(artifacts / "article-print.png"), full_page=True)
    assert not errors.problems, errors.problems
