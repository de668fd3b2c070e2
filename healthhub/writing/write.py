"""Write the rendered site: all or nothing.

The new site is assembled in a staging folder beside the output folder
(`.site-new-*`) and swapped in at once (files.swap), so a killed, interrupted or
failed build leaves the previous site as it was. Files whose bytes did not change
are hard links to the current ones: they keep their inode and modification time
(rsync deploys stay small) and nothing is read or copied. Whatever is left of the
staging folder afterwards (the previous site, or a failed build's half) is removed
in the background.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..caching.cache import digest
from ..progress import Progress, Ticker
from . import files
from .files import FileStat, link_files, list_files
from .safety import MARKER, MARKER_TEXT, check_output_paths


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
            errno.EAGAIN: "something else is writing into it: build again once that has stopped",
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


@dataclass
class OutputState:
    """The output folder as found before writing, checked against the last build's manifest."""

    files: dict[str, FileStat]
    verified: dict[str, bytes]  # rel -> hash, for files the manifest vouches for (same size, mtime, inode)
    extras: set[str]  # files `finish` added last time
    extras_intact: bool  # ... and they are all still there, untouched


@dataclass(frozen=True)
class Staged:
    """An output already written into the staging folder: the hash of its bytes and
    its (size, mtime_ns, inode) as written, for the manifest."""

    hash: bytes
    stat: FileStat


def scan_output(out_dir: Path, manifest: dict | None, found: dict[str, FileStat] | None = None) -> OutputState:
    """Stat every file in out_dir (no reading) and match it with the manifest
    (`found`: every file's stat, when the caller has them: recorded.files_as_recorded)."""
    found = found if found is not None else list_files(out_dir.absolute())
    manifest = manifest or {}
    verified: dict[str, bytes] = {}
    extras: set[str] = set()
    extras_intact = bool(manifest)
    for rel, entry in manifest.items():
        intact = found.get(rel) == entry[:3]
        if entry[3] is None:
            extras.add(rel)
            extras_intact = extras_intact and intact
        elif intact:
            verified[rel] = entry[3]
    return OutputState(found, verified, extras, extras_intact)


def output_intact(out_dir: Path, manifest: dict) -> bool:
    """True when out_dir holds exactly the manifest's files, each with its recorded stat.

    As many files as the manifest names, none a symbolic link, and each of those
    names a file (not a folder) with its recorded size, mtime and inode: then there
    is no other file.
    Taking each file's lstat by name, after a count of the folders' entries, costs
    about two thirds of listing them with their stats (list_files): 55 against 85
    ms of CPU for 13,548 files. Anything that cannot be read means "not intact"."""
    root = os.fspath(out_dir.absolute())
    try:
        count, links = files.count_files(root)
        if links or count != len(manifest):  # HealthHub writes no symbolic links (a lstat could pass through one)
            return False
        prefix = os.path.join(root, "")
        for rel, entry in manifest.items():
            st = os.lstat(prefix + rel)
            if (st.st_size, st.st_mtime_ns, st.st_ino) != entry[:3] or stat.S_ISDIR(st.st_mode):
                return False
    except OSError:
        return False
    return True


