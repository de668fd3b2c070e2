"""A damaged, misplaced or unwritable cache never publishes wrong text, never crashes
the build and never breaks later builds: the build works from the sources instead."""

from __future__ import annotations

import errno
import os
import random
import tempfile

import pytest

from conftest import article
from healthhub import cache, cli

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


def test_swapped_body_files_never_put_one_articles_text_under_anothers_title(two):
    bodies = sorted(p for p in (two.root / ".healthhub-cache/bodies").rglob("*") if p.is_file())
    assert len(bodies) == 2
    first, second = bodies[0].read_bytes(), bodies[1].read_bytes()
    bodies[0].write_bytes(second)
    bodies[1].write_bytes(first)
    touch_template(two)  # every article page is rendered again, from the stored bodies
    result = two.cli("--quiet", "--no-search")
    assert result.returncode == 0 and result.stderr == ""
    alpha, beta = two.read("health/a.html"), two.read("health/b.html")
    assert "Take two tablets of Alpha." in alpha and "Beta with alcohol" not in alpha
    assert "Never take Beta with alcohol." in beta and "tablets of Alpha" not in beta


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


def test_a_file_where_the_body_folder_goes_gives_one_warning(two):
    bodies = two.root / ".healthhub-cache/bodies"
    for path in sorted(bodies.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    bodies.rmdir()
    bodies.write_text("in the way")
    touch_template(two)
    result = two.cli("--no-search")
    assert result.returncode == 0
    assert "warning: cannot use the build cache" in result.stderr and len(result.stderr.splitlines()) == 1
    assert "Take two tablets of Alpha." in two.read("health/a.html")


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
    real_store = cache.store_bytes
    calls = []

    def fails_midway(path, data):
        calls.append(path)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_store(path, data)
    monkeypatch.setattr(cache, "store_bytes", fails_midway)
    two.write("articles/health/a.md", article("Alpha", body="Take one tablet of Alpha.\n"))
    assert cli.main(["build", "--no-search"]) == 0
    assert "no space left on device" in capsys.readouterr().err
    monkeypatch.setattr(cache, "store_bytes", real_store)
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
    from healthhub import incremental

    def broken(*args, **kwargs):
        raise incremental.Unfingerprintable("cannot read a template")
    monkeypatch.setattr(incremental, "template_fingerprints", broken)
    touch_template(two, "base.html")
    result = two.build(search=False)
    assert result.ok and result.rendered == len(list(two.out.rglob("*.html")))
