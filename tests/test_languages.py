"""Sites in several languages and right-to-left scripts: lang/dir, translations and
their alternates, per-language listings, feeds and sitemap, catalogs, plurals, and
the Arabic pages in Chromium (direction, overflow, Nu checker, axe, search)."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

import checkers
from conftest import ROOT, SiteDir, article
from healthhub.rendering import i18n
from healthhub.rendering.environment import make_environment

BASE = "https://example.org/hub/"
CONFIG = f"""site_name: Health Hub
base_url: {BASE}
languages:
  en: {{name: English}}
  es: {{name: Español, categories: {{Health: Salud}}}}
  ar:
    name: العربية
    categories: {{Health: الصحة}}
    disclaimer: "معلومات عامة فقط."
accessibility_contact: access@example.org
accessibility_tested: 2026-11-20
accessibility_issues: ["Search needs JavaScript."]
feedback_url: https://example.org/feedback
"""
CODE = "```\nprint('hello, world')  # a long line of code that must scroll sideways, not wrap or clip at all\n```\n"
AR_BODY = """هذه فقرة عن ضغط الدم بالعربية.

## القسم الأول

- عنصر أول
- عنصر ثاني

!!! urgent
    اتصل بالإسعاف.

## القسم الثاني

Bonjour tout le monde.
{: lang=fr }

""" + CODE + """
## القسم الثالث

