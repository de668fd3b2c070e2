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
from pathlib import Path

import pytest

from conftest import SiteDir, article, without_background_cleanup
from healthhub.writing import files
from healthhub.caching.incremental import Kept
from healthhub.writing.write import Staging, make_spare, scan_output, write_outputs


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


# --- the spare: the previous site, kept as the next build's staging folder ---------

def spare_of(out) -> Path:
    found = [p for p in out.parent.iterdir() if re.fullmatch(r"\.site-spare-[a-z0-9_]{8}", p.name)]
    assert len(found) == 1, found
    return found[0]


def rebuild_kept(out, manifest, pages: dict[str, bytes], changed: dict[str, bytes], finish=None):
    """A build as build.py runs an edit: pages the last build wrote are vouched for by
    hash (incremental.Kept), not rendered; only the changed ones are put."""
    with Staging(out) as staging:
        state = scan_output(out, manifest)
        outputs = {rel: Kept(state.verified[rel]) if rel in state.verified and rel not in changed
                   else staging.put(rel, data) for rel, data in {**pages, **changed}.items()}
        return write_outputs(out, outputs, finish=finish, state=state, staging=staging)


def contents(folder) -> dict[str, bytes]:
    return {rel: data for rel, (data, _, _) in tree(folder).items()}


@pytest.fixture
def edited(site):
    """The site fixture after one edit: its spare holds the first version."""
    out, pages, manifest = site
    pages = {**pages, "health/page-7.html": b"page 7, revised"}
    manifest = rebuild_kept(out, manifest, pages, {"health/page-7.html": pages["health/page-7.html"]}).files
    without_background_cleanup(out.parent)
    return out, pages, manifest, spare_of(out)


def test_the_previous_site_is_kept_as_the_spare_and_is_the_next_staging_folder(edited):
    out, pages, manifest, spare = edited
    assert contents(spare) == {**contents(out), "health/page-7.html": b"page 7", "old.html": b"old"}
    live = tree(out)
    pages = {**pages, "health/page-9.html": b"page 9, revised", "health/new.html": b"new"}
    del pages["health/page-3.html"]
    result = rebuild_kept(out, manifest, pages, {"health/page-9.html": pages["health/page-9.html"],
                                                 "health/new.html": b"new"})
    assert (result.written, result.unchanged, result.removed) == (2, 28, 1)
    after = tree(out)
    assert contents(out) == {**pages, ".healthhub-site": contents(out)[".healthhub-site"]}
    assert "health/page-3.html" not in after
    # the same staging folder, used again; now holding the version before this build
    assert spare_of(out) == spare
    assert contents(spare) == {rel: data for rel, (data, _, _) in live.items()}
    # unchanged files: the very same files (inode and mtime), the revised page of the last build too
    for rel, entry in live.items():
        if rel not in ("health/page-9.html", "health/page-3.html"):
            assert after[rel] == entry, rel


def test_a_spare_made_between_builds_is_the_next_staging_folder(site, tmp_path):
    out, pages, manifest = site  # a first build into a new folder leaves no spare
    assert without_background_cleanup(out.parent) == ["site"]
    assert make_spare(tmp_path / "not-built") is False and not list((tmp_path).glob(".not-built*"))
    assert make_spare(out) is True
    spare, live = spare_of(out), tree(out)
    # every file of the site, as the very same file (a hard link: nothing copied)
    assert {rel: entry[:2] for rel, entry in tree(spare).items()} == {rel: entry[:2] for rel, entry in live.items()}
    assert make_spare(out) is True and spare_of(out) == spare  # the same folder, already up to date
    pages = {**pages, "health/page-7.html": b"page 7, revised"}
    result = rebuild_kept(out, manifest, pages, {"health/page-7.html": pages["health/page-7.html"]})
    assert (result.written, result.unchanged, result.removed) == (1, 29, 1)
    assert contents(out) == {**pages, ".healthhub-site": contents(out)[".healthhub-site"]}
    after = tree(out)
    for rel, entry in live.items():
        if rel not in ("health/page-7.html", "old.html"):
            assert after[rel] == entry, rel
    assert spare_of(out) == spare  # staged in, now holding the site as it was before this build
    assert contents(spare) == {rel: data for rel, (data, _, _) in live.items()}


