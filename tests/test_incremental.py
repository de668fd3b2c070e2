"""Incremental builds give exactly what a clean build gives, and a bad cache is never trusted."""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SiteDir, article
from healthhub.caching import cache
from healthhub.build import build

PAST = time.time() - 3600


def age(path: Path) -> None:
    """Make a just-written file look older than the few seconds in which a stat
    signature is not trusted, so the tests also cover the stat-only fast path."""
    os.utime(path, (PAST, PAST))


def write(site: SiteDir, rel: str, text: str) -> None:
    age(site.write(rel, text))


def clean_build(site: SiteDir, out: Path):
    cwd = os.getcwd()
    os.chdir(site.root)
    try:
        return build(site.options(out_dir=out, use_cache=False, search=False))
    finally:
        os.chdir(cwd)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- random edits ----------------------------------------------------------------------------

WORDS = ["sleep", "water", "salt", "walk", "rest", "heart", "calm"]
TEMPLATE_EDITS = [
    ("article.html", "{% block main %}", "{% block main %}<p>{{ article.views }} / {{ site.articles|length }}</p>"),
    ("base.html", "</footer>", "<p>{% for a in site.articles %}{{ a.title }};{% endfor %}</p></footer>"),
    ("base.html", "</footer>", "<div>{% if site.articles %}{{ site.articles[-1].description }}{% endif %}</div></footer>"),
    ("_macros.html", "views</span>", "views</span> {{ article.summary }}"),
    ("tag.html", "<h1>", "<h1 data-n=\"{{ pager.items|map(attribute='slug')|join(',') }} {{ tag.count }}\">"),
    ("home.html", "<h1", "{{ site.tags|map(attribute='name')|join(' ') }}<h1"),
]
DAMAGES = ["truncate", "random-bytes", "swap-files", "swap-bodies", "database-cut", "database-bytes"]
CONFIGS = ["", "per_page: 2\n", "site_name: Other\nrelated_count: 1\n", "popular_count: 1\nhome_latest: 2\n",
           "default_author: \"Dr. Q\"\n", "nav_count: 1\n", "nav: [Sleep]\ngone: [/old/gone.html]\n",
           # several languages: es/ and ar/ folders and `language:` fields move pages under /<lang>/
           "languages:\n  en: {name: English}\n  es: {name: Español, categories: {Health: Salud}}\n  ar: {name: العربية}\n",
           "atoz: conditions\n",  # the A to Z lists conditions (its index is remembered in the cache)
           # feeds and the sitemap (whose entries the cache remembers), in several languages
           "base_url: https://example.org/health/\nlanguages:\n  en: {name: English}\n  es: {name: Español}\n"]
SNIPPETS = ["Call 111.\n", "!!! urgent\n    Call 999.\n\n[[snippet: inner]]\n", "Ask a pharmacist.\n"]

articles_st = st.fixed_dictionaries({
    "title": st.sampled_from(["Sleep well", "Salt facts", "Walk more", "Calm mind", "Drink water"]),
    "category": st.sampled_from(["Health", "Sleep", "Fitness"]),
    "date": st.sampled_from(["2024-01-05", "2024-06-01", "2025-02-10", "2099-01-01"]),  # 2099: scheduled
    "views": st.integers(0, 40),
    "tags": st.lists(st.sampled_from(WORDS), max_size=3),
    "body": st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(lambda w: "## Part\n\n" + " ".join(w) + ".\n"),
    "snippet": st.booleans(),
    "aliases": st.sampled_from(["", "[/old/page.html]", "[/2019/x/]"]),
    "language": st.sampled_from(["", "", "es", "ar"]),
    "translation_key": st.sampled_from(["", "k"]),
    # other names and conditions in the A to Z (whose index the cache remembers)
    "also_known_as": st.sampled_from(["", "", "[Rest]", "[Zinc, Sleep well]"]),
    "condition": st.sampled_from(["", "", "", "Insomnia", "Asthma"]),
})
names_st = st.sampled_from(["a", "b", "c", "d", "e"])
steps_st = st.lists(st.one_of(
    st.tuples(st.just("write"), names_st, articles_st),  # add or edit
    st.tuples(st.just("delete"), names_st),
    st.tuples(st.just("append"), names_st, st.sampled_from(WORDS)),  # a body edit only: only its page is planned
    # a new first paragraph: the description listings show (a warm build plans only the pages showing it)
    st.tuples(st.just("prepend"), names_st, st.sampled_from(WORDS)),
    st.tuples(st.just("rename"), names_st, names_st),
    st.tuples(st.just("template"), st.integers(0, len(TEMPLATE_EDITS) - 1)),
    st.tuples(st.just("config"), st.integers(0, len(CONFIGS) - 1)),
    st.tuples(st.just("static"), st.integers(0, 3)),  # a binary file among the templates
    st.tuples(st.just("damage"), st.sampled_from(DAMAGES), st.integers(0, 2**32)),  # to the build cache
    st.tuples(st.just("snippet"), st.sampled_from(["note", "inner"]), st.integers(0, len(SNIPPETS) - 1)),
), min_size=1, max_size=5)