نص قصير.
"""


def make_site(root: Path) -> SiteDir:
    site = SiteDir(root)
    site.write("healthhub.yaml", CONFIG)
    site.write("articles/health/blood-pressure.md", article(
        "Blood pressure", views=1, tags="[blood pressure]", translation_key="bp", updated="2025-05-01",
        body="Blood pressure text.\n"))
    site.write("articles/health/blood-pressure-easy.md", article(
        "Blood pressure, easy read", translation_key="bp", variant="easy-read", body="Short words.\n"))
    site.write("articles/health/knees.md", article("Knees", date="2025-01-01", body="Knee text.\n"))
    site.write("articles/es/health/tension.md", article(
        "Tensión arterial", views=2, translation_key="bp", tags="[tensión]", body="Texto en español.\n"))
    # no language: field: the folder ar/ says it
    site.write("articles/ar/health/daght.md", article(
        "ضغط الدم", views=11, translation_key="bp", tags="[ضغط الدم]", body=AR_BODY))
    site.write("articles/ar/health/maa.md", article("شرب الماء", date="2025-02-01", body="اشرب الماء.\n"))
    site.write("articles/glossary.yaml", "blood pressure:\n  definition: The force of blood on the walls of the arteries.\n")
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("languages") / "project")
    result = site.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    return site, result


def read(site: SiteDir, rel: str) -> str:
    return (site.out / rel).read_text(encoding="utf-8")


AR_ARTICLE = "ar/الصحة/daght.html"
ES_ARTICLE = "es/salud/tension.html"
EN_ARTICLE = "health/blood-pressure.html"


def html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


def test_every_page_has_the_lang_and_dir_of_its_language(built):
    site, _ = built
    expected = {"ar": ('lang="ar"', 'dir="rtl"'), "es": ('lang="es"', 'dir="ltr"')}
    pages = [p for p in site.out.rglob("*.html") if "pagefind" not in p.parts]
    assert len(pages) > 15
    for page in pages:
        rel = page.relative_to(site.out).as_posix()
        lang, direction = expected.get(rel.split("/")[0], ('lang="en"', 'dir="ltr"'))
        tag = html_tag(page.read_text(encoding="utf-8"))
        assert lang in tag and direction in tag, f"{rel}: {tag}"


def test_translations_are_linked_with_alternates_switcher_and_x_default(built):
    site, _ = built
    html = read(site, AR_ARTICLE)
    alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)
    assert alternates == [("en", BASE + EN_ARTICLE), ("es", BASE + ES_ARTICLE),
                          ("ar", BASE + quote(AR_ARTICLE)), ("x-default", BASE + EN_ARTICLE)]
    switcher = re.search(r'<nav class="language-switcher" aria-label="اللغات">(.*?)</nav>', html, re.S).group(1)
    assert '<a href="../../health/blood-pressure.html" hreflang="en" lang="en" dir="ltr">English</a>' in switcher
    assert '<a href="../../es/salud/tension.html" hreflang="es" lang="es" dir="ltr">Español</a>' in switcher
    assert "العربية" not in switcher  # the page's own language is not offered
    assert '<meta property="og:locale" content="ar_EG">' in html
    assert '"inLanguage":"ar"' in html
    # an article without translations has no switcher and no alternates
    knees = read(site, "health/knees.html")
    assert "language-switcher" not in knees and "hreflang" not in knees


def test_easy_read_and_standard_versions_link_each_other(built):
    site, _ = built
    assert '<a href="blood-pressure-easy.html">Easy read version</a>' in read(site, EN_ARTICLE)
    assert '<a href="blood-pressure.html">Standard version</a>' in read(site, "health/blood-pressure-easy.html")
    # the easy-read version is not a translation of the Spanish standard one
    assert "blood-pressure-easy" not in read(site, ES_ARTICLE)


def test_interface_dates_numbers_and_callouts_are_in_the_page_language(built):
    site, _ = built
    ar = read(site, AR_ARTICLE)
    assert "<span>نصيحة عاجلة: اتصل بالرقم 999 أو توجّه إلى قسم الطوارئ</span>" in ar
    assert ">الرئيسية</a>" in ar and "في هذه الصفحة" in ar and "11 مشاهدة" in ar
    assert '<time datetime="2025-03-30">30 مارس 2025</time>' in ar
    assert '<p lang="fr">Bonjour tout le monde.</p>' in ar
    assert "معلومات عامة فقط." in ar  # the language's own disclaimer
    es = read(site, ES_ARTICLE)
    assert "30 de marzo de 2025" in es and "2 visitas" in es and ">INICIO</a>" in es
    # the Spanish page has no disclaimer of its own, and the site kept HealthHub's: the catalog's Spanish one
    assert "</strong> Este artículo es solo información general. No sustituye" in es
    assert '<meta name="description" content="Artículos claros y cuidadosos sobre salud' in read(site, "es/index.html")
    en = read(site, EN_ARTICLE)
    assert "March 30, 2025" in en and "1 view<" in en and ">HOME</a>" in en


def test_a_sites_own_disclaimer_is_shown_in_its_language_where_no_translation_is_given(site_dir):
    """HealthHub's default disclaimer and description come in each page's language (from
    the interface catalog); a site's own text stays as written, marked with its language
    so screen readers read it as such, until `languages:` gives a translation."""
    site_dir.write("healthhub.yaml", "languages:\n  en: {name: English}\n  es: {name: Español}\n"
                                     'disclaimer: "Our own words, reviewed by our doctors."\n')
    site_dir.write("articles/health/a.md", article("A", translation_key="a"))
    site_dir.write("articles/health/a.es.md", article("A es", language="es", translation_key="a"))
    assert site_dir.build(search=False).ok
    es = site_dir.read("es/health/a-es.html")
    assert '</strong> <span lang="en" dir="ltr">Our own words, reviewed by our doctors.</span></p>' in es
    assert '<meta name="description" content="Artículos claros y cuidadosos sobre salud' in site_dir.read("es/index.html")


@pytest.mark.parametrize("language, date_format, shown", [
    ("en", None, "March 30, 2025"), ("en-US", None, "March 30, 2025"), ("en-GB", None, "30 March 2025"),
    ("en-AU", None, "30 March 2025"), ("en-GB", '"%d/%m/%Y"', "30/03/2025")])
def test_regional_english_dates_follow_the_region_unless_date_format_says_otherwise(site_dir, language, date_format,
                                                                                     shown):
    """A British or Australian site (language: en-GB) wrote its dates the American way
    (the default date_format, March 30, 2025); now as CLDR writes them for its region.
    A date_format of the site's own still wins."""
    site_dir.write("healthhub.yaml", f"language: {language}\n" + (f"date_format: {date_format}\n" if date_format else ""))
    site_dir.write("articles/health/a.md", article("A", date="2025-03-30"))
    assert site_dir.build(search=False).ok
    assert f'<time datetime="2025-03-30">{shown}</time>' in site_dir.read("health/a.html")


