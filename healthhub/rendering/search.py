"""Site search: a Pagefind index of the built pages.

Pagefind reads the finished HTML, so it runs on the staging folder after every
page is written and before the new site is swapped in (write_outputs' finish
step): a build either has a matching index or leaves the old site alone.
The live preview instead indexes after the new pages are shown, into a folder
of its own (serving/searchindex.py). Only article bodies (data-pagefind-body)
are indexed; drafts are not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

INDEX_FOLDER = "pagefind"


class SearchIndexError(Exception):
    pass


def has_searchable_pages(articles) -> bool:
    """Whether a site has anything to index: Pagefind refuses a site with no
    published article (drafts carry no data-pagefind-body)."""
    return any(not article.draft for article in articles)


def pagefind_command(site_dir: Path, output: Path | None = None) -> list[str]:
    """Pagefind indexing site_dir into site_dir/pagefind/, or into `output` (a folder of its own)."""
    where = ["--output-path", str(output.absolute())] if output is not None else ["--output-subdir", INDEX_FOLDER]
    return [sys.executable, "-m", "pagefind", "--site", str(site_dir.absolute()), *where, "--quiet"]


def index_failure(returncode: int, stderr: str, stdout: str = "") -> SearchIndexError:
    """The one-line error for a Pagefind run that failed."""
    detail = (stderr or stdout).strip().splitlines()
    hint = detail[-1] if detail else f"exit code {returncode}"
    if "No module named pagefind" in (stderr or ""):
        hint = "Pagefind is not installed; run: python -m pip install 'pagefind[bin]'"
    return SearchIndexError(f"the search index could not be built: {hint} (or build with --no-search)")


def index_site(site_dir: Path) -> None:
    """Write site_dir/pagefind/ (the index and the Pagefind UI files)."""
    try:
        result = subprocess.run(pagefind_command(site_dir), capture_output=True, text=True, timeout=600)
    except FileNotFoundError as exc:  # pragma: no cover - python itself is missing
        raise SearchIndexError(f"cannot run Pagefind ({exc})") from None
    if result.returncode != 0:
        raise index_failure(result.returncode, result.stderr, result.stdout)
    sort_languages(site_dir / INDEX_FOLDER / "pagefind-entry.json")


def sort_languages(entry: Path) -> None:
    """Pagefind lists the index of each language in no fixed order; a site in several
    languages is still the same bytes every build (languages sorted by tag)."""
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # Pagefind wrote no entry file (nothing indexed): nothing to sort
    languages = data.get("languages") if isinstance(data, dict) else None
    if isinstance(languages, dict) and len(languages) > 1:
        data["languages"] = dict(sorted(languages.items()))
        entry.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
