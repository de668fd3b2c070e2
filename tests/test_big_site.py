"""A site with 200 categories: the header stays one line of links on a phone,
"All topics" lists every category A to Z, the home page stays short.
Measured in headless Chromium (tests/qa_fixtures.py)."""

from __future__ import annotations

import re

import pytest

import checkers
from conftest import SiteDir, article

WORDS = ["Acne", "Allergies", "Anaemia", "Asthma", "Back pain", "Bones", "Bowel health", "Cancer screening",
         "Colds", "Contraception", "Dementia", "Dental care", "Diabetes", "Ears", "Epilepsy", "Eyes", "Feet",
         "Fever", "Gout", "Hay fever", "Headaches", "Hearing", "Heart health", "Hips", "Immunisation", "Kidneys",
         "Knees", "Liver", "Lungs", "Menopause", "Migraine", "Nutrition", "Obesity", "Pregnancy", "Rashes",
         "Sleep", "Smoking", "Stroke", "Thyroid", "Weight"]
PLACES = ["", " in children", " in older age", " at work", " at home"]


def category_names(count: int) -> list[str]:
    names = [word + place for place in PLACES for word in WORDS][: count - 2]
    return names + ["Éczema", "5:2 diet"]  # an accented first letter; a digit


def make_site(root, count: int, config: str = "") -> SiteDir:
    site = SiteDir(root)
    site.write("healthhub.yaml", "site_name: Big Health\ncategory_order: [Asthma, Sleep]\n" + config)
    for index, name in enumerate(category_names(count)):
        slug = re.sub(r"\W+", "-", name.lower()).strip("-")
        # some categories have more articles: they come first in the header after category_order
        for number in range(1 + (index % 7 == 3) * 2):
            site.write(f"articles/{slug}/a{number}.md",
                       article(f"About {name} {number}", category=name, date=f"2025-03-{number + 1:02d}"))
    result = site.build(search=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return site


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    return {count: make_site(tmp_path_factory.mktemp(f"cats{count}") / "project", count) for count in (5, 200)}


@pytest.fixture
def page_at(browser):
    contexts = []

    def make(width: int, **options):
        context = browser.new_context(viewport={"width": width, "height": 900}, **options)
        contexts.append(context)
        page = context.new_page()
        return page, checkers.BrowserErrors(page)

    yield make
    for context in contexts:
        context.close()


def real_problems(errors) -> list[str]:
    # a favicon still loading when the test moves to the next page is aborted, harmlessly
    return [p for p in errors.problems if not ("favicon" in p and "ERR_ABORTED" in p)]


HEADER = """() => {
  const header = document.querySelector('.site-header').getBoundingClientRect();
  const tops = [...document.querySelectorAll('.site-nav li')].map(li => Math.round(li.getBoundingClientRect().top));
  const all = document.querySelector('.nav-all').getBoundingClientRect();
  return {height: header.height, navLines: new Set(tops).size, allRight: all.right, allLeft: all.left,
          width: document.documentElement.clientWidth};
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_a_header_with_200_categories_is_no_taller_than_with_5(sites, page_at, width, artifacts):
    page, errors = page_at(width)
    measured = {}
    for count, site in sites.items():
        for name in ("index.html", "acne/index.html"):
            page.goto((site.out / name).as_uri())
            measured[count, name] = page.evaluate(HEADER)
        page.goto((site.out / "index.html").as_uri())
        page.screenshot(path=str(artifacts / f"big-site-{count}-home-{width}.png"), full_page=True)
    for name in ("index.html", "acne/index.html"):
        small, big = measured[5, name], measured[200, name]
        assert big["height"] <= small["height"] + 0.5, (name, small, big)
        assert big["navLines"] == 1, big
        # "All topics" is on screen, not scrolled away with the categories
        assert 0 <= big["allLeft"] and big["allRight"] <= big["width"], big
    if width == 390:
        assert measured[200, "index.html"]["height"] < 250, measured
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    assert not real_problems(errors), errors.problems


def test_the_header_shows_category_order_then_the_biggest_categories(sites):
    html = sites[200].read("index.html")
    header = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    names = re.findall(r">([^<>]+)</a>", header)
    # Asthma and Sleep from category_order, then the categories with 3 articles, by name
    biggest = sorted((n for i, n in enumerate(category_names(200)) if i % 7 == 3), key=str.casefold)
    assert names == ["Asthma", "Sleep"] + biggest[:3]
    home_list = html.split('class="category-list"', 1)[1].split("</ul>", 1)[0]
    assert len(re.findall(r"<li>", home_list)) == 5
    assert ">All 200 topics</a>" in html
    # a small site lists everything and still links the topics page
    small = sites[5].read("index.html")
    assert len(re.findall(r"<li>", small.split('class="category-list"', 1)[1].split("</ul>", 1)[0])) == 5
    assert ">All topics</a>" in small


def test_all_topics_lists_every_category_by_letter_with_counts(sites, page_at, artifacts):
    site = sites[200]
    for width, scheme in ((390, "light"), (1280, "light"), (390, "dark")):
        page, errors = page_at(width, color_scheme=scheme)
        page.goto((site.out / "index.html").as_uri())
        with page.expect_navigation():
            page.locator(".nav-all").click()
        assert page.url.endswith("/topics.html")
        assert page.locator("h1").inner_text() == "All topics"
        links = page.locator(".topic-groups .category-list a")
        assert links.count() == 200
        letters = page.locator(".topic-groups h2").all_inner_texts()
        assert letters[0] == "#" and letters[1:] == sorted(letters[1:])
        eczema = page.locator("section", has=page.locator("a", has_text="Éczema"))
        assert eczema.locator("h2").inner_text() == "E"
        assert "5:2 diet" in page.locator("section", has=page.locator("h2", has_text="#")).inner_text()
        assert page.locator("li", has=page.locator("a", has_text=re.compile("^Asthma$"))).locator(".count").inner_text() \
            == "3 articles"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        page.screenshot(path=str(artifacts / f"big-site-topics-{width}-{scheme}.png"))  # the first screen
        # the letter index jumps to its letter
        page.locator(".letter-index a", has_text="K").click()
        assert page.evaluate("location.hash") == page.locator(".letter-index a", has_text="K").get_attribute("href")
        assert not real_problems(errors), errors.problems
        assert not checkers.run_axe(page)


def test_the_header_works_without_javascript(sites, page_at):
    page, errors = page_at(390, java_script_enabled=False)
    page.goto((sites[200].out / "sleep/index.html").as_uri())
    assert page.locator(".site-nav a[aria-current=page]").inner_text() == "Sleep"
    with page.expect_navigation():
        page.locator(".nav-all").click()
    assert page.url.endswith("/topics.html")


def test_nav_in_config_sets_the_header_links(tmp_path):
    site = SiteDir(tmp_path / "p")
    site.write("healthhub.yaml", "nav:\n  - Sleep\n  - {title: About us, url: about/who-we-are.html}\n"
                                 "  - {title: NHS 111, url: 'https://111.nhs.uk/'}\n"
                                 "  - {title: Write to us, url: 'mailto:team@example.org'}\n  - {title: Call 111, url: 'tel:111'}\n")
    site.write("articles/a.md", article("A", category="Health"))
    site.write("articles/b.md", article("B", category="Sleep"))
    assert [d.format() for d in site.build(search=False).errors] == [  # a link to a page the site does not have
        "healthhub.yaml:3:5: error: nav: the link 'About us' leads to about/who-we-are.html, which this build does "
        "not make, check the address (a path from the site's root, e.g. health/knee-pain.html)"]
    site.write("articles/about/who-we-are.md", article("Who we are", category="About"))
    assert site.build(search=False).ok
    header = site.read("health/a.html").split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="([^"]+)"[^>]*>([^<]+)</a>', header) == [
        ("../sleep/index.html", "Sleep"), ("../about/who-we-are.html", "About us"), ("https://111.nhs.uk/", "NHS 111"),
        ("mailto:team@example.org", "Write to us"), ("tel:111", "Call 111")]


@pytest.mark.parametrize("config, message", [
    ("nav: [Health, Slep]\n",
     "healthhub.yaml:1:15: error: nav: no article has the category 'Slep' (did you mean 'sleep'?), "
     "use a category name or a link like {title: A to Z, url: a-z.html}"),
    ("nav:\n  - {title: About}\n",
     "healthhub.yaml:2:5: error: a link in 'nav' needs exactly 'title' and 'url', e.g. {title: A to Z, url: a-z.html}"),
    ("nav:\n  - {title: Old, url: /old.html}\n",
     "healthhub.yaml:2:5: error: the nav link url '/old.html' must be a full address (https://...) "
     "or a path inside the site without a leading slash, e.g. a-z.html"),
    ("nav:\n  - {title: Hi, url: 'javascript:alert(1)'}\n",  # was written as a link to a file of that name
     "healthhub.yaml:2:5: error: the nav link url 'javascript:alert(1)' is not a web address, write a full "
     "address (https://...), mailto:, tel: or a path inside the site, e.g. a-z.html"),
])
def test_a_wrong_nav_entry_is_an_error_at_its_line(tmp_path, config, message):
    site = SiteDir(tmp_path / "p")
    site.write("healthhub.yaml", config)
    site.write("articles/a.md", article("A", category="Health"))
    site.write("articles/b.md", article("B", category="Sleep"))
    result = site.cli("--no-search")
    assert result.returncode != 0
    assert message in result.stderr + result.stdout