def test_listings_never_mix_languages(built):
    site, _ = built
    home, ar_home, es_home = read(site, "index.html"), read(site, "ar/index.html"), read(site, "es/index.html")
    assert "Knees" in home and "ضغط الدم" not in home and "Tensión" not in home
    assert "ضغط الدم" in ar_home and "شرب الماء" in ar_home and "Knees" not in ar_home
    assert "Tensión arterial" in es_home and "Knees" not in es_home
    ar_category = read(site, "ar/الصحة/index.html")
    assert "ضغط الدم" in ar_category and "Blood pressure" not in ar_category
    # related and "More in" stay in the page's language
    assert "شرب الماء" in read(site, AR_ARTICLE) and "Knees" not in read(site, AR_ARTICLE)
    assert (site.out / "ar/tags/ضغط-الدم/index.html").is_file()
    assert (site.out / "es/tags/tensión/index.html").is_file()
    assert not (site.out / "tags/ضغط-الدم").exists()
    for path in ("ar/search.html", "es/search.html", "search.html"):
        assert (site.out / path).is_file()


def test_feeds_and_sitemap_validate_with_language_alternates(built):
    site, _ = built
    import feedparser
    for path, lang in (("feed.xml", "en"), ("ar/feed.xml", "ar"), ("es/feed.xml", "es"), ("ar/الصحة/feed.xml", "ar")):
        feed = site.out / path
        assert checkers.validate_feed(feed, site.out, BASE) == []
        assert f'xml:lang="{lang}"' in feed.read_text(encoding="utf-8")
        parsed = feedparser.parse(feed.read_bytes())
        titles = [entry.title for entry in parsed.entries]
        assert titles and ("Knees" in titles) == (lang == "en")
        # the site's description in the feed's language (every feed had the English one)
        assert parsed.feed.subtitle.startswith({"en": "Clear, careful articles", "es": "Artículos claros",
                                                "ar": "مقالات واضحة"}[lang]), (path, parsed.feed.subtitle)
    sitemap = site.out / "sitemap.xml"
    assert checkers.validate_sitemap(sitemap, site.out, BASE) == []
    text = sitemap.read_text(encoding="utf-8")
    assert f'<xhtml:link rel="alternate" hreflang="ar" href="{BASE}{quote(AR_ARTICLE)}"/>' in text
    assert f'<xhtml:link rel="alternate" hreflang="x-default" href="{BASE}{EN_ARTICLE}"/>' in text


def test_an_unknown_language_is_an_error_at_its_line(tmp_path):
    site = SiteDir(tmp_path)
    site.write("healthhub.yaml", CONFIG)
    site.write("articles/x.md", article("X", language="de"))
    result = site.build()
    assert not result.ok
    assert [d.format() for d in result.errors] == [
        "articles/x.md:5:11: error: 'language' is 'de', which is not one of the site's languages (en, es, ar), "
        "use one of them or add it to 'languages' in the config"]


def test_a_site_without_languages_is_as_before(tmp_path):
    site = SiteDir(tmp_path)
    site.write("articles/health/x.md", article("X", views=3667))
    assert site.build().ok
    html = read(site, "health/x.html")
    assert html_tag(html) == '<html lang="en" dir="ltr">'
    assert "3667 views" in html and "hreflang" not in html and "og:locale" not in html


def test_a_missing_catalog_string_falls_back_to_english_with_one_warning(tmp_path):
    site = SiteDir(tmp_path)
    site.write("healthhub.yaml", CONFIG)
    po = site.templates / "locales/es/messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Fuentes"', 'msgstr ""'), encoding="utf-8")
    site.write("articles/es/a.md", article("A", sources='[{title: T, url: "https://x.org/", publisher: P, year: 2020}]'))
    site.write("articles/es/b.md", article("B", sources='[{title: T, url: "https://x.org/", publisher: P, year: 2020}]'))
    result = site.build()
    assert result.ok
    warnings = [d.format() for d in result.warnings if "Sources" in d.message]
    assert warnings == ["templates/locales/es/messages.po:1:1: warning: no 'es' translation of the interface "
                        "string 'Sources', English is shown; add msgid/msgstr lines for it"]
    assert ">Sources</h2>" in read(site, "es/salud/a.html")