class Staging:
    """The folder beside out_dir that becomes the new site.

    Rendered pages are put into it as soon as they are rendered (also by forked
    render workers), so a big site is never held in memory; write_outputs
    completes it and swaps it in. Used as a context manager: whatever is left of
    it afterwards is removed in the background. Create it only while holding the
    build lock: it removes the staging folders killed builds left.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.absolute()
        self.path: Path | None = None
        self._made: set[str] = set()  # folders made in it (by this process)

    def folder(self) -> Path:
        if self.path is None:
            try:
                self.out_dir.parent.mkdir(parents=True, exist_ok=True)
                _remove_leftovers(self.out_dir)
                self.path = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}-new-", dir=self.out_dir.parent))
            except OSError as exc:
                raise WriteError(self.out_dir, exc) from exc
        return self.path

    def put(self, rel: str, data: bytes) -> Staged:
        """Write one output into the folder."""
        check_output_paths([rel])
        try:
            st = self._write(rel, data)
        except OSError as exc:
            raise WriteError(self.out_dir, exc) from exc
        return Staged(digest(data), (st.st_size, st.st_mtime_ns, st.st_ino))

    def _write(self, rel: str, data: bytes) -> os.stat_result:
        folder = self.folder()
        parent = os.path.dirname(rel)
        if parent and parent not in self._made:
            os.makedirs(folder / parent, exist_ok=True)
            self._made.add(parent)
        return files.write_file(os.path.join(folder, rel), data)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.path is not None:
            _remove_later(self.path, self.out_dir)
            self.path = None


def write_outputs(out_dir: Path, outputs: dict, finish: Callable[[Path], None] | None = None,
                  state: OutputState | None = None, progress: Progress | None = None,
                  staging: Staging | None = None) -> WriteResult:
    """Make out_dir hold exactly `outputs` (plus what `finish` adds to the staging
    folder before the swap: the search index).

    A value is bytes, a Staged output already put into `staging`, or a marker with
    a `hash` (incremental.Kept) for a file `state` vouches for. When no file
    changes, nothing is written; otherwise the new site is staged and swapped in.
    """
    check_output_paths(outputs)
    outputs = {**outputs, MARKER: MARKER_TEXT}
    out_dir = out_dir.absolute()
    try:
        if staging is not None:
            return _write(out_dir, outputs, finish, state or scan_output(out_dir, None), progress, staging)
        with Staging(out_dir) as staging:
            return _write(out_dir, outputs, finish, state or scan_output(out_dir, None), progress, staging)
    except WriteError:
        raise
    except OSError as exc:
        raise WriteError(out_dir, exc) from exc


def _write(out_dir: Path, outputs: dict, finish: Callable[[Path], None] | None, state: OutputState,
           progress: Progress | None, staging: Staging) -> WriteResult:
    hashes, same = _compare(out_dir, outputs, state, staging)
    stale = state.files.keys() - outputs.keys()
    unchanged = len(same) - (MARKER in same)  # the marker is not counted as one of the site's files
    if len(same) == len(outputs) and out_dir.is_dir() and (
            not stale if finish is None else state.extras_intact and stale == state.extras):
        kept = {rel: state.files[rel] + (hashes[rel],) for rel in outputs}
        kept.update({rel: state.files[rel] + (None,) for rel in stale})
        return WriteResult(0, unchanged, 0, kept)
    folder = staging.folder()
    # Unchanged files: links to the current ones (a page put() wrote again with the
    # same bytes is replaced by its link below). Linked here, not by a child process
    # beside rendering: benchmarks/writer.py (2026-11-30, shared 2-core machine,
    # load 5-8) found that no faster at 10,000 articles (455 ms inline, 417 ms
    # waited for the child beside 0.3 s of rendering).
    linked = [rel for rel in sorted(same) if type(outputs[rel]) is not Staged]
    failed = set(link_files(out_dir, folder, linked, staging._made))
    written: dict = {}
    ticker = Ticker(progress, "Writing files", len(outputs))
    for rel in sorted(outputs):
        ticker.advance()
        data = outputs[rel]
        if rel in same and (rel not in failed if type(data) is not Staged else _link_over(out_dir, folder, rel)):
            written[rel] = state.files[rel] + (same[rel],)
        elif type(data) is Staged and rel in same:  # rendered again the same, not linked over: keep the time
            written[rel] = _keep_time(out_dir, folder, rel, data)
        elif type(data) is Staged:
            written[rel] = data.stat + (data.hash,)
        elif isinstance(data, (bytes, bytearray)) and rel not in same:
            st = staging._write(rel, data)
            written[rel] = (st.st_size, st.st_mtime_ns, st.st_ino, hashes[rel])
        else:  # unchanged, but not linked: a disk without hard links (FAT, exFAT, some network shares)
            st = _copy_unchanged(out_dir, rel, data, same[rel], staging)
            written[rel] = (st.st_size, st.st_mtime_ns, st.st_ino, same[rel])
    if finish is not None:
        indexing = Ticker(progress, "Indexing for search", 1)
        finish(folder)
        indexing.advance()
        for rel, st in list_files(folder).items():
            written.setdefault(rel, st + (None,))
    os.chmod(folder, 0o755)
    files.swap(folder, out_dir)  # the staging folder now holds the previous site, removed on leaving `staging`
    new = len(outputs) - len(same) - (MARKER not in same)
    # removed: gone from the site (not the previous search index, which `finish` made again)
    return WriteResult(new, unchanged, len(stale - written.keys()), written)


def _compare(out_dir: Path, outputs: dict, state: OutputState, staging: Staging) -> tuple[dict, dict]:
    """The hash of every output, and of those whose file in out_dir already holds their bytes."""
    hashes: dict[str, bytes] = {}
    same: dict[str, bytes] = {}
    for rel, data in outputs.items():
        hashes[rel] = known = digest(data) if isinstance(data, (bytes, bytearray)) else data.hash
        if state.verified.get(rel) == known:
            same[rel] = known
        elif not isinstance(data, (bytes, bytearray, Staged)):  # a Kept the output folder no longer vouches for
            raise _changed(rel)
        elif rel in state.files and _same_bytes(out_dir, rel, data, staging):
            same[rel] = known
    return hashes, same


def _same_bytes(out_dir: Path, rel: str, data, staging: Staging) -> bool:
    current = out_dir / rel
    try:
        if current.is_symlink():
            return False
        if type(data) is Staged:
            return current.stat().st_size == data.stat[0] and current.read_bytes() == (staging.folder() / rel).read_bytes()
        return current.stat().st_size == len(data) and current.read_bytes() == data
    except OSError:
        return False


def _changed(rel: str) -> OSError:
    return OSError(errno.EAGAIN, f"{rel} changed while the site was being built")


def _copy_unchanged(out_dir: Path, rel: str, data, known: bytes, staging: Staging) -> os.stat_result:
    """Copy the current file for rel into the staging folder with its mtime (so a
    deploy that compares times skips it), when it could not be linked. Its bytes
    are checked against the hash the build knows for them: a file changed since
    it was checked fails the build, it is never copied into the new site."""
    current = out_dir / rel
    try:
        if current.is_symlink():
            raise _changed(rel)
        before = current.stat()
        content = current.read_bytes() if not isinstance(data, (bytes, bytearray)) else bytes(data)
    except FileNotFoundError:
        raise _changed(rel) from None
    if digest(content) != known:
        raise _changed(rel)
    target = staging.folder() / rel
    staging._write(rel, content)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns), follow_symlinks=False)
    return target.stat()


def _keep_time(out_dir: Path, folder: Path, rel: str, data: Staged) -> tuple:
    """The staged copy of an unchanged page, given the current file's mtime."""
    target = os.path.join(folder, rel)
    try:
        current = os.stat(out_dir / rel, follow_symlinks=False)
        os.utime(target, ns=(current.st_atime_ns, current.st_mtime_ns), follow_symlinks=False)
    except FileNotFoundError:
        return data.stat + (data.hash,)
    st = os.stat(target, follow_symlinks=False)
    return (st.st_size, st.st_mtime_ns, st.st_ino, data.hash)