def damage_cache(site: SiteDir, how: str, seed: int) -> None:
    """Damage the build cache as a crash, a bad disk or a careless hand might."""
    rng = random.Random(seed)
    folder = site.root / ".healthhub-cache"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != ".gitignore")
    if how == "swap-bodies":  # one article's body stored under another's key
        database = folder / cache.DATABASE
        if database.is_file():
            try:
                with sqlite3.connect(database) as connection:
                    keys = [k for (k,) in connection.execute("SELECT key FROM bodies ORDER BY key")]
                    if len(keys) >= 2:
                        a, b = rng.sample(keys, 2)
                        connection.execute("UPDATE bodies SET key = CASE key WHEN ? THEN ? ELSE ? END "
                                           "WHERE key IN (?, ?)", (a, b, a, a, b))
                sqlite3.connect(database).close()
            except sqlite3.DatabaseError:
                pass  # already damaged by an earlier step
        return
    if how.startswith("database"):  # the SQLite file itself: cut short, or bytes changed anywhere in it
        database = folder / cache.DATABASE
        if database.is_file():
            data = bytearray(database.read_bytes())
            if how == "database-cut":
                data = data[: rng.randrange(len(data) + 1)]
            elif data:
                for _ in range(rng.randrange(1, 40)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            database.write_bytes(bytes(data))
        return
    if how.startswith("swap"):
        if len(files) >= 2:
            a, b = rng.sample(files, 2)
            data_a, data_b = a.read_bytes(), b.read_bytes()
            a.write_bytes(data_b)
            b.write_bytes(data_a)
        return
    for path in rng.sample(files, max(1, len(files) // 2)) if files else ():
        data = bytearray(path.read_bytes())
        if how == "truncate":
            data = data[: rng.randrange(len(data) + 1)]
        elif data:
            for _ in range(rng.randrange(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))


def source(fields: dict) -> str:
    tags = "[" + ", ".join(fields["tags"]) + "]"
    body = fields["body"] + ("\n[[snippet: note]]\n" if fields.get("snippet") else "")
    more = {key: fields[key] for key in ("aliases", "language", "translation_key", "also_known_as", "condition")
            if fields.get(key)}
    return article(fields["title"], fields["category"], fields["date"], body, views=fields["views"], tags=tags, **more)


def apply(site: SiteDir, step: tuple) -> None:
    kind = step[0]
    if kind == "write":
        write(site, f"articles/{step[1]}.md", source(step[2]))
    elif kind == "append":
        for path in (site.articles / f"{step[1]}.md", site.articles / "sub" / f"{step[1]}.md",
                     site.articles / "es" / f"{step[1]}.md"):
            if path.exists():
                age(site.write(path.relative_to(site.root).as_posix(),
                               path.read_text(encoding="utf-8") + f"\nOne more word: {step[2]}.\n"))
    elif kind == "prepend":
        for path in (site.articles / f"{step[1]}.md", site.articles / "sub" / f"{step[1]}.md",
                     site.articles / "es" / f"{step[1]}.md"):
            if path.exists():
                text = path.read_text(encoding="utf-8").replace("\n---\n", f"\n---\nOpening word: {step[2]}.\n\n", 1)
                age(site.write(path.relative_to(site.root).as_posix(), text))
    elif kind == "delete":
        (site.articles / f"{step[1]}.md").unlink(missing_ok=True)
        (site.articles / "sub" / f"{step[1]}.md").unlink(missing_ok=True)
        (site.articles / "es" / f"{step[1]}.md").unlink(missing_ok=True)
    elif kind == "rename":  # to another name, in another folder (es/: Spanish on a site in several languages)
        old = site.articles / f"{step[1]}.md"
        if old.exists():
            old.rename(site.articles / ("es" if step[2] in "ce" else "sub") / f"{step[2]}.md")
    elif kind == "template":
        name, anchor, replacement = TEMPLATE_EDITS[step[1]]
        path = site.templates / name
        path.write_text(path.read_text(encoding="utf-8").replace(anchor, replacement, 1), encoding="utf-8")
        age(path)
    elif kind == "config":
        write(site, "healthhub.yaml", CONFIGS[step[1]])
    elif kind == "static":
        write_bytes = bytes(range(256)) * (step[1] + 1)
        age(site.write("templates/static/logo.png", write_bytes))
    elif kind == "damage":
        damage_cache(site, step[1], step[2])
    elif kind == "snippet":
        write(site, f"articles/_snippets/{step[1]}.md", SNIPPETS[step[2]])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=steps_st)
def test_incremental_build_equals_a_clean_build_after_every_change(steps):
    with tempfile.TemporaryDirectory() as tmp:
        site = SiteDir(Path(tmp) / "project")
        (site.articles / "sub").mkdir()
        write(site, "articles/_snippets/note.md", SNIPPETS[0])
        write(site, "articles/_snippets/inner.md", SNIPPETS[2])
        (site.articles / "es").mkdir()
        write(site, "articles/a.md", article("First", body="Hello.\n", tags="[sleep]"))
        write(site, "articles/sub/b.md", article("Second", "Sleep", "2024-02-02", views=3))
        assert site.build(search=False).ok
        for number, step in enumerate(steps):
            apply(site, step)
            incremental = site.build(search=False)
            fresh_out = Path(tmp) / f"fresh-{number}"
            fresh = clean_build(site, fresh_out)
            assert incremental.ok == fresh.ok, (step, incremental.diagnostics, fresh.diagnostics)
            assert incremental.diagnostics == fresh.diagnostics
            if fresh.ok:
                assert tree(site.out) == tree(fresh_out), step
            again = site.build(search=False)  # and a rebuild with no change gives the same again
            assert again.ok == fresh.ok
            if fresh.ok:
                assert again.rendered == 0 and tree(site.out) == tree(fresh_out)


# --- the cache ------------------------------------------------------------------------------

def test_unchanged_files_are_left_alone_and_a_no_change_build_does_nothing(site_dir):
    write(site_dir, "articles/a.md", article("Alpha", tags="[sleep]"))
    write(site_dir, "articles/b.md", article("Beta", "Fitness", "2024-01-01", summary="Fixed."))
    assert site_dir.build().ok
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in site_dir.out.rglob("*.html")}
    write(site_dir, "articles/b.md", article("Beta", "Fitness", "2024-01-01", body="New words.\n", summary="Fixed."))
    result = site_dir.build()
    assert result.ok and result.parsed == 1
    changed = {p.relative_to(site_dir.out).as_posix() for p in site_dir.out.rglob("*.html")
               if before.get(p) != (p.stat().st_ino, p.stat().st_mtime_ns)}
    assert changed == {"fitness/b.html"}
    result = site_dir.build()
    assert result.ok and result.rendered == 0 and result.written.written == 0
    assert result.counts == (2, 2, 0, 0, 0) and len(result.site.articles) == 2


def set_code_version(path: Path, value: bytes) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = ? WHERE name = 'code'", (value,))
    sqlite3.connect(path).close()  # the last connection closed: the WAL is folded into the file


def flip_text(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new))