def site_path(page: str, href: str) -> str:
    """The site path a link on `page` leads to (the 404 page links from the base URL's path)."""
    if href.startswith("/"):
        return href[len(urlsplit(BASE).path):]
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href))


SITE_PAGES = {"a-z.html": ("A to Z", "Índice A-Z", "الفهرس الأبجدي"),
              "topics.html": ("All topics", "Todos los temas", "كل المواضيع"),
              "glossary.html": ("Glossary", "Glosario", "معجم المصطلحات"),
              "accessibility.html": ("Accessibility statement", "Declaración de accesibilidad", "بيان إمكانية الوصول"),
              "404.html": ("Page not found", "Página no encontrada", "الصفحة غير موجودة")}


@pytest.mark.parametrize("name", sorted(SITE_PAGES))
def test_each_language_has_its_own_site_pages(built, name):
    """A to Z, All topics, glossary, accessibility statement and 404 in every language:
    its lang/dir, its interface, its own content, alternates between them, in the sitemap."""
    site, _ = built
    sitemap = read(site, "sitemap.xml")
    for prefix, heading, lang in zip(("", "es/", "ar/"), SITE_PAGES[name], ("en", "es", "ar")):
        html = read(site, prefix + name)
        assert html_tag(html) == f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">'
        assert re.search(rf"<h1[^>]*>{re.escape(heading)}</h1>", html), (prefix + name, heading)
        # the footer links this language's own A to Z, glossary and statement
        assert re.search(r'<a href="[^"]*\ba-z.html">', html)
        footer = html[html.index('<nav class="footer-links"'):]
        for target in ("a-z.html", "glossary.html", "accessibility.html"):
            href = re.search(rf'href="([^"]*{target})"', footer).group(1)
            assert site_path(prefix + name, href) == prefix + target, (lang, href)
        if name == "404.html":
            assert f"<loc>{BASE}{prefix}404.html</loc>" not in sitemap
            continue
        for code, other in (("en", ""), ("es", "es/"), ("ar", "ar/"), ("x-default", "")):
            assert f'<link rel="alternate" hreflang="{code}" href="{BASE}{other}{name}">' in html
        assert f"<loc>{BASE}{prefix}{name}</loc>" in sitemap
    if name == "404.html":
        return
    entry = sitemap[sitemap.index(f"<loc>{BASE}es/{name}</loc>"):]
    entry = entry[: entry.index("</url>")]
    assert f'<xhtml:link rel="alternate" hreflang="ar" href="{BASE}ar/{name}"/>' in entry


def test_language_site_pages_list_that_languages_content(built):
    site, _ = built
    topics_es, topics_ar = read(site, "es/topics.html"), read(site, "ar/topics.html")
    assert ">Salud</a>" in topics_es and ">Health</a>" not in topics_es and ">الصحة</a>" not in topics_es
    assert ">الصحة</a>" in topics_ar and "موضوع واحد، مرتبة أبجديًا." in topics_ar  # Arabic plural: one
    assert "2 مقالان" not in topics_ar and ">مقالان</span>" in topics_ar  # two articles: the dual
    assert '<h2 id="letter-1">ص</h2>' in topics_ar  # الصحة is filed under ص: the article ال is ignored
    atoz_ar = read(site, "ar/a-z.html")
    assert "شرب الماء" in atoz_ar and "Knees" not in atoz_ar and ">العودة إلى الأعلى</a>" in atoz_ar
    # glossary terms are written in the default language: marked so on other languages' pages
    glossary_es = read(site, "es/glossary.html")
    assert '<dl class="glossary" lang="en" dir="ltr">' in glossary_es and "The force of blood" in glossary_es
    statement = read(site, "ar/accessibility.html")
    assert '<li><div lang="en" dir="ltr">Search needs JavaScript.</div></li>' in statement
    assert 'href="mailto:access@example.org">access@example.org</a>' in statement
    # the Spanish article's feedback form and the Spanish home page links are in Spanish
    assert "¿Le ha resultado útil esta página?" in read(site, ES_ARTICLE)
    assert "Was this page helpful?" not in read(site, AR_ARTICLE)


