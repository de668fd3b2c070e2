"""The language switcher scales with the number of translations: a few are listed
inline; many fold into a disclosure (<details>) that works without JavaScript, is
reached and opened with the keyboard, passes axe and lays out right to left on
right-to-left pages. Chromium, on small throwaway sites."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

import checkers
from conftest import SiteDir, article

# code: (name in its own language, folder, title)
LANGUAGES = {
    "en": ("English", "", "Blood pressure"),
    "es": ("Español", "es", "Tensión arterial"),
    "fr": ("Français", "fr", "Tension artérielle"),
    "ar": ("العربية", "ar", "ضغط الدم"),
    "zh": ("中文", "zh", "血压"),
    "de": ("Deutsch", "de", "Blutdruck"),
    "pt": ("Português", "pt", "Pressão arterial"),
    "ru": ("Русский", "ru", "Артериальное давление"),
    "ja": ("日本語", "ja", "血圧"),
    "hi": ("हिन्दी", "hi", "रक्तचाप"),
    "fa": ("فارسی", "fa", "فشار خون"),
    "sw": ("Kiswahili", "sw", "Shinikizo la damu"),
}
RTL = {"ar", "fa"}


def make_site(root, codes) -> SiteDir:
    site = SiteDir(root)
    config = ["site_name: Health Hub", "languages:"]
    config += [f"  {code}: {{name: {LANGUAGES[code][0]}}}" for code in codes]
    site.write("healthhub.yaml", "\n".join(config) + "\n")
    for code in codes:
        name, folder, title = LANGUAGES[code]
        rel = f"articles/{folder + '/' if folder else ''}health/bp-{code}.md"
        site.write(rel, article(title, translation_key="bp", language=code, body=f"{title}.\n"))
    result = site.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    return site


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("switcher")
    many = make_site(root / "many", list(LANGUAGES))
    two = make_site(root / "two", ["en", "es", "ar"])
    with checkers.serve(many.out) as many_url, checkers.serve(two.out) as two_url:
        yield {"many": (many, many_url), "two": (two, two_url)}


def page_path(code: str) -> str:
    folder = LANGUAGES[code][1]
    return f"{folder + '/' if folder else ''}health/bp-{code}.html"


def test_few_translations_are_listed_inline(sites):
    site, _ = sites["two"]
    html = (site.out / page_path("en")).read_text(encoding="utf-8")
    nav = re.search(r'<nav class="language-switcher[^"]*".*?</nav>', html, re.S).group(0)
    assert "<details" not in nav
    assert '<a href="../es/health/bp-es.html" hreflang="es" lang="es">Español</a>' in nav
    assert '<a href="../ar/health/bp-ar.html" hreflang="ar" lang="ar" dir="rtl">العربية</a>' in nav


def test_many_translations_fold_into_a_disclosure_in_the_page_language(sites):
    site, _ = sites["many"]
    html = (site.out / page_path("fr")).read_text(encoding="utf-8")
    nav = re.search(r'<nav class="language-switcher[^"]*".*?</nav>', html, re.S).group(0)
    summary = re.search(r"<summary.*?</summary>", nav, re.S).group(0)
    assert "Français" in summary and "Autres langues" in summary  # current language, label in French
    links = re.findall(r"<a [^>]*>[^<]*</a>", nav)
    assert len(links) == len(LANGUAGES) - 1
    assert '<a href="../../ar/health/bp-ar.html" hreflang="ar" lang="ar" dir="rtl">العربية</a>' in links
    assert '<a href="../../de/health/bp-de.html" hreflang="de" lang="de">Deutsch</a>' in links
    # on a right-to-left page, a left-to-right name says so
    arabic = (site.out / page_path("ar")).read_text(encoding="utf-8")
    assert 'hreflang="en" lang="en" dir="ltr">English</a>' in arabic
    assert 'hreflang="fa" lang="fa">فارسی</a>' in arabic


def test_folded_and_inline_switchers_pass_the_nu_checker(sites):
    many, _ = sites["many"]
    two, _ = sites["two"]
    assert checkers.run_vnu([many.out / page_path("en"), many.out / page_path("ar")], many.out) == []
    assert checkers.run_vnu([two.out / page_path("ar")], two.out) == []


def header_height(browser, url: str, width: int = 390) -> float:
    context = browser.new_context(viewport={"width": width, "height": 844})
    try:
        page = context.new_page()
        page.goto(url)
        return page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
    finally:
        context.close()


@pytest.mark.parametrize("code", ["en", "ar"])
def test_the_header_with_twelve_languages_is_no_taller_than_with_three(sites, browser, code):
    """Same page language on both sides (Arabic text sets taller lines)."""
    _, two_url = sites["two"]
    _, many_url = sites["many"]
    two = header_height(browser, two_url + quote(page_path(code)))
    many = header_height(browser, many_url + quote(page_path(code)))
    assert many <= two + 0.5, f"header {many}px with 12 languages, {two}px with 3"


def test_the_list_opens_with_the_keyboard_and_passes_axe(sites, browser):
    _, url = sites["many"]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(url + page_path("en"))
        assert checkers.run_axe(page) == []
        links = page.locator(".language-switcher a")
        assert not links.first.is_visible()  # folded until asked for
        # Tab from the top: skip link, site name, then the switcher's summary
        for _ in range(3):
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        page.keyboard.press("Enter")
        assert page.evaluate("document.querySelector('.language-switcher details').open")
        assert links.first.is_visible() and links.last.is_visible()
        for i in range(links.count()):
            link = links.nth(i)
            code = link.get_attribute("hreflang")
            assert code in LANGUAGES and link.get_attribute("lang") == code
            assert link.get_attribute("dir") == ("rtl" if code in RTL else None)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('hreflang')") == "es"
        # every link is on screen, none sticks out sideways, and all of it passes axe open
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        assert checkers.run_axe(page) == []
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Space")  # Space closes it again
        assert not page.evaluate("document.querySelector('.language-switcher details').open")
        assert not links.first.is_visible()
    finally:
        context.close()


def test_an_arabic_pages_switcher_is_right_to_left(sites, browser):
    _, url = sites["many"]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(url + quote(page_path("ar")))
        page.click(".language-switcher summary")
        box = page.evaluate("""() => {
            const nav = document.querySelector('.language-switcher');
            const header = document.querySelector('.header-inner').getBoundingClientRect();
            const list = nav.querySelector('ul').getBoundingClientRect();
            const summary = nav.querySelector('summary').getBoundingClientRect();
            const name = document.querySelector('.site-name').getBoundingClientRect();
            return {dir: getComputedStyle(nav).direction, summaryLeft: summary.left, nameLeft: name.left,
                    listLeft: list.left, listRight: list.right, width: innerWidth,
                    headerLeft: header.left, headerRight: header.right};
        }""")
        assert box["dir"] == "rtl"
        assert box["summaryLeft"] < box["nameLeft"]  # the site name starts on the right, the switcher ends on the left
        assert box["listLeft"] >= 0 and box["listRight"] <= box["width"]
        assert checkers.run_axe(page) == []
    finally:
        context.close()