def test_a_corrupt_or_truncated_cache_is_rebuilt_not_trusted(site_dir, tmp_path):
    write(site_dir, "articles/a.md", article("Alpha", body="First words.\n"))
    write(site_dir, "articles/b.md", article("Beta", "Sleep", "2024-01-01", tags="[rest]", body="Beta body.\n"))
    assert site_dir.build(search=False).ok
    folder = site_dir.root / ".healthhub-cache"
    database = folder / cache.DATABASE
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [".gitignore", cache.DATABASE]
    damages = [  # (damage, whether nothing at all can be taken from the cache)
        (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), True),  # truncated
        (lambda p: p.write_bytes(b""), True),
        (lambda p: p.write_bytes(b"SQLite format 3\0" + bytes(range(256)) * 40), True),  # garbage
        (lambda p: set_code_version(p, b"another HealthHub"), True),  # written by another version
        (lambda p: flip_text(p, b"Beta body.", b"Beta BODY."), False),  # a body changed: its checksum fails
        (lambda p: flip_text(p, b"Beta", b"Zeta"), False),  # the article record and its body changed
    ]
    for number, (damage, everything) in enumerate(damages):
        damage(database)
        write(site_dir, "articles/a.md", article("Alpha", body=f"Words, version {number}.\n"))
        write(site_dir, "templates/article.html",
              (site_dir.templates / "article.html").read_text(encoding="utf-8") + f"{{# {number} #}}")
        result = site_dir.build(search=False)
        assert result.ok, number
        if everything:
            assert result.parsed == 2, number  # nothing was taken from the damaged cache
        fresh = clean_build(site_dir, tmp_path / f"fresh-{number}")
        assert fresh.ok and tree(site_dir.out) == tree(tmp_path / f"fresh-{number}"), number
        assert "Beta body." in (site_dir.out / "sleep" / "b.html").read_text(encoding="utf-8")
        assert cache.read_value(folder, "summary"), number  # written again, valid
        again = site_dir.build(search=False)
        assert again.ok and again.rendered == 0 and tree(site_dir.out) == tree(tmp_path / f"fresh-{number}")


