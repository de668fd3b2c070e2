"""Bad, hostile and odd input never costs a reader a page: one clear error, or a good build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.dom.minidom
from html.parser import HTMLParser
from pathlib import PurePosixPath

import pytest

from conftest import ROOT, article

FM = "---\ntitle: A title\ncategory: Health\ndate: 2025-03-30\n"
QUOTING_HINT = ("check the line's quoting: a value containing ': ' or starting with '[', '{', '@', '*' or '&' "
                "must be in double quotes")
TAG_REFUSED = "is not allowed here, write a plain value"

# name -> (file text, the one message: path:line:col: error: ... after 'articles/health/<name>.md:')
BAD_CONTENT = {
    "malformed_yaml": ("---\ntitle: Knee pain: what helps\ncategory: Health\ndate: 2025-03-30\n---\nx\n",
                       f"2:17: error: the front matter is not valid YAML (mapping values are not allowed in this "
                       f"context), {QUOTING_HINT}"),
    "front_matter_list": ("---\n- title\n- Health\n---\nx\n",
                          "2:1: error: the front matter is a list, not fields, write one 'name: value' per line, "
                          "e.g. title: My article"),
    "front_matter_text": ("---\njust some words\n---\nx\n",
                          "2:1: error: the front matter is plain text, not fields, write one 'name: value' per "
                          "line, e.g. title: My article"),
    "unterminated": ("---\ntitle: A title\ncategory: Health\ndate: 2025-03-30\n\nBody text.\n",
                     "1:1: error: the front matter that starts here is never closed, add a line '---' after the "
                     "last front-matter field"),
    "no_front_matter": ("# Just a heading\n\nBody.\n",
                        "1:1: error: the file does not start with front matter, put a line '---', then 'title:', "
                        "'category:' and 'date:' lines, then '---' at the top"),
    "missing_title": ("---\ncategory: Health\ndate: 2025-03-30\n---\nx\n",
                      "1:1: error: the front matter has no 'title', add a line like title: \"Knee pain after running\""),
    "missing_date": ("---\ntitle: A title\ncategory: Health\n---\nx\n",
                     "1:1: error: the front matter has no 'date', add a line like date: 2025-03-30"),
    "views_commas": (FM + "views: 1,234\n---\nx\n",
                     "5:8: error: 'views' is '1,234', write the number without commas: views: 1234"),
    "views_negative": (FM + "views: -5\n---\nx\n",
                       "5:8: error: 'views' is -5, it must be 0 or more, e.g. views: 1234"),
    "views_fraction": (FM + "views: 2.5\n---\nx\n",
                       "5:8: error: 'views' is 2.5, it must be a whole number, e.g. views: 2"),
    "views_huge": (FM + "views: 123456789012345678901234567890\n---\nx\n",
                   "5:8: error: 'views' is 123456789012345678901234567890, which is too large, use a whole number "
                   "under 1000000000000000"),
    "views_word": (FM + "views: many\n---\nx\n",
                   "5:8: error: 'views' is 'many', it must be a whole number, e.g. views: 1234"),
    "category_bool": ("---\ntitle: A title\ncategory: no\ndate: 2025-03-30\n---\nx\n",
                      "3:11: error: 'category' is 'no', which YAML reads as yes/no, put it in double quotes: "
                      "category: \"no\""),
    "title_list": ("---\ntitle: [a, b]\ncategory: Health\ndate: 2025-03-30\n---\nx\n",
                   "2:8: error: 'title' is a list, it must be a single value, e.g. title: \"Knee pain after running\""),
    "empty_title": ("---\ntitle: \"\"\ncategory: Health\ndate: 2025-03-30\n---\nx\n",
                    "2:8: error: 'title' is empty, write a value, e.g. title: \"Knee pain after running\""),
    "impossible_date": ("---\ntitle: A title\ncategory: Health\ndate: 2025-02-30\n---\nx\n",
                        "4:7: error: 'date' is '2025-02-30', which is not a real date, check the month and day "
                        "(YYYY-MM-DD)"),
    "month_13": ("---\ntitle: A title\ncategory: Health\ndate: 2025-13-01\n---\nx\n",
                 "4:7: error: 'date' is '2025-13-01', which is not a real date, check the month and day (YYYY-MM-DD)"),
    "date_words": ("---\ntitle: A title\ncategory: Health\ndate: March 30, 2025\n---\nx\n",
                   "4:7: error: 'date' is 'March 30, 2025', write the date as YYYY-MM-DD, e.g. date: 2025-03-30"),
    "impossible_time": ("---\ntitle: A title\ncategory: Health\ndate: 2025-03-30 25:00\n---\nx\n",
                        "4:7: error: 'date' is '2025-03-30 25:00', which is not a real time of day, use HH:MM "
                        "between 00:00 and 23:59"),
    "duplicate_key": ("---\ntitle: A title\ncategory: Health\ntitle: Another\ndate: 2025-03-30\n---\nx\n",
                      "4:1: error: 'title' is given twice (first on line 2), keep only one 'title:' line"),
    "draft_word": (FM + "draft: maybe\n---\nx\n",
                   "5:8: error: 'draft' is 'maybe', it must be true or false, e.g. draft: true"),
    "updated_before": (FM + "updated: 2025-01-01\n---\nx\n",
                       "5:10: error: 'updated' (2025-01-01) is before 'date' (2025-03-30), use a date on or after "
                       "2025-03-30"),
    "tab_indent": ("---\ntitle: A title\ncategory: Health\ndate: 2025-03-30\ntags:\n\t- a\n---\nx\n",
                   "6:1: error: the front matter is not valid YAML (found character that cannot start any token), "
                   "indent with spaces, not tabs"),
    "empty_tag": (FM + "tags: [\"!!!\"]\n---\nx\n",  # at the item, not at the list
                  "5:8: error: tag '!!!' has no letters or digits, remove it or use a word"),
    "empty_tag_in_a_block_list": (FM + "tags:\n  - knee\n  - \"...\"\n---\nx\n",
                                  "7:5: error: tag '...' has no letters or digits, remove it or use a word"),
    # hostile
    "slug_dotdot": (FM + "slug: ../../outside\n---\nx\n",
                    "5:7: error: 'slug' is '../../outside': character 1 is '.', a slug may only hold letters, "
                    "digits and hyphens, use e.g. slug: outside"),
    "slug_absolute": (FM + "slug: /etc/passwd\n---\nx\n",
                      "5:7: error: 'slug' is '/etc/passwd': character 1 is '/', a slug may only hold letters, "
                      "digits and hyphens, use e.g. slug: etc-passwd"),
    "slug_separator": (FM + "slug: a/b\n---\nx\n",
                       "5:7: error: 'slug' is 'a/b': character 2 is '/', a slug may only hold letters, digits and "
                       "hyphens, use e.g. slug: a-b"),
    "slug_backslash": (FM + "slug: ..\\evil\n---\nx\n",
                       "5:7: error: 'slug' is '..\\evil': character 1 is '.', a slug may only hold letters, digits "
                       "and hyphens, use e.g. slug: evil"),
    "category_only_dots": ("---\ntitle: A title\ncategory: \"../..\"\ndate: 2025-03-30\n---\nx\n",
                           "3:11: error: category '../..' has no letters or digits, use a name like Health"),
    "python_tag": ("---\ntitle: !!python/object/apply:os.system [\"echo pwned\"]\ncategory: Health\n"
                   "date: 2025-03-30\n---\nx\n",
                   f"2:8: error: the YAML tag '!!python/object/apply:os.system' {TAG_REFUSED}"),
    "python_tag_unknown_field": (FM + "extra: !!python/object/apply:os.system [\"echo pwned\"]\n---\nx\n",
                                 f"5:8: error: the YAML tag '!!python/object/apply:os.system' {TAG_REFUSED}"),
    "python_tag_on_the_block": ("---\n!!python/object/new:dict\ntitle: A\n---\nx\n",
                                f"2:1: error: the YAML tag '!!python/object/new:dict' {TAG_REFUSED}"),
    "custom_tag": (FM + "views: !int 12\n---\nx\n", f"5:8: error: the YAML tag '!int' {TAG_REFUSED}"),
    "control_character": (FM + "author: Ann\x1fB\n---\nx\n",
                          "5:12: error: the front matter holds the control character U+001F, which YAML does not "
                          "allow, remove it"),
    "alias": ("---\ntitle: &t A title\ncategory: Health\ndate: 2025-03-30\nsummary: *t\n---\nx\n",
              "2:8: error: YAML anchors and aliases (&name, *name) are not allowed in front matter, write the "
              "value out in full"),
    # the C YAML composer recurses: deep nesting used to crash the interpreter
    "deep_yaml": (FM + "tags: " + "[" * 5000 + "]" * 5000 + "\n---\nx\n",
                  "5:26: error: the front matter is nested more than 20 levels deep, use plain 'name: value' "
                  "lines and simple lists"),
    "deep_markdown": (FM + "---\n\n" + "".join("    " * i + "- level\n" for i in range(500)),
                      "1:1: error: the Markdown is nested too deeply (lists or quotes inside each other hundreds "
                      "of levels), flatten the nesting to a few levels"),
}


@pytest.mark.parametrize("name", sorted(BAD_CONTENT))
def test_bad_content_gives_one_exact_error(site_dir, name):
    text, message = BAD_CONTENT[name]
    site_dir.write(f"articles/health/{name}.md", text)
    result = site_dir.build()
    assert not result.ok
    assert [d.format() for d in result.diagnostics] == [f"articles/health/{name}.md:{message}"]
    assert not site_dir.out.exists()


@pytest.mark.parametrize("name", ["malformed_yaml", "python_tag", "category_bool", "deep_markdown"])
def test_the_command_line_reports_bad_content_and_keeps_the_site(site_dir, name):
    site_dir.write("articles/health/good.md", article("Good"))
    site_dir.cli(check=True)
    before = site_dir.tree()
    text, message = BAD_CONTENT[name]
    site_dir.write(f"articles/health/{name}.md", text)
    result = site_dir.cli()
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"articles/health/{name}.md:{message}",
        "Build failed: 1 error in 1 file; site/ was left unchanged.",
    ]
    assert site_dir.tree() == before


def test_an_error_in_one_article_does_not_hide_errors_in_others(site_dir):
    site_dir.write("articles/health/a.md", BAD_CONTENT["views_commas"][0])
    site_dir.write("articles/health/b.md", BAD_CONTENT["deep_markdown"][0])
    site_dir.write("articles/health/c.md", article("Fine"))
    result = site_dir.build()
    assert [d.path for d in result.errors] == ["articles/health/a.md", "articles/health/b.md"]


def test_two_articles_at_one_url_give_one_error_naming_both(site_dir):
    site_dir.write("articles/health/knee-pain.md", article("Knee pain"))
    site_dir.write("articles/more/other.md", article("Other knee pain", slug="knee-pain"))
    result = site_dir.build()
    assert [d.format() for d in result.diagnostics] == [
        "articles/more/other.md:5:7: error: this article and articles/health/knee-pain.md would both be "
        "published at health/knee-pain.html, give one of them a different 'slug:' or file name"
    ]


# --- accepted input ---------------------------------------------------------------

@pytest.mark.parametrize("written, shown", [
    ("2025-03-30T23:30:00-05:00", "2025-03-30"),  # would be the 31st in UTC
    ("2025-03-30 00:15:00 +09:00", "2025-03-30"),  # would be the 29th in UTC
    ("2025-03-30T12:00Z", "2025-03-30"),
    ("2025-3-9", "2025-03-09"),
])
def test_a_date_with_a_time_and_zone_is_kept_as_written(site_dir, written, shown):
    site_dir.write("articles/health/a.md", article("Dated", date=written))
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert f'<time datetime="{shown}">' in site_dir.read("health/a.html")


def test_values_yaml_would_misread_work_when_written_plainly(site_dir):
    site_dir.write("articles/no/a.md", article("Shown", category='"no"', draft="false", views="1_234"))
    site_dir.write("articles/no/b.md", article("Hidden", category='"no"', draft="true"))
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert [a.title for a in result.site.articles] == ["Shown"]
    assert result.site.articles[0].category == "no" and result.site.articles[0].views == 1234


def test_a_bom_and_crlf_line_endings_work(site_dir):
    text = "\ufeff" + article("Windows file", body="First line.\n\nSecond paragraph.\n").replace("\n", "\r\n")
    site_dir.write("articles/health/windows.md", text.encode("utf-8"))
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    page = site_dir.read("health/windows.html")
    assert "Windows file</h1>" in page and "<p>Second paragraph.</p>" in page and "\r" not in page


def test_bytes_that_are_not_utf8_name_the_file_and_byte_offset(site_dir):
    data = article("Latin-1", body="Caf\xe9 au lait.\n").encode("latin-1")
    site_dir.write("articles/health/latin1.md", data)
    offset = data.index(b"\xe9")
    line = data[:offset].count(b"\n") + 1
    result = site_dir.build()
    assert [d.format() for d in result.diagnostics] == [
        f"articles/health/latin1.md:{line}:4: error: byte {offset} (0xe9) is not UTF-8 text, "
        "save the file as UTF-8 in your editor"
    ]


def test_file_names_with_spaces_capitals_and_markdown_suffix_work(site_dir):
    site_dir.write("articles/health/My Knee Pain.markdown", article("Knee"))
    site_dir.write("articles/health/Sleep_Tips.MD", article("Sleep"))
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert sorted(a.path for a in result.site.articles) == ["health/my-knee-pain.html", "health/sleep-tips.html"]
    assert 'href="my-knee-pain.html"' in site_dir.read("health/index.html")


def test_hidden_backup_and_stray_files_are_ignored(site_dir):
    site_dir.write("articles/health/a.md", article("Kept"))
    for name in (".hidden.md", "a.md~", "#a.md#", ".a.md.swp", "a.md.bak", ".git/config", ".DS_Store",
                 "notes.md.tmp", "4913"):
        site_dir.write(f"articles/health/{name}", "not an article: ---\n- [")
    site_dir.write("articles/README.txt", "not published: no article in this folder")
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert sorted(site_dir.tree()) == sorted(
        p for p in site_dir.tree() if not p.startswith(("health/.", "health/a.md", "health/#", "README")))
    assert not (site_dir.out / "README.txt").exists()
    assert not any(name.endswith(("~", ".swp", ".bak", ".tmp", "#", "4913", ".DS_Store"))
                   for name in site_dir.tree())


def test_a_two_megabyte_article_builds(site_dir):
    paragraph = "Regular movement helps the heart, muscles and mood. " * 20 + "\n\n"
    body = "## Section\n\n" + paragraph * (2 * 1024 * 1024 // len(paragraph))
    site_dir.write("articles/health/long.md", article("Long", body=body))
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert len(site_dir.read("health/long.html")) > 2_000_000


# --- files next to articles ----------------------------------------------------------

# a real 1x1 PNG (images articles show are measured with Pillow, see test_images.py)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
                    "9c63f8cfc000000301010018dd8db00000000049454e44ae426082")


class Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.refs += [value for name, value in attrs if name in ("src", "href") and value]


def local_refs(page_html: str) -> list[str]:
    parser = Refs()
    parser.feed(page_html)
    return [r.split("?")[0].split("#")[0] for r in parser.refs if "://" not in r and not r.startswith(("#", "mailto:"))]


def test_images_next_to_an_article_are_copied_and_its_links_resolve(site_dir):
    site_dir.write("articles/health/knee/knee-pain.md",
                   article("Knee pain", body="![Knee](knee.png)\n\n![Diagram](img/diagram.svg)\n\n[PDF](leaflet.pdf)\n"))
    site_dir.write("articles/health/knee/knee.png", PNG)
    site_dir.write("articles/health/knee/img/diagram.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    site_dir.write("articles/health/knee/leaflet.pdf", b"%PDF-1.4 ...")
    site_dir.write("articles/health/knee/.hidden.png", PNG)
    site_dir.write("articles/health/knee/notes.yaml", "private: data\n")
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert (site_dir.out / "health/knee.png").read_bytes() == PNG
    assert not (site_dir.out / "health/.hidden.png").exists()
    assert not (site_dir.out / "health/notes.yaml").exists()
    page_path = site_dir.out / "health/knee-pain.html"
    refs = local_refs(page_path.read_text())
    assert {"knee.png", "img/diagram.svg", "leaflet.pdf"} <= set(refs)
    for ref in refs:  # every local link of the page, the copied files included, leads to a file
        assert (page_path.parent / ref).resolve().is_file(), ref


def test_a_folder_with_articles_in_two_categories_gets_its_files_in_both(site_dir):
    site_dir.write("articles/mixed/a.md", article("A", category="Health"))
    site_dir.write("articles/mixed/b.md", article("B", category="Sleep"))
    site_dir.write("articles/mixed/shared.jpg", PNG)
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert (site_dir.out / "health/shared.jpg").read_bytes() == PNG
    assert (site_dir.out / "sleep/shared.jpg").read_bytes() == PNG


def test_a_file_that_would_replace_a_page_is_an_error(site_dir):
    site_dir.write("articles/health/a.md", article("A"))
    site_dir.write("articles/health/index.html", "<p>hand-written</p>")
    result = site_dir.build()
    assert [d.format() for d in result.diagnostics] == [
        "articles/health/index.html:1:1: error: this file would replace the page health/index.html, rename the file"
    ]


def test_two_different_files_copied_to_one_place_are_an_error(site_dir):
    site_dir.write("articles/one/a.md", article("A"))
    site_dir.write("articles/one/pic.png", PNG)
    site_dir.write("articles/two/b.md", article("B"))
    site_dir.write("articles/two/pic.png", PNG + b"other")
    result = site_dir.build()
    assert [d.format() for d in result.diagnostics] == [
        "articles/two/pic.png:1:1: error: this file and articles/one/pic.png would both be copied to "
        "health/pic.png, rename one of them"
    ]


# --- symbolic links ------------------------------------------------------------------

def test_a_symlink_to_a_file_outside_the_articles_is_refused(site_dir, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text(article("Secret"))
    site_dir.write("articles/health/a.md", article("A"))
    (site_dir.articles / "health/leak.md").symlink_to(secret)
    (site_dir.articles / "health/passwd.png").symlink_to("/etc/passwd")
    result = site_dir.build()
    outside = ("is a symbolic link to a file outside the articles folder, "
               "copy the file into the articles folder instead")
    assert [d.format() for d in result.diagnostics] == [
        f"articles/health/leak.md:1:1: error: this file {outside}",
        f"articles/health/passwd.png:1:1: error: this file {outside}",
    ]


def test_a_symlinked_folder_outside_or_looping_is_refused(site_dir, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/x.md").write_text(article("X"))
    site_dir.write("articles/health/a.md", article("A"))
    (site_dir.articles / "health/out").symlink_to(tmp_path / "elsewhere")
    (site_dir.articles / "health/loop").symlink_to(site_dir.articles)
    (site_dir.articles / "health/self.md").symlink_to("self.md")
    result = site_dir.build()
    assert [d.format() for d in result.diagnostics] == [
        "articles/health/loop:1:1: error: this folder is a symbolic link that loops back to a folder that "
        "contains it, remove it",
        "articles/health/out:1:1: error: this folder is a symbolic link to a folder outside the articles folder, "
        "copy the folder into the articles folder instead",
        "articles/health/self.md:1:1: error: this file is a symbolic link that loops or leads nowhere, "
        "replace it with the file itself",
    ]


def test_a_symlink_inside_the_articles_is_followed(site_dir):
    site_dir.write("shared/a.md", "unused")
    site_dir.write("articles/health/a.md", article("A", body="A picture:\n\n![x](pic.png)\n"))
    site_dir.write("articles/media/pic.png", PNG)
    (site_dir.articles / "health/pic.png").symlink_to(site_dir.articles / "media/pic.png")
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert (site_dir.out / "health/pic.png").read_bytes() == PNG


# --- resource bombs ----------------------------------------------------------------

BILLION_LAUGHS = "---\n" + "title: A\ncategory: Health\ndate: 2025-03-30\n" + 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)) + "---\nx\n"


def test_a_billion_laughs_alias_bomb_fails_fast_with_small_memory(site_dir):
    site_dir.write("articles/health/bomb.md", BILLION_LAUGHS)
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"  # 1 GB: the expansion needs far more
        "from healthhub.cli import main\n"
        "sys.exit(main(['--quiet']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=site_dir.root, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[0] == (
        "articles/health/bomb.md:5:5: error: YAML anchors and aliases (&name, *name) are not allowed in front "
        "matter, write the value out in full")


# --- escaping -------------------------------------------------------------------------

EVIL = "</script><script>alert(1)</script> \"dq\" 'sq' <b onmouseover=alert(2)>&amp;"


class Scanner(HTMLParser):
    """Collects every element, attribute and script body of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag == "script":
            self._script = dict(attrs)

    def handle_data(self, data):
        if self._script is not None:
            self.scripts.append((self._script, data))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def yaml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML string


