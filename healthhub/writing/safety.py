"""Which output folders a build may replace, and which paths it may write.

A build replaces everything in its output folder, so it refuses one that holds
the sources, the home or root folder, a file, or a folder it did not build (a
MARKER file says it did) unless --force; and it refuses output paths that would
land outside the folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

from .. import paths
from .files import list_files

# The file that marks a folder as one HealthHub built (and may replace whole).
MARKER = ".healthhub-site"
MARKER_TEXT = (b"This folder is a website built by HealthHub. Every build replaces all of it:\n"
               b"keep nothing else in here.\n")


class OutputRefused(ValueError):
    """The output folder is one a build must not replace (the message says why and what to do)."""


class UnsafeOutputPath(ValueError):
    pass


def output_folder(out_dir: Path) -> Path:
    """Where the site goes: out_dir, or where it leads when it is a symbolic link
    (a deploy set-up such as site -> /var/www/html). The link stays a link; the
    folder it leads to is swapped for the new site, all or nothing."""
    out_dir = out_dir.absolute()
    if out_dir.is_symlink():
        return Path(os.path.realpath(out_dir))
    return out_dir


# Names made only of plain segments (word characters, '-' and '.', not starting with
# '.'), each ended by a newline: such a name stays inside the folder. Nearly every
# output is one, and all of them are checked with one match: 3-5 ms at 13,548 names,
# where paths.is_inside on each took 10-12 ms of every build.
_PLAIN_NAMES = re.compile(r"(?:[\w\-][\w\-.]*(?:/[\w\-][\w\-.]*)*\n)*")


def check_output_paths(rels) -> None:
    rels = list(rels)
    if _PLAIN_NAMES.fullmatch("\n".join(rels) + "\n") is not None:
        return
    for rel in rels:
        if not paths.is_inside(rel):
            raise UnsafeOutputPath(f"refusing to write '{rel}': it is outside the site folder")


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
        # a new folder, unless what would hold it is a file (--out notes.txt/site)
        holder = next((parent for parent in Path(shown).parents if os.path.lexists(parent)), None)
        if holder is not None and not os.path.isdir(holder):
            raise OutputRefused(f"--out {shown} cannot be made: {holder} is a file, not a folder; {use}")
        return
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
    if previous and set(list_files(real)) <= set(previous):
        return  # built by an older HealthHub (before the marker): every file in it is one that build wrote
    raise OutputRefused(f"--out {shown} is not empty and HealthHub did not build it (it has no {MARKER} file), "
                        f"and a build replaces everything in it; build into a new or empty folder, or pass --force "
                        f"to replace its contents")