def test_templates_write_no_interface_text_outside_the_catalog():
    """Fails when a template writes words a reader sees without _() or ngettext(): they
    would stay English on every Spanish and Arabic page."""
    env = make_environment(ROOT / "templates")
    assert i18n.template_literals(env) == []


def test_the_literal_check_finds_text_attributes_and_macro_arguments(tmp_path):
    (tmp_path / "mine.html").write_text(
        '{% extends "base.html" %}{% from "_macros.html" import breadcrumb with context %}\n'
        '{% block og_type %}article{% endblock %}\n'
        '{% block main %}{{ breadcrumb([], "A to Z") }}\n'
        '<p class="lead" title="{{ _(\'Fine\') }}">Back to top</p>\n'
        '<nav aria-label="Letters"><{{ tag }} class="x">{{ _("Fine") }}</{{ tag }}></nav>\n'
        '<style>body { color: red }</style><p>{{ "x" if a == "rtl" else y }} DOI: {{ url("a.html") }}</p>\n'
        '{{ {"created": "Created"}[kind] }}{% endblock %}\n', encoding="utf-8")
    found = [(name, line, text) for name, line, text in i18n.template_literals(make_environment(tmp_path))
             if name == "mine.html"]
    assert found == [("mine.html", 3, "A to Z"), ("mine.html", 4, "Back to top"), ("mine.html", 5, "Letters"),
                     ("mine.html", 7, "Created")]


# --- catalogs and plurals -------------------------------------------------------------

SHIPPED = ("en", "es", "fr", "ar", "zh")


def test_shipped_catalogs_translate_every_interface_string():
    """Fails when a template (or healthhub/i18n.PYTHON_MESSAGES) uses a string a catalog
    lacks. To fix: add the msgid to templates/locales/messages.pot and every
    templates/locales/<lang>/messages.po (see README "Interface text in your language")."""
    env = make_environment(ROOT / "templates")
    catalogs, problems = i18n.load_catalogs(ROOT / "templates", SHIPPED)
    assert problems == [] and sorted(catalogs) == sorted(SHIPPED)
    wanted = i18n.all_messages(env)
    missing = i18n.missing_messages(env, catalogs)
    report = "\n".join(f"  {lang}: " + ", ".join(f"{m!r} ({wanted[m][0]}:{wanted[m][1]})" for m in keys)
                       for lang, keys in missing.items() if keys)
    assert not report, "interface strings missing from the shipped catalogs:\n" + report