def test_a_damaged_or_missing_article_body_in_the_cache_is_never_used(site_dir, tmp_path):
    write(site_dir, "articles/a.md", article("Alpha", body="First words.\n"))
    write(site_dir, "articles/b.md", article("Beta", "Sleep", "2024-01-01", tags="[rest]"))
    assert site_dir.build(search=False).ok
    database = site_dir.root / ".healthhub-cache" / cache.DATABASE

    def bodies(statement: str) -> None:
        with sqlite3.connect(database) as connection:
            connection.execute(statement)
        sqlite3.connect(database).close()
    for number, damage in enumerate([
            lambda: bodies("UPDATE bodies SET html = CAST(replace(CAST(html AS TEXT), 'words', 'WORDS') AS BLOB)"),
            lambda: bodies("UPDATE bodies SET html = substr(html, 1, length(html) - 4)"),
            lambda: bodies("UPDATE bodies SET html = (SELECT html FROM bodies AS b WHERE b.key != bodies.key)"),  # swapped
            lambda: bodies("DELETE FROM bodies")]):
        damage()
        write(site_dir, "templates/article.html",
              (site_dir.templates / "article.html").read_text(encoding="utf-8") + f"{{# {number} #}}")
        result = site_dir.build(search=False)
        assert result.ok and result.parsed == 2
        fresh = clean_build(site_dir, tmp_path / f"fresh-{number}")
        assert fresh.ok and tree(site_dir.out) == tree(tmp_path / f"fresh-{number}")
        assert "First words." in (site_dir.out / "health" / "a.html").read_text(encoding="utf-8")


def test_an_edited_output_file_is_rendered_again(site_dir, tmp_path):
    write(site_dir, "articles/a.md", article("Alpha"))
    assert site_dir.build().ok
    page = site_dir.out / "health" / "a.html"
    page.write_text("tampered", encoding="utf-8")
    assert site_dir.build().ok
    assert "Alpha" in page.read_text(encoding="utf-8") and "tampered" not in page.read_text(encoding="utf-8")


