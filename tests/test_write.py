"""The writer's promises, checked on the writer itself: the current site is never
written into while the new one is staged, unchanged files keep their inode and
mtime, a failure leaves the previous site byte for byte, and cleaning up touches
only what a build made."""

from __future__ import annotations

import errno
import os
import re
import shutil
import time

import pytest

from conftest import SiteDir, article, without_background_cleanup
from healthhub.writing import files
from healthhub.writing.write import Staging, scan_output, write_outputs


def tree(folder) -> dict[str, tuple[bytes, int, int]]:
    """rel -> (bytes, inode, mtime_ns) of every file below folder."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def site(tmp_path):
    out = tmp_path / "site"
    pages = {f"health/page-{n}.html": f"page {n}".encode() for n in range(30)}
    manifest = write_outputs(out, {**pages, "old.html": b"old"}).files
    without_background_cleanup(tmp_path)
    return out, pages, manifest


def rebuild(out, pages, manifest, changed: dict[str, bytes], finish=None):
    """A build as build.py runs it: pages put into the staging folder as they are rendered, then the write."""
    with Staging(out) as staging:
        state = scan_output(out, manifest)
        outputs = {rel: staging.put(rel, data) for rel, data in {**pages, **changed}.items()}
        return write_outputs(out, outputs, finish=finish, state=state, staging=staging)


def test_one_page_changed_rewrites_that_file_only_and_removes_the_stale_one(site):
    out, pages, manifest = site
    before = tree(out)
    result = rebuild(out, pages, manifest, {"health/page-7.html": b"page 7, revised"})
    after = tree(out)
    assert (result.written, result.unchanged, result.removed) == (1, 29, 1)
    assert after["health/page-7.html"][0] == b"page 7, revised"
    assert "old.html" not in after
    # every other page was rendered again with the same bytes: still the very same file
    assert {rel: entry for rel, entry in after.items() if rel != "health/page-7.html"} == {
        rel: entry for rel, entry in before.items() if rel not in ("health/page-7.html", "old.html")}
    assert without_background_cleanup(out.parent) == [".site-spare-*", "site"]  # the previous site, kept


def test_a_failing_finish_hook_leaves_the_previous_site_byte_for_byte(site):
    out, pages, manifest = site
    before = tree(out)

    def index(folder):
        # the new page is in the staging folder, the served one untouched
        assert (folder / "health/page-3.html").read_bytes() == b"page 3, revised"
        assert (out / "health/page-3.html").read_bytes() == b"page 3"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        rebuild(out, pages, manifest, {"health/page-3.html": b"page 3, revised"}, finish=index)
    assert tree(out) == before
    assert without_background_cleanup(out.parent) == ["site"]


def test_cleaning_up_touches_only_folders_a_build_made(site):
    out, pages, manifest = site
    theirs = [out.parent / ".site-new-ideas", out.parent / ".site-trash-can", out.parent / "site-new-abcd1234"]
    for folder in theirs:
        (folder / "keep").mkdir(parents=True)
        (folder / "keep/notes.txt").write_text("mine")
    killed = out.parent / ".site-new-abcd1234"  # as a killed build leaves it
    (killed / "health").mkdir(parents=True)
    (killed / "health/page-1.html").write_text("half")
    rebuild(out, pages, manifest, {"health/page-1.html": b"page 1, revised"})
    deadline = time.monotonic() + 30
    while any(re.fullmatch(r"\.site-trash-[a-z0-9_]{8}", name) for name in os.listdir(out.parent)) \
            and time.monotonic() < deadline:
        time.sleep(0.02)  # the previous site and the killed build's folder, removed in the background
    names = without_background_cleanup(out.parent)
    assert names == sorted([".site-new-ideas", ".site-spare-*", ".site-trash-can", "site", "site-new-abcd1234"])
    assert all((folder / "keep/notes.txt").read_text() == "mine" for folder in theirs)


def test_removing_in_the_background_never_follows_a_link(tmp_path):
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep/precious.txt").write_text("precious")
    trash = tmp_path / ".site-trash-abcd1234"
    (trash / "sub").mkdir(parents=True)
    (trash / "sub/page.html").write_text("old")
    os.symlink(outside, trash / "sub/link")
    os.symlink(outside / "deep/precious.txt", trash / "file-link")
    files.remove_in_background(trash)
    assert without_background_cleanup(tmp_path) == ["outside"]
    assert (outside / "deep/precious.txt").read_text() == "precious"


def refuse_links(*args, **kwargs):
    raise OSError(errno.EPERM, "Operation not permitted")  # what a FAT or exFAT disk answers


def test_a_disk_without_hard_links_gets_copies_that_keep_their_times(site, monkeypatch):
    """FAT and exFAT disks and some network shares refuse hard links: the unchanged files
    are copied instead, keeping their mtime, and the build still works."""
    out, pages, manifest = site
    before = tree(out)
    monkeypatch.setattr(os, "link", refuse_links)
    result = rebuild(out, pages, manifest, {"health/page-7.html": b"page 7, revised"})
    after = tree(out)
    assert (result.written, result.unchanged, result.removed) == (1, 29, 1)
    assert after["health/page-7.html"][0] == b"page 7, revised"
    for rel, (data, _, mtime) in before.items():
        if rel not in ("health/page-7.html", "old.html"):
            assert after[rel][0] == data and after[rel][2] == mtime, rel


def test_builds_on_a_disk_without_hard_links_equal_a_clean_build(tmp_path, monkeypatch):
    """The real build: pages kept from the last build are copied (after checking their
    bytes), so an incremental build there gives what a clean build gives."""
    project = SiteDir(tmp_path / "project")
    for n in range(6):
        project.write(f"articles/health/page-{n}.md", article(f"Page {n}", body=f"Text of page {n}.\n"))
    monkeypatch.setattr(os, "link", refuse_links)
    assert project.build(search=False).ok
    kept = {p.relative_to(project.out).as_posix(): p.stat().st_mtime_ns for p in project.out.rglob("*.html")}
    project.write("articles/health/page-2.md", article("Page 2", body="Revised text of page 2.\n"))
    result = project.build(search=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert "Revised text of page 2" in project.read("health/page-2.html")
    clean = SiteDir(tmp_path / "clean")
    shutil.copytree(project.articles, clean.articles, dirs_exist_ok=True)
    assert clean.build(search=False, use_cache=False).ok
    assert project.tree() == clean.tree()
    # a page the edit did not touch is the same file content with the same time
    assert (project.out / "health/page-4.html").stat().st_mtime_ns == kept["health/page-4.html"]
