"""Slugs, output paths and relative URLs: pure functions, one place.

Every output path is a POSIX path relative to the site root (for example
`health/back-pain-after-jogging.html`). Pages link to each other with
relative URLs, so one built site works at a domain root, under a subpath
and opened straight from disk (file://), where `dir/` would not find
`dir/index.html`: that is why links always name the file.
"""

from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass
import re
import unicodedata
from urllib.parse import quote, unquote

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SAFE_SLUG = re.compile(r"[^\W_](?:[\w-]*[^\W_])?", re.UNICODE)


def _keep_marks(match: re.Match) -> str:
    """A run of characters that are not word characters, as slugify writes it: a
    hyphen, but the combining marks that follow a letter stay with it. A regular
    expression's word characters include no mark, and the vowel signs and viramas of
    Hindi, Bengali, Tamil or Thai, and Arabic's harakat, are marks: स्वास्थ्य became
    स-व-स-थ-य."""
    run = match.group()
    marks = 0
    while match.start() > 0 and marks < len(run) and unicodedata.category(run[marks])[0] == "M":
        marks += 1
    return run[:marks] + ("-" if marks < len(run) else "")
MAX_SLUG_LENGTH = 80


def slugify(text: str, limit: int | None = MAX_SLUG_LENGTH) -> str:
    """'Mental Health' -> 'mental-health'; 'Santé mentale' -> 'santé-mentale'.

    Letters of every script are kept (NFC, lower case), with the combining marks that
    belong to them ('स्वास्थ्य' stays whole); anything else becomes a hyphen. Returns ''
    when nothing is left. Cut at `limit` characters (None: not cut).
    """
    text = unicodedata.normalize("NFKC", text).lower()
    slug = _NOT_WORD.sub("-" if text.isascii() else _keep_marks, text.replace("_", "-")).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    return slug[:limit].strip("-") if limit is not None else slug


# A file name holds at most 255 bytes on the usual file systems (ext4, XFS, btrfs,
# APFS; NTFS counts UTF-16 units, which is never stricter). A slug becomes
# `<slug>.html` or a folder, so it may take 250 bytes of UTF-8.
MAX_FILE_NAME_BYTES = 255
MAX_SLUG_BYTES = MAX_FILE_NAME_BYTES - len(".html")


def is_safe_slug(slug: str) -> bool:
    """A slug given by an author may hold only letters (with their combining marks),
    digits and hyphens, and must fit in a file name."""
    return bool(_SAFE_SLUG.fullmatch(_without_marks(slug))) and "_" not in slug and fits_file_name(slug)


def _without_marks(slug: str) -> str:
    """The slug with each combining mark that follows a letter or digit taken out (a
    mark anywhere else stays, and is refused)."""
    if slug.isascii():
        return slug
    kept, after_letter = [], False
    for char in slug:
        if after_letter and unicodedata.category(char)[0] == "M":
            continue  # (after_letter stays: a letter may carry several marks)
        kept.append(char)
        after_letter = char.isalnum()
    return "".join(kept)


def fits_file_name(slug: str) -> bool:
    """True when `<slug>.html` (and the folder `<slug>/`) fits in a file name."""
    return len(slug.encode("utf-8", "surrogatepass")) <= MAX_SLUG_BYTES


def slug_problem(slug: str) -> str:
    """What is wrong with a slug is_safe_slug refuses, in words ('' when nothing is)."""
    size = len(slug.encode("utf-8", "surrogatepass"))
    if size > MAX_SLUG_BYTES:
        return (f"it is {size} bytes long and a file name holds at most {MAX_FILE_NAME_BYTES} "
                f"({MAX_SLUG_BYTES} for the slug and '.html')")
    for index, char in enumerate(slug):
        mark = unicodedata.category(char)[0] == "M" and index > 0 and slug[index - 1] not in "-_"
        if char == "_" or not (char.isalnum() or char == "-" or mark):
            shown = f"U+{ord(char):04X}" if not char.isprintable() or char.isspace() else f"'{char}'"
            return f"character {index + 1} is {shown}, a slug may only hold letters, digits and hyphens"
    if slug.startswith("-") or slug.endswith("-"):
        return "it starts or ends with a hyphen"
    if not slug:
        return "it is empty"
    return ""


