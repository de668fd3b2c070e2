"""Every kind of front-matter mistake gets one exact path:line:col message."""

import pytest

P = "articles/health/x.md"
HEAD = "---\ntitle: T\ncategory: Health\ndate: 2025-03-30\n"

CASES = [
    ("missing title", "---\ncategory: Health\ndate: 2025-03-30\n---\nBody\n",
     f"{P}:1:1: error: the front matter has no 'title', add a line like title: \"Knee pain after running\""),
    ("missing date", "---\ntitle: T\ncategory: Health\n---\n",
     f"{P}:1:1: error: the front matter has no 'date', add a line like date: 2025-03-30"),
    ("impossible date", "---\ntitle: T\ncategory: Health\ndate: 2025-02-30\n---\n",
     f"{P}:4:7: error: 'date' is '2025-02-30', which is not a real date, check the month and day (YYYY-MM-DD)"),
    ("date in another format", "---\ntitle: T\ncategory: Health\ndate: 30/03/2025\n---\n",
     f"{P}:4:7: error: 'date' is '30/03/2025', write the date as YYYY-MM-DD, e.g. date: 2025-03-30"),
    ("views with commas", HEAD + 'views: "1,234"\n---\n',
     f"{P}:5:8: error: 'views' is '1,234', write the number without commas: views: 1234"),
    ("negative views", HEAD + "views: -5\n---\n",
     f"{P}:5:8: error: 'views' is -5, it must be 0 or more, e.g. views: 1234"),
    ("fractional views", HEAD + "views: 2.5\n---\n",
     f"{P}:5:8: error: 'views' is 2.5, it must be a whole number, e.g. views: 2"),
    ("huge views", HEAD + "views: 123456789012345678901234567890\n---\n",
     f"{P}:5:8: error: 'views' is 123456789012345678901234567890, which is too large, "
     "use a whole number under 1000000000000000"),
    ("category read as a boolean", "---\ntitle: T\ncategory: no\ndate: 2025-03-30\n---\n",
     f"{P}:3:11: error: 'category' is 'no', which YAML reads as yes/no, put it in double quotes: category: \"no\""),
    ("unquoted colon", "---\ntitle: Back pain: causes\ncategory: Health\ndate: 2025-03-30\n---\n",
     f"{P}:2:17: error: the front matter is not valid YAML (mapping values are not allowed in this context), "
     "check the line's quoting: a value containing ': ' or starting with '[', '{', '@', '*' or '&' must be in double quotes"),
    ("front matter is a list", "---\n- a\n- b\n---\n",
     f"{P}:2:1: error: the front matter is a list, not fields, write one 'name: value' per line, e.g. title: My article"),
    ("front matter is plain text", "---\njust text\n---\n",
     f"{P}:2:1: error: the front matter is plain text, not fields, write one 'name: value' per line, e.g. title: My article"),
    ("unterminated block", "---\ntitle: T\ncategory: Health\n",
     f"{P}:1:1: error: the front matter that starts here is never closed, add a line '---' after the last front-matter field"),
    ("no front matter", "Hello\n",
     f"{P}:1:1: error: the file does not start with front matter, put a line '---', then 'title:', 'category:' and "
     "'date:' lines, then '---' at the top"),
    ("duplicate key", "---\ntitle: T\ncategory: Health\ntitle: U\ndate: 2025-03-30\n---\n",
     f"{P}:4:1: error: 'title' is given twice (first on line 2), keep only one 'title:' line"),
    ("draft not a boolean", HEAD + "draft: maybe\n---\n",
     f"{P}:5:8: error: 'draft' is 'maybe', it must be true or false, e.g. draft: true"),
    ("tags as a mapping", HEAD + "tags: {a: 1}\n---\n",
     f"{P}:5:7: error: 'tags' must be a list, e.g. tags: [running, back pain]"),
    ("slug with a path", HEAD + "slug: ../../etc\n---\n",
     f"{P}:5:7: error: 'slug' is '../../etc': character 1 is '.', a slug may only hold letters, digits and hyphens, "
     "use e.g. slug: etc"),
    ("object-constructing tag", '---\ntitle: !!python/object/apply:os.system ["echo hi"]\ncategory: Health\ndate: 2025-03-30\n---\n',
     f"{P}:2:8: error: the YAML tag '!!python/object/apply:os.system' is not allowed here, write a plain value"),
    ("alias", "---\na: &x [1, 2]\ntitle: *x\ncategory: Health\ndate: 2025-03-30\n---\n",
     f"{P}:2:4: error: YAML anchors and aliases (&name, *name) are not allowed in front matter, write the value out in full"),
    ("updated before date", HEAD + "updated: 2025-01-01\n---\n",
     f"{P}:5:10: error: 'updated' (2025-01-01) is before 'date' (2025-03-30), use a date on or after 2025-03-30"),
    ("tab indentation", "---\ntitle: T\n\tcategory: Health\ndate: 2025-03-30\n---\n",
     f"{P}:3:1: error: the front matter is not valid YAML (found a tab character that violates indentation), "
     "indent with spaces, not tabs"),
    ("empty title", "---\ntitle:\ncategory: Health\ndate: 2025-03-30\n---\n",
     f"{P}:2:7: error: 'title' is empty, write a value, e.g. title: \"Knee pain after running\""),
    ("title that is a list", "---\ntitle: [a, b]\ncategory: Health\ndate: 2025-03-30\n---\n",
     f"{P}:2:8: error: 'title' is a list, it must be a single value, e.g. title: \"Knee pain after running\""),
]