def test_the_catalog_script_finds_every_interface_string():
    """scripts/update_catalogs.py (README "Interface text in your language") makes the
    template catalog from every string the templates and HealthHub use."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("update_catalogs", ROOT / "scripts" / "update_catalogs.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    found = {message.id if isinstance(message.id, str) else message.id[0] for message in script.template_catalog()
             if message.id}
    wanted = {key if isinstance(key, str) else key[0] for key in i18n.all_messages(make_environment(ROOT / "templates"))}
    assert wanted and wanted <= found, sorted(wanted - found)


@pytest.mark.parametrize("language,counts", [
    ("en", {1: "1 view", 2: "2 views", 0: "0 views"}),
    ("fr", {0: "0 vue", 1: "1 vue", 2: "2 vues", 1500: "1 500 vues"}),
    ("es", {1: "1 visita", 7: "7 visitas", 1000000: "1.000.000 de visitas"}),
    ("ar", {0: "0 مشاهدة", 1: "مشاهدة واحدة", 2: "مشاهدتان", 3: "3 مشاهدات", 11: "11 مشاهدة", 100: "100 مشاهدة"}),
    ("zh", {1: "1 次浏览", 5: "5 次浏览"}),
])
def test_plural_forms_follow_each_language(language, counts):
    catalogs, _ = i18n.load_catalogs(ROOT / "templates", (language,))
    translator = i18n.make_translator(language, catalogs, "%B %-d, %Y")
    for count, expected in counts.items():
        text = translator.ngettext("%(num)s view", "%(num)s views", count) % {"num": translator.number(count)}
        assert text.replace("\u202f", " ").replace("\xa0", " ") == expected


def test_arabic_indic_digits_where_the_locale_uses_them():
    egypt = i18n.make_translator("ar-EG", {}, "")
    assert egypt.number(3667) == "٣٬٦٦٧"
    assert egypt.date(dt.date(2025, 3, 30)) == "٣٠ مارس ٢٠٢٥"
    assert i18n.make_translator("fa", {}, "").number(12) == "۱۲"
    assert i18n.make_translator("ar", {}, "").number(12) == "12"  # CLDR: Arabic uses Latin digits by default


@pytest.mark.parametrize("tag,direction", [("ar", "rtl"), ("fa-IR", "rtl"), ("ur", "rtl"), ("he", "rtl"), ("yi", "rtl"),
                                           ("ps", "rtl"), ("sd", "rtl"), ("ug", "rtl"), ("en-GB", "ltr"), ("zh", "ltr"),
                                           # as CLDR has them, script included (these were all 'ltr', or 'sd-Deva' 'rtl')
                                           ("ks", "rtl"), ("syr", "rtl"), ("ary", "rtl"), ("nqo", "rtl"), ("az-Arab", "rtl"),
                                           ("pa-Arab", "rtl"), ("az", "ltr"), ("sd-Deva", "ltr"), ("ar-u-nu-latn", "rtl"),
                                           ("iw", "rtl")])
def test_direction_from_the_language(tag, direction):
    assert i18n.text_direction(tag) == direction


# --- in Chromium -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(built):
    site, _ = built
    with checkers.serve(site.out) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's one Chromium (qa_fixtures.browser): Playwright allows one sync driver."""
    return browser


def test_every_language_passes_the_nu_checker(built):
    site, _ = built
    pages = [site.out / p for p in ("index.html", "ar/index.html", "es/index.html", EN_ARTICLE, ES_ARTICLE, AR_ARTICLE,
                                    "ar/الصحة/index.html", "ar/search.html", "ar/tags/index.html")]
    assert checkers.run_vnu(pages, site.out) == []


def test_arabic_page_is_rtl_fits_320px_and_passes_axe(built, served, chromium):
    context = chromium.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    try:
        for path in (AR_ARTICLE, "ar/index.html", ES_ARTICLE):
            page.goto(served + quote(path))
            rtl = path.startswith("ar/")
            assert page.evaluate("getComputedStyle(document.body).direction") == ("rtl" if rtl else "ltr")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
            assert checkers.run_axe(page) == [], path
        page.goto(served + quote(AR_ARTICLE))
        # code stays left to right and scrolls inside its box
        code = page.evaluate("""() => { const pre = document.querySelector('pre');
            return {dir: getComputedStyle(pre).direction, scrolls: pre.scrollWidth > pre.clientWidth}; }""")
        assert code == {"dir": "ltr", "scrolls": True}
        # list markers and the callout's thick border are on the right
        sides = page.evaluate("""() => { const li = document.querySelector('.article-body li');
            const box = li.getBoundingClientRect(), list = li.parentElement.getBoundingClientRect();
            const callout = getComputedStyle(document.querySelector('.callout-urgent'));
            return {gapRight: list.right - box.right, gapLeft: box.left - list.left,
                    right: callout.borderRightWidth, left: callout.borderLeftWidth}; }""")
        assert sides["gapRight"] > sides["gapLeft"]  # the padding for the markers is on the right
        assert float(sides["right"][:-2]) > float(sides["left"][:-2])
    finally:
        context.close()


