"""Which source files changed: snapshots to compare, and a wake-up when something may have.

A snapshot (path -> size, modification time, inode, change time) is the truth
about what changed, and the build takes the article files' stats from it (see
scan.Taken) instead of taking them again. On Linux, inotify says *when* to take one, so a save is noticed at
once and an idle server costs little; elsewhere, or when inotify cannot watch
more folders, the sources are polled.

inotify also says *which* files changed: after a save, `update_snapshot` looks
at those files only, not at every file under the roots (at 10,000 articles a
snapshot takes 60-140 ms; see the preview's numbers in the README). Whatever
the events cannot vouch for (a folder made, removed or renamed, a root's own
entry, an overflowing event queue, a wait that timed out with no event, as on
file systems that report nothing) means a whole snapshot, as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import select
import stat
import struct
import sys
import time
from pathlib import Path

from ..loading.scan import is_ignored_name

Snapshot = dict[str, tuple[int, int, int, int]]  # path -> (size, mtime_ns, inode, ctime_ns), as scan.Taken
Reported = list[tuple[str, str, bool]]  # (watched folder, name in it, whether it is a folder) per event


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


def update_snapshot(snapshot: Snapshot, roots: list[Path], skip: Path | None, reported: Reported) -> Snapshot | None:
    """The snapshot take_snapshot(roots, skip) would take now, made from `snapshot`
    (taken earlier) and the events reported since: only the files they name are
    looked at, and the other names of the same file (a symbolic link to it, whose
    stat is the file's, or a hard link), found by inode. None when the events cannot
    tell: one concerns a folder, a root or its folder's own entry, or a folder that
    is not under a root."""
    tops, root_names = [], set()
    for root in roots:
        root_text = os.fspath(root)
        if os.path.isdir(root_text):
            tops.append(root_text)
        root_names.add((os.path.dirname(root_text) or ".", os.path.basename(root_text)))
    skip_real = os.path.realpath(skip) if skip is not None else None
    updated = dict(snapshot)
    by_inode: dict[int, list[str]] | None = None

    def look(path: str) -> int | None:
        """Take the stat of path into `updated`; the inode it had before, if any."""
        before = updated.get(path)
        try:
            st = os.stat(path)
        except OSError:  # removed (or a link to nothing): not in a snapshot
            st = None
        if st is None or stat.S_ISDIR(st.st_mode):  # a link to a folder: listed, never walked into
            updated.pop(path, None)
        else:
            updated[path] = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
        return before[2] if before is not None else None

    for folder, name, is_folder in reported:
        if (folder, name) in root_names:
            return None  # a root (or the file it is) made, replaced or removed: walk them all
        if not any(folder == top or folder.startswith(top.rstrip(os.sep) + os.sep) for top in tops):
            if any(folder == parent for parent, _ in root_names):
                continue  # another file beside a root that is a file (the output folder swapped...)
            return None
        if is_ignored_name(name):
            continue
        path = os.path.join(folder, name)
        if is_folder:
            if skip_real is not None and os.path.realpath(path) == skip_real:
                continue
            return None
        inodes = {look(path), updated[path][2] if path in updated else None} - {None}
        if inodes:
            if by_inode is None:
                by_inode = {}
                for known, entry in snapshot.items():
                    by_inode.setdefault(entry[2], []).append(known)
            for inode in inodes:
                for other in by_inode.get(inode, ()):
                    if other != path:
                        look(other)
    return updated


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
    timed_out = False  # whether the last wait() ended with nothing reported (a poller learns nothing from it)

    def __init__(self):
        self._stop_read, self._stop_write = os.pipe()

    def watch(self, folders: list[str]) -> None:
        pass

    def wait(self, timeout: float) -> bool:
        """Sleep until `timeout` passes or stop() is called; True when stopped."""
        ready, _, _ = select.select([self._stop_read], [], [], timeout)
        return bool(ready)

    def changes(self) -> Reported | None:
        """What changed since the last call, by (folder, name); None: take a whole
        snapshot (a poller never knows)."""
        return None

    def still(self, seconds: float) -> bool:
        """Whether nothing was reported and stop() was not called for `seconds`
        (a poller cannot tell: False at once)."""
        return False

    def looked(self, found: bool) -> None:
        """After a whole snapshot taken because a wait timed out: whether it `found` a
        change that nothing reported."""

    def quiet(self, settle: float, limit: float) -> None:
        pass  # without events there is nothing to wait out

    def stop(self) -> None:
        os.write(self._stop_write, b"x")

    def close(self) -> None:
        for fd in (self._stop_read, self._stop_write):
            os.close(fd)


class InotifyWaker(PollingWaker):
    """Wakes up when inotify reports a change in a watched folder, and at least every
    `idle_seconds`, for what inotify cannot see (file systems that report nothing,
    such as some network mounts; a file outside the watched folders that a watched
    link points to). Each such look at every file costs 60-140 ms at 10,000
    articles: while they find nothing unreported they come half as often, up to every
    4 s; one that finds a change brings them back to every second."""

    IDLE_SECONDS = (1.0, 4.0)  # the least and the most time between looks while nothing is reported
    IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
    IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
    IN_DELETE_SELF, IN_MOVE_SELF = 0x400, 0x800
    IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED, IN_ISDIR = 0x2000, 0x4000, 0x8000, 0x40000000
    REPORTED_LIMIT = 4096  # files reported beyond which a whole snapshot is as quick (a branch checked out...)
    EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len (then the name)
    IN_NONBLOCK, IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
    MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
            | IN_DELETE_SELF | IN_MOVE_SELF)

    def __init__(self):
        super().__init__()
        try:
            self._libc, self._fd = _inotify()
        except (OSError, AttributeError):
            super().close()  # its wake-up pipe
            raise
        self.idle_seconds = self.IDLE_SECONDS[0]
        self._folders: dict[int, str | None] = {}  # watch descriptor -> folder (None: two names at once)
        self._reported: dict[tuple[str, str, bool], None] = {}  # in order, each once (a save sends several)
        self._whole = True  # only a whole snapshot can tell what changed

    def watch(self, folders: list[str]) -> None:
        """Watch these folders, every one there is now (again: a folder removed and made
        anew needs a new watch, and one renamed is known by its new name from now on)."""
        named: dict[int, str | None] = {}
        for folder in folders:
            wd = self._libc.inotify_add_watch(self._fd, os.fsencode(folder), self.MASK)
            if wd < 0:
                err = ctypes.get_errno()
                if err in (errno.ENOSPC, errno.ENOMEM):  # out of inotify watches
                    raise OSError(err, os.strerror(err))
                # ENOENT, EACCES...: gone or unreadable; polling every idle_seconds still covers it
                continue
            named[wd] = folder if named.get(wd, folder) == folder else None
        # A watch not named now (a folder moved out of the roots) reports as unknown: a whole snapshot
        self._folders = named

    def wait(self, timeout: float) -> bool:
        ready, _, _ = select.select([self._stop_read, self._fd], [], [], timeout)
        self.timed_out = not ready
        if not ready:
            self._whole = True  # what inotify cannot see: look at everything now and then
        self._drain()
        return self._stop_read in ready

    def looked(self, found: bool) -> None:
        least, most = self.IDLE_SECONDS
        self.idle_seconds = least if found else min(most, self.idle_seconds * 2)

    def changes(self) -> Reported | None:
        self._drain()
        reported, whole = list(self._reported), self._whole
        self._reported, self._whole = {}, False
        return None if whole else reported

    def still(self, seconds: float) -> bool:
        ready, _, _ = select.select([self._stop_read, self._fd], [], [], seconds)
        return not ready

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
            while data := os.read(self._fd, 65536):
                self._note(data)
        except BlockingIOError:
            pass

    def _note(self, data: bytes) -> None:
        """Keep the (folder, name) of each event in `data` (whole events: the kernel
        never splits one across reads)."""
        size, offset = self.EVENT.size, 0
        unclear = self.IN_Q_OVERFLOW | self.IN_IGNORED | self.IN_UNMOUNT | self.IN_DELETE_SELF | self.IN_MOVE_SELF
        while offset + size <= len(data):
            wd, mask, _, length = self.EVENT.unpack_from(data, offset)
            name = os.fsdecode(data[offset + size:offset + size + length].rstrip(b"\0"))
            offset += size + length
            folder = self._folders.get(wd)
            if mask & unclear or folder is None or not name:
                self._whole = True
            elif not self._whole:
                self._reported[folder, name, bool(mask & self.IN_ISDIR)] = None
                if len(self._reported) > self.REPORTED_LIMIT:
                    self._whole, self._reported = True, {}

    def close(self) -> None:
        os.close(self._fd)
        super().close()


class FolderGuard:
    """Whether anything at all happened in some folders since they were watched (`arm`):
    an inotify instance of its own, whose events are never read but to be dropped.
    The preview builds into a folder of its own; once the server has looked at every
    file of it (and of the writer's spare) between builds, this says whether the next
    build may take that look as still true. Anything it cannot vouch for (no inotify,
    out of watches, a folder that cannot be watched) means "touched"."""

    def __init__(self):
        self._fd: int | None = None  # made when first armed (a process has few inotify instances)
        self._armed = False

    def arm(self, roots: list[Path]) -> bool:
        """Watch every folder under the roots (each must be one), forgetting what happened
        before; False when one could not be watched (then `untouched` says no)."""
        self._armed = False
        if self._fd is None:
            self._fd = -1
            if sys.platform.startswith("linux"):
                try:
                    self._libc, self._fd = _inotify()
                except (OSError, AttributeError):
                    pass
        if self._fd < 0:
            return False
        try:
            for root in roots:
                for folder, _, _ in os.walk(root, onerror=_raise):
                    if self._libc.inotify_add_watch(self._fd, os.fsencode(folder), InotifyWaker.MASK) < 0:
                        return False
        except OSError:
            return False
        self._drop_events()
        self._armed = True
        return True

    def untouched(self) -> bool:
        """True when the folders were armed and nothing happened in them since; either
        way, the next call says False until they are armed again."""
        armed, self._armed = self._armed, False
        return armed and not self._drop_events()

    def _drop_events(self) -> bool:
        """Read and drop every pending event; whether there was one."""
        found = False
        try:
            while os.read(self._fd, 65536):
                found = True
        except BlockingIOError:
            pass
        return found

    def close(self) -> None:
        if self._fd is not None and self._fd >= 0:
            os.close(self._fd)
        self._fd = -1


def _raise(exc: OSError) -> None:
    raise exc


def _inotify() -> tuple[ctypes.CDLL, int]:
    """The C library and a new inotify instance (non-blocking, closed on exec); raises
    OSError when there is none (AttributeError: a C library without inotify)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(InotifyWaker.IN_NONBLOCK | InotifyWaker.IN_CLOEXEC)
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return libc, fd


def make_waker() -> PollingWaker:
    if sys.platform.startswith("linux"):
        try:
            return InotifyWaker()
        except (OSError, AttributeError):  # no inotify here: poll
            pass
    return PollingWaker()
