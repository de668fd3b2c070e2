"""Write the rendered site: all or nothing.

The new site is assembled in a staging folder beside the output folder and
swapped in at once (files.swap), so a killed, interrupted or failed build leaves
the previous site as it was. Files whose bytes did not change are hard links to
the current ones: they keep their inode and modification time (rsync deploys
stay small) and nothing is read or copied.

After a swap the staging folder holds the previous site, mostly hard links to
the very files now served. It is kept beside the output folder as the spare
(`.site-spare-*`) and becomes the next build's staging folder: only the files
that changed in the last two builds need linking or writing there, not every
file of the site, and no previous site has to be removed. Worth it (2026-12-01,
shared 2-core machine): benchmarks/writer.py's whole write with one page changed
at 10,000 articles 407 -> 183 ms; a one-article edit's write stage 0.31 -> 0.11 s
(median of 8, interleaved), and no background `rm -rf` of 13,548 files (0.1 s of
CPU) beside the next build.

Nothing in the spare is trusted: each file is taken as it is only when it is the
current file itself (the same inode), everything that is not an output is
removed before the search index is made, and a spare that cannot be read is
replaced by a fresh folder (`.site-new-*`). No file is ever written into, or has its time set, unless this
build created it: a spare file may be a hard link to a file being served.
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
from .recorded import files_as_recorded


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
    recorded: dict = field(default_factory=dict)  # the manifest: for a verified rel, files[rel] + (its hash,)


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
    return OutputState(found, verified, extras, extras_intact, manifest)


def output_intact(out_dir: Path, manifest: dict) -> bool:
    """True when out_dir holds exactly the manifest's files, each a regular file with its
    recorded size, mtime and inode (as recorded.files_as_recorded would find them, and
    the inodes recorded all differ: no file has two names). Anything that cannot be
    read means "not intact". Each name's lstat is taken from the folder's descriptor
    and compared at once: at 13,548 files 32-36 ms where taking them all first and
    comparing after took 49-54 (2026-12-02)."""
    if not manifest or len({entry[2] for entry in manifest.values()}) != len(manifest):
        return False
    root = os.fspath(out_dir.absolute())
    try:
        count, links = files.count_files(root)
        if links or count != len(manifest):
            return False
        folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            lstat, regular = os.lstat, stat.S_IFREG
            for rel, entry in manifest.items():
                st = lstat(rel, dir_fd=folder)
                if (st.st_ino != entry[2] or st.st_mtime_ns != entry[1] or st.st_size != entry[0]
                        or st.st_mode & 0o170000 != regular):
                    return False
        finally:
            os.close(folder)
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Spare:
    """The previous site kept beside the output folder, taken as the staging folder:
    what it held when this build began (its symbolic links and other odd entries
    already removed)."""

    path: Path
    files: dict[str, int]  # rel -> inode of each regular file
    folders: set[str]


@dataclass(frozen=True)
class LookedAt:
    """The output folder and the writer's spare as a look between builds found them
    (the live preview's, see serve.Rebuilder.tidy): the stat of every file in the
    folder, found holding exactly the files of `manifest` (the very dict it was
    checked against: a build takes the look only for that one), the spare's
    listing, and the folder's state as scan_output works it out from those (15 ms
    of a save at 10,000 articles, now between saves). A build may take it instead
    of looking again only while nothing has happened in either folder since, which
    the caller vouches for (watch.FolderGuard). At 10,000 articles the two looks
    are 0.15-0.19 s of a rebuild after one save."""

    manifest: dict
    files: dict[str, FileStat]
    spare: Spare | None
    state: OutputState


def look_at_output(out_dir: Path, manifest: dict, watch: Callable[[list[Path]], bool]) -> LookedAt | None:
    """Look at the output folder and its spare for a later build (see LookedAt); `watch`
    is given both folders first and says whether they are watched from then on. None
    when they are not, or the folder does not hold exactly the manifest's files. The
    caller holds the build lock (the leftovers of killed builds are removed)."""
    out_dir = out_dir.absolute()
    spare_path = _remove_leftovers(out_dir)
    if not watch([out_dir] + ([spare_path] if spare_path is not None else [])):
        return None
    found = files_as_recorded(out_dir, manifest)
    if found is None:
        return None
    spare = _take_spare(spare_path, out_dir) if spare_path is not None else None
    return LookedAt(manifest, found, spare, scan_output(out_dir, manifest, found))


class Staging:
    """The folder beside out_dir that becomes the new site: the spare when there is
    one that can be read, else a fresh one.

    Rendered pages are put into it as soon as they are rendered (also by forked
    render workers), so a big site is never held in memory; write_outputs
    completes it and swaps it in. Used as a context manager: afterwards a fresh
    folder that was swapped in (now the previous site) is kept as the spare, one
    that was not is removed in the background, and a spare stays a spare. Create
    it only while holding the build lock: it removes the staging folders killed
    builds left.
    """

    def __init__(self, out_dir: Path, known_spare: Spare | None = None):
        self.out_dir = out_dir.absolute()
        self.path: Path | None = None
        self.spare: Spare | None = None  # what the folder held, when it is the spare
        self._known_spare = known_spare  # the spare as a look the caller vouches for found it (LookedAt)
        self.swapped = False
        self._made: set[str] = set()  # folders made in it (by this process)

    def folder(self) -> Path:
        if self.path is None:
            try:
                self.out_dir.parent.mkdir(parents=True, exist_ok=True)
                spare = _remove_leftovers(self.out_dir)
                known, self._known_spare = self._known_spare, None
                self.spare = (known if known is not None and known.path == spare
                              else _take_spare(spare, self.out_dir) if spare is not None else None)
                self.path = self.spare.path if self.spare is not None else Path(
                    tempfile.mkdtemp(prefix=f".{self.out_dir.name}-new-", dir=self.out_dir.parent))
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
        """Write rel as a new file (files.write_file replaces a file there by rename,
        never writes into it)."""
        folder = self.folder()
        try:
            return self._write_new(folder, rel, data)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            if self.spare is None:
                raise
            _clear_way(folder, rel)  # the spare has a file where a folder goes, or the other way round
            return self._write_new(folder, rel, data)

    def _write_new(self, folder: Path, rel: str, data: bytes) -> os.stat_result:
        parent = os.path.dirname(rel)
        if parent and parent not in self._made:
            os.makedirs(folder / parent, exist_ok=True)
            self._made.add(parent)
        return files.write_file(os.path.join(folder, rel), data)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.path is None:
            return
        if self.spare is None and self.swapped:  # the previous site: the next build's staging folder
            _keep_as_spare(self.path, self.out_dir)
        elif self.spare is None:
            _remove_later(self.path, self.out_dir)
        # The spare stays: after a swap it holds the previous site; after a failed or
        # unneeded build it is half updated, which is still only a spare (the next
        # build takes none of its files without checking its inode).
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
    hashes, same, vouched, linked = _compare(out_dir, outputs, state, staging)
    stale = state.files.keys() - outputs.keys()
    unchanged = len(same) - (MARKER in same)  # the marker is not counted as one of the site's files
    if len(same) == len(outputs) and out_dir.is_dir() and (
            not stale if finish is None else state.extras_intact and stale == state.extras):
        kept = {rel: state.files[rel] + (same[rel],) for rel in outputs}
        kept.update({rel: state.files[rel] + (None,) for rel in stale})
        return WriteResult(0, unchanged, 0, kept)
    folder = staging.folder()
    # Unchanged files: links to the current ones (a page put() wrote again with the
    # same bytes is replaced by its link below), except where the spare already has
    # the current file itself (the same inode). Linked here, not by a child process
    # beside rendering: benchmarks/writer.py (2026-11-30, shared 2-core machine,
    # load 5-8) found that no faster at 10,000 articles (455 ms inline, 417 ms
    # waited for the child beside 0.3 s of rendering).
    spare, current = staging.spare.files if staging.spare is not None else {}, state.files
    failed = _link_unchanged(out_dir, staging, [rel for rel in linked if spare.get(rel, -1) != current[rel][2]])
    # Most files of a rebuild: not rendered again, vouched for by the manifest, linked
    # or already in the spare. Their manifest entries stay as they are (the same
    # objects: the next comparison with the manifest is quick); one pass over every
    # output in name order making each entry again took 25-40 ms at 10,000 articles.
    recorded = state.recorded
    written: dict = dict(zip(vouched, map(recorded.__getitem__, vouched)))
    for rel in failed.intersection(written):
        del written[rel]
    # The rest, one at a time: pages rendered, unchanged files that could not be linked.
    ticker = Ticker(progress, "Writing files", len(outputs), len(written))
    for rel in sorted(outputs.keys() - written.keys()):
        ticker.advance()
        data = outputs[rel]
        known = same.get(rel)
        if known is not None and (rel not in failed if type(data) is not Staged
                                  else _link_over(out_dir, folder, rel)):  # linked, or in the spare
            written[rel] = current[rel] + (known,)
        elif type(data) is Staged and known is not None:  # rendered again the same, not linked over: keep the time
            written[rel] = _keep_time(out_dir, folder, rel, data)
        elif type(data) is Staged:
            written[rel] = data.stat + (data.hash,)
        elif known is None:
            st = staging._write(rel, data)
            written[rel] = (st.st_size, st.st_mtime_ns, st.st_ino, hashes[rel])
        else:  # unchanged, but not linked: a disk without hard links (FAT, exFAT, some network shares)
            st = _copy_unchanged(out_dir, rel, data, known, staging)
            written[rel] = (st.st_size, st.st_mtime_ns, st.st_ino, known)
    if staging.spare is not None:  # before `finish`: the search index is made from nothing, as in a fresh folder
        _remove_stale(staging.spare, outputs, out_dir)
    if finish is not None:
        indexing = Ticker(progress, "Indexing for search", 1)
        finish(folder)
        indexing.advance()
        for rel, st in list_files(folder).items():
            written.setdefault(rel, st + (None,))
    os.chmod(folder, 0o755)
    files.swap(folder, out_dir)  # the staging folder now holds the previous site: the next spare
    staging.swapped = True
    new = len(outputs) - len(same) - (MARKER not in same)
    # removed: gone from the site (not the previous search index, which `finish` made again)
    return WriteResult(new, unchanged, len(stale - written.keys()), written)


def make_spare(out_dir: Path) -> bool:
    """Bring the spare up to date with the site now, between builds: every file of the
    site hard-linked into it (a spare made when there is none), so that the next build
    with one page changed has nothing to link. A site's first build, or one that
    rendered every page again, leaves a spare of other files or none, and the next
    build linked every file first: at 10,000 articles the first save after the preview
    started took 1.1-1.7 s from save to page, the saves after it 0.4-0.6 s. The caller
    holds the build lock (the preview calls this between rebuilds). False when it
    could not be done (a disk without hard links...): the next build links what it
    needs, as it would have."""
    out_dir = out_dir.absolute()
    if not out_dir.is_dir():
        return False
    staging = Staging(out_dir)
    try:
        staging.folder()
        held = staging.spare.files if staging.spare is not None else {}
        done = not _link_unchanged(out_dir, staging, [rel for rel, found in sorted(list_files(out_dir).items())
                                                      if held.get(rel) != found[2]])
    except OSError:
        done = False
    if staging.spare is None and staging.path is not None:  # a fresh folder: kept only when complete
        (_keep_as_spare if done else _remove_later)(staging.path, out_dir)
    return done


def _compare(out_dir: Path, outputs: dict, state: OutputState, staging: Staging) -> tuple[dict, dict, list, list]:
    """The hash of each output given as bytes; the hash of each output whose file in
    out_dir already holds its bytes; the outputs not rendered again (not Staged)
    that the manifest vouches for (state.recorded holds their entries); and those of
    the outputs out_dir holds that are not Staged (to be linked), in order."""
    hashes: dict[str, bytes] = {}
    same: dict[str, bytes] = {}
    vouched: list[str] = []
    linked: list[str] = []
    verified = state.verified
    for rel, data in outputs.items():
        kind = type(data)
        if kind is bytes or kind is bytearray:
            hashes[rel] = known = digest(data)
        else:  # Staged, or a Kept: its hash is known
            known = data.hash
        if verified.get(rel) == known:
            same[rel] = known
            if kind is not Staged:
                vouched.append(rel)
                linked.append(rel)
        elif kind is not bytes and kind is not bytearray and kind is not Staged:  # a Kept the folder no longer vouches for
            raise _changed(rel)
        elif rel in state.files and _same_bytes(out_dir, rel, data, staging):
            same[rel] = known
            if kind is not Staged:
                linked.append(rel)
    return hashes, same, vouched, linked


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
    written = staging._write(rel, content)
    return _set_time(staging.folder(), rel, written.st_ino, before)


def _keep_time(out_dir: Path, folder: Path, rel: str, data: Staged) -> tuple:
    """The staged copy of an unchanged page, given the current file's mtime."""
    try:
        current = os.stat(out_dir / rel, follow_symlinks=False)
    except FileNotFoundError:
        return data.stat + (data.hash,)
    st = _set_time(folder, rel, data.stat[2], current)
    return (st.st_size, st.st_mtime_ns, st.st_ino, data.hash)