def test_search_in_arabic_finds_the_arabic_article(tmp_path, chromium):
    site = make_site(tmp_path / "project")
    assert site.build(search=True).ok
    with checkers.serve(site.out) as url:
        context = chromium.new_context()
        page = context.new_page()
        try:
            page.goto(url + "ar/search.html?q=" + quote("ضغط"))
            page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)
            links = page.eval_on_selector_all(".pagefind-ui__result-link", "els => els.map(e => e.textContent)")
            assert "ضغط الدم" in links
            assert "Blood pressure" not in links
            # each result's category is labelled in Arabic too, not with Pagefind's English key
            tags = page.eval_on_selector_all(".pagefind-ui__result-tag", "els => els.map(e => e.textContent)")
            assert tags and all(tag.startswith("القسم: ") for tag in tags), tags
            # the box is mirrored: the search icon where Arabic text starts (right), the clear button left
            boxes = {}
            for lang, path in (("ar", "ar/search.html?q=" + quote("ضغط")), ("en", "search.html?q=knee")):
                page.goto(url + path)
                page.wait_for_selector(".pagefind-ui__search-clear", timeout=15000)
                boxes[lang] = page.evaluate("""() => {
                    const box = document.querySelector('.pagefind-ui__search-input').getBoundingClientRect();
                    const icon = getComputedStyle(document.querySelector('.pagefind-ui__form'), '::before');
                    const clear = document.querySelector('.pagefind-ui__search-clear').getBoundingClientRect();
                    return {middle: box.left + box.width / 2, clear: clear.left + clear.width / 2,
                            iconLeft: icon.left, iconRight: icon.right}; }""")
            ar, en = boxes["ar"], boxes["en"]
            assert ar["clear"] < ar["middle"] and en["clear"] > en["middle"], boxes
            px = {lang: {side: float(box[side][:-2]) for side in ("iconLeft", "iconRight")} for lang, box in boxes.items()}
            assert px["ar"]["iconRight"] < px["ar"]["iconLeft"] and px["en"]["iconLeft"] < px["en"]["iconRight"], boxes
        finally:
            context.close()


# --- rebuilding -------------------------------------------------------------------------

def test_adding_a_translation_rerenders_the_pages_that_link_to_it(tmp_path):
    site = make_site(tmp_path / "project")
    assert site.build(search=False).ok
    site.write("articles/es/health/knees.md", article("Rodillas", body="Texto.\n"))  # same slug: a translation
    assert site.build(search=False).ok
    clean = make_site(tmp_path / "clean")
    clean.write("articles/es/health/knees.md", article("Rodillas", body="Texto.\n"))
    assert clean.build(search=False, use_cache=False).ok
    assert 'hreflang="es"' in read(site, "health/knees.html")
    for page in clean.out.rglob("*"):
        if page.is_file():
            rel = page.relative_to(clean.out)
            assert (site.out / rel).read_bytes() == page.read_bytes(), rel


def test_check_warns_about_stale_and_orphan_translations(tmp_path):
    site = make_site(tmp_path / "project")
    site.write("articles/es/health/orphan.md", article("Huérfano", translation_key="nothing-here"))
    result = site.cli("check", "--today", "2025-06-01")
    lines = [line for line in result.stdout.splitlines() if "translation" in line]
    assert lines == [
        "articles/ar/health/daght.md:4:7: warning: this translation may be out of date: its source "
        "articles/health/blood-pressure.md changed on 2025-05-01, after this translation (2025-03-30); "
        "update the translation and its 'updated:' date [translation-stale]",
        "articles/es/health/orphan.md:5:18: warning: translation_key 'nothing-here' is not used by any 'en' "
        "article, so this translation has no source; check the key or give the source article the same "
        "translation_key [translation-orphan]",
        "articles/es/health/tension.md:4:7: warning: this translation may be out of date: its source "
        "articles/health/blood-pressure.md changed on 2025-05-01, after this translation (2025-03-30); "
        "update the translation and its 'updated:' date [translation-stale]",
    ], result.stdout + result.stderr


