"""Health publishing: the A to Z, FAQPage structured data from "Common questions",
and the page history (front matter, page, JSON-LD and `check`)."""

from __future__ import annotations

import json
import os
import re
import time
from typing import NamedTuple

import pytest

import checkers
from conftest import article
from healthhub import cli
from healthhub.rendering.atoz import atoz_index
from healthhub.errors import ConfigError
from healthhub.checking.external import USER_AGENT

PEOPLE = """\
amara-okafor:
  name: Dr. Amara Okafor
  credentials: MBBS, MRCGP
lena-hart:
  name: Dr. Lena Hart
  credentials: MBChB, MRCP
"""

SOURCES = """
  - title: "Piles (haemorrhoids)"
    url: https://www.nhs.uk/conditions/piles-haemorrhoids/
    publisher: NHS
    year: 2023"""


class Entry(NamedTuple):  # what atoz_index reads from an Article
    title: str
    path: str
    also_known_as: tuple[str, ...] = ()
    slug: str = ""
    language: str = ""
    translation_key: str = ""
    variant: str = ""
    condition: str = ""


def letters_of(articles, language, entries="articles"):
    return {letter.label: [(e.name, e.see) for e in letter.entries]
            for letter in atoz_index(articles, language, entries)}


# --- A to Z: the language's alphabet and collation ------------------------------------

def test_english_a_to_z_sorts_accents_with_their_base_letter_and_lists_other_names():
    found = letters_of([Entry("Ebola", "a.html"), Entry("Éczema", "b.html"), Entry("eating well", "c.html"),
                        Entry("Haemorrhoids", "h.html", ("Piles",)), Entry("5:2 diet", "d.html")], "en")
    assert list(found)[:26] == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert found["E"] == [("eating well", ""), ("Ebola", ""), ("Éczema", "")]  # not É after Z, not by case
    assert found["P"] == [("Piles", "Haemorrhoids")]
    assert found["H"] == [("Haemorrhoids", "")]
    assert found["B"] == []  # shown in the letter bar without a link
    assert list(found)[-1] == "#" and found["#"] == [("5:2 diet", "")]  # digits after the alphabet


def test_spanish_has_its_own_letter_n_tilde_and_swedish_puts_a_ring_after_z():
    spanish = letters_of([Entry("Náuseas", "a.html"), Entry("Ñandú", "b.html")], "es")
    assert spanish["N"] == [("Náuseas", "")] and spanish["Ñ"] == [("Ñandú", "")]
    assert list(spanish).index("Ñ") == list(spanish).index("N") + 1
    swedish = list(letters_of([Entry("Ångest", "a.html")], "sv"))
    assert swedish[25:29] == ["Z", "Å", "Ä", "Ö"]


def test_arabic_a_to_z_uses_the_arabic_alphabet():
    found = letters_of([Entry("ضغط الدم", "a.html"), Entry("أنيميا", "b.html"), Entry("Asthma", "c.html")], "ar")
    labels = list(found)
    assert labels[:3] == ["ا", "ب", "ت"] and "ي" in labels
    assert found["ا"] == [("أنيميا", "")]  # hamza on alif sorts with alif
    assert found["ض"] == [("ضغط الدم", "")]
    assert found["#"] == [("Asthma", "")]  # another script goes last


def test_arabic_a_to_z_files_names_without_the_definite_article():
    """Arabic indexes ignore al- (ال): الربو (asthma) is under ر, not under ا with every
    other name that has the article; التهاب (inflammation) keeps its ال, which is not the
    article."""
    found = letters_of([Entry("الربو", "a.html"), Entry("رعاف", "b.html"), Entry("السكري", "c.html"),
                        Entry("التهاب الكبد", "d.html"), Entry("ألم الظهر", "e.html"),
                        Entry("الصداع", "f.html", ("صداع نصفي",))], "ar")
    assert found["ر"] == [("الربو", ""), ("رعاف", "")]  # ربو before رعاف: sorted without the article too
    assert found["س"] == [("السكري", "")]
    assert found["ص"] == [("الصداع", ""), ("صداع نصفي", "الصداع")]
    assert sorted(found["ا"]) == sorted([("التهاب الكبد", ""), ("ألم الظهر", "")])
    # English keeps every letter: "Al" is not an article there
    assert letters_of([Entry("Allergy", "a.html")], "en")["A"] == [("Allergy", "")]


def test_easy_read_versions_are_not_entries_of_their_own():
    articles = [Entry("Haemorrhoids", "h.html", ("Piles",), "haemorrhoids", translation_key="piles"),
                Entry("Piles: easy read", "h-easy.html", (), "piles-easy", translation_key="piles", variant="easy-read"),
                Entry("Gout: easy read", "g.html", (), "gout", variant="easy-read")]  # no standard version: listed
    found = letters_of(articles, "en")
    assert found["H"] == [("Haemorrhoids", "")] and found["P"] == [("Piles", "Haemorrhoids")]
    assert found["G"] == [("Gout: easy read", "")]