def test_hostile_titles_and_names_are_escaped_in_every_output(site_dir):
    site_dir.write("healthhub.yaml", "base_url: https://example.org/\n")
    site_dir.write("authors.yaml", f"evil:\n  name: {yaml_string('Name ' + EVIL)}\n"
                                   f"  credentials: {yaml_string('MD ' + EVIL)}\n  bio: {yaml_string('Bio ' + EVIL)}\n")
    site_dir.write("articles/health/evil.md", article(
        yaml_string("Title " + EVIL), summary=yaml_string("Summary " + EVIL),
        tags=f"[{yaml_string('tag ' + EVIL)}]", author="evil", reviewed_by="evil", reviewed="2025-03-30",
        sources=f"[{{title: {yaml_string('Source ' + EVIL)}, url: 'https://example.org/', publisher: NHS, year: 2024}}]",
        body="A plain body.\n"))
    site_dir.write("articles/health/other.md", article("Other"))
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    tree = site_dir.tree()
    scanned = 0
    for rel, data in tree.items():
        suffix = PurePosixPath(rel).suffix
        if suffix not in (".html", ".xml", ".json"):
            continue  # CSS, scripts, the compressed search index
        text = data.decode("utf-8")
        if suffix == ".html":
            scanner = Scanner()
            scanner.feed(text)
            assert not [a for a in scanner.attributes if a[1].startswith("on")], rel
            for attrs, body in scanner.scripts:
                assert "alert(" not in body or attrs.get("type", "").endswith("json"), rel
                if attrs.get("type", "").endswith("json"):
                    json.loads(body)  # still valid JSON, and no author text ended the element
            assert "<script>alert" not in text, rel
            scanned += 1
        elif suffix == ".xml":
            xml.dom.minidom.parseString(data)  # well formed: every '<' and '&' escaped
            assert "<script>" not in text, rel
        elif suffix == ".json":
            values = json.dumps(json.loads(text))
            assert "<script>alert" not in text or "alert" in values, rel
    assert scanned >= 5
    page = site_dir.read("health/evil.html")
    assert "Title &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for field in ("Summary", "Name", "MD", "Source", "tag"):
        assert f"{field} &lt;/script&gt;&lt;script&gt;alert(1)" in page, field