def _set_time(folder: Path, rel: str, inode: int, source: os.stat_result) -> os.stat_result:
    """Give the file this build wrote as folder/rel (known by its inode) the times of
    `source`. Set through the opened file, after checking it is that file: in a
    spare, a name may still be a hard link to a file of the site being served,
    whose time must never change."""
    fd = os.open(os.path.join(folder, rel), os.O_RDONLY | os.O_NOFOLLOW)
    try:
        if os.fstat(fd).st_ino != inode:
            raise _changed(rel)
        os.utime(fd, ns=(source.st_atime_ns, source.st_mtime_ns))
        return os.fstat(fd)
    finally:
        os.close(fd)


def _link_over(out_dir: Path, folder: Path, rel: str) -> bool:
    """Put the current file for rel (its inode and mtime) in place of the copy put() wrote."""
    target = os.path.join(folder, rel)
    try:
        os.link(out_dir / rel, target + ".same", follow_symlinks=False)
        os.replace(target + ".same", target)
        return True
    except OSError:
        return False


def _link_unchanged(out_dir: Path, staging: Staging, rels: list[str]) -> set[str]:
    """Hard-link each current file out_dir/rel into the staging folder; the rels that
    could not be linked. In the spare, the older file by that name makes way (a
    link is never written into), and so does a file where a folder goes or a
    folder where a file goes."""
    folder = staging.folder()
    if staging.spare is not None:
        for rel in rels:
            if rel in staging.spare.files:
                _unlink(os.path.join(folder, rel))
    failed = link_files(out_dir, folder, rels, staging._made)
    if staging.spare is not None and failed:
        for rel in failed:
            _clear_way(folder, rel)
        failed = link_files(out_dir, folder, failed, staging._made)
    return set(failed)