def test_a_spare_brought_up_to_date_holds_the_site_itself(edited):
    out, pages, manifest, spare = edited  # its spare: the site before the last build
    assert contents(spare)["health/page-7.html"] == b"page 7"
    (spare / "health" / "page-9.html").unlink()  # whatever a spare holds, nothing in it is taken on trust
    (spare / "health" / "page-5.html.tmp").write_bytes(b"changed by hand")  # another file by that name
    os.replace(spare / "health" / "page-5.html.tmp", spare / "health" / "page-5.html")
    assert make_spare(out) is True and spare_of(out) == spare
    held, live = tree(spare), tree(out)
    assert {rel: held[rel][:2] for rel in live} == {rel: entry[:2] for rel, entry in live.items()}
    assert (out / "health" / "page-5.html").read_bytes() == b"page 5"
    result = rebuild_kept(out, manifest, pages, {})
    assert (result.written, result.unchanged, result.removed) == (0, 30, 0)
    assert tree(out) == live


def test_a_spare_changed_by_hand_does_not_leak_into_the_site(edited):
    out, pages, manifest, spare = edited
    live = tree(out)
    # not a link to the served file (the first version of page 7): written into in place
    assert (spare / "health/page-7.html").stat().st_ino != (out / "health/page-7.html").stat().st_ino
    with open(spare / "health/page-7.html", "r+b") as handle:
        handle.write(b"TAMPERED")
    # a served page's name in the spare given to another file (another inode)
    (spare / "health/page-2.html.tmp").write_bytes(b"tampered 2")
    os.replace(spare / "health/page-2.html.tmp", spare / "health/page-2.html")
    (spare / "health/extra.html").write_bytes(b"not a page of the site")
    # a folder where a page goes, a file where a folder goes
    (spare / "health/page-8.html").unlink()
    (spare / "health/page-8.html/deep").mkdir(parents=True)
    (spare / "health/page-8.html/deep/x.html").write_bytes(b"x")
    (spare / "guides").write_bytes(b"a file where a folder goes")
    pages = {**pages, "guides/a.html": b"guide a", "health/page-1.html": b"page 1, revised"}
    rebuild_kept(out, manifest, pages, {"guides/a.html": b"guide a", "health/page-1.html": b"page 1, revised"})
    after = tree(out)
    assert contents(out) == {**pages, ".healthhub-site": live[".healthhub-site"][0]}
    # every other page is the served file itself (same bytes, inode and mtime), also those
    # whose names in the spare were changed by hand
    assert {rel: entry for rel, entry in after.items() if rel not in ("health/page-1.html", "guides/a.html")} == {
        rel: entry for rel, entry in live.items() if rel != "health/page-1.html"}


def test_links_in_the_spare_are_removed_never_followed(edited, tmp_path):
    out, pages, manifest, spare = edited
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary.txt").write_bytes(b"canary")
    (outside / "page-1.html").write_bytes(b"outside page")
    before = tree(outside)
    shutil.rmtree(spare / "health")
    os.symlink(outside, spare / "health")  # every page goes below it
    (spare / "old.html").unlink()
    os.symlink(outside / "canary.txt", spare / "old.html")
    os.symlink(outside / "canary.txt", spare / "index.html")  # a new page's name
    os.symlink("nowhere", spare / "dangling.html")
    os.mkfifo(spare / "pipe.html")  # reading it would wait forever
    pages = {**pages, "index.html": b"home", "health/page-1.html": b"page 1, revised"}
    rebuild_kept(out, manifest, pages, {"index.html": b"home", "health/page-1.html": b"page 1, revised"})
    assert tree(outside) == before
    assert sorted(os.listdir(outside)) == ["canary.txt", "page-1.html"]
    assert contents(out) == {**pages, ".healthhub-site": contents(out)[".healthhub-site"]}
    assert not any(p.is_symlink() for p in out.rglob("*"))
    assert not any(p.is_symlink() or not (p.is_file() or p.is_dir()) for p in spare.rglob("*"))