# --- safe_html --------------------------------------------------------------------------

RAW_HTML_BODY = """\
Intro[^note] <span class="hi">kept</span>

<script>alert("x")</script>

<img src="pic.png" onerror="alert(1)" alt="Knee">

<a href="javascript:alert(1)">bad link</a> [md link](javascript:alert(2)) [good](https://example.org/)

<iframe src="https://evil.example/"></iframe>

| Left | Right |
|:-----|------:|
| a    | b     |

!!! warning "See a doctor"
    If the pain is severe.

```python
print("hi")
```

!!! urgent
    Call for help now.

[^note]: A footnote.
"""


def test_raw_html_is_kept_by_default(site_dir):
    site_dir.write("articles/health/raw.md", article("Raw", body=RAW_HTML_BODY))
    assert site_dir.build().ok
    page = site_dir.read("health/raw.html")
    assert '<script>alert("x")</script>' in page and "<iframe" in page


def test_safe_html_removes_scripts_handlers_javascript_urls_and_frames(site_dir):
    site_dir.write("healthhub.yaml", "safe_html: true\n")
    site_dir.write("articles/health/raw.md", article("Raw", body=RAW_HTML_BODY))
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    body = site_dir.read("health/raw.html").split("<main", 1)[1].split("</main>", 1)[0]
    for gone in ("alert", "<iframe", "javascript:", "onerror"):
        assert gone not in body
    # what Python-Markdown makes still works
    for kept in ('<span class="hi">kept</span>', '<img src="pic.png" alt="Knee"',
                 '<a href="https://example.org/">good</a>', '<th style="text-align:left">Left</th>',
                 '<td style="text-align:right">b</td>', '<sup id="fnref:note"><a class="footnote-ref" href="#fn:note">',
                 '<li id="fn:note">', '<div class="admonition warning">',
                 '<p class="admonition-title">See a doctor</p>', '<code class="language-python">',
                 '<div class="callout callout-urgent" role="note">',
                 '<svg aria-hidden="true" class="callout-icon" focusable="false" height="24" viewBox="0 0 24 24"'):
        assert kept in body, kept


