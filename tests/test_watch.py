"""The preview's watcher: the snapshot made from inotify's reports equals a whole one.

After a save the server looks only at the files inotify named (watch.update_snapshot);
these tests make real changes in real folders and compare that snapshot with the one a
walk over every file takes. Anything the events cannot vouch for must ask for a walk.
"""

from __future__ import annotations

import os

import pytest

from healthhub.serving import watch as hw


@pytest.fixture
def waker():
    watcher = hw.InotifyWaker()
    yield watcher
    watcher.close()


def make_tree(root):
    articles = root / "articles"
    (articles / "health").mkdir(parents=True)
    (articles / "health" / "knee.md").write_text("---\ntitle: Knee\n---\nText.\n")
    (articles / "sleep.md").write_text("---\ntitle: Sleep\n---\nText.\n")
    (root / "templates").mkdir()
    (root / "templates" / "base.html").write_text("<html></html>")
    (root / "healthhub.yaml").write_text("title: Site\n")
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "shared.md").write_text("---\ntitle: Shared\n---\n")
    return [articles, root / "templates", root / "healthhub.yaml", root / "authors.yaml"]


def settled(waker):
    waker.quiet(0.05, 5)
    return waker.changes()


def test_reported_changes_give_the_snapshot_a_walk_would(waker, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    roots = [p.relative_to(tmp_path) for p in make_tree(tmp_path)]
    skip = tmp_path / "articles" / "site"  # an output folder inside the articles (skipped)
    skip.mkdir()
    waker.watch(hw.watched_folders(roots, skip=skip))
    snapshot = hw.take_snapshot(roots, skip=skip)
    assert waker.changes() is None  # nothing known yet: a whole snapshot first
    knee = tmp_path / "articles" / "health" / "knee.md"

    def atomic_save():
        temp = knee.with_name("knee.md.tmp")
        temp.write_text("---\ntitle: Knee\n---\nNew text.\n")
        os.replace(temp, knee)

    steps = {
        "edited": lambda: knee.write_text(knee.read_text() + "More.\n"),
        "saved over by rename": atomic_save,
        "added": lambda: (tmp_path / "articles" / "health" / "back.md").write_text("---\ntitle: Back\n---\n"),
        "editor files": lambda: [(tmp_path / "articles" / name).write_text("x")
                                 for name in (".sleep.md.swp", "4913", "sleep.md~")],
        "permissions": lambda: os.chmod(knee, 0o600),
        "link to a file": lambda: os.symlink(tmp_path / "elsewhere" / "shared.md",
                                             tmp_path / "articles" / "shared.md"),
        "link to a folder": lambda: os.symlink(tmp_path / "elsewhere", tmp_path / "articles" / "more"),
        "link removed": lambda: os.remove(tmp_path / "articles" / "shared.md"),
        "removed": lambda: os.remove(tmp_path / "articles" / "sleep.md"),
        "renamed": lambda: os.rename(tmp_path / "articles" / "health" / "back.md",
                                     tmp_path / "articles" / "back.md"),
        "link to an article": lambda: os.symlink(os.path.join("health", "knee.md"),
                                                 tmp_path / "articles" / "alias.md"),
        "linked article edited": lambda: knee.write_text(knee.read_text() + "Through its own name.\n"),
        "linked article saved over by rename": atomic_save,
        "hard link": lambda: os.link(knee, tmp_path / "articles" / "hard.md"),
        "edited by its other name": lambda: (tmp_path / "articles" / "hard.md").write_text("---\ntitle: K\n---\n"),
        "template": lambda: (tmp_path / "templates" / "base.html").write_text("<html lang=en></html>"),
        "output written": lambda: (skip / "index.html").write_text("<p>built</p>"),
        "output swapped": lambda: (os.rename(skip, tmp_path / "articles" / ".site-spare"), skip.mkdir()),
        "beside the config": lambda: (tmp_path / "notes.txt").write_text("not a source"),
    }
    for what, step in steps.items():
        step()
        reported = settled(waker)
        assert reported is not None, what
        updated = hw.update_snapshot(snapshot, roots, skip, reported)
        assert updated is not None, what
        snapshot = hw.take_snapshot(roots, skip=skip)
        assert updated == snapshot, what
    assert set(snapshot) == {os.path.join("articles", "health", "knee.md"), os.path.join("articles", "back.md"),
                             os.path.join("articles", "alias.md"), os.path.join("articles", "hard.md"),
                             os.path.join("templates", "base.html"), "healthhub.yaml"}


def test_what_the_events_cannot_vouch_for_asks_for_a_walk(waker, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    roots = [p.relative_to(tmp_path) for p in make_tree(tmp_path)]
    waker.watch(hw.watched_folders(roots))
    snapshot = hw.take_snapshot(roots)
    waker.changes()
    steps = {
        "folder made": lambda: (tmp_path / "articles" / "empty").mkdir(),
        "folder removed": lambda: os.rmdir(tmp_path / "articles" / "empty"),
        "folder with an article made": lambda: (tmp_path / "articles" / "sport").mkdir()
        or (tmp_path / "articles" / "sport" / "run.md").write_text("---\ntitle: Run\n---\n"),
        "folder renamed": lambda: os.rename(tmp_path / "articles" / "sport", tmp_path / "articles" / "fitness"),
        "config replaced": lambda: (tmp_path / "healthhub.yaml").write_text("title: Other\n"),
        "people file made": lambda: (tmp_path / "authors.yaml").write_text("ana: {name: Ana}\n"),
    }
    for what, step in steps.items():
        step()
        reported = settled(waker)
        assert reported is None or hw.update_snapshot(snapshot, roots, None, reported) is None, what
        waker.watch(hw.watched_folders(roots))
        snapshot = hw.take_snapshot(roots)
    # after the walk, the renamed folder is watched by its new name: an edit there is reported
    (tmp_path / "articles" / "fitness" / "run.md").write_text("---\ntitle: Run, edited\n---\n")
    reported = settled(waker)
    assert reported and set(reported) == {(os.path.join("articles", "fitness"), "run.md", False)}
    assert hw.update_snapshot(snapshot, roots, None, reported) == hw.take_snapshot(roots)
    # a wait that ends with nothing reported (a file system that reports nothing) asks for a walk
    assert waker.changes() == []
    assert waker.wait(0.05) is False
    assert waker.changes() is None


def test_still_tells_a_quiet_moment_from_a_save(waker, tmp_path):
    waker.watch([str(tmp_path)])
    assert waker.changes() is None  # nothing known yet
    assert waker.still(0.05) is True
    (tmp_path / "a.md").write_text("x")
    assert waker.still(5) is False
    assert (str(tmp_path), "a.md", False) in settled(waker)
    polling = hw.PollingWaker()
    try:
        assert polling.still(0.01) is False  # a poller cannot tell: never idle
        assert polling.changes() is None
    finally:
        polling.close()


def test_an_idle_watcher_looks_less_often_until_a_look_finds_what_nothing_reported(waker, tmp_path):
    waker.watch([str(tmp_path)])
    least, most = hw.InotifyWaker.IDLE_SECONDS
    assert waker.idle_seconds == least
    assert waker.wait(0.01) is False and waker.timed_out
    for _ in range(4):
        waker.looked(False)
    assert waker.idle_seconds == most
    waker.looked(True)
    assert waker.idle_seconds == least
    (tmp_path / "a.md").write_text("x")
    assert waker.wait(5) is False and not waker.timed_out  # woken by the report, not the time


def test_folder_guard_says_whether_anything_happened_since_it_was_armed(tmp_path):
    site = tmp_path / "site"
    (site / "health").mkdir(parents=True)
    page = site / "health" / "a.html"
    page.write_text("one")
    guard = hw.FolderGuard()
    try:
        assert not guard.untouched()  # never armed: nothing to vouch for
        assert guard.arm([site])
        page.read_bytes()  # reading is not a change
        assert guard.untouched()
        assert not guard.untouched()  # once per arming
        for change in (lambda: page.write_text("two"), lambda: os.utime(page, ns=(1, 1)),
                       lambda: (site / "health" / "new.html").write_text("x"), lambda: page.unlink(),
                       lambda: (site / "tags").mkdir()):
            assert guard.arm([site])
            change()
            assert not guard.untouched()
        assert not guard.arm([tmp_path / "missing"]) and not guard.untouched()
    finally:
        guard.close()
