"""Write the rendered site: all or nothing.

The new site is assembled in a temporary folder beside the output folder
(unchanged files are hard links to the current ones, so their bytes and
modification times are kept and rsync deploys stay small), then swapped in
with one rename. An interrupted build leaves the previous site as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import signal
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import paths
from ..caching.cache import digest
from ..progress import Progress, Ticker


class UnsafeOutputPath(ValueError):
    pass


# The file that marks a folder as one HealthHub built (and may replace whole).
MARKER = ".healthhub-site"
MARKER_TEXT = (b"This folder is a website built by HealthHub. Every build replaces all of it:\n"
               b"keep nothing else in here.\n")


class OutputRefused(ValueError):
    """The output folder is one a build must not replace (the message says why and what to do)."""


def output_folder(out_dir: Path) -> Path:
    """Where the site goes: out_dir, or where it leads when it is a symbolic link
    (a deploy set-up such as site -> /var/www/html). The link stays a link; the
    folder it leads to is swapped for the new site, all or nothing."""
    out_dir = out_dir.absolute()
    if out_dir.is_symlink():
        return Path(os.path.realpath(out_dir))
    return out_dir


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_folder(shown: str, out_dir: Path, inputs: dict[str, Path | None], force: bool,
                        previous_files: Callable[[], dict | None]) -> None:
    """Raise OutputRefused when building into out_dir (as output_folder gives it) could
    destroy something: a folder holding the sources, the home or root folder, a file,
    or a non-empty folder HealthHub did not build (unless force). `inputs` names the
    sources by what they are ('the articles folder': path); `previous_files` gives the
    files the last build into out_dir left (the cache's manifest), or None."""
    real = Path(os.path.realpath(out_dir))
    use = "build into a folder of its own instead, e.g. --out site"
    if real == Path(real.anchor):
        raise OutputRefused(f"--out {shown} is the root folder /; {use}")
    try:
        home = Path(os.path.realpath(Path.home()))
    except (RuntimeError, KeyError, OSError):
        home = None
    if home is not None and real == home:
        raise OutputRefused(f"--out {shown} is your home folder, and a build replaces everything in its output "
                            f"folder; {use}")
    for what, path in inputs.items():
        if path is None:
            continue
        source = Path(os.path.realpath(path.absolute()))
        if _is_within(source, real):
            where = "is" if source == real else "holds"
            raise OutputRefused(f"--out {shown} {where} {what}, and a build replaces everything in its output "
                                f"folder; {use}")
        if what in ("the articles folder", "the templates folder") and _is_within(real, source):
            raise OutputRefused(f"--out {shown} is inside {what}, where the site's pages would be read back as "
                                f"sources; {use}")
    if not os.path.lexists(real):
        return  # a new folder
    if not os.path.isdir(real):
        raise OutputRefused(f"--out {shown} is a file, not a folder; {use}")
    marker = real / MARKER
    if marker.is_file() and not marker.is_symlink():
        return
    try:
        names = os.listdir(real)
    except OSError as exc:
        raise OutputRefused(f"--out {shown} cannot be read ({exc.strerror}); check its permissions or {use}") from None
    if not names or force:
        return
    previous = previous_files()
    if previous and set(_existing_files(real)) <= set(previous):
        return  # built by an older HealthHub (before the marker): every file in it is one that build wrote
    raise OutputRefused(f"--out {shown} is not empty and HealthHub did not build it (it has no {MARKER} file), "
                        f"and a build replaces everything in it; build into a new or empty folder, or pass --force "
                        f"to replace its contents")


class WriteError(OSError):
    """The site folder could not be written (disk full, read-only, no permission).

    The previous site is still in place; the message says what happened.
    """

    def __init__(self, out_dir: Path, exc: OSError):
        self.out_dir = out_dir
        self.original = exc
        reason = exc.strerror or str(exc)
        hint = {
            errno.ENOSPC: "free some disk space and build again",
            errno.EDQUOT: "free some disk space and build again",
            errno.EROFS: "the disk is read-only, build into another folder with --out",
            errno.EACCES: f"check that you may write to {out_dir.name}/ and the folder that holds it",
            errno.EPERM: f"check that you may write to {out_dir.name}/ and the folder that holds it",
        }.get(exc.errno, "check the disk and build again")
        self.message = f"{reason.lower() if reason[:1].isupper() and reason[1:2].islower() else reason}; {hint}"
        super().__init__(exc.errno, self.message)

    def __reduce__(self):  # raised in a worker process, re-raised in the build
        return (WriteError, (self.out_dir, self.original))


@dataclass(frozen=True)
class WriteResult:
    written: int  # files whose bytes changed or are new
    unchanged: int
    removed: int
    # Every file now in the output folder: rel -> (size, mtime_ns, inode, hash or None).
    files: dict = field(default_factory=dict, compare=False, repr=False)


FileStat = tuple[int, int, int]  # size, mtime_ns, inode


@dataclass
class OutputState:
    """The output folder as found before writing, checked against the last build's manifest."""

    files: dict[str, FileStat]
    verified: dict[str, bytes]  # rel -> hash, for files the manifest vouches for (same size, mtime, inode)
    extras: set[str]  # files `finish` added last time
    extras_intact: bool  # ... and they are all still there, untouched


@dataclass(frozen=True)
class Staged:
    """An output file already written into the staging folder, with the hash of its
    bytes and its (size, mtime_ns, inode) as written, for the manifest."""

    hash: bytes
    stat: tuple[int, int, int] | None = None


class Staging:
    """The temporary folder beside out_dir that becomes the new site.

    Rendered pages are written into it as soon as they are rendered (so a big
    site is never held in memory), then write_outputs completes it and swaps it
    in. Used as a context manager: whatever is left of it afterwards (a failed
    build's half, or the previous site after the swap) is removed. Create it
    only while holding the build lock: it removes staging folders that killed
    builds left behind.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.absolute()
        self.path: Path | None = None
        self.prelinked: set[str] = set()  # files of the current site linked into the folder
        self._linker: tuple[int, int, list[str]] | None = None  # pid, pipe, files of a prelink() still running
        self._made: set[str] = set()  # folders put() made (per process)

    def prelink(self, rels: list[str]) -> None:
        """Start hard-linking every current file into the folder, in a child process
        (so it runs on another core while the parent renders); see settle().
        write_outputs then only replaces what changed and removes what is stale.

        Worth its fork: linking the 1,388 files of a 1,000-article site takes
        40-70 ms (measured 2026-11-30 on the shared 2-core machine, load 5.7),
        so about 0.5 s at 10,000 articles, which an edit build (target 0.5 s)
        would otherwise spend after rendering instead of beside it."""
        if not rels or not hasattr(os, "fork") or self._linker is not None:
            return
        folder = self.folder()
        source = os.fspath(self.out_dir)
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: link, report what failed, and leave without running any cleanup
            status = 1
            try:
                os.close(read)
                failed = _link_tree(source, os.fspath(folder), rels, parent)
                with os.fdopen(write, "wb") as handle:
                    handle.write("\0".join(failed).encode("utf-8", "surrogateescape"))
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._linker = (pid, read, rels)

    def settle(self) -> None:
        """Wait for prelink(); afterwards `prelinked` names the files it linked."""
        if self._linker is None:
            return
        pid, read, rels = self._linker
        self._linker = None
        with os.fdopen(read, "rb") as handle:
            report = handle.read()
        _, status = os.waitpid(pid, 0)
        if status != 0:  # the child did not finish: see what it did link
            self.prelinked = {rel for rel in rels if _is_link_of(self.out_dir / rel, self.folder() / rel)}
            return
        failed = set(report.decode("utf-8", "surrogateescape").split("\0")) if report else set()
        self.prelinked = set(rels) - failed

    def _stop_linker(self) -> None:
        if self._linker is not None:
            pid, read, _ = self._linker
            self._linker = None
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
            os.close(read)

    def _discard(self) -> None:
        if self.path is not None:
            remove_tree(self.path)
            self.path = None
        self.prelinked = set()
        self._made = set()

    def folder(self) -> Path:
        if self.path is None:
            try:
                self.out_dir.parent.mkdir(parents=True, exist_ok=True)
                remove_leftovers(self.out_dir)
                self.path = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}-new-", dir=self.out_dir.parent))
            except OSError as exc:
                raise WriteError(self.out_dir, exc) from exc
        return self.path

    def put(self, rel: str, data: bytes) -> Staged:
        """Write one file into the staging folder (also from a forked worker process)."""
        if not paths.is_inside(rel):
            raise UnsafeOutputPath(f"refusing to write '{rel}': it is outside the site folder")
        folder = self.folder()
        try:
            parent = os.path.dirname(rel)
            if parent and parent not in self._made:
                os.makedirs(folder / parent, exist_ok=True)
                self._made.add(parent)
            target = os.path.join(folder, rel)
            if self._linker is not None or rel in self.prelinked:
                st = _replace_file(target, data)  # never write into a link to the current site's file
            else:
                st = _write_file(target, data)
        except OSError as exc:
            raise WriteError(self.out_dir, exc) from exc
        return Staged(digest(data), (st.st_size, st.st_mtime_ns, st.st_ino))

    def __enter__(self):
        return self

    def remove_later(self) -> None:
        """Remove the folder (after the swap: the previous site) in the background:
        it is renamed out of the way (.site-trash-*) and a detached process deletes
        it, so neither the build nor a reader waits for 13,000 unlinks. A trash
        folder a killed process left is removed by the next build.

        Worth its double fork: removing the 1,388 files of a 1,000-article site
        takes 100-250 ms (measured 2026-11-30, shared 2-core machine, load 5.7),
        1-2.5 s at 10,000 articles, which every build that writes a file would
        otherwise wait for."""
        if self.path is None or not hasattr(os, "fork"):
            return
        try:
            os.rmdir(self.path)  # nothing in it (there was no previous site)
            self.path = None
            return
        except OSError:
            pass
        trash = self.out_dir.parent / f".{self.out_dir.name}-trash-{self.path.name.rsplit('-', 1)[-1]}"
        try:
            os.rename(self.path, trash)
        except OSError:
            return  # removed in __exit__ instead
        self.path = None
        remove_detached(trash)

    def __exit__(self, *exc_info):
        self._stop_linker()
        self._discard()


def scan_output(out_dir: Path, manifest: dict | None) -> OutputState:
    """Stat every file in out_dir (no reading) and match it with the manifest."""
    files = _existing_files(out_dir.absolute())
    manifest = manifest or {}
    verified: dict[str, bytes] = {}
    extras: set[str] = set()
    extras_intact = bool(manifest)
    for rel, entry in manifest.items():
        intact = files.get(rel) == entry[:3]
        if entry[3] is None:
            extras.add(rel)
            extras_intact = extras_intact and intact
        elif intact:
            verified[rel] = entry[3]
    return OutputState(files, verified, extras, extras_intact)


def output_intact(out_dir: Path, files: dict) -> bool:
    """True when out_dir holds exactly the manifest's files, each with its recorded stat."""
    found = _existing_files(out_dir.absolute())
    return len(found) == len(files) and all(found.get(rel) == entry[:3] for rel, entry in files.items())


def check_output_paths(outputs: dict) -> None:
    for rel in outputs:
        if not paths.is_inside(rel):
            raise UnsafeOutputPath(f"refusing to write '{rel}': it is outside the site folder")


def _same_file(path: Path, data: bytes) -> bool:
    try:
        if path.is_symlink() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _existing_files(root: Path) -> dict[str, FileStat]:
    found: dict[str, FileStat] = {}
    todo = [(root, "")]
    while todo:
        folder, prefix = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                todo.append((entry.path, rel + "/"))
            else:
                st = entry.stat(follow_symlinks=False)
                found[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


def write_outputs(out_dir: Path, outputs: dict, finish: Callable[[Path], None] | None = None,
                  state: OutputState | None = None, progress: Progress | None = None,
                  staging: Staging | None = None) -> WriteResult:
    """Make out_dir hold exactly `outputs` (plus what `finish` adds to the staging folder).

    A value may be bytes, a Staged marker for a file already written into
    `staging`, or a marker with a `hash` attribute (incremental.Kept) for a
    file the state vouches for. Nothing is read or copied when nothing
    changed; otherwise the new folder is staged and swapped in at once.
    """
    check_output_paths(outputs)
    outputs = {**outputs, MARKER: MARKER_TEXT}
    out_dir = out_dir.absolute()
    try:
        if staging is not None:
            return _write_outputs(out_dir, outputs, finish, state, progress, staging)
        with Staging(out_dir) as staging:
            return _write_outputs(out_dir, outputs, finish, state, progress, staging)
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError(out_dir, exc) from exc


def remove_leftovers(out_dir: Path) -> int:
    """Remove staging folders a killed build left beside out_dir; their count.

    Call it only while holding the build lock, so no running build's folder goes.
    """
    removed = 0
    try:
        names = os.listdir(out_dir.parent)
    except OSError:
        return 0
    for name in names:
        leftover = out_dir.parent / name
        if not leftover.is_dir() or leftover.is_symlink():
            continue
        if name.startswith((f".{out_dir.name}-new-", f".{out_dir.name}-old-")):
            shutil.rmtree(leftover, ignore_errors=True)
            removed += 1
        elif name.startswith(f".{out_dir.name}-trash-"):
            # a previous site being removed in the background, or one a killed
            # remover left: (another) remover in the background
            remove_detached(leftover)
            removed += 1
    return removed


def _let_go_of_files() -> None:
    """In a detached process: hold none of the parent's files open (a pipe someone
    reads to its end, a server's listening socket, a lock)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    try:
        limit = os.sysconf("SC_OPEN_MAX")
    except (AttributeError, ValueError, OSError):
        limit = 1024
    os.closerange(3, limit if 0 < limit <= 1 << 20 else 1024)


def remove_detached(folder: Path) -> bool:
    """Remove a folder in a detached process (nobody waits for it, nothing is left
    unreaped); False where processes cannot be forked."""
    if not hasattr(os, "fork"):
        return False
    pid = os.fork()
    if pid == 0:  # the child starts the remover and leaves at once
        try:
            if os.fork() == 0:
                try:
                    os.setsid()
                    _let_go_of_files()
                    remove_tree(folder)
                finally:
                    os._exit(0)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return True


def _write_outputs(out_dir: Path, outputs: dict, finish: Callable[[Path], None] | None,
                   state: OutputState | None, progress: Progress | None, staging: Staging) -> WriteResult:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    if state is None:
        state = scan_output(out_dir, None)
    existing, verified = state.files, state.verified
    same: dict[str, bytes] = {}  # rel -> hash, for outputs whose file on disk already holds the bytes
    hashes: dict[str, bytes] = {}
    for rel, data in outputs.items():
        if isinstance(data, (bytes, bytearray)):
            hashes[rel] = known = digest(data)
            if verified.get(rel) == known or (rel in existing and rel not in verified and _same_file(out_dir / rel, data)):
                same[rel] = known
        elif isinstance(data, Staged):
            hashes[rel] = known = data.hash
            if verified.get(rel) == known or (rel in existing and rel not in verified
                                             and _same_files(out_dir / rel, staging.folder() / rel)):
                same[rel] = known
        elif verified.get(rel) == data.hash:
            hashes[rel] = same[rel] = data.hash
        else:
            raise RuntimeError(f"{rel} changed while the site was being built, run the build again")
    written = len(outputs) - len(same)
    stale = set(existing) - set(outputs)
    if written == 0 and out_dir.is_dir() and (not stale if finish is None else state.extras_intact and stale == state.extras):
        files = {rel: existing[rel] + (hashes[rel],) for rel in outputs}
        files.update({rel: existing[rel] + (None,) for rel in stale})
        return WriteResult(0, len(same) - (MARKER in same), 0, files)
    removed = len(stale)
    staging.settle()
    staging_dir = staging.folder()  # the caller's Staging removes it if anything below fails
    prelinked = staging.prelinked
    for rel in sorted(prelinked - outputs.keys()):
        os.unlink(os.path.join(staging_dir, rel))  # stale, or left for `finish` to make again
    files: dict = {}
    made_dirs: set[str] = set()
    ticker = Ticker(progress, "Writing files", len(outputs))
    # Unchanged files are hard links to the current ones: made first, many at a
    # time (each is one system call, which threads overlap).
    linked = {rel for rel in same if rel in prelinked and type(outputs[rel]) is not Staged}
    linked |= _link_all(os.fspath(out_dir), os.fspath(staging_dir),
                        [rel for rel in sorted(same) if type(outputs[rel]) is not Staged and rel not in linked],
                        made_dirs)
    for rel in sorted(outputs):
        ticker.advance()
        if rel in linked:
            files[rel] = existing[rel] + (same[rel],)
            continue
        parent = os.path.dirname(rel)
        if parent and parent not in made_dirs:
            os.makedirs(staging_dir / parent, exist_ok=True)
            made_dirs.add(parent)
        target = os.path.join(staging_dir, rel)
        data = outputs[rel]
        staged = type(data) is Staged
        if rel in same:
            try:
                if staged:  # keep the current file (its inode and mtime) in place of the new copy
                    os.link(out_dir / rel, target + ".same")
                    os.replace(target + ".same", target)
                else:
                    os.link(out_dir / rel, target)
                files[rel] = existing[rel] + (same[rel],)
                continue
            except OSError:
                if not isinstance(data, (bytes, bytearray)) and not staged:
                    raise RuntimeError(f"{rel} changed while the site was being built, run the build again")
        if staged and data.stat is not None:
            files[rel] = data.stat + (hashes[rel],)
            continue
        if staged:
            st = os.stat(target)
        elif rel in prelinked:
            st = _replace_file(target, data)
        else:
            st = _write_file(target, data)
        files[rel] = (st.st_size, st.st_mtime_ns, st.st_ino, hashes[rel])
    if finish is not None:
        indexing = Ticker(progress, "Indexing for search", 1)
        finish(staging_dir)
        indexing.advance()
        for rel, st in _existing_files(staging_dir).items():
            if rel not in files:
                files[rel] = st + (None,)
    os.chmod(staging_dir, 0o755)
    _swap(staging_dir, out_dir)  # staging_dir now holds the previous site, which the caller removes
    staging.remove_later()
    marker_written = MARKER in outputs and MARKER not in same  # counted apart from the site's own files
    return WriteResult(written - marker_written, len(same) - (MARKER in same), removed, files)


LINK_THREADS = 3


def _by_folder(rels) -> dict[str, list[str]]:
    folders: dict[str, list[str]] = {}
    for rel in rels:
        parent, _, name = rel.rpartition("/")
        folders.setdefault(parent, []).append(name)
    return folders


def _each_folder(work, folders: dict[str, list[str]]) -> list:
    """work(folder, names) for each folder, biggest first, on a few threads when there are many files."""
    order = sorted(folders, key=lambda folder: -len(folders[folder]))
    if sum(len(names) for names in folders.values()) < 1000:
        return [work(folder, folders[folder]) for folder in order]
    with ThreadPoolExecutor(LINK_THREADS) as pool:
        return list(pool.map(lambda folder: work(folder, folders[folder]), order))


def _link_all(source: str, target: str, rels: list[str], made_dirs: set[str]) -> set[str]:
    """Hard-link source/rel to target/rel for each rel; the set of those that worked."""
    folders = _by_folder(rels)
    for parent in sorted(folders):
        if parent and parent not in made_dirs:
            os.makedirs(os.path.join(target, parent), exist_ok=True)
            made_dirs.add(parent)
    failed = {rel for found in _each_folder(lambda folder, names: _link_folder(source, target, folder, names), folders)
              for rel in found}
    return set(rels) - failed


def _link_folder(source: str, target: str, folder: str, names: list[str]) -> list[str]:
    """Link source/folder/name to target/folder/name for each name, by directory file
    descriptors (no path lookups); never replaces a file. The rels that failed."""
    prefix = folder + "/" if folder else ""
    failed: list[str] = []
    try:
        os.makedirs(os.path.join(target, folder), exist_ok=True)
        src = os.open(os.path.join(source, folder), os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return [prefix + name for name in names]
    try:
        dst = os.open(os.path.join(target, folder), os.O_RDONLY | os.O_DIRECTORY)
        try:
            for name in names:
                try:
                    os.link(name, name, src_dir_fd=src, dst_dir_fd=dst, follow_symlinks=False)
                except OSError:
                    failed.append(prefix + name)
        finally:
            os.close(dst)
    finally:
        os.close(src)
    return failed


def _is_link_of(source: Path, target: Path) -> bool:
    try:
        a, b = os.stat(source, follow_symlinks=False), os.stat(target, follow_symlinks=False)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _link_tree(source: str, target: str, rels: list[str], parent: int) -> list[str]:
    """prelink's child process: link source/rel to target/rel for each rel (never
    replacing a file already there); the rels that failed. Stops when the build
    that started it is gone."""
    failed: list[str] = []
    folders = _by_folder(rels)
    for folder in sorted(folders):
        if os.getppid() != parent:
            os._exit(1)
        failed += _link_folder(source, target, folder, folders[folder])
    return failed


def remove_tree(folder: Path) -> None:
    """Remove a folder and everything in it, never following a symbolic link: a link
    (the folder itself or anything in it) is removed, never what it leads to.
    shutil.rmtree walks by directory file descriptors, so a folder swapped for a
    link while it runs is not followed either. (It mostly runs in the background,
    see remove_detached, so nobody waits for it.)"""
    try:
        if os.path.islink(folder):
            os.unlink(folder)
            return
    except OSError:
        return
    shutil.rmtree(folder, ignore_errors=True)


def _same_files(a: Path, b: Path) -> bool:
    try:
        if a.is_symlink() or a.stat().st_size != b.stat().st_size:
            return False
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _replace_file(target: str, data: bytes) -> os.stat_result:
    """Write a new file in place of whatever is at target (a hard link to a current
    file must never be written into: that would change the site being served)."""
    tmp = f"{target}.{os.getpid()}.new"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    st = _write_file(tmp, data)
    os.replace(tmp, target)
    return st


def _write_file(target: str, data: bytes) -> os.stat_result:
    """Write a new file and return its status as it is once written (for the manifest)."""
    with open(target, "xb") as handle:
        handle.write(data)
        handle.flush()
        return os.fstat(handle.fileno())


def _swap(new: Path, current: Path) -> None:
    """Put `new` in place of `current`; afterwards `new` holds the old folder (if any)."""
    if not current.exists():
        os.rename(new, current)
        new.mkdir()
        return
    if _rename_exchange(new, current):
        return
    # No atomic exchange here: two renames, the gap between them as short as it gets.
    old = Path(tempfile.mkdtemp(prefix=f".{current.name}-old-", dir=current.parent))
    os.rmdir(old)
    os.rename(current, old)
    try:
        os.rename(new, current)
    except BaseException:
        os.rename(old, current)
        raise
    os.rename(old, new)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two paths atomically. False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP if hasattr(errno, "ENOTSUP") else errno.EINVAL):
        return False
    raise OSError(err, os.strerror(err), str(b))