def test_a_to_z_of_conditions_lists_each_condition_once():
    articles = [Entry("Piles (haemorrhoids): symptoms and treatment", "h.html", ("Piles",), "h",
                      translation_key="piles", condition="Haemorrhoids"),
                Entry("Piles: easy read", "h-easy.html", (), "he", translation_key="piles", variant="easy-read",
                      condition="Haemorrhoids"),
                Entry("Ten tips for better sleep", "s.html", (), "s"),  # not about one condition
                Entry("Asthma attacks: what to do", "a.html", (), "a", condition="Asthma")]
    found = letters_of(articles, "en", "conditions")
    assert {letter: names for letter, names in found.items() if names} == {
        "A": [("Asthma", "")], "H": [("Haemorrhoids", "")], "P": [("Piles", "Haemorrhoids")]}


def test_conditions_config_and_a_second_main_page_are_checked(site_dir):
    site_dir.write("healthhub.yaml", "atoz: condition\n")
    site_dir.write("articles/health/a.md", article("Asthma", condition="Asthma"))
    site_dir.write("articles/health/b.md", article("Asthma attacks", condition="asthma"))
    with pytest.raises(ConfigError) as caught:
        site_dir.build()
    assert [d.format() for d in caught.value.diagnostics] == [
        "healthhub.yaml:1:7: error: 'atoz' is 'condition', use atoz: articles (every article) or "
        "atoz: conditions (one entry per condition: the articles with condition:)"]
    site_dir.write("healthhub.yaml", "atoz: conditions\n")
    result = site_dir.build()
    assert [d.format() for d in result.errors] == [
        "articles/health/b.md:5:12: error: 'asthma' already has its main page, articles/health/a.md; "
        "remove condition: from one of them (the A to Z links one page per condition)"]
    site_dir.write("articles/health/b.md", article("Asthma attacks"))
    assert site_dir.build().ok
    html = site_dir.read("a-z.html")
    assert ">Asthma</a>" in html and "Asthma attacks" not in html


# --- A to Z page in a built site ------------------------------------------------------

def a_to_z_site(site_dir):
    site_dir.write("healthhub.yaml", "base_url: https://example.org/\n")
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/haemorrhoids.md", article(
        "Haemorrhoids", also_known_as="[Piles]", body="Swollen blood vessels in the back passage.\n"))
    site_dir.write("articles/health/asthma.md", article("Asthma", body="A condition of the airways.\n"))
    site_dir.write("articles/health/eczema.md", article("Éczema & itching <care>", body="Dry, itchy skin.\n"))
    return site_dir.build()


def test_a_to_z_page_lists_every_article_under_its_letter_with_a_letter_bar(site_dir):
    result = a_to_z_site(site_dir)
    assert result.ok, [d.format() for d in result.diagnostics]
    html = site_dir.read("a-z.html")
    bar = html[html.index('<nav class="atoz-letters"'): html.index("</nav>", html.index('<nav class="atoz-letters"'))]
    assert re.findall(r'<a href="#(letter-\w)">(\w)</a>', bar) == [
        ("letter-a", "A"), ("letter-e", "E"), ("letter-h", "H"), ("letter-p", "P")]
    assert '<span class="atoz-empty">B<span class="visually-hidden"> (no articles)</span></span>' in bar
    assert '<h2 id="letter-p">P</h2>' in html
    assert '<li>Piles, see <a href="health/haemorrhoids.html">Haemorrhoids</a></li>' in html
    assert '<a href="health/eczema.html">Éczema &amp; itching &lt;care&gt;</a>' in html  # escaped, under E
    assert html.count('<a href="#atoz-top">Back to top</a>') == 4 and 'id="atoz-top"' in html
    # Every page links to it from the footer; it is in the sitemap.
    assert '<a href="../a-z.html">A to Z</a>' in site_dir.read("health/asthma.html")
    assert '<a href="a-z.html">A to Z</a>' in site_dir.read("index.html")
    assert "<loc>https://example.org/a-z.html</loc>" in site_dir.read("sitemap.xml")


def test_a_to_z_follows_a_new_title_or_other_name_in_an_incremental_build(site_dir):
    assert a_to_z_site(site_dir).ok
    site_dir.write("articles/health/asthma.md", article("Breathing problems", also_known_as="[Wheezing]",
                                                        body="A condition of the airways.\n"))
    os.utime(site_dir.articles / "health/asthma.md", (1, 1))  # an old stat: the content must decide
    assert site_dir.build().ok
    html = site_dir.read("a-z.html")
    assert '<h2 id="letter-a">' not in html and "Wheezing, see" in html and '<h2 id="letter-b">B</h2>' in html
    incremental = site_dir.tree()
    assert site_dir.build(use_cache=False).ok
    assert site_dir.tree() == incremental