def test_a_translation_key_two_articles_of_one_language_share_is_a_warning(tmp_path):
    """Neither is linked to its translations then; that was silent."""
    site = make_site(tmp_path / "project")
    site.write("articles/es/health/otra.md", article("Otra", translation_key="bp"))  # tension.md has it
    result = site.cli("build", "--no-search")
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if "translation_key" in line] == [
        "articles/es/health/tension.md:6:18: warning: translation_key 'bp' is also the key of "
        "articles/es/health/otra.md:5 in the same language, so neither is linked to its translations; give each "
        "article a key of its own"]


def test_an_article_of_a_one_language_site_may_name_its_own_language(tmp_path):
    site = SiteDir(tmp_path)
    site.write("articles/health/x.md", article("X", language="fr"))
    site.write("articles/health/y.md", article("Y"))
    assert site.build().ok
    assert html_tag(read(site, "health/x.html")) == '<html lang="fr" dir="ltr">'
    assert html_tag(read(site, "health/y.html")) == '<html lang="en" dir="ltr">'


def test_titles_in_another_language_are_marked_on_a_page(tmp_path):
    site = SiteDir(tmp_path)
    site.write("authors.yaml", "sam:\n  name: Sam\n")
    site.write("articles/health/maa.md", article("شرب الماء", language="ar", author="sam", body="اشرب.\n"))
    site.write("articles/health/knees.md", article("Knees", date="2025-01-01", author="sam", body="Knee text.\n"))
    assert site.build(search=False).ok
    person = read(site, "people/sam.html")
    assert re.search(r'<a href="[^"]+" lang="ar" dir="rtl">شرب الماء</a>', person)
    assert re.search(r'<a href="../health/knees.html">Knees</a>', person)


def test_each_language_has_its_own_person_pages_listing_its_own_work(tmp_path):
    site = make_site(tmp_path / "project")
    site.write("authors.yaml", "sam:\n  name: Sam\n")
    site.write("articles/ar/health/maa.md", article("شرب الماء", date="2025-02-01", author="sam", body="اشرب.\n"))
    site.write("articles/health/knees.md", article("Knees", date="2025-01-01", author="sam", body="Knee text.\n"))
    assert site.build(search=False).ok
    english, arabic, spanish = (read(site, p) for p in ("people/sam.html", "ar/people/sam.html", "es/people/sam.html"))
    assert "Knees" in english and "شرب الماء" not in english
    assert "شرب الماء" in arabic and "Knees" not in arabic
    assert html_tag(arabic) == '<html lang="ar" dir="rtl">' and ">المقالات المكتوبة<" in arabic
    assert "لا شيء بعد." in arabic  # reviewed nothing: said in Arabic
    assert html_tag(spanish) == '<html lang="es" dir="ltr">' and "Knees" not in spanish
    # the byline of an Arabic article links the Arabic page of its author
    assert 'href="../people/sam.html"' in read(site, "ar/الصحة/maa.html")
    assert f'<link rel="alternate" hreflang="ar" href="{BASE}ar/people/sam.html">' in english


def test_an_old_address_of_an_arabic_article_says_so_in_arabic(tmp_path):
    site = SiteDir(tmp_path)
    site.write("healthhub.yaml", CONFIG)
    site.write("articles/ar/health/maa.md", article("شرب الماء", aliases="[/old/water.html]", body="اشرب.\n"))
    assert site.build(search=False).ok
    moved = read(site, "old/water.html")
    assert html_tag(moved) == '<html lang="ar" dir="rtl">'
    assert "<h1>نُقلت هذه الصفحة</h1>" in moved and "This page has moved" not in moved


def test_an_alias_may_not_take_a_languages_own_page(tmp_path):
    site = SiteDir(tmp_path)
    site.write("healthhub.yaml", CONFIG)
    site.write("articles/es/health/a.md", article("A", aliases="[/es/a-z.html]"))
    result = site.build(search=False)
    assert [d.format() for d in result.errors] == [
        "articles/es/health/a.md:5:10: error: the alias /es/a-z.html is the address of one of the site's own pages, "
        "remove the alias"]
