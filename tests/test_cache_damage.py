"""A damaged, misplaced or unwritable cache never publishes wrong text, never crashes
the build and never breaks later builds: the build works from the sources instead."""

from __future__ import annotations

import errno
import os
import random
import sqlite3
import tempfile

import pytest

from conftest import article
from healthhub.caching import cache
from healthhub import cli

TEMPLATE_CACHE = ".healthhub-cache/templates"


@pytest.fixture
def two(site_dir):
    site_dir.write("articles/health/a.md", article("Alpha", body="Take two tablets of Alpha.\n"))
    site_dir.write("articles/health/b.md", article("Beta", body="Never take Beta with alcohol.\n"))
    site_dir.cli("--quiet", "--no-search", check=True)
    return site_dir


def touch_template(site_dir, name="article.html", note="x"):
    path = site_dir.templates / name
    path.write_text(path.read_text(encoding="utf-8") + f"{{# {note} #}}\n", encoding="utf-8")


def test_swapped_bodies_never_put_one_articles_text_under_anothers_title(two):
    database = two.root / ".healthhub-cache" / cache.DATABASE
    with sqlite3.connect(database) as connection:
        (a, first), (b, second) = connection.execute("SELECT key, html FROM bodies").fetchall()
        connection.execute("UPDATE bodies SET html = ? WHERE key = ?", (second, a))
        connection.execute("UPDATE bodies SET html = ? WHERE key = ?", (first, b))
    sqlite3.connect(database).close()
    touch_template(two)  # every article page is rendered again, from the stored bodies
    result = two.cli("--quiet", "--no-search")
    assert result.returncode == 0 and result.stderr == ""
    alpha, beta = two.read("health/a.html"), two.read("health/b.html")
    assert "Take two tablets of Alpha." in alpha and "Beta with alcohol" not in alpha
    assert "Never take Beta with alcohol." in beta and "tablets of Alpha" not in beta


def test_an_edit_drops_the_changed_articles_old_body_and_stray_ones_and_keeps_the_rest(two):
    database = two.root / ".healthhub-cache" / cache.DATABASE
    stray = bytes(16)  # a body no article has (as a build stopped while parsing leaves one)
    with sqlite3.connect(database) as connection:
        before = dict(connection.execute("SELECT key, html FROM bodies").fetchall())
        connection.execute("INSERT INTO bodies VALUES (?, ?, ?)", (stray, b"<p>old</p>", cache.digest(stray + b"<p>old</p>")))
    sqlite3.connect(database).close()
    two.write("articles/health/a.md", article("Alpha", body="Take one tablet of Alpha.\n"))
    assert two.cli("--quiet", "--no-search").returncode == 0
    with sqlite3.connect(database) as connection:
        after = dict(connection.execute("SELECT key, html FROM bodies").fetchall())
    sqlite3.connect(database).close()
    kept = [key for key in after if key in before]
    assert len(after) == 2 and len(kept) == 1 and b"Beta" in after[kept[0]]
    assert b"one tablet of Alpha" in next(html for key, html in after.items() if key not in before)
    assert "Take one tablet of Alpha." in two.read("health/a.html")


@pytest.mark.parametrize("column", ["content", "snippets"])
def test_a_file_row_that_fails_its_checksum_is_not_used(two, column):
    # a.md's row is made to vouch for other bytes (b.md's digest) or for a snippet it
    # does not include. Used, it would give a.md another parse key (parsed again, or
    # worse, another article's record); checked, it is ignored and a.md is read again,
    # which finds its true key: only the edited b.md is parsed.
    old = 1_700_000_000
    for name in ("a.md", "b.md"):
        os.utime(two.articles / "health" / name, (old, old))  # not "just modified": their rows are stored
    assert two.cli("--quiet", "--no-search").returncode == 0
    database = two.root / ".healthhub-cache" / cache.DATABASE
    value = {"content": "(SELECT content FROM files WHERE path LIKE '%b.md')", "snippets": "'note'"}[column]
    with sqlite3.connect(database) as connection:
        changed = connection.execute(f"UPDATE files SET {column} = {value} WHERE path LIKE '%a.md'").rowcount
    sqlite3.connect(database).close()
    assert changed == 1
    two.write("articles/health/b.md", article("Beta", body="Never take Beta with grapefruit.\n"))
    result = two.cli("--no-search", "--timings")
    assert result.returncode == 0, result.stderr
    assert "2 articles, 1 parsed" in result.stdout + result.stderr
    assert "Take two tablets of Alpha." in two.read("health/a.html")


