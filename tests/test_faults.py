"""Faults during a build (kill, Ctrl-C, full or read-only disk, crash, a second build)
leave the previous site exactly as it was and say what happened in one line."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, article, without_background_cleanup
from healthhub import cli
from healthhub.loading import markup
from healthhub.rendering import environment
from healthhub.writing import files, write

# Runs the CLI in a child process whose writer misbehaves after `after` files.
RUNNER = textwrap.dedent("""
    import builtins, os, signal, sys
    import healthhub.writing.files as files
    from healthhub.cli import main

    action, after = sys.argv[1], int(sys.argv[2])
    # Ctrl-C as in a terminal, even when started where SIGINT is ignored (a background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    count = 0

    def fault():
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if action == "interrupt":
            os.kill(os.getpid(), signal.SIGINT)

    def counting_open(*args, **kwargs):
        global count
        count += 1
        if count > after:
            fault()
        return builtins.open(*args, **kwargs)

    real_swap = files.swap

    def swap(new, current):
        if after < 0:
            fault()
        return real_swap(new, current)

    files.open = counting_open
    files.swap = swap
    sys.exit(main(["build", "--quiet"]))
""")


def leftovers(site_dir) -> list[str]:
    return sorted(p.name for p in site_dir.root.iterdir() if p.name.startswith((".site-new-", ".site-old-")))


@pytest.fixture
def built(site_dir):
    """A site built once; then every article changed so the next build rewrites every page."""
    for n in range(4):
        site_dir.write(f"articles/health/a{n}.md", article(f"Article {n}"))
    site_dir.cli("--quiet", check=True)
    before = site_dir.tree()
    for n in range(4):
        site_dir.write(f"articles/health/a{n}.md", article(f"Changed {n}"))
    site_dir.write("articles/sleep/new.md", article("New", category="Sleep"))
    return site_dir, before


def run_faulty(site_dir, action: str, after: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUNNER, action, str(after)], cwd=site_dir.root,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize("after", [3, -1], ids=["midway", "just-before-the-swap"])
def test_a_killed_build_leaves_the_site_byte_for_byte_and_the_next_build_cleans_up(built, after):
    site_dir, before = built
    result = run_faulty(site_dir, "kill", after)
    assert result.returncode == -signal.SIGKILL
    assert site_dir.tree() == before
    assert len(leftovers(site_dir)) == 1  # the half-written staging folder
    site_dir.cli("--quiet", check=True)
    assert leftovers(site_dir) == []
    assert "Changed 0" in site_dir.read("health/a0.html")


@pytest.mark.parametrize("after", [3, -1], ids=["midway", "just-before-the-swap"])
def test_ctrl_c_leaves_the_site_and_says_so(built, after):
    site_dir, before = built
    result = run_faulty(site_dir, "interrupt", after)
    assert result.returncode == 130
    assert result.stderr.splitlines() == ["Interrupted: the previous site was left as it was."]
    assert site_dir.tree() == before
    assert leftovers(site_dir) == []


def run_in_process(site_dir, monkeypatch, capsys, *args: str) -> tuple[int, list[str]]:
    monkeypatch.chdir(site_dir.root)
    code = cli.main(["build", "--quiet", *args])
    return code, capsys.readouterr().err.splitlines()


def failing_open(error: OSError, after: int = 2):
    calls = []

    def fake_open(*args, **kwargs):
        calls.append(args[0])
        if len(calls) > after:
            raise error
        return open(*args, **kwargs)
    return fake_open


@pytest.mark.parametrize("error, message", [
    (OSError(errno.ENOSPC, "No space left on device"),
     "no space left on device; free some disk space and build again"),
    (OSError(errno.EROFS, "Read-only file system"),
     "read-only file system; the disk is read-only, build into another folder with --out"),
    (OSError(errno.EACCES, "Permission denied"),
     "permission denied; check that you may write to site/ and the folder that holds it"),
], ids=["disk-full", "read-only", "no-permission"])
def test_a_disk_that_cannot_be_written_leaves_the_site_and_says_why(built, monkeypatch, capsys, error, message):
    site_dir, before = built
    monkeypatch.setattr(files, "open", failing_open(error), raising=False)
    code, err = run_in_process(site_dir, monkeypatch, capsys)
    assert code == 1
    assert err == [f"error: cannot write site/: {message}; the previous site was left as it was"]
    assert site_dir.tree() == before
    assert leftovers(site_dir) == []


def test_a_folder_that_cannot_be_created_leaves_the_site(built, monkeypatch, capsys):
    site_dir, before = built

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(site_dir.root))
    monkeypatch.setattr(write.tempfile, "mkdtemp", read_only)
    code, err = run_in_process(site_dir, monkeypatch, capsys)
    assert (code, err) == (1, ["error: cannot write site/: read-only file system; the disk is read-only, "
                               "build into another folder with --out; the previous site was left as it was"])
    assert site_dir.tree() == before


def test_a_crash_while_writing_leaves_the_site(built, monkeypatch, capsys):
    site_dir, before = built
    monkeypatch.setattr(files, "open", failing_open(RuntimeError("writer\nbroke")), raising=False)
    code, err = run_in_process(site_dir, monkeypatch, capsys)
    assert (code, err) == (1, ["error: unexpected failure: RuntimeError: writer broke "
                               "(run again with --debug to see the traceback)"])
    assert site_dir.tree() == before
    assert leftovers(site_dir) == []


def test_an_unexpected_failure_names_the_article_being_read(built, monkeypatch, capsys):
    site_dir, before = built
    real = markup.MarkdownConverter.convert

    def convert(self, text):
        if "BOOM" in text:
            raise ValueError("something inside Markdown")
        return real(self, text)
    monkeypatch.setattr(markup.MarkdownConverter, "convert", convert)
    site_dir.write("articles/health/boom.md", article("Boom", body="BOOM\n"))
    code, err = run_in_process(site_dir, monkeypatch, capsys)
    assert (code, err) == (1, ["error: unexpected failure while processing articles/health/boom.md: ValueError: "
                               "something inside Markdown (run again with --debug to see the traceback)"])
    assert site_dir.tree() == before
    code, err = run_in_process(site_dir, monkeypatch, capsys, "--debug")
    assert code == 1 and err[0] == "Traceback (most recent call last):" and "ValueError: something inside Markdown" in err


def test_an_unexpected_failure_names_the_article_being_rendered(built, monkeypatch, capsys):
    site_dir, before = built
    real = environment.format_date

    def format_date(date, fmt):
        if date.year == 1999:
            raise ValueError("cannot format")
        return real(date, fmt)
    monkeypatch.setattr(environment, "format_date", format_date)
    site_dir.write("articles/health/old.md", article("Old", date="1999-01-01"))
    code, err = run_in_process(site_dir, monkeypatch, capsys)
    assert code == 1
    assert err[0].startswith("error: unexpected failure while processing ")
    assert err[0].endswith(": ValueError: cannot format (run again with --debug to see the traceback)")
    assert err == ["error: unexpected failure while processing index.html (template home.html): ValueError: "
                   "cannot format (run again with --debug to see the traceback)"]
    assert site_dir.tree() == before


HOLD_LOCK = textwrap.dedent("""
    import sys
    from pathlib import Path
    from healthhub.build import build_lock
    with build_lock(Path("site")):
        print("locked", flush=True)
        sys.stdin.readline()
