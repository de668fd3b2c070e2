"""What every importer reads a source site into, and what the import reports.

A reader (hugo, jekyll, wordpress) turns a source site into SourcePages with
plain, already-mapped fields; `plan.py` places them (category, slug, file),
`body.py` converts their bodies, and `write.py` writes the new site.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic


@dataclass
class SourcePage:
    """One page of the source site, its front matter already mapped to ours."""

    path: Path  # the source file
    display: str  # as shown in messages: SOURCE/relative/path
    rel: str  # path relative to the source site's content root, POSIX
    kind: str  # post, page, bundle, section, collection item, ...
    body: str  # Markdown (or HTML before a WordPress conversion)
    body_line: int  # line of the file where the body starts
    title: str = ""
    date: str = ""  # YYYY-MM-DD, or '' when the source has none
    updated: str = ""
    summary: str = ""
    categories: list[str] = field(default_factory=list)
    category_hint: str = ""  # the section or folder, when no category is given
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # names as written
    slug: str = ""
    draft: bool = False
    expires: str = ""  # YYYY-MM-DD: the day the source stops publishing it (Hugo's expiryDate)
    language: str = ""
    translation_path: str = ""  # the same in every language's version of a page
    aliases: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # unmapped front matter, kept as it was
    urls: list[str] = field(default_factory=list)  # addresses the page had on the old site
    positions: dict = field(default_factory=dict)  # front-matter key -> (line, col)
    meta: dict = field(default_factory=dict)  # the front matter as written (keys in lower case), for params
    # Filled in by plan.py:
    category: str = ""
    out_slug: str = ""
    out_rel: str = ""  # the new .md file, relative to the articles folder
    author_ids: list[str] = field(default_factory=list)


@dataclass
class Author:
    id: str
    name: str
    url: str = ""
    credentials: str = ""


class Report:
    """Everything the import did, counted, and every construct it could not convert."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []  # source, written, kind, title
        self.converted: Counter = Counter()  # what was turned into a HealthHub equivalent
        self.skipped: Counter = Counter()  # files left out, by reason
        self.warnings: list[tuple[str, Diagnostic]] = []  # (kind, diagnostic)
        self.files: list[tuple[str, str]] = []  # copied files: source, written

    def warn(self, kind: str, display: str, line: int, col: int, message: str) -> None:
        self.warnings.append((kind, Diagnostic(display, line, col, "warning", message)))

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def convert(self, what: str, count: int = 1) -> None:
        self.converted[what] += count

    def warning_counts(self) -> Counter:
        return Counter(kind for kind, _ in self.warnings)


_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})")


def date_text(value) -> str:
    """'YYYY-MM-DD' from a front-matter date in any of the usual spellings, or ''."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d") if value.year >= 1000 else f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    match = _DATE.match(str(value or ""))
    if not match:
        return ""
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return ""
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def as_list(value) -> list[str]:
    """A list of non-empty texts from a list, a comma-separated text, or nothing."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        items = value
    else:
        items = str(value).split(",")
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def position_of(text: str, offset: int, first_line: int) -> tuple[int, int]:
    """(line, col) in the file of an offset into a text that starts at first_line."""
    head = text[:offset]
    return first_line + head.count("\n"), offset - (head.rfind("\n") + 1) + 1