@pytest.mark.parametrize("damage", ["random-bytes", "truncate", "swap"])
def test_a_damaged_compiled_template_cache_is_compiled_again_not_run(two, damage):
    compiled = sorted(p for p in (two.root / TEMPLATE_CACHE).rglob("*") if p.is_file())
    assert len(compiled) >= 2
    rng = random.Random(7)
    if damage == "swap":
        a, b = compiled[0].read_bytes(), compiled[1].read_bytes()
        compiled[0].write_bytes(b)
        compiled[1].write_bytes(a)
    for path in compiled:
        data = bytearray(path.read_bytes())
        if damage == "random-bytes":  # what crashed the interpreter: changed opcodes
            for _ in range(40):
                data[rng.randrange(40, len(data))] = rng.randrange(256)
        elif damage == "truncate":
            data = data[: len(data) // 2]
        path.write_bytes(bytes(data))
    two.write("articles/health/a.md", article("Alpha", body="Take one tablet of Alpha.\n"))
    touch_template(two, "base.html")
    for _ in range(2):  # and the build after it is fine too
        result = two.cli("--quiet", "--no-search")
        assert (result.returncode, result.stderr) == (0, "")
    assert "Take one tablet of Alpha." in two.read("health/a.html")
    assert "Never take Beta with alcohol." in two.read("health/b.html")


def test_a_file_where_the_cache_folder_goes_gives_one_warning_and_a_correct_site(site_dir):
    site_dir.write("articles/health/a.md", article("Alpha", body="Words.\n"))
    site_dir.write(".healthhub-cache", "not a folder")
    for _ in range(2):
        result = site_dir.cli("--no-search")
        assert result.returncode == 0, result.stderr
        assert result.stderr.splitlines() == [
            ".healthhub-cache:1:1: warning: cannot use the build cache (file exists), so this build started from "
            "the sources and the next one will too; something else is in its place: move that away"]
        assert "Words." in site_dir.read("health/a.html")
    assert (site_dir.root / ".healthhub-cache").read_text() == "not a folder"


def test_a_folder_where_the_cache_file_goes_gives_one_warning_and_is_left_alone(two):
    database = two.root / ".healthhub-cache" / cache.DATABASE
    database.unlink()
    database.mkdir()
    (database / "mine.txt").write_text("in the way")
    touch_template(two)
    result = two.cli("--no-search")
    assert result.returncode == 0
    assert "warning: cannot use the build cache" in result.stderr and len(result.stderr.splitlines()) == 1
    assert "Take two tablets of Alpha." in two.read("health/a.html")
    assert (database / "mine.txt").read_text() == "in the way"


@pytest.mark.parametrize("error, fix", [
    (OSError(errno.EACCES, "Permission denied"), "check that you may write to it and to the folder that holds it"),
    (OSError(errno.EROFS, "Read-only file system"), "the disk is read-only"),
], ids=["no-permission", "read-only"])
def test_a_cache_that_cannot_be_written_gives_one_warning_and_a_correct_site(two, monkeypatch, capsys, error, fix):
    # Run as root, a test cannot take its own permissions away: the cache's file creation fails instead.
    real_mkstemp = tempfile.mkstemp

    def refused(*args, **kwargs):
        raise error
    monkeypatch.setattr(cache.tempfile, "mkstemp", refused)
    monkeypatch.chdir(two.root)
    two.write("articles/health/a.md", article("Alpha", body="Take one tablet of Alpha.\n"))
    assert cli.main(["build", "--no-search"]) == 0
    reason = error.strerror.lower()
    assert capsys.readouterr().err.splitlines() == [
        f".healthhub-cache:1:1: warning: cannot use the build cache ({reason}), so this build started from the "
        f"sources and the next one will too; {fix}"]
    assert "Take one tablet of Alpha." in two.read("health/a.html")
    monkeypatch.setattr(cache.tempfile, "mkstemp", real_mkstemp)
    assert cli.main(["build", "--no-search"]) == 0  # usable again: no warning, same site
    assert capsys.readouterr().err == ""
    assert "Take one tablet of Alpha." in two.read("health/a.html")


def test_a_cache_that_fails_while_being_written_vouches_for_nothing(two, monkeypatch, capsys):
    monkeypatch.chdir(two.root)
    real_write = cache.Store.write
    calls = []

    def fails_midway(store):
        calls.append(store)
        if store.path.name == cache.DATABASE and len(calls) > 3:
            full = sqlite3.OperationalError("database or disk is full")
            full.sqlite_errorcode = 13  # SQLITE_FULL
            raise full
        return real_write(store)
    monkeypatch.setattr(cache.Store, "write", fails_midway)
    two.write("articles/health/a.md", article("Alpha", body="Take one tablet of Alpha.\n"))
    assert cli.main(["build", "--no-search"]) == 0
    assert "no space left on device" in capsys.readouterr().err
    assert not (two.root / ".healthhub-cache" / cache.DATABASE).exists()  # nothing half-written vouches for the site
    monkeypatch.setattr(cache.Store, "write", real_write)
    two.write("articles/health/b.md", article("Beta", body="Beta, revised.\n"))
    assert cli.main(["build", "--no-search"]) == 0
    assert "Take one tablet of Alpha." in two.read("health/a.html")
    assert "Beta, revised." in two.read("health/b.html")


def test_a_binary_file_among_the_templates_does_not_stop_template_edits_from_showing(two):
    two.write("templates/static/logo.png", bytes(range(256)) * 4)
    assert two.cli("--quiet", "--no-search").returncode == 0
    path = two.templates / "base.html"
    path.write_text(path.read_text(encoding="utf-8").replace("</footer>", "<p>New footer line</p></footer>", 1),
                    encoding="utf-8")
    assert two.cli("--quiet", "--no-search").returncode == 0
    assert "New footer line" in two.read("health/a.html") and "New footer line" in two.read("index.html")
    assert (two.out / "assets/logo.png").read_bytes() == bytes(range(256)) * 4


def test_template_fingerprints_that_cannot_be_worked_out_render_every_page(two, monkeypatch):
    from healthhub.caching import incremental

    def broken(*args, **kwargs):
        raise incremental.Unfingerprintable("cannot read a template")
    monkeypatch.setattr(incremental, "template_fingerprints", broken)
    touch_template(two, "base.html")
    result = two.build(search=False)
    assert result.ok and result.rendered == len(list(two.out.rglob("*.html")))


def test_an_article_changed_while_the_build_reads_it_is_never_cached_under_its_old_bytes(site_dir, monkeypatch):
    """The parse workers read each file again (the build does not hold every file's bytes
    meanwhile): bytes that changed since their digest was taken are published as they
    are now, and not cached under the digest of the old ones."""
    from healthhub.loading import sources

    site_dir.write("articles/health/a.md", article("Alpha", body="Old text of Alpha.\n"))
    path = site_dir.root / "articles" / "health" / "a.md"
    old = path.read_bytes()
    start_parse = sources.start_parse

    def changing_meanwhile(*args, **kwargs):
        path.write_text(article("Alpha", body="New text of Alpha.\n"), encoding="utf-8")
        return start_parse(*args, **kwargs)

    monkeypatch.setattr(sources, "start_parse", changing_meanwhile)
    assert site_dir.build(search=False).ok
    assert "New text of Alpha." in site_dir.read("health/a.html")
    monkeypatch.setattr(sources, "start_parse", start_parse)
    path.write_bytes(old)
    assert site_dir.build(search=False).ok
    assert "Old text of Alpha." in site_dir.read("health/a.html")


def test_the_manifest_is_stored_as_changes_to_a_base_and_read_back_whole(tmp_path):
    """Most rebuilds change a few of the output folder's files: only those entries are
    written (Cache.store_manifest), and what is read back is the whole manifest; many
    changes, or another folder, store a new base."""
    files = {f"health/page-{n}.html": (n, n * 7, 1000 + n, b"hash %d" % n) for n in range(2000)}
    with cache.Cache(tmp_path / "cache") as store:
        first = store.store_manifest({}, "/site", files)
        assert store.load_manifest()["files"] == files
        edited = dict(files, **{"health/page-1.html": (9, 9, 9, b"new"), "pagefind/x.js": (1, 2, 3, None)})
        del edited["health/page-2.html"]
        second = store.store_manifest(first, "/site", edited)
        assert second["base"].id == first["base"].id  # the changes only
        assert store.load_manifest()["files"] == edited
        many = {rel: entry[:3] + (b"other",) for rel, entry in edited.items()}
        third = store.store_manifest(second, "/site", many)
        assert third["base"].id != first["base"].id and store.load_manifest()["files"] == many
        moved = store.store_manifest(third, "/elsewhere", many)
        assert moved["base"].id != third["base"].id and store.load_manifest()["out"] == "/elsewhere"
    with cache.Cache(tmp_path / "cache") as store:  # as the next process reads it
        assert store.load_manifest()["files"] == many


@pytest.mark.parametrize("record", ["manifest changes", "plan bodies"])
@pytest.mark.parametrize("damage", ["lost", "of before"])
def test_a_record_stored_apart_that_is_lost_or_stale_never_leaves_a_wrong_page(two, record, damage):
    """The manifest's changes, stored apart from its base, and the articles' body
    codes, stored apart from the rest of the plan, may be lost or be an older copy:
    the manifest then vouches for nothing or for files as they were, the plan for
    bodies as they were, and every page they no longer vouch for is planned,
    rendered and written again."""
    database = two.root / ".healthhub-cache" / cache.DATABASE
    read = f"SELECT value, checksum FROM named WHERE name = '{record}'"
    with sqlite3.connect(database) as connection:
        before = connection.execute(read).fetchone()
    sqlite3.connect(database).close()
    two.write("articles/health/a.md", article("Alpha", body="Take one tablet of Alpha.\n"))
    two.cli("--quiet", "--no-search", check=True)
    with sqlite3.connect(database) as connection:
        assert connection.execute(read).fetchone() != before  # the edit was stored there
        if damage == "lost":
            connection.execute("DELETE FROM named WHERE name = ?", (record,))
        else:
            connection.execute("UPDATE named SET value = ?, checksum = ? WHERE name = ?", (*before, record))
    sqlite3.connect(database).close()
    two.write("articles/health/b.md", article("Beta", body="Never take Beta with grapefruit.\n"))
    result = two.cli("--quiet", "--no-search")
    assert result.returncode == 0 and result.stderr == ""
    assert "Take one tablet of Alpha." in two.read("health/a.html")
    assert "Beta with grapefruit" in two.read("health/b.html") and "alcohol" not in two.read("health/b.html")
    tree = two.tree()
    clean = type(two)(two.root.parent / "clean")
    for rel in ("articles/health/a.md", "articles/health/b.md"):
        clean.write(rel, (two.root / rel).read_text(encoding="utf-8"))
    clean.cli("--quiet", "--no-search", check=True)
    assert tree == clean.tree()