def _clear_way(folder: Path, rel: str) -> None:
    """Make room for rel in a spare: remove a file (or link) where one of its folders
    goes, and a folder where it goes. Nothing is followed. Render workers may do
    this at once for pages of one folder: what another removed is not an error."""
    path = os.fspath(folder)
    for part in rel.split("/")[:-1]:
        path = os.path.join(path, part)
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                os.unlink(path)
        except FileNotFoundError:
            return
        except IsADirectoryError:
            pass  # made a folder by another worker in the meantime
    path = os.path.join(path, rel.rpartition("/")[2])
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            files.remove_tree(Path(path))
    except FileNotFoundError:
        pass


def _remove_stale(spare: Spare, outputs: dict, out_dir: Path) -> None:
    """Remove from the spare every file and folder it held that is not (a folder of)
    an output: pages gone from the site, the last search index, a killed build's
    temporary files, files put where a folder now goes. Whole folders go to the
    trash (the last search index is thousands of files), removed in the background."""
    needed = {""}
    for parent in {rel.rpartition("/")[0] for rel in outputs}:
        while parent not in needed:
            needed.add(parent)
            parent = parent.rpartition("/")[0]
    for rel in spare.files.keys() - outputs.keys() - needed:
        if rel.rpartition("/")[0] in needed:  # else its folder goes below
            _unlink(os.path.join(spare.path, rel))
    folders = sorted(rel for rel in spare.folders - needed - outputs.keys() if rel.rpartition("/")[0] in needed)
    if folders:
        trash = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-trash-", dir=out_dir.parent))
        for number, rel in enumerate(folders):
            try:
                os.rename(spare.path / rel, trash / str(number))
            except FileNotFoundError:
                pass
        files.remove_in_background(trash)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _take_spare(path: Path, out_dir: Path) -> Spare | None:
    """The spare found beside out_dir, read for use as the staging folder; None when
    it cannot be trusted or read (then it is removed: _remove_leftovers found it
    named as only a build names its folders)."""
    try:
        return _read_spare(path, os.stat(out_dir.parent).st_dev)
    except OSError:
        _remove_later(path, out_dir)
        return None