def shorten_slug(slug: str, max_bytes: int = MAX_SLUG_BYTES) -> str:
    """The slug cut to fit in max_bytes of UTF-8, after a whole word (at a hyphen)
    when there is one to cut at."""
    if len(slug.encode("utf-8")) <= max_bytes:
        return slug
    cut = slug.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
    if "-" in cut and slug[len(cut)] != "-":
        cut = cut[: cut.rindex("-")]
    return cut.strip("-")


# Top-level names the site itself uses (folders, and pages a folder would be
# confused with); a category whose slug is one of them is published elsewhere.
SITE_OWN_NAMES = frozenset({"tags", "assets", "pagefind", "search", "people", "404", "index"})
OWN_NAME_SUFFIX = "-category"


def category_slug(name: str) -> str:
    """A category's folder: its slug, or for a name the site itself uses ('Tags',
    'Search', 'People') that slug with '-category' after it (tags-category/)."""
    slug = slugify(name)
    return slug + OWN_NAME_SUFFIX if slug in SITE_OWN_NAMES else slug


def article_path(category_slug: str, slug: str) -> str:
    return f"{category_slug}/{slug}.html"


def category_path(category_slug: str, page: int = 1) -> str:
    return f"{category_slug}/index.html" if page == 1 else f"{category_slug}/page/{page}.html"


def tag_path(tag_slug: str, page: int = 1) -> str:
    """A topic's page; a topic of a language other than the default has its
    language folder before the slug ('ar/sleep' -> ar/tags/sleep/index.html)."""
    folder, _, slug = tag_slug.rpartition("/")
    tags = f"{folder}/tags" if folder else "tags"
    return f"{tags}/{slug}/index.html" if page == 1 else f"{tags}/{slug}/page/{page}.html"


def language_prefix(language: str, default: str) -> str:
    """Where a language's pages go: the default language at the site root, others
    in a folder named by the language tag ('ar/')."""
    return "" if not language or language == default else f"{language}/"


def home_path(prefix: str = "") -> str:
    return f"{prefix}index.html"


def search_path(prefix: str = "") -> str:
    return f"{prefix}search.html"


def tags_index_path(prefix: str = "") -> str:
    return f"{prefix}tags/index.html"


# A big site's sitemap parts (sitemap.xml is then their index): sitemap-1.xml, sitemap-2.xml...
SITEMAP_PART = re.compile(r"sitemap-[1-9][0-9]*\.xml")


def sitemap_files(names) -> tuple[str, ...]:
    """The sitemap files among a site's file names (a set or dict): sitemap.xml and its
    parts, which are numbered from 1 without a gap. Asked by name, not by going over
    every name: the live preview asks on every save, of 15,000 names at 10,000 articles."""
    found = ["sitemap.xml"] if "sitemap.xml" in names else []
    while f"sitemap-{len(found)}.xml" in names and found:
        found.append(f"sitemap-{len(found)}.xml")
    return tuple(found)


def slash_advice(written: str) -> str:
    """For a message about a path an author wrote with Windows' backslashes: what to
    write instead (web addresses separate folders with /); '' for any other path."""
    return ", and write / between folders, not \\ (web addresses use /)" if "\\" in written else ""


def feed_path(category_slug: str | None = None) -> str:
    """The Atom feed of the whole site, or of one category."""
    return f"{category_slug}/feed.xml" if category_slug else "feed.xml"


def asset_path(name: str) -> str:
    return f"assets/{name}"


def relative_url(from_path: str, to_path: str) -> str:
    """URL that leads from the page at from_path to to_path (both site-relative).

    A `#fragment` on to_path is kept. The result is percent-encoded.
    """
    target, hash_mark, fragment = to_path.partition("#")
    if not target:
        return "#" + quote(fragment, safe="")
    rel = _relative_path(target, posixpath.dirname(from_path))
    url = quote(rel, safe="/.-_~")
    if hash_mark:
        url += "#" + quote(fragment, safe="-_.~:")
    return url