def test_after_a_no_change_build_every_change_to_the_articles_or_the_site_folder_is_noticed(site_dir, tmp_path):
    """The no-change check takes only stats (article files found by name, output files
    by name from the last build's list); each change below must still give the site a
    clean build gives, not the previous one."""
    write(site_dir, "articles/a.md", article("Alpha"))
    write(site_dir, "articles/sub/deep/b.md", article("Beta", "Sleep", "2024-01-01"))
    assert site_dir.build(search=False).ok

    def rebuilt_as_clean(number: int) -> None:
        assert site_dir.build(search=False).rendered == 0  # nothing changed: nothing rendered
        change(number)
        assert site_dir.build(search=False).ok, number
        fresh = clean_build(site_dir, tmp_path / f"fresh-{number}")
        assert fresh.ok and tree(site_dir.out) == tree(tmp_path / f"fresh-{number}"), number
        links = [p for p in site_dir.out.rglob("*") if p.is_symlink()]
        assert not links, (number, links)

    outside = tmp_path / "outside"
    changes = [
        lambda: write(site_dir, "articles/sub/deep/er/c.md", article("Gamma", "Sleep", "2024-02-01")),  # added
        lambda: (site_dir.articles / "sub/deep/b.md").unlink(),  # deleted
        lambda: (site_dir.out / "stray.html").write_text("not ours", encoding="utf-8"),  # a file put in the site
        lambda: (site_dir.out / "health" / "a.html").unlink(),  # a page deleted from the site
        lambda: (site_dir.out / "health" / "a.html").write_text("tampered", encoding="utf-8"),
        lambda: relink(site_dir.out / "health" / "a.html", tmp_path / "a-copy.html"),  # a page made a link
        lambda: relink_folder(site_dir.out / "sleep", outside),  # a folder made a link to the same files elsewhere
    ]

    def change(number: int) -> None:
        changes[number]()

    for number in range(len(changes)):
        rebuilt_as_clean(number)
    assert "Gamma" in (site_dir.out / "sleep" / "c.html").read_text(encoding="utf-8")
    assert not (site_dir.out / "sleep" / "b.html").exists()
    assert (outside / "c.html").is_file()  # what the link led to is left alone


def relink(path: Path, elsewhere: Path) -> None:
    """Move path elsewhere and put a symbolic link to it in its place (same stat seen through it)."""
    path.rename(elsewhere)
    path.symlink_to(elsewhere)


def relink_folder(folder: Path, elsewhere: Path) -> None:
    """relink a folder, and add as many files beside it as it held less one: the site
    then has as many entries as before, every page has its stat (seen through the
    link), and only the link itself tells that the site is not what a build made."""
    held = sum(1 for p in folder.rglob("*") if p.is_file())
    relink(folder, elsewhere)
    for number in range(held - 1):
        (folder.parent / f"pad-{number}.txt").write_text("", encoding="utf-8")


def test_the_cache_folder_is_an_option_and_can_be_switched_off(site_dir, tmp_path):
    write(site_dir, "articles/a.md", article("Alpha"))
    assert site_dir.build(cache_dir=tmp_path / "elsewhere").ok
    assert cache.read_value(tmp_path / "elsewhere", "summary")
    assert not (site_dir.root / ".healthhub-cache").exists()
    assert site_dir.build(use_cache=False, out_dir=tmp_path / "out").ok
    assert not (site_dir.root / ".healthhub-cache").exists()


def test_a_new_title_re_renders_the_pages_that_show_it_and_no_others(site_dir):
    write(site_dir, "articles/a.md", article("Alpha", tags="[sleep]", summary="Fixed."))
    write(site_dir, "articles/b.md", article("Beta", date="2024-01-01", tags="[sleep]", summary="Fixed."))
    write(site_dir, "articles/c.md", article("Gamma", "Fitness", "2024-02-01", tags="[walk]", summary="Fixed."))
    assert site_dir.build(search=False).ok
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in site_dir.out.rglob("*.html")}
    write(site_dir, "articles/b.md", article("Beta renamed", date="2024-01-01", tags="[sleep]", summary="Fixed."))
    result = site_dir.build(search=False)
    changed = {p.relative_to(site_dir.out).as_posix() for p in site_dir.out.rglob("*.html")
               if before.get(p) != (p.stat().st_ino, p.stat().st_mtime_ns)}
    # its page, the pages listing it (home, its category, its topic, the author's page)
    # and the page that links it as related; not the other category or topic
    assert "health/b.html" in changed and "health/a.html" in changed and "index.html" in changed
    assert "health/index.html" in changed and "tags/sleep/index.html" in changed
    assert not {"fitness/c.html", "fitness/index.html", "tags/walk/index.html"} & changed
    assert result.rendered == len(changed)
    assert "Beta renamed" in (site_dir.out / "health" / "a.html").read_text(encoding="utf-8")