def _link_over(out_dir: Path, folder: Path, rel: str) -> bool:
    """Put the current file for rel (its inode and mtime) in place of the copy put() wrote."""
    target = os.path.join(folder, rel)
    try:
        os.link(out_dir / rel, target + ".same", follow_symlinks=False)
        os.replace(target + ".same", target)
        return True
    except OSError:
        return False


def _remove_later(folder: Path, out_dir: Path) -> None:
    """Remove a staging folder (after a swap: the previous site) in the background,
    renamed to .site-trash-* first so the next build knows it for what it is."""
    try:
        os.rmdir(folder)  # empty: there was no previous site
        return
    except OSError:
        pass
    trash = out_dir.parent / f".{out_dir.name}-trash-{folder.name.rsplit('-', 1)[-1]}"
    try:
        os.rename(folder, trash)
    except OSError:
        files.remove_tree(folder)
        return
    files.remove_in_background(trash)


def _remove_leftovers(out_dir: Path) -> None:
    """Remove the staging folders killed builds left beside out_dir (and previous
    sites whose removal was killed): only folders named as a build names them
    (.site-new-, -old- or -trash- and tempfile's 8 characters), so a folder of
    someone else's is never taken for one. Only while holding the build lock."""
    try:
        names = os.listdir(out_dir.parent)
    except OSError:
        return
    ours = re.compile(rf"\.{re.escape(out_dir.name)}-(new|old|trash)-[a-z0-9_]{{8}}")
    for name in names:
        leftover = out_dir.parent / name
        kind = ours.fullmatch(name)
        if kind is None or not leftover.is_dir() or leftover.is_symlink():
            continue
        if kind[1] == "trash":
            files.remove_in_background(leftover)  # its remover was killed (or still runs: twice is harmless)
        else:
            _remove_later(leftover, out_dir)