""")


def test_a_second_build_while_one_is_writing_says_so_and_changes_nothing(built):
    site_dir, before = built
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK], cwd=site_dir.root, env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == "locked\n"
        result = site_dir.cli("--quiet")
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            "error: another build is writing site/ right now, wait for it to finish and run the build again"]
        assert site_dir.tree() == before
    finally:
        holder.communicate("\n", timeout=60)
    site_dir.cli("--quiet", check=True)
    assert "Changed 0" in site_dir.read("health/a0.html")


def test_two_builds_at_once_do_not_corrupt_the_site(built):
    site_dir, _ = built
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "build.py"), "--quiet"]
    runs = [subprocess.Popen(command, cwd=site_dir.root, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outcomes = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    for code, err in outcomes:
        assert (code, err) in ((0, ""), (1, "error: another build is writing site/ right now, "
                                            "wait for it to finish and run the build again\n"))
    assert any(code == 0 for code, _ in outcomes)
    built_tree = site_dir.tree()
    site_dir.cli("--quiet", check=True)  # a clean rebuild gives the very same bytes
    assert site_dir.tree() == built_tree
    assert leftovers(site_dir) == []


def clean_tree(site_dir, tmp_path) -> dict[str, bytes]:
    out = tmp_path / "fresh"
    assert site_dir.build(search=False, use_cache=False, out_dir=out).ok
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_without_fork_the_build_still_gives_the_whole_new_site(built, monkeypatch, tmp_path):
    site_dir, _ = built
    assert site_dir.build(search=False).ok
    site_dir.write("articles/health/a1.md", article("Changed again"))
    monkeypatch.delattr(os, "fork")
    assert site_dir.build(search=False).ok
    assert site_dir.tree() == clean_tree(site_dir, tmp_path) and leftovers(site_dir) == []


def test_the_previous_site_is_kept_as_the_one_spare_and_nothing_else_is_left(built):
    site_dir, before = built
    assert site_dir.build(search=False).ok
    assert [name for name in without_background_cleanup(site_dir.root) if name.startswith(".site-")] == [
        ".site-spare-*"]
    assert "Changed 0" in site_dir.read("health/a0.html")
    site_dir.write("articles/health/a1.md", article("Changed again"))
    assert site_dir.build(search=False).ok
    assert [name for name in without_background_cleanup(site_dir.root) if name.startswith(".site-")] == [
        ".site-spare-*"]


@pytest.mark.parametrize("number", [3, 411], ids=["early-page", "late-page"])
def test_a_template_error_on_one_page_of_a_big_site_is_one_line_and_leaves_the_site(site_dir, number):
    # Enough pages to be rendered by this process and a forked worker together: the
    # failing page may be rendered by either, and the build ends the same way.
    for n in range(420):
        site_dir.write(f"articles/{['health', 'sleep'][n % 2]}/a{n}.md",
                       article(f"Article {n}", ["Health", "Sleep"][n % 2], f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}"))
    assert site_dir.build(search=False, jobs=2).ok
    before, beside = site_dir.tree(), without_background_cleanup(site_dir.root)
    template = site_dir.templates / "article.html"
    text = template.read_text(encoding="utf-8")
    line = text[:text.index("{% block main %}")].count("\n") + 1
    template.write_text(text.replace("{% block main %}", "{% block main %}{% if article.title == 'Article "
                                     f"{number}' %}}{{{{ article.no_such_field }}}}{{% endif %}}", 1), encoding="utf-8")
    result = site_dir.build(search=False, jobs=2)
    assert not result.ok
    assert [d.format() for d in result.diagnostics if d.is_error] == [
        f"templates/article.html:{line}:1: error: template error: 'healthhub.loading.model.Article object' "
        "has no attribute 'no_such_field', fix the template"]
    assert site_dir.tree() == before
    assert without_background_cleanup(site_dir.root) == beside  # no staging folder left, the spare kept
