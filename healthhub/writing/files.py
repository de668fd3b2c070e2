"""The file operations the writer is made of: list a folder's files, hard-link and
write files, swap two folders, remove a folder. None follows a symbolic link."""

from __future__ import annotations

import errno
import os
import shutil
import sys
import tempfile
from pathlib import Path

FileStat = tuple[int, int, int]  # size, mtime_ns, inode


def list_files(root: Path) -> dict[str, FileStat]:
    """Every file (or link) below root, by path relative to it, with its stat."""
    found: dict[str, FileStat] = {}
    todo = [(os.fspath(root), "")]
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


def count_files(root: str) -> tuple[int, bool]:
    """How many files (or links) there are below root, and whether one is a symbolic
    link; no stat is taken (the folders' listings say what each entry is)."""
    count, links = 0, False
    todo = [root]
    while todo:
        with os.scandir(todo.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
                else:
                    count += 1
                    links = links or entry.is_symlink()
    return count, links


def link_files(source: Path, target: Path, rels, made: set[str]) -> list[str]:
    """Hard-link source/rel as target/rel for each rel, making folders as needed (the
    ones in `made` exist already); the rels that could not be linked."""
    source, target = os.fspath(source), os.fspath(target)
    failed = []
    for rel in rels:
        parent = rel.rpartition("/")[0]
        try:
            if parent and parent not in made:
                os.makedirs(f"{target}/{parent}", exist_ok=True)
                made.add(parent)
            os.link(f"{source}/{rel}", f"{target}/{rel}", follow_symlinks=False)
        except OSError:
            failed.append(rel)
    return failed


def write_file(target: str, data: bytes) -> os.stat_result:
    """Write data as a new file at target and return its stat as written. A file
    already there (perhaps a hard link to a file of the site being served) is
    never written into: the new file takes its name by rename."""
    try:
        return _write_new(target, data)
    except FileExistsError:
        pass
    temporary = f"{target}.{os.getpid()}.new"
    if os.path.lexists(temporary):
        os.unlink(temporary)
    st = _write_new(temporary, data)
    try:
        os.replace(temporary, target)
    except OSError:  # a folder by that name, say: no temporary file is left behind
        os.unlink(temporary)
        raise
    return st


def _write_new(path: str, data: bytes) -> os.stat_result:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        return os.fstat(handle.fileno())


def swap(new: Path, current: Path) -> None:
    """Put the folder `new` in place of `current`; afterwards `new` holds what
    `current` held (an empty folder when there was nothing)."""
    if not os.path.lexists(current):
        os.rename(new, current)
        os.mkdir(new)
        return
    # One atomic exchange where Linux has it: with two renames there is a moment
    # with no site at all. benchmarks/writer.py (2026-11-30, shared 2-core
    # machine, load 5-8): a process reading a page during 200 swaps failed 154-640
    # times with two renames (0-6 times at 10,000 articles), never with renameat2;
    # each swap takes 0.1 ms either way.
    if _exchange(new, current):
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{current.name}-old-", dir=current.parent))
    os.rmdir(aside)
    os.rename(current, aside)
    try:
        os.rename(new, current)
    except BaseException:
        os.rename(aside, current)
        raise
    os.rename(aside, new)


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(a, b, RENAME_EXCHANGE); False where the system or the disk has no such call."""
    if sys.platform != "linux":
        return False
    import ctypes  # here: a build that writes nothing needs neither it nor subprocess

    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)  # in glibc since 2.28
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), os.fspath(b))


def remove_tree(folder: Path) -> None:
    """Remove a folder and everything in it. A link (the folder itself or anything
    in it) is removed, never what it leads to: shutil.rmtree walks by directory
    file descriptors, so a folder swapped for a link while it runs is not followed."""
    try:
        if os.path.islink(folder):
            os.unlink(folder)
            return
    except OSError:
        return
    shutil.rmtree(folder, ignore_errors=True)


def remove_in_background(folder: Path) -> None:
    """Remove a folder by a process of its own that outlives this one and holds none
    of its files open (`rm -rf`, which never follows a link either); inline where
    that cannot be started.

    Worth its process (benchmarks/writer.py, 2026-11-30, shared 2-core machine,
    load 5-8): removing the previous site inline takes 139 ms at 1,000 articles
    and 436-519 ms at 10,000 (13,500 files), which every build that writes a file
    would wait for; starting `rm` takes 2-13 ms."""
    import subprocess

    try:
        subprocess.run(["/bin/sh", "-c", 'rm -rf -- "$0" &', os.fspath(folder)], check=True, start_new_session=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        remove_tree(folder)
