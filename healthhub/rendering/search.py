"""Site search: a Pagefind index of the built pages.

Pagefind reads the finished HTML, so it runs on the staging folder after every
page is written and before the new site is swapped in (write_outputs' finish
step): a build either has a matching index or leaves the old site alone.
Only article bodies (data-pagefind-body) are indexed; drafts are not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

INDEX_FOLDER = "pagefind"


class SearchIndexError(Exception):
    pass


def index_site(site_dir: Path) -> None:
    """Write site_dir/pagefind/ (the index and the Pagefind UI files)."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir", INDEX_FOLDER, "--quiet"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except FileNotFoundError as exc:  # pragma: no cover - python itself is missing
        raise SearchIndexError(f"cannot run Pagefind ({exc})") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        hint = detail[-1] if detail else f"exit code {result.returncode}"
        if "No module named pagefind" in (result.stderr or ""):
            hint = "Pagefind is not installed; run: python -m pip install 'pagefind[bin]'"
        raise SearchIndexError(f"the search index could not be built: {hint} (or build with --no-search)")
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