def test_safe_html_publishes_no_file_that_could_run_code(site_dir):
    site_dir.write("healthhub.yaml", "safe_html: true\n")
    site_dir.write("articles/health/a.md", article("A", body="Text.\n\n![x](pic.png)\n"))
    site_dir.write("articles/health/pic.png", PNG)
    site_dir.write("articles/health/evil.svg", "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    site_dir.write("articles/health/page.HTML", "<script>alert(1)</script>")
    result = site_dir.build()
    refused = ("1:1: error: with safe_html: true only images, PDFs, audio, video and text files are published next "
               "to articles (an HTML, SVG or script file could run code), convert it (e.g. SVG to PNG) or remove it")
    assert [d.format() for d in result.diagnostics] == [
        f"articles/health/evil.svg:{refused}", f"articles/health/page.HTML:{refused}"]
    site_dir.write("healthhub.yaml", "safe_html: false\n")
    assert site_dir.build().ok
    assert (site_dir.out / "health/evil.svg").exists() and (site_dir.out / "health/pic.png").exists()


def test_safe_html_must_be_true_or_false(site_dir):
    site_dir.write("healthhub.yaml", "safe_html: sometimes\n")
    site_dir.write("articles/health/a.md", article("A"))
    result = site_dir.cli()
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "healthhub.yaml:1:12: error: 'safe_html' is 'sometimes', it must be true or false, e.g. safe_html: true"]


def test_safe_html_changes_nothing_markdown_makes_in_the_sample_articles():
    import re

    from conftest import SAMPLE_ARTICLES
    from healthhub.loading.markup import MarkdownConverter

    plain, safe = MarkdownConverter(), MarkdownConverter(safe_html=True)

    def normal(fragment: str) -> str:  # the same HTML, spelled the way the sanitizer writes it
        fragment = fragment.replace("&#160;", "&nbsp;")
        return re.sub(r'style="text-align: (\w+);"', r'style="text-align:\1"', fragment)

    sources = sorted(SAMPLE_ARTICLES.rglob("*.md"))
    assert len(sources) >= 10
    for source in sources:
        body = source.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        assert safe.convert(body).html == normal(plain.convert(body).html), source.name