@pytest.mark.parametrize("kind", ["link", "file"])
def test_a_spare_that_is_not_a_folder_is_not_used(edited, tmp_path, kind):
    out, pages, manifest, spare = edited
    shutil.rmtree(spare)
    outside = tmp_path / "outside"
    (outside / "health").mkdir(parents=True)
    (outside / "health/page-1.html").write_bytes(b"outside page")
    (outside / "canary.txt").write_bytes(b"canary")
    before = tree(outside)
    if kind == "link":
        os.symlink(outside, spare)
    else:
        spare.write_bytes(b"a file")
    pages = {**pages, "health/page-1.html": b"page 1, revised"}
    rebuild_kept(out, manifest, pages, {"health/page-1.html": b"page 1, revised"})
    assert contents(out) == {**pages, ".healthhub-site": contents(out)[".healthhub-site"]}
    assert tree(outside) == before
    assert os.path.islink(spare) if kind == "link" else spare.read_bytes() == b"a file"
    assert [p.name for p in out.parent.iterdir() if "-spare-" in p.name and p.is_dir() and not p.is_symlink()]


def test_only_one_spare_is_kept(edited):
    out, pages, manifest, spare = edited
    other = out.parent / ".site-spare-zzzzzzzz"
    (other / "health").mkdir(parents=True)
    (other / "health/page-1.html").write_bytes(b"from another spare")
    theirs = out.parent / ".site-spare-mine"  # not named as a build names it
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine")
    pages = {**pages, "health/page-1.html": b"page 1, revised"}
    rebuild_kept(out, manifest, pages, {"health/page-1.html": b"page 1, revised"})
    assert without_background_cleanup(out.parent) == [".site-spare-*", ".site-spare-mine", "site"]
    assert (theirs / "notes.txt").read_text() == "mine"
    assert contents(out) == {**pages, ".healthhub-site": contents(out)[".healthhub-site"]}


def test_the_search_index_is_made_in_a_folder_without_the_last_one(edited):
    out, pages, manifest, spare = edited
    seen = []

    def index(build):
        def finish(folder):
            seen.append(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()))
            (folder / "search").mkdir()
            (folder / f"search/part-{build}.json").write_text(build)
            (folder / "search/entry.json").write_text(build)
        return finish

    for build, changed in (("b", "health/page-1.html"), ("c", "health/page-2.html"), ("d", "health/page-3.html")):
        pages = {**pages, changed: b"revised in " + build.encode()}
        manifest = rebuild_kept(out, manifest, pages, {changed: pages[changed]}, finish=index(build)).files
    expected = sorted([*pages, ".healthhub-site"])
    assert seen == [expected] * 3  # each time only the pages: no index of an earlier build
    assert sorted(rel for rel in contents(out) if rel.startswith("search/")) == ["search/entry.json", "search/part-d.json"]
    assert (out / "search/entry.json").read_text() == "d"


