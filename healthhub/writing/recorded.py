"""The output folder's files by their stat, taken the cheap way when the folder looks as
the last build recorded it (its manifest)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .files import FileStat, count_files


def files_as_recorded(out_dir: Path, manifest: dict | None) -> dict[str, FileStat] | None:
    """Every file in out_dir with its (size, mtime_ns, inode), as files.list_files gives
    them, when the folder holds exactly the files the manifest names; None when it
    does not or cannot be read (then list it).

    Exactly those files: as many files as the manifest names, none a symbolic link,
    each of its names a file (not a folder) and no two the same file. Only the
    names are listed (the folders' entries say what each is), then each named
    file's lstat is taken: at 13,548 files 0.07 s of CPU where listing them with
    their stats takes 0.08-0.14 s (2026-12-01, shared 2-core machine). Their sizes,
    times and inodes are then compared with the manifest by the caller, as ever."""
    if not manifest:
        return None
    root = os.fspath(out_dir.absolute())
    prefix = os.path.join(root, "")
    found: dict[str, FileStat] = {}
    try:
        count, links = count_files(root)
        if links or count != len(manifest):
            return None
        for rel in manifest:
            st = os.lstat(prefix + rel)
            if stat.S_ISDIR(st.st_mode):
                return None
            found[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError:
        return None
    if len({entry[2] for entry in found.values()}) != count:  # two names for one file: not these files
        return None
    return found
