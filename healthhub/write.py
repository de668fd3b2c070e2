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
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import paths


class UnsafeOutputPath(ValueError):
    pass


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


@dataclass(frozen=True)
class WriteResult:
    written: int  # files whose bytes changed or are new
    unchanged: int
    removed: int


def check_output_paths(outputs: dict[str, bytes]) -> None:
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


def _existing_files(root: Path) -> set[str]:
    found: set[str] = set()
    if not root.is_dir():
        return found
    for current, dirs, files in os.walk(root):
        base = Path(current).relative_to(root).as_posix()
        for name in files:
            found.add(name if base == "." else f"{base}/{name}")
    return found


def write_outputs(out_dir: Path, outputs: dict[str, bytes],
                  finish: Callable[[Path], None] | None = None) -> WriteResult:
    """Make out_dir hold exactly `outputs` (plus what `finish` adds to the staging folder)."""
    check_output_paths(outputs)
    out_dir = out_dir.absolute()
    try:
        return _write_outputs(out_dir, outputs, finish)
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
        if name.startswith((f".{out_dir.name}-new-", f".{out_dir.name}-old-")):
            leftover = out_dir.parent / name
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
                removed += 1
    return removed


def _write_outputs(out_dir: Path, outputs: dict[str, bytes],
                   finish: Callable[[Path], None] | None) -> WriteResult:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out_dir)
    existing = _existing_files(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=out_dir.parent))
    try:
        written = unchanged = 0
        made_dirs: set[Path] = set()
        for rel in sorted(outputs):
            data = outputs[rel]
            target = staging / rel
            if target.parent not in made_dirs:
                target.parent.mkdir(parents=True, exist_ok=True)
                made_dirs.add(target.parent)
            current = out_dir / rel
            if rel in existing and _same_file(current, data):
                try:
                    os.link(current, target)
                    unchanged += 1
                    continue
                except OSError:
                    pass
            with open(target, "wb") as handle:
                handle.write(data)
            written += 1
        removed = len(existing - set(outputs))
        if finish is not None:
            finish(staging)
        elif written == 0 and removed == 0 and out_dir.is_dir():
            shutil.rmtree(staging)
            return WriteResult(0, unchanged, 0)
        os.chmod(staging, 0o755)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)  # now the previous site
    return WriteResult(written, unchanged, removed)


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