def rendered_pages(site: SiteDir, before: dict) -> set[str]:
    return {p.relative_to(site.out).as_posix() for p in site.out.rglob("*.html")
            if before.get(p) != (p.stat().st_ino, p.stat().st_mtime_ns)}


def test_an_edit_to_bodies_only_plans_their_pages_and_every_edit_gives_a_clean_build(site_dir, tmp_path):
    # A body edit leaves the site's shape as it was: only the article's page is
    # planned, fingerprinted and rendered, every other page kept from its stored
    # record. Anything else (a title, a topic, a date that reorders the listings,
    # a damaged record of the last build) plans every page again.
    write(site_dir, "healthhub.yaml", "base_url: https://example.org/\nper_page: 2\n")
    write(site_dir, "articles/a.md", article("Alpha", tags="[sleep]", summary="Fixed.", body="Old words.\n"))
    write(site_dir, "articles/b.md", article("Beta", date="2024-01-01", tags="[sleep]", summary="Fixed."))
    write(site_dir, "articles/c.md", article("Gamma", "Fitness", "2024-02-01", tags="[walk]", summary="Fixed."))
    write(site_dir, "articles/d.md", article("Delta", "Fitness", "2023-02-01", tags="[walk, sleep]", summary="Fixed."))
    assert site_dir.build(search=False).ok
    sitemap = site_dir.out / "sitemap.xml"
    before_sitemap = (sitemap.stat().st_ino, sitemap.stat().st_mtime_ns)

    def edit_and_compare(rel: str, text: str, name: str) -> tuple[set[str], object]:
        before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in site_dir.out.rglob("*.html")}
        write(site_dir, rel, text)
        result = site_dir.build(search=False)
        assert result.ok
        assert clean_build(site_dir, tmp_path / name).ok
        assert tree(site_dir.out) == tree(tmp_path / name), name
        return rendered_pages(site_dir, before), result

    changed, result = edit_and_compare("articles/a.md", article("Alpha", tags="[sleep]", summary="Fixed.",
                                                                body="New words.\n"), "body")
    assert changed == {"health/a.html"} and result.rendered == 1
    assert "plan pages" in dict((s, w) for s, _, w in result.timings.stages)
    assert "only bodies changed" in dict((s, w) for s, _, w in result.timings.stages)["plan pages"]
    assert b"New words." in (site_dir.out / "health" / "a.html").read_bytes()
    assert b"New words." in (site_dir.out / "feed.xml").read_bytes()  # the feed shows bodies: made again
    assert "sitemap.xml" not in {p.name for p in site_dir.out.iterdir()
                                 if before_sitemap != (p.stat().st_ino, p.stat().st_mtime_ns)}  # kept
    # a title: every page showing the article again (planned in full)
    changed, _ = edit_and_compare("articles/b.md", article("Beta renamed", date="2024-01-01", tags="[sleep]",
                                                           summary="Fixed."), "title")
    assert {"health/b.html", "health/a.html", "index.html"} <= changed and "fitness/c.html" not in changed
    # a topic, then a date that moves the article to the front of every listing
    edit_and_compare("articles/d.md", article("Delta", "Fitness", "2023-02-01", tags="[walk]", summary="Fixed."),
                     "tag")
    edit_and_compare("articles/d.md", article("Delta", "Fitness", "2026-02-01", tags="[walk]", summary="Fixed."),
                     "date")
    # a body again, after the builds in full: one page
    changed, _ = edit_and_compare("articles/c.md", article("Gamma", "Fitness", "2024-02-01", tags="[walk]",
                                                           summary="Fixed.", body="Other words.\n"), "body-2")
    assert changed == {"fitness/c.html"}
    # the last build's stored plan damaged (fails its checksum), or a page record gone:
    # the next body edit plans every page, and the output is still a clean build's
    database = site_dir.root / ".healthhub-cache" / cache.DATABASE
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE named SET checksum = zeroblob(16) WHERE name = 'plan'")
    connection.close()
    changed, result = edit_and_compare("articles/c.md", article("Gamma", "Fitness", "2024-02-01", tags="[walk]",
                                                                summary="Fixed.", body="Third words.\n"), "damaged")
    assert changed == {"fitness/c.html"}
    assert "only bodies changed" not in dict((s, w) for s, _, w in result.timings.stages)["plan pages"]
    with sqlite3.connect(database) as connection:
        connection.execute("DELETE FROM pages WHERE path = 'tags/walk/index.html'")
    connection.close()
    changed, result = edit_and_compare("articles/c.md", article("Gamma", "Fitness", "2024-02-01", tags="[walk]",
                                                                summary="Fixed.", body="Fourth words.\n"), "record")
    assert changed == {"fitness/c.html"} and result.rendered == 2  # the page without a record: same bytes
    assert "only bodies changed" not in dict((s, w) for s, _, w in result.timings.stages)["plan pages"]
    # the sitemap changed by hand: made again from the stored entries
    (site_dir.out / "sitemap.xml").write_text("edited by hand", encoding="utf-8")
    edit_and_compare("articles/c.md", article("Gamma", "Fitness", "2024-02-01", tags="[walk]",
                                              summary="Fixed.", body="Sixth words.\n"), "sitemap")
    # an output file changed by hand: the build that notices it plans every page
    (site_dir.out / "health" / "b.html").write_text("edited by hand", encoding="utf-8")
    changed, _ = edit_and_compare("articles/c.md", article("Gamma", "Fitness", "2024-02-01", tags="[walk]",
                                                           summary="Fixed.", body="Fifth words.\n"), "by-hand")
    assert changed == {"fitness/c.html", "health/b.html"}