# --- Common questions -> FAQPage ------------------------------------------------------

QUESTIONS_BODY = """\
Piles are swollen blood vessels.

## Common questions

### Is blood in my poo always caused by piles?

No. Bleeding from the bottom has **other causes** too, so speak to a GP about it.

- especially if your poo is dark

### Can I use a cream while pregnant & breastfeeding?

Ask a pharmacist first: some are <not> suitable.

## Sources

### Not a question

This section is not part of the questions.
"""


def json_ld(html: str) -> list[dict]:
    return [json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


PAGE_QUESTIONS = """() => {
    const h2 = [...document.querySelectorAll('.article-body h2')].find(h => h.textContent.trim() === 'Common questions');
    const pairs = [];
    for (let el = h2.nextElementSibling; el && el.tagName !== 'H2'; el = el.nextElementSibling) {
        if (el.tagName === 'H3') pairs.push([el.textContent.trim(), '']);
        else if (pairs.length) pairs[pairs.length - 1][1] += ' ' + el.textContent;
    }
    return pairs.map(([q, a]) => [q, a.replace(/\\s+/g, ' ').trim()]);
}"""


@pytest.mark.parametrize("heading", [
    "Common questions", "COMMON\xa0QUESTIONS", "Common ques<em>tions</em>", "Common ques<em title='x>y'>tions</em>",
    "Common ques<!-- a > b -->tions", "Common &#113;uestions", "Common &#x71;uestions", "Common ques</ x>tions",
    "Common que\u017ftions", 'Common <span data-x=a"b>questions</span>', "Common&nbsp;questions",
])
def test_the_quick_look_for_the_questions_heading_never_misses_one(heading):
    """markup.may_have_heading saves parsing the HTML of bodies without the heading: it
    may say yes wrongly, never no (an article would lose its FAQPage data)."""
    from healthhub.loading.markup import common_questions, may_have_heading

    body = f'<h2 id="x">{heading}</h2>\n<h3>Does it hurt?</h3>\n<p>Rarely. He said "no".</p>'
    assert may_have_heading(body, "Common questions")
    assert common_questions(body)[0][0] == "Does it hurt?"
    assert not may_have_heading("<h2>Common answers</h2><h3>Q</h3><p>Answers &amp; more</p>", "Common questions")


def test_common_questions_become_faqpage_json_ld_that_says_what_the_page_says(site_dir, browser):
    site_dir.write("articles/health/piles.md", article("Piles", body=QUESTIONS_BODY))
    site_dir.write("articles/health/other.md", article("Other", body="## Common questions\n\nNo questions here.\n"))
    assert site_dir.build(search=False).ok
    html = site_dir.read("health/piles.html")
    blocks = json_ld(html)
    assert [b["@type"] for b in blocks] == ["MedicalWebPage", "FAQPage"]
    faq = blocks[1]
    assert faq["@context"] == "https://schema.org" and faq["inLanguage"] == "en"
    data = [(q["name"], q["acceptedAnswer"]["text"]) for q in faq["mainEntity"]]
    assert all(q["@type"] == "Question" and q["acceptedAnswer"]["@type"] == "Answer" for q in faq["mainEntity"])
    assert data[1] == ("Can I use a cream while pregnant & breastfeeding?",
                       "Ask a pharmacist first: some are suitable.")  # raw <not> is an HTML tag, not text
    assert "<not>" not in html.split('"FAQPage"')[1].split("</script>")[0]  # escaped by the one JSON-LD helper
    page = browser.new_page()
    try:
        page.goto((site_dir.out / "health/piles.html").as_uri())
        assert [tuple(pair) for pair in page.evaluate(PAGE_QUESTIONS)] == data  # the data says what the page says
    finally:
        page.close()
    assert len(data) == 2
    assert [b["@type"] for b in json_ld(site_dir.read("health/other.html"))] == ["MedicalWebPage"]


# --- page history -----------------------------------------------------------------------

HISTORY = """
  - {date: 2025-01-10, change: created, by: amara-okafor, note: First published}
  - {date: 2025-06-01, change: reviewed, by: lena-hart}
  - {date: 2026-02-01, change: updated, by: amara-okafor, note: "New advice <b>on</b> creams"}"""


def test_page_history_is_a_closed_details_section_and_feeds_the_json_ld_dates(site_dir):
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/a.md", article("A", date="2025-01-10", reviewed_by="lena-hart",
                                                   reviewed="2025-06-01", history=HISTORY))
    result = site_dir.build(search=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    html = site_dir.read("health/a.html")
    section = html[html.index('<details class="page-history">'): html.index("</details>")]
    assert "<details class=\"page-history\">\n  <summary>Page history</summary>" in section  # no `open`: collapsed
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    assert [re.sub(r"<[^>]+>", "", i) for i in items] == [
        "February 1, 2026: Updated by Dr. Amara Okafor. New advice &lt;b&gt;on&lt;/b&gt; creams",
        "June 1, 2025: Medically reviewed by Dr. Lena Hart",
        "January 10, 2025: Created by Dr. Amara Okafor. First published",
    ]
    assert '<a href="../people/lena-hart.html">Dr. Lena Hart</a>' in items[1]
    data = json_ld(html)[0]
    assert (data["dateModified"], data["lastReviewed"]) == ("2026-02-01", "2025-06-01")


def test_page_history_mistakes_are_errors_at_their_place(site_dir):
    site_dir.write("authors.yaml", PEOPLE)
    history = """
  - {date: 2025-01-10, change: made, by: amara-okafor}
  - {date: 2025-02-30, change: updated, by: amara-okafor}
  - {date: 2025-03-01, change: updated, by: nobody}
  - {date: 2025-03-02, change: updated}
  - {date: 2025-03-03, change: reviewed, by: lena-hart, notes: x}"""
    site_dir.write("articles/health/a.md", article("A", history=history))
    result = site_dir.build(search=False)
    assert not result.ok
    P = "articles/health/a.md"
    assert [d.format() for d in result.diagnostics] == [
        f"{P}:6:32: error: 'change' is 'made', use one of: created, updated, reviewed",
        f"{P}:7:12: error: 'date' is '2025-02-30', which is not a real date, check the month and day (YYYY-MM-DD)",
        f"{P}:9:5: error: history entry 4 has no 'by', every entry needs date, change and by",
        f"{P}:10:57: warning: unknown field 'notes' in history entry 5 (did you mean 'note'?), "
        "known fields are: date, change, by, note",
    ]
    site_dir.write("articles/health/a.md", article("A", history=history.split("\n  - {date: 2025-02-30")[0]
                                                   .replace("made", "created") + "\n  - {date: 2025-03-01, change: updated, by: amara-okafr}"))
    assert [d.format() for d in site_dir.build(search=False).diagnostics] == [
        f"{P}:7:45: error: unknown person 'amara-okafr' in history entry 2 (did you mean 'amara-okafor'?), "
        "use a person id from authors.yaml (known: amara-okafor, lena-hart) or add the person there"]


def check(site_dir, capsys, *args):
    cwd = os.getcwd()
    os.chdir(site_dir.root)
    try:
        code = cli.main(["check", "--today", "2026-03-01", *args])
    finally:
        os.chdir(cwd)
    return code, capsys.readouterr().out


def test_check_reports_history_out_of_order_and_a_review_date_that_disagrees(site_dir, capsys):
    site_dir.write("authors.yaml", PEOPLE)
    history = """
  - {date: 2025-06-01, change: reviewed, by: lena-hart}
  - {date: 2025-01-10, change: created, by: amara-okafor}
  - {date: 2025-09-01, change: reviewed, by: lena-hart}"""
    site_dir.write("articles/health/a.md", article("A", summary='"S."', sources=SOURCES, reviewed_by="lena-hart",
                                                   reviewed="2025-06-01", history=history, body="Short text.\n"))
    code, out = check(site_dir, capsys)
    assert code == 0
    assert out.splitlines() == [
        "articles/health/a.md:12:11: warning: 'reviewed' is 2025-06-01 but the latest review in 'history' (line 16) "
        "is 2025-09-01, make them the same date [history-review]",
        "articles/health/a.md:15:12: warning: history entry 2 (2025-01-10) is dated before entry 1 (2025-06-01), "
        "list the entries oldest first [history-order]",
        "Checked 1 article: 0 errors and 2 warnings in 1 file.",
    ]


# --- the new pages pass the Nu checker and axe, light and dark -------------------------

def test_a_to_z_and_an_article_with_questions_and_history_pass_nu_and_axe(site_dir, browser):
    site_dir.write("authors.yaml", PEOPLE)
    site_dir.write("articles/health/piles.md", article("Haemorrhoids", also_known_as="[Piles]", reviewed_by="lena-hart",
                                                       reviewed="2025-06-01", history=HISTORY,
                                                       body=QUESTIONS_BODY.replace("<not>", "not")))
    site_dir.write("articles/health/asthma.md", article("Asthma"))
    assert site_dir.build(search=False).ok
    pages = ["a-z.html", "health/piles.html"]
    assert checkers.run_vnu([site_dir.out / p for p in pages], site_dir.out) == []
    problems = checkers.axe_light_and_dark(browser, site_dir.out, pages,
                                           before="document.querySelectorAll('details').forEach(d => d.open = true)")
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        try:
            page = context.new_page()
            # The page history opens from the keyboard, no script needed.
            page.goto((site_dir.out / "health/piles.html").as_uri())
            page.focus(".page-history summary")
            page.keyboard.press("Enter")
            assert page.evaluate("document.querySelector('.page-history').open")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


# --- glossary ---------------------------------------------------------------------------

GLOSSARY = """\
haemorrhoids:
  definition: Swollen blood vessels in and around the back passage.
  forms: [haemorrhoid, piles]
GP:
  definition: A family doctor.
  stands_for: general practitioner
blood pressure:
  definition: The force of blood <pushing> on artery walls.
"""

GLOSSARY_BODY = """\
Piles are common. Haemorrhoids often settle; piles may come back.

## Haemorrhoids in pregnancy

See a [GP about haemorrhoids](https://example.org/) or run `gp --help`. Then ask your GP.

Check your Blood
pressure too, and your blood pressure again.
"""


def test_the_first_use_of_each_term_links_to_its_glossary_entry(site_dir):
    site_dir.write("articles/glossary.yaml", GLOSSARY)
    site_dir.write("articles/health/piles.md", article("Piles", body=GLOSSARY_BODY))
    result = site_dir.build(search=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    html = site_dir.read("health/piles.html")
    body = html[html.index('<div class="article-body"'): html.index("</div>", html.index('<div class="article-body"'))]
    assert re.findall(r'<a class="glossary-term" href="([^"]+)">(.*?)</a>', body, re.S) == [
        ("../glossary.html#term-haemorrhoids", "Piles"),  # a form counts as the term: "Haemorrhoids" is not marked again
        ("../glossary.html#term-gp", '<abbr title="general practitioner">GP</abbr>'),  # not in the heading, link or code
        ("../glossary.html#term-blood-pressure", "Blood\npressure"),
    ]
    assert '<h2 id="haemorrhoids-in-pregnancy">Haemorrhoids in pregnancy</h2>' in body
    assert '<a href="https://example.org/">GP about haemorrhoids</a>' in body and "<code>gp --help</code>" in body
    glossary = site_dir.read("glossary.html")
    assert re.findall(r'<div class="glossary-entry" id="([^"]+)">', glossary) == [
        "term-blood-pressure", "term-gp", "term-haemorrhoids"]  # every term, in collation order
    assert "The force of blood &lt;pushing&gt; on artery walls." in glossary
    assert "Also: haemorrhoid, piles" in glossary
    assert '<a href="../glossary.html">Glossary</a>' in html


@pytest.mark.parametrize("text, expected", [
    ("gp:\n  definition: A doctor.\nGP:\n  definition: Again.\n",
     "articles/glossary.yaml:3:1: error: 'GP' is already the term 'gp' (line 1), give each word to one term only"),
    ("piles:\n  definition: Swollen veins.\nhaemorrhoids:\n  definition: The same.\n  forms: [Piles]\n",
     "articles/glossary.yaml:5:10: error: 'Piles' is already the term 'piles' (line 1), give each word to one term only"),
    ("gp:\n  definition: A doctor.\ngp:\n  definition: Again.\n",
     "articles/glossary.yaml:3:1: error: 'gp' is given twice (first on line 1), keep only one 'gp:' line"),
    ("gp:\n  definiton: A doctor.\n",
     "articles/glossary.yaml:2:3: error: unknown field 'definiton' for 'gp' (did you mean 'definition'?), "
     "known fields are: definition, forms, stands_for"),
    ("gp:\n  forms: [doctor]\n",
     "articles/glossary.yaml:1:1: error: 'gp' has no 'definition', add a line like  "
     "definition: \"A short, plain explanation.\""),
])
def test_glossary_mistakes_are_errors_at_their_place(site_dir, text, expected):
    site_dir.write("articles/glossary.yaml", text)
    site_dir.write("articles/health/a.md", article("A"))
    result = site_dir.build(search=False)
    assert [d.format() for d in result.diagnostics] == [expected]
    assert not result.ok and not site_dir.out.exists()


def test_a_changed_glossary_re_renders_the_pages_that_use_it(site_dir):
    site_dir.write("articles/glossary.yaml", GLOSSARY)
    site_dir.write("articles/health/piles.md", article("Piles", body=GLOSSARY_BODY))
    site_dir.write("articles/health/other.md", article("Other", body="Nothing to explain.\n"))
    assert site_dir.build(search=False).ok
    glossary = site_dir.root / "articles/glossary.yaml"
    glossary.write_text(GLOSSARY.replace("blood pressure:", "settle:"), encoding="utf-8")
    os.utime(glossary, (1, 1))  # an old stat: the content must decide
    assert site_dir.build(search=False).ok
    html = site_dir.read("health/piles.html")
    assert "term-blood-pressure" not in html
    assert '<a class="glossary-term" href="../glossary.html#term-settle">settle</a>' in html
    assert 'id="term-settle"' in site_dir.read("glossary.html")
    incremental = site_dir.tree()
    assert site_dir.build(search=False, use_cache=False).ok
    assert site_dir.tree() == incremental


def test_glossary_page_and_terms_pass_nu_and_axe_and_work_by_keyboard(site_dir, browser):
    site_dir.write("articles/glossary.yaml", GLOSSARY)
    site_dir.write("articles/health/piles.md", article("Piles", body=GLOSSARY_BODY))
    assert site_dir.build(search=False).ok
    pages = ["glossary.html", "health/piles.html"]
    assert checkers.run_vnu([site_dir.out / p for p in pages], site_dir.out) == []
    problems = checkers.axe_light_and_dark(browser, site_dir.out, pages)
    assert not problems, "\n".join(problems)
    page = browser.new_page()
    try:
        page.goto((site_dir.out / "health/piles.html").as_uri())
        page.focus("a.glossary-term")  # a link: reached with Tab, opened with Enter or a tap
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("glossary.html#term-haemorrhoids")
        assert page.evaluate("document.querySelector(':target dd').textContent") == (
            "Swollen blood vessels in and around the back passage.Also: haemorrhoid, piles")
    finally:
        page.close()


# --- accessibility statement and "Was this page helpful?" -----------------------------

STATEMENT_CONFIG = """\
accessibility_contact: access@example.org
accessibility_tested: 2026-11-20
accessibility_issues:
  - "Some tables have no caption <yet>."
"""


def test_accessibility_statement_comes_from_the_config_and_is_linked_from_the_footer(site_dir):
    site_dir.write("articles/health/a.md", article("A"))
    assert site_dir.build(search=False).ok
    assert not (site_dir.out / "accessibility.html").exists()  # nothing to say without a contact
    assert "accessibility.html" not in site_dir.read("health/a.html")
    site_dir.write("healthhub.yaml", STATEMENT_CONFIG)
    assert site_dir.build(search=False).ok
    html = site_dir.read("accessibility.html")
    assert "<li>Some tables have no caption &lt;yet&gt;.</li>" in html
    assert '<a href="mailto:access@example.org">access@example.org</a>' in html
    assert '<time datetime="2026-11-20">November 20, 2026</time>' in html
    assert '<a href="../accessibility.html">Accessibility</a>' in site_dir.read("health/a.html")
    site_dir.write("healthhub.yaml", "accessibility_contact: https://example.org/contact\n")
    assert site_dir.build(search=False).ok
    html = site_dir.read("accessibility.html")
    assert '<a href="https://example.org/contact">' in html and "We are not aware of any accessibility problems" in html


def test_accessibility_and_feedback_config_mistakes_are_errors_at_the_value(site_dir):
    site_dir.write("healthhub.yaml", "accessibility_contact: call us\naccessibility_tested: 20/11/2026\n"
                                     "feedback_url: /feedback\n")
    site_dir.write("articles/health/a.md", article("A"))
    result = site_dir.cli("build")
    assert result.returncode == 2
    assert result.stderr.splitlines()[:3] == [
        "healthhub.yaml:1:24: error: 'accessibility_contact' is 'call us', write an email address or a web address, "
        "e.g. access@example.org or https://example.org/contact",
        "healthhub.yaml:2:23: error: 'accessibility_tested' is '20/11/2026', write the date as YYYY-MM-DD, "
        "e.g. accessibility_tested: 2025-03-30",
        "healthhub.yaml:3:15: error: 'feedback_url' is '/feedback', write the full address the form is sent to, "
        "e.g. https://forms.example.org/feedback",
    ]


class FormHandler:
    """A form address on 127.0.0.1 that records what it is sent."""

    def __init__(self):
        import http.server
        import threading
        from urllib.parse import parse_qs

        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                received.append(parse_qs(self.rfile.read(length).decode("utf-8")))
                body = b"<!DOCTYPE html><title>Thanks</title><p>Thank you"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/feedback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_was_this_page_helpful_posts_to_the_form_address_without_javascript(site_dir, browser):
    site_dir.write("articles/health/a.md", article("A", body="Some text.\n"))
    assert site_dir.build(search=False).ok
    assert "Was this page helpful?" not in site_dir.read("health/a.html")  # hidden when not configured
    handler = FormHandler()
    try:
        site_dir.write("healthhub.yaml", f"base_url: https://example.org/\nfeedback_url: {handler.url}\n"
                                         + STATEMENT_CONFIG)
        assert site_dir.build(search=False).ok
        html = site_dir.read("health/a.html")
        assert f'<form class="feedback" action="{handler.url}" method="post"' in html
        assert "<script" not in html.split('<form class="feedback"')[1].split("</form>")[0]
        context = browser.new_context(java_script_enabled=False)
        try:
            page = context.new_page()
            page.goto((site_dir.out / "health/a.html").as_uri())
            page.get_by_role("radio", name="No").check()
            page.get_by_label("Tell us more (optional)", exact=False).fill("The advice on creams was unclear & short.")
            with page.expect_navigation():
                page.get_by_role("button", name="Send feedback").click()
            assert page.inner_text("p") == "Thank you"
        finally:
            context.close()
        assert handler.received == [{"page": ["https://example.org/health/a.html"], "helpful": ["no"],
                                     "comment": ["The advice on creams was unclear & short."]}]
    finally:
        handler.close()
    pages = ["accessibility.html", "health/a.html"]
    assert checkers.run_vnu([site_dir.out / p for p in pages], site_dir.out) == []
    problems = checkers.axe_light_and_dark(browser, site_dir.out, pages)
    assert not problems, "\n".join(problems)


# --- check --external against a local server --------------------------------------------

class SourceServer:
    """An HTTP server on 127.0.0.1 standing in for the web and the DOI resolver."""

    def __init__(self):
        import http.server
        import threading

        self.requests: list[tuple[str, str, str]] = []  # (method, path, user agent)
        self.flaky_left = 1
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self, send_body):
                outer.requests.append((self.command, self.path, self.headers.get("User-Agent", "")))
                path = self.path
                if path == "/flaky" and outer.flaky_left:
                    outer.flaky_left -= 1
                    return self.reply(503, send_body)
                if path == "/slow":
                    time.sleep(1.0)
                if path == "/no-head" and self.command == "HEAD":
                    return self.reply(405, send_body)
                arabic = "/%D8%B3%D9%83%D8%B1%D9%8A"  # /سكري as a browser sends it
                routes = {arabic: (200, ""), arabic + "?q=%C3%B1": (200, ""),
                          # raw UTF-8, as servers send it (read as Latin-1 by http.client)
                          "/moved-utf8": (301, "/صحة".encode().decode("latin-1")),
                          "/%D8%B5%D8%AD%D8%A9": (200, ""), "/ok": (200, ""), "/flaky": (200, ""), "/no-head": (200, ""), "/gone": (410, ""),
                          "/missing": (404, ""), "/moved": (301, "/new-home"), "/new-home": (200, ""),
                          "/for-now": (302, "/ok"), "/doi/10.1234/real": (302, "/ok"),
                          "/doi/10.1234/unknown": (404, "")}
                status, location = routes.get(path, (404, ""))
                self.reply(status, send_body, location)

            def reply(self, status, send_body, location=""):
                body = b"<!DOCTYPE html><title>x</title>"
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

            def do_HEAD(self):
                self.answer(False)

            def do_GET(self):
                self.answer(True)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def source_server():
    server = SourceServer()
    yield server
    server.close()


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def test_check_external_reports_dead_moved_and_unknown_sources_at_their_lines(site_dir, capsys, source_server):
    base = source_server.base
    names = ["ok", "missing", "gone", "moved", "for-now", "flaky", "no-head"]
    sources = "".join(f"\n  - {{title: {n}, url: \"{base}/{n}\", publisher: P, year: 2024}}" for n in names)
    dead_url = f"http://127.0.0.1:{closed_port()}/x"
    sources += f"\n  - {{title: dead, url: \"{dead_url}\", publisher: P, year: 2024}}"
    sources += f"\n  - {{title: d1, url: \"{base}/ok\", publisher: P, year: 2024, doi: 10.1234/real}}"
    sources += f"\n  - {{title: d2, url: \"{base}/ok\", publisher: P, year: 2024, doi: 10.1234/unknown}}"
    text = article("A", summary='"S."', sources=sources, body="Short text.\n")
    site_dir.write("articles/health/a.md", text)

    def at(needle: str) -> str:  # line:col of a value in the file, counted here independently
        lines = text.split("\n")
        number = next(n for n, line in enumerate(lines) if needle in line)
        return f"articles/health/a.md:{number + 1}:{lines[number].index(needle) + 1}"

    args = ("--external", "--doi-resolver", f"{base}/doi/", "--timeout", "2")
    code, out = check(site_dir, capsys, *args)
    dead = [line for line in out.splitlines() if "cannot be reached" in line]
    assert code == 0 and len(dead) == 1
    quote = '"'
    assert dead == [f"{at(quote + dead_url)}: warning: source 8's url {dead_url} cannot be reached "
                    "(the connection was refused), check the address [source-link]"]
    assert [line for line in out.splitlines() if line not in dead] == [
        f"{at(quote + base + '/missing')}: warning: source 2's url {base}/missing answers 404 Not Found, "
        "find the page's new address or replace the source [source-link]",
        f"{at(quote + base + '/gone')}: warning: source 3's url {base}/gone answers 410 Gone (removed for good), "
        "replace the source [source-link]",
        f"{at(quote + base + '/moved')}: warning: source 4's url {base}/moved has moved to {base}/new-home, "
        "update the url [source-link]",
        f"{at('10.1234/unknown')}: warning: source 10's doi 10.1234/unknown is not known to the DOI resolver (404), "
        "check the DOI [source-link]",
        "Checked 1 article: 0 errors and 5 warnings in 1 file.",
    ]
    paths = [path for _, path, _ in source_server.requests]
    assert paths.count("/flaky") == 2  # a 503 is tried again
    assert ("GET", "/no-head", USER_AGENT) in source_server.requests  # HEAD refused: asked with GET
    assert {agent for _, _, agent in source_server.requests} == {USER_AGENT}
    assert paths.count("/ok") == 3  # once for the three sources that name it, once at the end of each redirect
    # The same day again: the answers come from the cache, no request is sent.
    before = len(source_server.requests)
    assert check(site_dir, capsys, *args)[1] == out
    assert len(source_server.requests) == before
    # Another day asks again.
    cwd = os.getcwd()
    os.chdir(site_dir.root)
    try:
        cli.main(["check", "--today", "2026-03-02", *args])
    finally:
        os.chdir(cwd)
    capsys.readouterr()
    assert len(source_server.requests) > before


def test_check_external_asks_for_addresses_in_any_script_as_a_browser_does(site_dir, capsys, source_server):
    """An Arabic or Spanish health publisher cites pages whose addresses are written in
    their own script: they are requested percent-encoded, as a browser sends them (they
    were reported unreachable, 'ascii' codec can't encode), and a redirect to such an
    address sent as raw UTF-8 is followed and named as the author would write it."""
    base = source_server.base
    urls = [f"{base}/سكري", f"{base}/سكري?q=ñ#section", f"{base}/moved-utf8"]
    sources = "".join(f"\n  - {{title: t{n}, url: \"{url}\", publisher: P, year: 2024}}" for n, url in enumerate(urls))
    text = article("A", summary='"S."', sources=sources, body="Short text.\n")
    site_dir.write("articles/health/a.md", text)
    lines = text.split("\n")
    line = next(n for n, line in enumerate(lines) if "moved-utf8" in line)
    quoted = f'"{base}'  # the value starts at its quote
    code, out = check(site_dir, capsys, "--external", "--timeout", "2")
    assert code == 0 and out.splitlines() == [
        f"articles/health/a.md:{line + 1}:{lines[line].index(quoted) + 1}: warning: source 3's url {base}/moved-utf8 has moved to {base}/صحة, "
        "update the url [source-link]",
        "Checked 1 article: 0 errors and 1 warning in 1 file."]
    assert sorted(path for _, path, _ in source_server.requests) == [
        "/%D8%B3%D9%83%D8%B1%D9%8A", "/%D8%B3%D9%83%D8%B1%D9%8A?q=%C3%B1", "/%D8%B5%D8%AD%D8%A9", "/moved-utf8"]


def test_check_without_external_sends_no_request(site_dir, capsys, source_server):
    site_dir.write("articles/health/a.md", article("A", summary='"S."', body="Short text.\n",
                                                   sources=f"\n  - {{title: x, url: \"{source_server.base}/missing\", "
                                                           "publisher: P, year: 2024}"))
    assert check(site_dir, capsys) == (0, "Checked 1 article: no problems found.\n")
    assert source_server.requests == []


def test_check_external_gives_up_on_a_slow_server_after_retries(site_dir, capsys, source_server):
    site_dir.write("articles/health/a.md", article("A", summary='"S."', body="Short text.\n",
                                                   sources=f"\n  - {{title: x, url: \"{source_server.base}/slow\", "
                                                           "publisher: P, year: 2024}"))
    code, out = check(site_dir, capsys, "--external", "--timeout", "0.3")
    assert out.splitlines()[0] == (f"articles/health/a.md:7:21: warning: source 1's url {source_server.base}/slow "
                                   "cannot be reached (no answer within 0.3 s, tried 3 times), check the address [source-link]")
    assert [path for _, path, _ in source_server.requests] == ["/slow"] * 3


def test_without_pyicu_the_a_to_z_uses_the_latin_alphabet_with_accents_folded(monkeypatch):
    from healthhub.rendering import atoz

    monkeypatch.setattr(atoz, "icu", None)
    made = [Entry(t, f"health/{n}.html", aka, n)
            for n, t, aka in (("a", "Ébola", ()), ("b", "asthma", ()), ("c", "Haemorrhoids", ("Piles",)),
                              ("d", "3-day fever", ()))]
    letters = {letter.label: [(e.name, e.see) for e in letter.entries] for letter in atoz.atoz_index(made, "en")}
    assert list(letters)[:3] == ["A", "B", "C"] and list(letters)[-1] == "#"
    assert letters["A"] == [("asthma", "")] and letters["E"] == [("Ébola", "")]
    assert letters["P"] == [("Piles", "Haemorrhoids")] and letters["#"] == [("3-day fever", "")]
    assert letters["Z"] == []
    assert atoz.collated(["b", "É", "a"], str, "en") == ("a", "b", "É")
    # the Arabic article is ignored without ICU too
    assert atoz.collated(["الربو", "باء"], str, "ar") == ("باء", "الربو")
