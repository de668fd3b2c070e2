"""Which source files changed: snapshots to compare, and a wake-up when something may have.

A snapshot (path -> size, modification time, inode, change time) is the truth
about what changed, and the build takes the article files' stats from it (see
scan.Taken) instead of taking them again. On Linux, inotify says *when* to take one, so a save is noticed at
once and an idle server costs nothing; elsewhere, or when inotify cannot watch
more folders, the sources are polled.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import select
import sys
import time
from pathlib import Path

from ..loading.scan import is_ignored_name

Snapshot = dict[str, tuple[int, int, int, int]]  # path -> (size, mtime_ns, inode, ctime_ns), as scan.Taken


def take_snapshot(roots: list[Path], skip: Path | None = None) -> Snapshot:
    """Every file under the roots (a root may also be a single file) with what tells a
    save apart: size, modification time, inode and change time (an editor that writes
    a new file and renames it over the old one changes the inode even when time and
    size look the same). Editor swap, backup and hidden files are left out, so they never cause
    a rebuild; so is the `skip` folder (the output, should it sit inside a root)."""
    found: Snapshot = {}
    for path in _walk(roots, skip, files=True):
        try:
            st = os.stat(path)
        except OSError:  # removed between listing and looking
            continue
        found[path] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
    return found


def watched_folders(roots: list[Path], skip: Path | None = None) -> list[str]:
    """The folders to ask inotify about: every folder under the roots, and the folder
    holding a root that is a file (so replacing or creating that file is seen)."""
    return list(_walk(roots, skip, files=False))


def _walk(roots: list[Path], skip: Path | None, files: bool):
    skip_real = os.path.realpath(skip) if skip is not None else None
    for root in roots:
        root_text = os.fspath(root)
        if not os.path.isdir(root_text):
            if files:
                if os.path.isfile(root_text):
                    yield root_text
            else:
                yield os.path.dirname(root_text) or "."
            continue
        for current, dirs, names in os.walk(root_text):
            dirs[:] = [d for d in dirs if not is_ignored_name(d)
                       and os.path.realpath(os.path.join(current, d)) != skip_real]
            if not files:
                yield current
                continue
            for name in names:
                if not is_ignored_name(name):
                    yield os.path.join(current, name)


def changed_paths(before: Snapshot, after: Snapshot) -> list[str]:
    """Files added, removed or modified between two snapshots, sorted."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


class PollingWaker:
    """Wakes up every `interval` seconds: something may have changed."""

    idle_seconds = 0.1

    def __init__(self):
        self._stop_read, self._stop_write = os.pipe()

    def watch(self, folders: list[str]) -> None:
        pass

    def wait(self, timeout: float) -> bool:
        """Sleep until `timeout` passes or stop() is called; True when stopped."""
        ready, _, _ = select.select([self._stop_read], [], [], timeout)
        return bool(ready)

    def quiet(self, settle: float, limit: float) -> None:
        pass  # without events there is nothing to wait out

    def stop(self) -> None:
        os.write(self._stop_write, b"x")

    def close(self) -> None:
        for fd in (self._stop_read, self._stop_write):
            os.close(fd)


class InotifyWaker(PollingWaker):
    """Wakes up when inotify reports a change in a watched folder, and at least every
    `idle_seconds` (for file systems that report nothing, e.g. some network mounts)."""

    idle_seconds = 1.0
    IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
    IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
    IN_DELETE_SELF, IN_MOVE_SELF = 0x400, 0x800
    IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
    MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
            | IN_DELETE_SELF | IN_MOVE_SELF)

    def __init__(self):
        super().__init__()
        name = ctypes.util.find_library("c")
        self._libc = ctypes.CDLL(name, use_errno=True)
        self._fd = self._libc.inotify_init1(self.IN_NONBLOCK | self.IN_CLOEXEC)
        if self._fd < 0:
            err = ctypes.get_errno()
            super().close()
            raise OSError(err, os.strerror(err))

    def watch(self, folders: list[str]) -> None:
        """Watch these folders (again: a folder removed and made anew needs a new watch)."""
        for folder in folders:
            if self._libc.inotify_add_watch(self._fd, os.fsencode(folder), self.MASK) < 0:
                err = ctypes.get_errno()
                if err in (errno.ENOSPC, errno.ENOMEM):  # out of inotify watches
                    raise OSError(err, os.strerror(err))
                # ENOENT, EACCES...: gone or unreadable; polling every idle_seconds still covers it

    def wait(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._stop_read, self._fd], [], [], timeout)
        self._drain()
        return self._stop_read in ready

    def quiet(self, settle: float, limit: float) -> None:
        """Wait until the folders have been still for `settle` seconds (at most `limit`):
        one save often comes as several events (write a temp file, rename it over)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._stop_read, self._fd], [], [], settle)
            if not ready or self._stop_read in ready:
                return
            self._drain()

    def _drain(self) -> None:
        try:
            while os.read(self._fd, 65536):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        os.close(self._fd)
        super().close()


def make_waker() -> PollingWaker:
    if sys.platform.startswith("linux"):
        try:
            return InotifyWaker()
        except (OSError, AttributeError):  # no inotify here: poll
            pass
    return PollingWaker()