def test_a_page_of_the_site_being_served_is_replaced_never_written_into(site_dir, tmp_path):
    # A web server (or rsync) may be reading site/ while a build runs: the new
    # site is assembled from hard links to the current files, and a changed page
    # must get a new file, not new bytes in the file the current site uses.
    write(site_dir, "articles/a.md", article("Alpha", body="Old words.\n"))
    write(site_dir, "articles/b.md", article("Beta", date="2024-01-01"))
    assert site_dir.build(search=False).ok
    served = tmp_path / "served-a.html"
    os.link(site_dir.out / "health" / "a.html", served)
    old = served.read_bytes()
    write(site_dir, "articles/a.md", article("Alpha", body="New words.\n"))
    assert site_dir.build(search=False).ok
    assert served.read_bytes() == old and b"Old words." in old
    assert b"New words." in (site_dir.out / "health" / "a.html").read_bytes()


def test_a_big_site_built_by_worker_processes_equals_one_built_in_one_process(site_dir, tmp_path):
    # Enough articles for the parallel paths: bodies stored a batch per file by
    # parse workers, pages rendered and written by render workers.
    for n in range(420):
        write(site_dir, f"articles/{['health', 'sleep', 'fitness'][n % 3]}/a{n}.md",
              article(f"Article {n}", ["Health", "Sleep", "Fitness"][n % 3], f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                      body=f"## Part\n\nWords of article {n}.\n", tags=f"[{WORDS[n % 7]}]"))

    def check(step: str) -> int:
        """Build; compare with a clean build; how many articles were parsed."""
        result = site_dir.build(search=False, jobs=2)
        assert result.ok, step
        fresh = tmp_path / f"fresh-{step}"
        assert site_dir.build(search=False, jobs=1, use_cache=False, out_dir=fresh).ok
        assert tree(site_dir.out) == tree(fresh), step
        return result.parsed

    assert check("cold") == 420
    database = site_dir.root / ".healthhub-cache" / cache.DATABASE
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM bodies").fetchone() == (420,)
    write(site_dir, "articles/health/a0.md", article("Article 0", body="New words.\n", tags="[sleep]"))
    write(site_dir, "articles/sleep/a1.md", article("Retitled", "Sleep", "2024-02-02"))
    assert check("edits") == 2  # the stored bodies of the others were used, not parsed again
    write(site_dir, "templates/article.html",
          (site_dir.templates / "article.html").read_text(encoding="utf-8") + "{# changed #}\n")
    assert check("template") == 0
    with sqlite3.connect(database) as connection:  # every body cut short
        connection.execute("UPDATE bodies SET html = substr(html, 1, length(html) - 3)")
    write(site_dir, "templates/article.html",
          (site_dir.templates / "article.html").read_text(encoding="utf-8") + "{# again #}\n")
    assert check("damaged") == 420  # a damaged body is never used: everything parsed again