def _relative_path(target: str, base: str) -> str:
    """posixpath.relpath(target, base) for site-relative paths, without asking the
    file system for the working directory (this runs for every link of every page)."""
    target_parts = _parts(target)
    base_parts = _parts(base) if base else []
    common = 0
    for mine, theirs in zip(target_parts, base_parts):
        if mine != theirs:
            break
        common += 1
    parts = [".."] * (len(base_parts) - common) + target_parts[common:]
    return "/".join(parts) if parts else "."


def _parts(path: str) -> list[str]:
    if "//" in path or "." in path and ("/." in path or path[0] == ".") or path[0] == "/" or path[-1] == "/":
        return [part for part in posixpath.normpath(path).split("/") if part not in ("", ".")]
    return path.split("/")  # already normal: no empty, "." or ".." parts


def absolute_url(base_url: str, to_path: str) -> str:
    """Absolute URL of a site path; index.html files are named by their folder."""
    if to_path == "index.html":
        to_path = ""
    elif to_path.endswith("/index.html"):
        to_path = to_path[: -len("index.html")]
    return base_url.rstrip("/") + "/" + quote(to_path, safe="/.-_~")


def is_inside(path: str) -> bool:
    """True when a site-relative output path stays inside the site folder."""
    if not path or path.startswith(("/", "\\")) or "\\" in path or "\x00" in path:
        return False
    normal = posixpath.normpath(path)
    return normal == path and not normal.startswith("../") and normal != ".." and normal != "."


def person_path(person_id: str, prefix: str = "") -> str:
    """A person's page; on a site in several languages each language has one ('es/people/x.html')."""
    return f"{prefix}people/{person_id}.html"


def person_list_path(person_id: str, kind: str, page: int = 1, prefix: str = "") -> str:
    """A page of a person's articles of one kind ('written', 'reviewed') after the first,
    which is on the person's page ('people/x/written/page/2.html')."""
    return person_path(person_id, prefix) if page == 1 else f"{prefix}people/{person_id}/{kind}/page/{page}.html"


_NAME_SEPARATORS = re.compile(r"[\s_\-\u2010-\u2015]+", re.UNICODE)


@functools.lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """What makes two category or tag names the same name: 'Mental health',
    'mental-health' and 'Mental  Health' (or 'Santé' typed with a combining
    accent) are one; 'Rh+' and 'Rh-' are not, although both slugify to 'rh'.
    Remembered (a pure function): gathering asks once per article and tag, about
    70,000 times for the same few hundred names on a site of 10,000 articles."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return _NAME_SEPARATORS.sub("-", text).strip("-")


def address_path(address: str, base_url: str = "") -> str | None:
    """An address as an author writes it ('/old/page.html', 'old/', '/2019/04/x/',
    or a full URL starting with the site's base_url) -> the site path the page had
    ('old/page.html', 'old/index.html'), or None when it is not a place inside the
    site. Paths are from the site's root; a folder address means its index.html,
    as every static host serves it."""
    value = address.strip()
    if re.match(r"https?://", value):
        if not base_url or not value.startswith(base_url):
            return None
        value = value[len(base_url):]
    value = value.split("#")[0].split("?")[0]
    value = unquote(value).lstrip("/")
    if not value or value.endswith("/"):
        value += "index.html"
    return value if is_inside(value) else None


def atoz_path(prefix: str = "") -> str:
    """The A to Z page; `prefix` is a language's folder ('es/') on a site with several."""
    return f"{prefix}a-z.html"


def topics_path(prefix: str = "") -> str:
    """The "All topics" page (every category, by letter)."""
    return f"{prefix}topics.html"


def glossary_path(prefix: str = "") -> str:
    return f"{prefix}glossary.html"


def accessibility_path(prefix: str = "") -> str:
    return f"{prefix}accessibility.html"


def not_found_path(prefix: str = "") -> str:
    """The page a host serves for a missing address (under a language's folder too)."""
    return f"{prefix}404.html"


@dataclass(frozen=True)
class SitePaths:
    """The site's own pages in one language, as templates link them (`site_paths.atoz`)."""

    home: str
    atoz: str
    topics: str
    glossary: str
    accessibility: str
    search: str
    tags_index: str

    @classmethod
    def of(cls, prefix: str = "") -> "SitePaths":
        return cls(home_path(prefix), atoz_path(prefix), topics_path(prefix), glossary_path(prefix),
                   accessibility_path(prefix), search_path(prefix), tags_index_path(prefix))
