"""`healthhub import hugo|jekyll|wordpress`: small original sites in tests/fixtures/import/
are imported with the real command line, the articles and the report are checked, and
each imported site builds (exit 0) and passes the Nu checker, axe and the link crawl."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import checkers

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "import"
SOURCES = {"hugo": FIXTURES / "hugo", "jekyll": FIXTURES / "jekyll", "wordpress": FIXTURES / "wordpress" / "export.xml"}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Imported:
    def __init__(self, kind: str, root: Path):
        self.kind, self.root = kind, root
        self.source_before = tree_digest(FIXTURES / kind)
        self.result = run("import", kind, str(SOURCES[kind]), "--into", "out", cwd=root)
        self.out = root / "out"

    def article(self, rel: str) -> str:
        return (self.out / "articles" / rel).read_text(encoding="utf-8")

    def articles(self) -> list[str]:
        return sorted(p.relative_to(self.out / "articles").as_posix() for p in (self.out / "articles").rglob("*.md"))

    def report(self) -> str:
        return (self.out / "import-report.md").read_text(encoding="utf-8")

    def build(self) -> subprocess.CompletedProcess:
        return run("build", "--articles", "out/articles", "--config", "out/healthhub.yaml", "--templates",
                   str(ROOT / "templates"), "--out", "out/site", "--no-search", cwd=self.root)


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, Imported]:
    """Each fixture site imported once and built once (exit codes checked in the tests)."""
    sites = {}
    for kind in SOURCES:
        site = Imported(kind, tmp_path_factory.mktemp(kind))
        site.built = site.build() if site.result.returncode == 0 else None
        sites[kind] = site
    return sites


@pytest.mark.parametrize("kind", list(SOURCES))
def test_import_succeeds_leaves_the_source_alone_and_the_site_builds(imported, kind):
    site = imported[kind]
    assert site.result.returncode == 0, site.result.stderr
    assert "Imported " in site.result.stdout and "report: out/import-report.md" in site.result.stdout
    assert tree_digest(FIXTURES / kind) == site.source_before, "the import changed its source"
    assert site.built.returncode == 0, site.built.stderr
    assert "Built " in site.built.stdout


def test_hugo_articles_front_matter_and_bodies(imported):
    site = imported["hugo"]
    assert site.articles() == ["es/nutrición/hydration.md", "nutrition/fibre.md", "nutrition/hydration.md",
                               "nutrition/labels-fibre.md", "sleep/naps.md", "sleep/sleep.md"]
    fibre = site.article("nutrition/fibre.md")
    # front matter: first category, the rest as tags; description -> summary; two authors
    assert fibre.startswith("---\ntitle: 'Fibre: why it matters'\ncategory: Nutrition\ndate: 2024-02-12\n"
                            "updated: 2024-05-02\nsummary: How fibre helps digestion, and simple ways to eat more of it.\n"
                            "tags: [Digestion, fibre, breakfast]\nauthor: dr-ada-mensah\nlanguage: en\n")
    assert "co_authors:\n- tomás-ruiz\nweight: 10\n---" in fibre
    # bundle image, note -> admonition, ref/relref -> links to .md, param -> value; unknown kept
    assert "![A bowl of porridge with berries](fibre/bowl.png)\n\n*Oats are an easy source of fibre.*" in fibre
    assert '!!! info "Note"\n    Increase fibre **slowly** and drink more water as you do.' in fibre
    assert "[drinking enough](hydration.md) and [sleep](../sleep/sleep.md#how-much-sleep)" in fibre
    assert "call 0300 123 4567." in fibre
    assert '{{< chart data="fibre-intake" >}}' in fibre
    # Hugo's id for a heading differs a little from ours: the link is pointed at ours; a lost one at the top
    assert "Back to [where to find it](#where-to-find-it) or [nowhere](#)." in fibre
    assert (site.out / "articles/nutrition/fibre/bowl.png").read_bytes() == \
        (FIXTURES / "hugo/content/en/nutrition/fibre/bowl.png").read_bytes()
    water = site.article("nutrition/hydration.md")
    assert "![A glass of water](images/water.png)" in water
    assert '!!! info "Hot weather"\n    Drink more when it is hot' in water
    assert "!!! tip\n    Keep a bottle of water on your desk." in water
    assert "read [why fibre matters](fibre.md)" in water  # a root-relative link to a bundle
    assert '```go-html-template\n{{< figure src="x.png" >}}\n```' in water  # code is never converted
    assert "These notes are general information." in water  # include of a headless fragment
    assert "translation_key: nutrition/hydration" in water
    # Hugo's expiryDate takes the page down on that day; HealthHub's expires does the same (it
    # was kept as an unknown field, and the page stayed up)
    assert "\nexpires: 2030-01-01\n" in water and "expirydate" not in water
    spanish = site.article("es/nutrición/hydration.md")
    assert "language: es\ntranslation_key: nutrition/hydration\n" in spanish
    assert "category: Nutrición" in spanish and "![Un vaso de agua](images/water.png)" in spanish
    # an alias is in its page's language, a relative one next to the page (Hugo's rules): no clash
    # between translations
    assert "aliases:\n- /nutrition/water/\n" in water
    assert "aliases:\n- /es/nutrition/water/\n- /es/beber-agua/\n" in spanish
    # `## Heading{#id}` (no space, as Hugo allows) keeps its id and does not show '{#calor}'
    assert "\n## Con calor {#calor}\n" in spanish and "[esta sección](#calor)" in spanish
    naps = site.article("sleep/naps.md")
    assert "draft: true" in naps and "aliases:\n- /old/naps/" in naps
    # an old address two pages claim stays with the first (in Hugo one overwrote the other)
    assert "/old/rest/" not in naps and "aliases:\n- /old/rest/" in site.article("sleep/sleep.md")
    assert "[Watch the video on YouTube](https://www.youtube.com/watch?v=dQw4w9WgXcQ)" in naps
    # the later page whose address was taken gets a distinct slug
    assert site.article("nutrition/labels-fibre.md").startswith("---\ntitle: Fibre and salt on food labels\n")
    authors = (site.out / "articles/authors.yaml").read_text(encoding="utf-8")
    assert "dr-ada-mensah:\n  name: Dr. Ada Mensah\n" in authors and "tomás-ruiz:\n  name: Tomás Ruiz\n" in authors
    assert "headless" not in " ".join(site.articles())


def test_hugo_report_lists_what_was_converted_and_every_leftover_at_its_place(imported):
    site = imported["hugo"]
    report = site.report()
    assert "| articles written | 6 |" in report and "| … in language es | 1 |" in report
    assert "| shortcode note → admonition | 1 |" in report and "| shortcode ref → link to .md | 1 |" in report
    assert "| headless page or fragment (build: render: never / headless: true) | 2 |" in report
    lines = [line for line in report.splitlines() if ": warning: " in line]
    label = (FIXTURES / "hugo").as_posix()  # as given on the command line
    assert f"{label}/content/en/nutrition/fibre/index.md:28:1: warning: shortcode 'chart' has no HealthHub equivalent, " \
           "left as written (edit the text by hand)" in lines
    assert f"{label}/content/en/labels/salt.md:4:1: warning: 'fibre' in Nutrition is taken by " \
           f"{label}/content/en/nutrition/fibre/index.md, written with the slug 'labels-fibre'" in lines
    assert f"{label}/content/en/nutrition/fibre/index.md:30:61: warning: link to '#nowhere': no heading has this id, " \
           "the link now leads to the top of the page" in lines
    assert f"{label}/content/en/sleep/naps.md:5:1: warning: the alias /old/rest/ is also an alias of " \
           f"{label}/content/en/sleep/_index.md, which keeps it; left out here" in lines
    assert len(lines) == 4, lines
    assert "| nutrition" not in report  # table cells are source, written, kind, title
    assert f"| {label}/content/en/nutrition/fibre/index.md | articles/nutrition/fibre.md | bundle | Fibre: why it matters |" in report
    # the terminal says the same, grouped by kind
    assert "shortcode: 1 warning" in site.result.stderr and "fibre/index.md:28:1: warning:" in site.result.stderr


def test_jekyll_articles_and_report(imported):
    site = imported["jekyll"]
    assert site.articles() == ["allergies/hay-fever.md", "clinic/opening-hours.md", "es/vacunas/flu-season.md",
                               "general/about.md", "guides/asthma-plan.md", "vaccines/flu-season.md",
                               "vaccines/measles.md"]
    flu = site.article("vaccines/flu-season.md")
    assert flu.startswith("---\ntitle: Getting ready for flu season\ncategory: Vaccines\ndate: 2024-03-01\n"
                          "summary: Who should have the flu vaccine, and when.\ntags: [flu, winter]\nauthor: priya-shah\n"
                          "language: en\ntranslation_key: _posts/flu-season\nlayout: post\n---\n")
    assert '!!! info "Note"\n    Call 111 if you feel very unwell' in flu  # include callout.html -> admonition
    assert "[hay fever](../allergies/hay-fever.md)" in flu  # post_url
    assert "[asthma plan](../guides/asthma-plan.md)" in flu  # {{ site.baseurl }}/guides/... by its permalink
    assert "You can book by phone on 0300 765 4321" in flu  # include of plain text
    assert "```text\nYour flu vaccine appointment is on Monday at 10:00.\n```" in flu  # highlight
    assert "{% if page.urgent %}" in flu  # no equivalent: kept and reported
    hay = site.article("allergies/hay-fever.md")
    assert "![Pollen on a flower](assets/img/pollen.png)" in hay
    assert "[your asthma plan](../guides/asthma-plan.md)" in hay  # {% link %}
    assert "shown as written: {{ page.title }}." in hay  # {% raw %}
    assert (site.out / "articles/allergies/assets/img/pollen.png").is_file()
    assert "language: es\ntranslation_key: _posts/flu-season\n" in site.article("es/vacunas/flu-season.md")
    assert "draft: true" in site.article("vaccines/measles.md")  # from _drafts/
    plan = site.article("guides/asthma-plan.md")
    assert '<div class="box" markdown="1">' in plan
    # the title is the page's <h1>: a first heading repeating it goes, the others move down a level
    assert "# Your asthma action plan" not in plan
    assert "\n## What the plan says\n" in plan and "\n### Green, amber and red zones\n" in plan
    assert "[flu season advice](../vaccines/flu-season.md)" in site.article("general/about.md")  # root-relative link
    report = site.report()
    label = (FIXTURES / "jekyll").as_posix()
    assert f"{label}/_posts/2024-03-01-flu-season.md:19:1: warning: Liquid tag '{{% if %}}' has no HealthHub " \
           "equivalent, left as written (edit the text by hand)" in report
    assert "{% endif %}' has no" not in report  # one warning per block
    # a placeholder date in the file name (a page kept as a post) becomes the file's date
    hours = site.article("clinic/opening-hours.md")
    stamp = (FIXTURES / "jekyll/_posts/0001-01-01-opening-hours.md").stat().st_mtime
    day = dt.datetime.fromtimestamp(stamp, tz=dt.timezone.utc).date()
    assert f"\ndate: {day.isoformat()}\n" in hours
    # fields HealthHub gives a meaning to (image:, expires:) are kept under other names
    assert "\noriginal_image: /assets/img/pollen.png\noriginal_expires: never\n" in hours
    assert f"{label}/_posts/0001-01-01-opening-hours.md:1:1: warning: the date 0001-01-01 is a placeholder (year 1), " \
           f"the file's modification date {day.isoformat()} was used" in report
    assert "| HTML page or layout stub (.html), not imported | 1 |" in report
    assert "| Liquid post_url → link to .md | 1 |" in report and "| Liquid highlight → fenced code | 1 |" in report


def test_wordpress_articles_attachment_and_report(imported):
    site = imported["wordpress"]
    assert site.articles() == ["back-pain/gentle-stretches.md", "back-pain/hip-exercises.md",
                               "back-pain/shoulder-exercises-draft.md", "pages/about.md", "pages/staff-rota.md",
                               "recovery/walking-after-knee-surgery.md"]
    # a page behind a password stays unpublished, and the report says why; a scheduled post keeps its day
    assert "\ndraft: true\n" in site.article("pages/staff-rota.md")
    lines = SOURCES["wordpress"].read_text(encoding="utf-8").splitlines()
    item = next(n for n, line in enumerate(lines) if "<title>Staff rota" in line)  # its <item> is the line before
    assert f"{SOURCES['wordpress'].as_posix()}:{item}:1: warning: 'Staff rota' was behind a password in WordPress; " \
           "imported as a draft, as a static site cannot ask for one (publish it only if it may be public)" in site.report()
    hip = site.article("back-pain/hip-exercises.md")
    assert "\ndate: 2199-01-05\n" in hip and "draft:" not in hip
    assert "left out: 2 drafts (--drafts), 1 scheduled for a later day (--future)" in site.built.stdout
    post = site.article("back-pain/gentle-stretches.md")
    assert post.startswith("---\ntitle: 'Gentle stretches for a stiff back: what’s safe'\ncategory: Back pain\n"
                           "date: 2024-05-13\nupdated: 2024-05-20\n"
                           "summary: Three gentle stretches for a stiff back, and when to stop.\n"
                           "tags: [stretching, mobility]\nauthor: jordan-lee\n")
    assert "A stiff back often feels better with **gentle movement** than with rest.\n\n## Three stretches to try\n\n" \
           "- Knee to chest\n- Cat-cow\n- Pelvic tilt\n" in post
    assert "![A person on hands and knees doing the cat-cow stretch](uploads/stretch.png)\n\n*The cat-cow stretch*" in post
    assert "[walking after knee surgery](../recovery/walking-after-knee-surgery.md)" in post
    assert (site.out / "articles/back-pain/uploads/stretch.png").read_bytes() == \
        (FIXTURES / "wordpress/wp-content/uploads/2024/05/stretch.png").read_bytes()
    assert "author: mina-okafor\ndraft: true" in site.article("back-pain/shoulder-exercises-draft.md")
    assert "Call us on [01234 567890](tel:+441234567890)." in site.article("pages/about.md")
    authors = (site.out / "articles/authors.yaml").read_text(encoding="utf-8")
    assert "jordan-lee:\n  name: Jordan Lee\n" in authors and "mina-okafor:\n  name: Mina Okafor\n" in authors
    assert "@" not in authors  # e-mail addresses stay private
    label = SOURCES["wordpress"].as_posix()
    assert f"{label}:44:1: warning: WordPress shortcode [gallery] in 'Gentle stretches for a stiff back: what’s safe' " \
           "has no HealthHub equivalent, left as written" in site.report()
    assert "| WordPress item of type 'nav_menu_item' | 1 |" in site.report()
    config = (site.out / "healthhub.yaml").read_text(encoding="utf-8")
    assert "base_url: https://movewell.example.org" in config
    # the export's <language>en-GB</language> is kept: British dates, not "May 13, 2024"
    assert "\nlanguage: en-GB\n" in config
    page = (site.out / "site/back-pain/gentle-stretches.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB"' in page and '<time datetime="2024-05-13">13 May 2024</time>' in page


def test_importing_twice_is_refused_unless_replace(tmp_path):
    first = run("import", "hugo", str(SOURCES["hugo"]), "--into", "out", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    mine = tmp_path / "out" / "articles" / "nutrition" / "my-own.md"
    mine.write_text("---\ntitle: Mine\ncategory: Nutrition\ndate: 2024-01-01\n---\nMine.\n", encoding="utf-8")
    before = tree_digest(tmp_path / "out")
    again = run("import", "hugo", str(SOURCES["hugo"]), "--into", "out", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr == "error: out already holds an import, pass --replace to import again " \
                           "(only the files that import wrote are replaced)\n"
    assert tree_digest(tmp_path / "out") == before
    (tmp_path / "out" / "articles" / "nutrition" / "fibre.md").write_text("edited", encoding="utf-8")
    replaced = run("import", "hugo", str(SOURCES["hugo"]), "--into", "out", "--replace", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert mine.read_text(encoding="utf-8").endswith("Mine.\n")  # what the import did not write stays
    assert (tmp_path / "out/articles/nutrition/fibre.md").read_text(encoding="utf-8").startswith("---\ntitle: 'Fibre")


@pytest.mark.parametrize("into, message", [
    ("busy", "error: busy is not empty, import into a new or empty folder\n"),
    ("{source}/out", "error: --into {source}/out is inside the source site, choose a folder outside it "
                     "(the source is never modified)\n"),
])
def test_an_import_that_could_overwrite_something_is_refused(tmp_path, into, message):
    source = tmp_path / "src"
    source.mkdir()
    (source / "content").mkdir()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("import", "hugo", "src", "--into", into.format(source="src"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == message.format(source="src")
    assert (tmp_path / "busy" / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (source / "out").exists()


# --- the quality gate on the imported sites ----------------------------------------------

def test_imported_sites_pass_nu_and_the_link_crawl(imported):
    problems = []
    pages = []
    for kind, site in imported.items():
        assert site.built is not None and site.built.returncode == 0, site.result.stderr
        out = site.out / "site"
        problems += [f"{kind}: {p}" for p in checkers.check_links(out)]
        pages += checkers.html_pages(out)
    assert len(pages) > 30
    try:
        problems += checkers.run_vnu(pages, ROOT)
    except checkers.ToolMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    assert not problems, "\n".join(problems)


def test_imported_articles_pass_axe(imported, browser):
    problems = []
    page = browser.new_page()
    try:
        for kind, rel in [("hugo", "nutrition/fibre.html"), ("hugo", "nutrition/hydration.html"),
                          ("jekyll", "vaccines/flu-season.html"), ("jekyll", "guides/asthma-plan.html"),
                          ("wordpress", "back-pain/gentle-stretches.html")]:
            path = imported[kind].out / "site" / rel
            assert path.is_file(), rel
            page.goto(path.as_uri())
            problems += [f"{kind} {rel}: {p}" for p in checkers.run_axe(page)]
    finally:
        page.close()
    assert not problems, "\n".join(problems)


# --- what the disk and a wrong SOURCE can do ---------------------------------------------

def test_an_export_that_is_not_xml_is_one_located_error_and_nothing_is_written(tmp_path):
    (tmp_path / "notes.xml").write_text("<rss>\n<channel>\n<title>Salt & sugar</title>\n", encoding="utf-8")
    result = run("import", "wordpress", "notes.xml", "--into", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("notes.xml:3:14: error: the export is not well-formed XML (not well-formed (invalid "
                             "token)), give the file WordPress's Tools > Export made as SOURCE\n")
    assert sorted(os.listdir(tmp_path)) == ["notes.xml"]


def test_an_into_folder_under_a_file_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("import", "hugo", str(SOURCES["hugo"]), "--into", "notes.txt/site", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("error: --into notes.txt/site cannot be made: notes.txt is a file, not a folder; "
                             "give a new folder\n")
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]


def test_an_into_folder_where_nothing_can_be_written_is_one_error_line(tmp_path):
    """/proc takes no new files (on Linux, even for root); was an 'unexpected failure'."""
    result = run("import", "hugo", str(SOURCES["hugo"]), "--into", "/proc/healthhub-test-import", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("error: cannot write /proc/healthhub-test-import (no such file or directory), check "
                             "the disk; nothing was imported\n")


@pytest.mark.parametrize("failure, starts, reason", [
    (OSError(errno.ENOSPC, "No space left on device"), "cannot write out/", "(no space left on device), free some "
                                                                            "disk space"),
    (OSError(errno.EACCES, "Permission denied"), f"cannot read {FIXTURES}/hugo/", "(permission denied), check its "
                                                                                   "permissions"),
], ids=["disk-full", "source-unreadable"])
def test_a_file_that_cannot_be_copied_during_an_import_says_how_to_finish_it(tmp_path, monkeypatch, capsys, failure,
                                                                             starts, reason):
    """The copy of the image fails (the disk fills, or the source file cannot be read)
    after the articles before it were written: one line, exit 1, and importing again
    with --replace gives what a clean import gives."""
    from healthhub import cli
    from healthhub.importers import write

    def failing(source, target, *args, **kwargs):
        failure.filename = str(target) if failure.errno == errno.ENOSPC else str(source)
        raise failure

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(write.shutil, "copyfile", failing)
    assert cli.main(["import", "hugo", str(SOURCES["hugo"]), "--into", "out", "--quiet"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {starts}"), err
    assert f"{reason}; then import again with --replace (it takes away the " in err[0], err
    assert err[0].endswith(" files written before it)"), err
    assert (tmp_path / "out/articles").is_dir()
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["import", "hugo", str(SOURCES["hugo"]), "--into", "out", "--quiet", "--replace"]) == 0
    clean = tmp_path / "clean"
    clean.mkdir()
    assert run("import", "hugo", str(SOURCES["hugo"]), "--into", "out", cwd=clean).returncode == 0
    assert tree_digest(tmp_path / "out") == tree_digest(clean / "out")
