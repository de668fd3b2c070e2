"""`healthhub init DIR`: a small working site to start from.

The starter files live in healthhub/starter/ (installed with the package):
a commented healthhub.yaml, authors.yaml, two sample articles, a README for
the site's writers and a .gitignore (stored as `gitignore`: packaging tools
leave dotfiles out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

STARTER_DIR = Path(__file__).resolve().parent / "starter"
RENAMED = {"gitignore": ".gitignore"}


@dataclass
class InitResult:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # already there: never overwritten


class InitRefused(Exception):
    """The folder cannot take a new site; the message says why and what to do."""


def starter_files() -> list[tuple[str, bytes]]:
    """(path inside the new site, contents) of every starter file, in a stable order."""
    files = []
    for path in sorted(STARTER_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            name = path.relative_to(STARTER_DIR).as_posix()
            files.append((RENAMED.get(name, name), path.read_bytes()))
    return files


def init_site(target: Path, force: bool = False) -> InitResult:
    """Write the starter site into `target` (made if missing). A folder with
    anything in it is refused unless `force`; even then no file is overwritten."""
    if target.exists() and not target.is_dir():
        raise InitRefused(f"{target} is a file, not a folder, choose a folder name such as mysite")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise InitRefused(f"{target}/ is not empty, choose a new folder, or add --force to add the starter "
                          "files that are missing (no file is ever overwritten)")
    result = InitResult()
    for name, data in starter_files():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "xb") as handle:  # "x": fails rather than replace a file
                handle.write(data)
        except FileExistsError:
            result.kept.append(path)
            continue
        result.written.append(path)
    return result