def _read_spare(root: Path, device: int) -> Spare:
    """Every regular file (with the inode its folder's listing gives, no stat: free
    on Linux) and folder of the spare at root. Symbolic links and anything else
    that is neither are removed, never followed; a spare that is not a folder, or
    holds a folder of another disk (where inodes say nothing), is refused."""
    found = os.lstat(root)
    if not stat.S_ISDIR(found.st_mode) or found.st_dev != device:
        raise NotADirectoryError(errno.ENOTDIR, "not a folder of this disk", os.fspath(root))
    spare = Spare(root, {}, set())
    todo = [(os.fspath(root), "")]
    while todo:
        folder, prefix = todo.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if entry.stat(follow_symlinks=False).st_dev != device:
                        raise NotADirectoryError(errno.EXDEV, "a folder of another disk", entry.path)
                    spare.folders.add(rel)
                    todo.append((entry.path, rel + "/"))
                elif entry.is_file(follow_symlinks=False):
                    spare.files[rel] = entry.inode()
                else:
                    os.unlink(entry.path)
    return spare


def _keep_as_spare(folder: Path, out_dir: Path) -> None:
    """Keep a staging folder that was swapped out (the previous site) as the spare."""
    spare = out_dir.parent / f".{out_dir.name}-spare-{folder.name.rsplit('-', 1)[-1]}"
    try:
        os.rmdir(folder)  # empty: there was no previous site
        return
    except OSError:
        pass
    try:
        os.rename(folder, spare)
    except OSError:
        _remove_later(folder, out_dir)


