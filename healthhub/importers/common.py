"""What the source-site readers share: walking folders, mapping front matter."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from pathlib import Path

from .model import Report, SourcePage, as_list, date_text
from .sourcefile import FrontMatterProblem, read_text, split_front_matter

MARKDOWN = (".md", ".markdown", ".mdown", ".mkd")
IGNORED_DIRS = {"node_modules", "vendor", ".git", ".github", ".bundle", ".sass-cache", ".jekyll-cache", "public",
                "resources", "_site"}


def walk(root: Path) -> list[Path]:
    """Every file under root, sorted, hidden files and tool folders left out."""
    found: list[Path] = []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in IGNORED_DIRS)
        for name in sorted(files):
            if not name.startswith(".") and not name.endswith("~"):
                found.append(Path(here) / name)
    return found


def display(source_root: Path, path: Path, source_label: str) -> str:
    return f"{source_label}/{path.relative_to(source_root).as_posix()}"


def read_page(path: Path, shown: str, report: Report) -> tuple[dict | None, str, int, dict] | None:
    """(front matter, body, body line, key positions), or None when it does not parse."""
    try:
        text = read_text(path.read_bytes())
    except OSError as exc:
        report.warn("unreadable", shown, 1, 1, f"cannot read the file ({exc.strerror}), not imported")
        return None
    try:
        return split_front_matter(text)
    except FrontMatterProblem as exc:
        report.warn("front matter", shown, exc.line, exc.col, f"{exc.message}, the page was not imported (fix the file and import again)")
        return None


def lower_keys(meta: dict) -> dict:
    """Front-matter keys compared without case (Hugo does; real sites write `Title:`)."""
    return {str(k).lower(): v for k, v in meta.items()}


_TAG = re.compile(r"<[^>]+>")


def plain(text) -> str:
    """A front-matter text as a reader sees it: entities as characters, no tags, one line."""
    if text is None:
        return ""
    return " ".join(html.unescape(_TAG.sub("", str(text))).split())


def fill_common(page: SourcePage, meta: dict, mapped: set[str]) -> None:
    """Fields every kind of site spells alike; the keys used go into `mapped`."""
    low = lower_keys(meta)

    def take(*keys):
        for key in keys:
            if key in low and low[key] not in (None, ""):
                mapped.update(k for k in meta if str(k).lower() == key)
                return low[key]
        return None

    page.title = plain(take("title")) or page.title
    page.date = date_text(take("date", "publishdate", "pubdate", "published_at")) or page.date
    page.updated = date_text(take("lastmod", "updated", "modified", "last_modified_at")) or page.updated
    page.summary = plain(take("summary", "description", "excerpt")) or page.summary
    page.tags = as_list(take("tags", "tag")) or page.tags
    authors = take("authors", "author")
    if authors is not None:
        page.authors = author_names(authors)
    slug = take("slug")
    if slug is not None:
        page.slug = str(slug)
    # Hugo leaves a page out from its expiryDate on: so does HealthHub from `expires`
    page.expires = date_text(take("expirydate", "unpublishdate")) or page.expires
    draft = take("draft")
    if draft is not None:
        page.draft = draft is True or str(draft).lower() in ("true", "yes")
    page.aliases = as_list(take("aliases", "redirect_from")) or page.aliases
    for key in ("title", "date", "draft", "slug", "tags"):  # empty values are mapped too
        mapped.update(k for k in meta if str(k).lower() == key)


def fill_missing(page: SourcePage, path: Path, shown: str, report, title: str, slug: str) -> None:
    """A page's title, date and slug when its front matter has none: the title and
    slug given (made from the file name), the file's modification date; the report
    says so for the title and date."""
    if not page.title:
        page.title = title
        report.warn("title", shown, 1, 1, f"no title, '{page.title}' made from the file name")
    if not page.date:
        page.date = file_date(path)
        report.warn("date", shown, 1, 1, f"no date, the file's modification date {page.date} was used")
    if not page.slug:
        page.slug = slug


_MD_AUTHOR = re.compile(r"\[([^\]]+)\]\(([^)\s]*)\)")


def author_names(value) -> list[str]:
    """Names from `author: Name`, `authors: [A, B]`, a mapping with `name:`, or
    Markdown links `[Name](url) (Org), [Other](url)`. A name may carry its URL as `name|url`."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        value = [value]
    names: list[str] = []
    for item in value:
        if isinstance(item, dict):
            low = lower_keys(item)
            name = plain(low.get("name") or low.get("display_name") or "")
            if name:
                names.append(name + (f"|{low['url']}" if low.get("url") else ""))
            continue
        text = str(item or "").strip()
        links = _MD_AUTHOR.findall(text)
        if links:
            names += [plain(name) + (f"|{url}" if url.startswith("http") else "") for name, url in links]
            continue
        for part in re.split(r",|\band\b|&", text) if "," in text or " and " in text else [text]:
            part = plain(re.sub(r"\([^)]*\)", "", part))
            if part:
                names.append(part)
    return names


def title_from_name(name: str) -> str:
    words = re.sub(r"[-_]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else ""


def extras(meta: dict, mapped: set[str]) -> dict:
    """The front matter not mapped to a HealthHub field, kept as it was (dates as text)."""
    return {str(key): plain_data(value) for key, value in meta.items() if key not in mapped}


def plain_data(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    return value


def file_date(path: Path) -> str:
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc)
    return stamp.strftime("%Y-%m-%d")


def has_template_code(text: str) -> bool:
    return bool(re.search(r"\{\{|\{%", text))
