"""Content written for other generators builds as it is: what would not harm a reader
is a grouped warning, not an error (issue 14, "Building real content as it is")."""

from __future__ import annotations

from conftest import article


def messages(result) -> list[str]:
    return [d.format() for d in result.diagnostics]


def test_unknown_fields_are_kept_for_templates_and_a_repeated_one_is_a_warning(site_dir):
    site_dir.write("articles/health/a.md", article("A", kicker='"Fresh advice"', weight="3",
                                                   topics="[sleep, rest]"))
    site_dir.write("articles/health/b.md", "---\ntitle: B\ncategory: Health\ndate: 2025-01-01\ndeck: one\n"
                                           "deck: two\n---\n\nText.\n")
    (site_dir.templates / "article.html").write_text(
        (site_dir.templates / "article.html").read_text(encoding="utf-8").replace(
            "</h1>", "</h1><p class=\"kicker\">{{ article.extra.get('kicker', '') }}"
                     "{{ article.extra.get('deck', '') }}</p>", 1), encoding="utf-8")
    result = site_dir.build()
    assert result.ok, messages(result)
    a = next(x for x in result.site.articles if x.title == "A")
    assert a.extra == {"kicker": "Fresh advice", "weight": "3", "topics": ["sleep", "rest"]}
    assert "articles/health/b.md:6:1: warning: 'deck' is given twice (first on line 5), the last one is kept" \
        in messages(result)
    assert "articles/health/a.md:5:1: warning: unknown front-matter field 'kicker', kept for templates as article.extra" \
        in messages(result)
    assert '<p class="kicker">Fresh advice</p>' in site_dir.read("health/a.html")
    assert '<p class="kicker">two</p>' in site_dir.read("health/b.html")


def test_a_repeated_known_field_is_still_an_error(site_dir):
    site_dir.write("articles/health/a.md", "---\ntitle: A\ntitle: B\ncategory: Health\ndate: 2025-01-01\n---\n")
    assert messages(site_dir.build()) == [
        "articles/health/a.md:3:1: error: 'title' is given twice (first on line 2), keep only one 'title:' line"]


def test_warnings_are_grouped_by_kind_counted_and_listed_with_verbose(site_dir):
    for number in range(30):
        site_dir.write(f"articles/health/a{number:02d}.md", article(f"A {number}", weight=str(number), kicker="k"))
    result = site_dir.cli("build")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "warning: 60 × unknown front-matter field '…', kept for templates as article.extra [unknown-field]"
    assert lines[1] == ("  articles/health/a00.md:5:1: warning: unknown front-matter field 'weight', "
                        "kept for templates as article.extra (and 29 more like it)")
    assert lines[2] == ("  articles/health/a00.md:6:1: warning: unknown front-matter field 'kicker', "
                        "kept for templates as article.extra (and 29 more like it)")
    assert len(lines) == 3
    assert result.stdout.startswith("Built 30 articles in 1 category into site/ in ")
    assert result.stdout.rstrip().endswith(" with 60 warnings")
    verbose = site_dir.cli("build", "--verbose")
    assert len(verbose.stderr.splitlines()) == 60
    quiet = site_dir.cli("build", "--quiet")
    assert (quiet.returncode, quiet.stderr, quiet.stdout) == (0, "", "")


def test_summary_falls_back_to_the_first_paragraph_with_text(site_dir):
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(png, "PNG")
    site_dir.write("articles/health/knee.png", png.getvalue())
    site_dir.write("articles/health/a.md", article("A", summary='""', body="""\
        ![A knee](knee.png)

        <div class="hero"></div>

        Knee pain after running is common.
        """))
    result = site_dir.build()
    assert result.ok, messages(result)
    assert result.site.articles[0].description == "Knee pain after running is common."