def _remove_later(folder: Path, out_dir: Path) -> None:
    """Remove a staging folder (after a failed build) or a spare in the background,
    renamed to .site-trash-* first so the next build knows it for what it is."""
    try:
        os.rmdir(folder)  # empty
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


def _remove_leftovers(out_dir: Path) -> Path | None:
    """Remove the staging folders killed builds left beside out_dir (and previous
    sites whose removal was killed), and all spares but one, which is returned:
    only folders named as a build names them (.site-new-, -old-, -trash- or
    -spare- and tempfile's 8 characters), so a folder of someone else's is never
    taken for one. Only while holding the build lock."""
    try:
        names = sorted(os.listdir(out_dir.parent))
    except OSError:
        return None
    ours = re.compile(rf"\.{re.escape(out_dir.name)}-(new|old|trash|spare)-[a-z0-9_]{{8}}")
    spare = None
    for name in names:
        leftover = out_dir.parent / name
        kind = ours.fullmatch(name)
        if kind is None or not leftover.is_dir() or leftover.is_symlink():
            continue
        if kind[1] == "spare" and spare is None:
            spare = leftover
        elif kind[1] == "trash":
            files.remove_in_background(leftover)  # its remover was killed (or still runs: twice is harmless)
        else:
            _remove_later(leftover, out_dir)
    return spare