@pytest.mark.parametrize("source, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_front_matter_gives_one_exact_message(site_dir, source, expected):
    site_dir.write(P, source)
    result = site_dir.build()
    assert not result.ok
    assert [d.format() for d in result.diagnostics] == [expected]


def test_line_numbers_count_from_the_top_of_the_file_with_crlf_and_bom(site_dir):
    site_dir.write(P, ("\ufeff" + HEAD + "views: lots\n---\n").replace("\n", "\r\n"))
    result = site_dir.build()
    assert [d.format() for d in result.diagnostics] == [
        f"{P}:5:8: error: 'views' is 'lots', it must be a whole number, e.g. views: 1234"]


def test_unknown_field_is_a_warning_with_a_suggestion(site_dir):
    site_dir.write(P, HEAD + "sumary: Short\n---\nBody\n")
    result = site_dir.build()
    assert result.ok
    assert [d.format() for d in result.diagnostics] == [
        f"{P}:5:1: warning: unknown front-matter field 'sumary' (did you mean 'summary'?), kept for templates as article.extra"]
    assert not site_dir.build(strict=True).ok


@pytest.mark.parametrize("field, ours", [("description", "summary"), ("lastmod", "updated"), ("categories", "category")])
def test_a_field_other_generators_name_otherwise_is_told_its_name_here(site_dir, field, ours):
    site_dir.write(P, HEAD + f"{field}: x\n---\nBody\n")
    result = site_dir.build()
    assert [d.format() for d in result.diagnostics] == [
        f"{P}:5:1: warning: unknown front-matter field '{field}' (HealthHub calls it '{ours}'), kept for templates as "
        "article.extra"]


@pytest.mark.parametrize("tags, where, index", [
    ('[knee, "", running]', "5:14", 2),  # was "'tags' is empty" at the list, which is not
    ("\n  - knee\n  - running\n  -", "8:4", 3),
])
def test_an_empty_item_of_a_list_is_named_at_its_place(site_dir, tags, where, index):
    site_dir.write(P, HEAD + f"tags: {tags}\n---\nBody\n")
    result = site_dir.build()
    assert [d.format() for d in result.diagnostics] == [
        f"{P}:{where}: error: item {index} of 'tags' is empty, remove it or write a word or phrase"]


def test_a_date_with_time_and_zone_keeps_the_date_as_written(site_dir):
    site_dir.write(P, "---\ntitle: Late\ncategory: Health\ndate: 2025-03-30T23:30:00-05:00\n---\nBody\n")
    result = site_dir.build()
    assert result.ok
    assert result.site.articles[0].date.isoformat() == "2025-03-30"
    assert '<time datetime="2025-03-30">March 30, 2025</time>' in site_dir.read("health/x.html")


def test_all_problems_of_a_build_are_reported_together(site_dir):
    site_dir.write("articles/a.md", "---\ntitle: A\ncategory: Health\ndate: 2025-13-01\n---\n")
    site_dir.write("articles/b.md", "---\ntitle: B\ndate: 2025-01-01\nviews: -1\n---\n")
    result = site_dir.build()
    assert [d.format() for d in result.errors] == [
        "articles/a.md:4:7: error: 'date' is '2025-13-01', which is not a real date, check the month and day (YYYY-MM-DD)",
        "articles/b.md:1:1: error: the front matter has no 'category', add a line like category: Health",
        "articles/b.md:4:8: error: 'views' is -1, it must be 0 or more, e.g. views: 1234",
    ]


def test_an_article_cannot_take_the_category_page_address(site_dir):
    site_dir.write("articles/health/index.md", HEAD + "---\nBody\n")
    site_dir.write("articles/health/y.md", HEAD + "slug: index\n---\nBody\n")
    result = site_dir.build()
    assert [d.format() for d in result.diagnostics] == [
        "articles/health/index.md:1:1: error: this article would be published at health/index.html, the category "
        "page's address, add a line like  slug: about-health",
        "articles/health/y.md:5:7: error: this article would be published at health/index.html, the category "
        "page's address, use another slug, e.g. slug: about-health",
    ]