def test_edits_with_a_spare_give_what_a_clean_build_gives(tmp_path):
    project = SiteDir(tmp_path / "project")
    for n in range(6):
        project.write(f"articles/health/page-{n}.md", article(f"Page {n}", body=f"Text of page {n}.\n"))
    assert project.build(search=False).ok
    for step, n in enumerate((2, 4, 2, 5)):
        kept = tree(project.out)
        project.write(f"articles/health/page-{n}.md", article(f"Page {n}", body=f"Text of page {n}, edit {step}.\n"))
        if step == 2:
            (project.articles / "health/page-1.md").unlink()
        assert project.build(search=False).ok
        spare = spare_of(project.out)
        assert contents(spare) == {rel: data for rel, (data, _, _) in kept.items()}  # the previous version
        after = tree(project.out)
        assert [rel for rel in kept if rel in after and after[rel] == kept[rel]], "nothing kept its inode"
        for rel, (data, inode, mtime) in after.items():
            if rel in kept and kept[rel][0] == data:
                assert (inode, mtime) == kept[rel][1:], rel  # unchanged: the very same file
    assert "edit 3" in project.read("health/page-5.html") and not (project.out / "health/page-1.html").exists()
    clean = SiteDir(tmp_path / "clean")
    shutil.copytree(project.articles, clean.articles, dirs_exist_ok=True)
    assert clean.build(search=False, use_cache=False).ok
    assert project.tree() == clean.tree()


def test_a_failed_build_into_the_spare_leaves_the_site_byte_for_byte(edited):
    """Most files of the spare are hard links to the served ones: pages written into
    it replace them, never write into them."""
    out, pages, manifest, spare = edited
    before = tree(out)

    def index(folder):
        assert folder == spare and (folder / "health/page-3.html").read_bytes() == b"page 3, revised"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        rebuild(out, pages, manifest, {"health/page-3.html": b"page 3, revised", "health/page-5.html": b"5"},
                finish=index)
    assert tree(out) == before
    assert without_background_cleanup(out.parent) == [".site-spare-*", "site"]  # half updated: still only a spare
    pages = {**pages, "health/page-4.html": b"page 4, revised"}
    rebuild_kept(out, manifest, pages, {"health/page-4.html": b"page 4, revised"})
    assert contents(out) == {**pages, ".healthhub-site": before[".healthhub-site"][0]}


def test_deleting_the_spare_or_the_site_is_harmless(edited):
    out, pages, manifest, spare = edited
    shutil.rmtree(spare)
    pages = {**pages, "health/page-1.html": b"page 1, revised"}
    manifest = rebuild_kept(out, manifest, pages, {"health/page-1.html": b"page 1, revised"}).files
    assert contents(out) == {**pages, ".healthhub-site": contents(out)[".healthhub-site"]}
    spare = spare_of(out)  # a new one: the version before
    assert contents(spare)["health/page-1.html"] == b"page 1"
    marker = (out / ".healthhub-site").read_bytes()
    shutil.rmtree(out)
    rebuild_kept(out, manifest, pages, {})
    assert contents(out) == {**pages, ".healthhub-site": marker}


def test_forked_workers_put_pages_into_the_spare_at_once(edited):
    """Render workers write into the spare side by side: where it has a file in place of
    a folder they need, each may find the other has already made room."""
    out, pages, manifest, spare = edited
    (spare / "guides").write_bytes(b"a file where a folder goes")
    (spare / "health/page-4.html").unlink()
    (spare / "health/page-4.html/x").mkdir(parents=True)
    guides = {f"guides/{n}.html": f"guide {n}".encode() for n in range(40)}
    pages = {**pages, **guides, "health/page-4.html": b"page 4, revised"}
    changed = {**guides, "health/page-4.html": b"page 4, revised"}
    with Staging(out) as staging:
        state = scan_output(out, manifest)
        assert staging.folder() == spare
        workers = []
        for part in (0, 1):
            pid = os.fork()
            if pid == 0:  # as incremental.PageCache's forked workers put what they render
                try:
                    for rel in sorted(changed)[part::2]:
                        staging.put(rel, changed[rel])
                finally:
                    os._exit(0)
            workers.append(pid)
        assert all(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0 for pid in workers)
        outputs = {rel: Kept(state.verified[rel]) if rel not in changed else changed[rel] for rel in pages}
        write_outputs(out, outputs, state=state, staging=staging)
    assert contents(out) == {**pages, ".healthhub-site": contents(out)[".healthhub-site"]}