def test_an_author_without_a_profile_is_shown_by_name(site_dir):
    site_dir.write("articles/health/a.md", article("A", author='"Dr. Jane Roe"'))
    result = site_dir.build()
    assert result.ok, messages(result)
    assert messages(result) == [
        "articles/health/a.md:5:9: warning: 1 author ('Dr. Jane Roe') has no profile, as there is no authors.yaml: "
        "each name is shown as written; to give authors profile pages, create authors.yaml next to healthhub.yaml "
        "with an entry per author (an id, then name:, credentials:, bio:) and write that id in 'author:'"]
    assert "By Dr. Jane Roe" in site_dir.read("health/a.html")
    assert not site_dir.build(strict=True).ok


def test_entities_in_titles_are_shown_as_characters(site_dir):
    site_dir.write("articles/health/a.md", article('"Twitter&#8217;s rules &amp; you"'))
    result = site_dir.build()
    assert result.ok, messages(result)
    assert result.site.articles[0].title == "Twitter’s rules & you"
    assert "<title>Twitter’s rules &amp; you" in site_dir.read("health/a.html")
    assert ">Twitter’s rules &amp; you</h1>" in site_dir.read("health/a.html")


def test_shortcodes_and_liquid_left_in_a_body_are_inert_code_with_a_warning(site_dir):
    site_dir.write("articles/health/a.md", article("A", body="""\
        Intro text.

        {{< youtube abc >}}

        Before {% include note.html %} after.

        ```
        {{< figure src="x" >}}
        ```
        """))
    result = site_dir.build()
    assert result.ok, messages(result)
    assert messages(result) == [
        "articles/health/a.md:9:1: warning: a Hugo shortcode is left in the text and is shown as written: "
        "'{{< youtube abc >}}', replace it with Markdown (or remove it)",
        "articles/health/a.md:11:8: warning: a Liquid tag is left in the text and is shown as written: "
        "'{% include note.html %}', replace it with Markdown (or remove it)",
    ]
    page = site_dir.read("health/a.html")
    assert "<p><code>{{&lt; youtube abc &gt;}}</code></p>" in page
    assert "<p>Before <code>{% include note.html %}</code> after.</p>" in page
    assert "{{&lt; figure src=&quot;x&quot; &gt;}}" in page  # code blocks are left alone, no warning


def test_markdown_inside_html_blocks_marked_markdown_1_is_rendered(site_dir):
    site_dir.write("articles/health/a.md", article("A", body="""\
        <div class="box" markdown="1">
        **Call us** on 0300 123 4567.
        </div>

        <div class="raw">**kept as written**</div>
        """))
    result = site_dir.build()
    assert result.ok, messages(result)
    page = site_dir.read("health/a.html")
    assert '<div class="box">\n<p><strong>Call us</strong> on 0300 123 4567.</p>\n</div>' in page
    assert '<div class="raw">**kept as written**</div>' in page


def test_root_relative_links_that_lead_nowhere_are_reported_at_their_place(site_dir):
    site_dir.write("articles/health/a.md", article("A", body="""\
        ![Pix](/pix/x.webp) and [B](/health/b.html) and [home](/).

        See [the plan](/plans/2024/).
        """))
    site_dir.write("articles/health/b.md", article("B"))
    result = site_dir.build()
    assert result.ok, messages(result)
    assert messages(result) == [
        "articles/health/a.md:7:8: warning: link to '/pix/x.webp' leads nowhere: the built site has nothing at "
        "/pix/x.webp, link to the article's .md file or to a file next to this one instead",
        "articles/health/a.md:9:16: warning: link to '/plans/2024/' leads nowhere: the built site has nothing at "
        "/plans/2024/, link to the article's .md file or to a file next to this one instead",
    ]


def test_links_are_checked_in_an_article_that_also_has_front_matter_errors(site_dir):
    site_dir.write("articles/health/a.md", article("A", date="2025-02-30", body="See [b](b.md) and [gone](gone.md).\n"))
    site_dir.write("articles/health/b.md", article("B"))
    assert messages(site_dir.build()) == [
        "articles/health/a.md:4:7: error: 'date' is '2025-02-30', which is not a real date, check the month and day "
        "(YYYY-MM-DD)",
        "articles/health/a.md:7:26: error: link to 'gone.md': there is no article at articles/health/gone.md, "
        "check the path (it is relative to this file)",
    ]