def test_article_deleted_right_after_a_build_that_added_it_leaves_every_listing(site_dir):
    """A file saved seconds before a build cannot be trusted by its stat signature; the
    next build must not mistake the site for the one before that file existed."""
    write(site_dir, "articles/health/knee.md", article("Knee pain"))
    assert site_dir.build(search=False).ok
    naps = site_dir.write("articles/sleep/naps.md", article("Short naps", category="Sleep", date="2025-04-02"))
    assert site_dir.build(search=False).ok  # naps.md is seconds old: racy
    assert "Short naps" in site_dir.read("index.html")
    naps.unlink()
    result = site_dir.build(search=False)
    assert result.ok
    assert "Short naps" not in site_dir.read("index.html")
    assert not (site_dir.out / "sleep" / "naps.html").exists()
    assert tree(site_dir.out) == tree_of_clean_build(site_dir)


def tree_of_clean_build(site: SiteDir) -> dict[str, bytes]:
    out = site.root / "clean"
    assert clean_build(site, out).ok
    return tree(out)


def test_the_a_to_z_is_taken_from_the_cache_only_when_its_names_are_the_same():
    from healthhub.rendering import atoz
    from healthhub.loading.model import Article

    def one(title: str, path: str, also: tuple[str, ...] = ()) -> Article:
        return Article(source=path, title=title, category="Health", category_slug="health", slug=path,
                       date=None, updated=None, views=0, summary="", description="", tags=(), author="",
                       draft=False, headings=(), path=f"health/{path}.html", also_known_as=also)

    articles = [one("Zinc", "z"), one("Asthma", "a", ("Wheeze",)), one("Back pain", "b")]
    fresh = atoz.atoz_index(articles, "en")
    memo, kept = {}, {}
    assert atoz.atoz_index(articles, "en", memo=memo, keep=kept) == fresh and len(kept) == 1
    assert atoz.atoz_index(articles, "en", memo=kept, keep={}) == fresh  # from the memo
    renamed = [one("Apnoea", "z")] + articles[1:]
    assert atoz.atoz_index(renamed, "en", memo=kept, keep={}) == atoz.atoz_index(renamed, "en")
    # a memo entry that is not what this code stores is worked out again, never trusted
    key = next(iter(kept))
    for garbage in ((("A", "letter-a", (99,)),), (("A",),), 7, "A"):
        assert atoz.atoz_index(articles, "en", memo={key: garbage}, keep={}) == fresh


def test_an_article_read_from_the_cache_has_the_positions_and_headings_of_a_parsed_one(site_dir):
    write(site_dir, "articles/a.md", article("Alpha", tags="[sleep]", body="## One\n\nText.\n\n### Two\n\nMore.\n"))
    parsed = site_dir.build(search=False)
    write(site_dir, "articles/b.md", article("Beta"))  # a real build, which reads a.md from the cache
    cached = site_dir.build(search=False)
    assert parsed.parsed == 1 and cached.parsed == 1
    for result in (parsed, cached):
        found = next(a for a in result.site.articles if a.title == "Alpha")
        assert found.positions["tags"].line == 5 and found.positions.get("tags").col == 7
        assert found.positions.get("reviewed") is None and "title" in found.positions
        assert [(h.level, h.id, h.text) for h in found.headings] == [(2, "one", "One"), (3, "two", "Two")]
        assert found.headings[0].text == "One" and len(found.headings[:1]) == 1
    assert [a for a in parsed.site.articles if a.title == "Alpha"] == [a for a in cached.site.articles
                                                                       if a.title == "Alpha"]
