"""The site model: read every article, validate it, and gather the site.

`load_site` reads and checks everything before anything is rendered; it
returns the Site and every diagnostic found, so a build can report all
problems at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import marshal
import operator
import os
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import unquote, urlsplit

import yaml

from . import frontmatter as fm
from .. import paths
from . import schema
from .config import Config, language_tag
from ..errors import Diagnostic, ProcessingError, did_you_mean, error, warning
from .markup import (
    THEME_ID_PREFIX,
    Heading,
    Headings,
    MarkdownConverter,
    callout_titles,
    first_paragraph,
    inert_template_syntax,
    reading_minutes,
    scan_source,
    shorten,
)
from ..rendering.addresses import alias_problems
from ..rendering.atoz import condition_problems
from ..rendering.navigation import check_nav
from .people import Person
from ..rendering.images import RASTER_SUFFIXES, NotAnImage, probe, rewrite_images
from .snippets import SNIPPETS_FOLDER, Snippets, expand, includes, load_snippets
# Finding the files is scan.py's (a build with nothing changed needs only that); its
# names are kept here too for the modules that import them from content.
from .scan import MARKDOWN_SUFFIXES, display_path, is_link, scan_articles  # noqa: F401
from ..caching.bodies import BodyStore, MemoryBodies

# With safe_html, files next to articles that a browser cannot run as code.
SAFE_FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".bmp", ".ico", ".pdf", ".txt", ".csv",
                      ".mp3", ".m4a", ".ogg", ".oga", ".wav", ".mp4", ".m4v", ".webm", ".ogv", ".vtt")
DESCRIPTION_LIMIT = 160
VARIANTS = ("easy-read",)


@dataclass(frozen=True)
class Source:
    """One entry of an article's `sources:` list."""

    title: str
    url: str
    publisher: str
    year: int
    doi: str = ""
    pmid: str = ""


HISTORY_CHANGES = ("created", "updated", "reviewed")


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of an article's `history:` list (`by` is a person id in authors.yaml)."""

    date: dt.date
    change: str  # one of HISTORY_CHANGES
    by: str
    note: str = ""


@dataclass(frozen=True)
class Article:
    source: str  # as shown in messages, e.g. articles/health/knee-pain.md
    title: str
    category: str
    category_slug: str
    slug: str
    date: dt.date
    updated: dt.date | None
    views: int
    summary: str
    description: str  # the summary, or the first paragraph shortened
    tags: tuple[str, ...]
    author: str
    draft: bool
    headings: tuple[Heading, ...]
    path: str  # output path inside the site
    # Trust: medical review and sources (person ids refer to authors.yaml).
    reviewed_by: str = ""
    reviewed: dt.date | None = None
    next_review: dt.date | None = None
    sources: tuple[Source, ...] = ()
    reading_minutes: int = 1
    # Front-matter fields HealthHub does not know, kept as written for templates
    # (`article.extra.weight`): texts, lists and mappings of texts.
    extra: dict = field(default_factory=dict)
    # Old addresses of this page (site paths), each given a redirect page (see addresses.py).
    aliases: tuple[str, ...] = ()
    # The day the article is taken down (it is published before that day only).
    expires: dt.date | None = None
    # The article's picture for cards, Open Graph and structured data: its output path,
    # and its alt text (`image_alt:`, else the alt text of the same image in the body;
    # None: not given anywhere, '' : decorative, given as `image_alt: ""`).
    image: str = ""
    image_alt: str | None = None
    # Other names the A to Z lists the article under ("piles" for haemorrhoids).
    also_known_as: tuple[str, ...] = ()
    # The page history, oldest first as written; `questions`: the "Common questions"
    # section's (question, answer text) pairs, for FAQPage structured data.
    history: tuple[HistoryEntry, ...] = ()
    questions: tuple[tuple[str, str], ...] = ()
    # Languages: the article's language ('' on a site without `languages:`, where the
    # site's language applies), what links its translations, and `easy-read` or ''.
    language: str = ""
    translation_key: str = ""
    variant: str = ""
    # The condition this article is the main page of (`condition: Haemorrhoids`): with
    # `atoz: conditions` the A to Z lists conditions, each once, under this name.
    condition: str = ""
    # Where things are in the source file, for messages and `check` (not part of the page).
    body_first_line: int = field(default=1, compare=False)
    positions: dict = field(default_factory=dict, compare=False, repr=False)
    # A digest of every field above: a page showing this article is the same while it is.
    digest: bytes = field(default=b"", compare=False, repr=False)

    @property
    def modified(self) -> dt.date:
        return self.updated or self.date

    @property
    def last_changed(self) -> dt.date:
        """The newest date the page history or `updated` gives (JSON-LD dateModified)."""
        return max([self.modified, *(entry.date for entry in self.history)])

    @property
    def last_reviewed(self) -> dt.date | None:
        """The newest medical review: `reviewed`, or a later 'reviewed' history entry."""
        dates = [entry.date for entry in self.history if entry.change == "reviewed"]
        if self.reviewed is not None:
            dates.append(self.reviewed)
        return max(dates) if dates else None


@dataclass(frozen=True)
class Body:
    """An article's body, which is not held in the site model (10,000 bodies are most
    of a build's memory): its key in the BodyStore, and what the rest of the site
    needs from it: its element ids (for links to #anchors) and its inline links to
    #anchors and other articles' .md files (href, line, col)."""

    key: bytes
    ids: tuple[str, ...] = ()
    links: tuple[tuple[str, int, int], ...] = ()
    where: str = ""  # where the store keeps it (its answer to put)
    images: tuple[tuple[str, int, int], ...] = ()  # (src, line, col) of its local images


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str
    articles: tuple[Article, ...]

    @property
    def path(self) -> str:
        return paths.tag_path(self.slug)


@dataclass(frozen=True)
class Category:
    name: str
    slug: str
    articles: tuple[Article, ...]  # newest first

    @property
    def path(self) -> str:
        return paths.category_path(self.slug)


@dataclass(frozen=True)
class Site:
    config: Config
    articles: tuple[Article, ...]  # newest first
    categories: tuple[Category, ...]
    tags: tuple[Tag, ...]
    drafts_shown: bool = False
    by_path: dict[str, Article] = field(default_factory=dict, compare=False)
    people: dict[str, Person] = field(default_factory=dict, compare=False)
    # Images and other files kept next to articles: output path -> bytes.
    files: dict[str, bytes] = field(default_factory=dict, compare=False)
    bodies: "BodyStore | None" = field(default=None, compare=False, repr=False)
    body_of: dict[str, Body] = field(default_factory=dict, compare=False, repr=False)  # by article source
    # Per article source: (href, page URL) for its links to other articles' .md files.
    link_map: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, compare=False, repr=False)
    scheduled: frozenset[str] = frozenset()  # paths of articles shown before their date (--future)
    # Images articles show (output path -> size), read by load_site; the build makes
    # their smaller copies and sets `pictures` (output path -> images.Picture).
    image_sizes: dict = field(default_factory=dict, compare=False, repr=False)
    pictures: dict = field(default_factory=dict, compare=False, repr=False)
    # Per article path: its translations and its other variants (see link_translations).
    translations: dict[str, tuple[Article, ...]] = field(default_factory=dict, compare=False, repr=False)
    variants: dict[str, tuple[Article, ...]] = field(default_factory=dict, compare=False, repr=False)

    def body_key(self, article: Article) -> tuple:
        """What the article's HTML body depends on: its stored body, where its links lead
        and the pictures it shows."""
        return self.body_of[article.source].key, self.link_map.get(article.source, ()) + self._pictures_of(article)

    def _pictures_of(self, article: Article) -> tuple:
        """(src as written, Picture) of the article's images that have one."""
        body = self.body_of[article.source]
        if not body.images or not self.pictures:
            return ()
        folder = posixpath.dirname(article.path)
        found = {}
        for src, _line, _col in body.images:
            picture = self.pictures.get(posixpath.normpath(posixpath.join(folder, unquote(src))))
            if picture is not None:
                found[src] = picture
        return tuple(sorted(found.items()))

    def body_html(self, article: Article) -> str:
        """The article's HTML body, with links to other articles' .md files pointing at their pages."""
        if self.bodies is None:
            raise LookupError("this site model was loaded without its bodies")
        html = self.bodies.get(self.body_of[article.source].where)
        for href, url in self.link_map.get(article.source, ()):
            html = html.replace(f'href="{_escape_attr(href)}"', f'href="{_escape_attr(url)}"')
        if "<pre>" in html:  # a code block that scrolls sideways must be reachable by keyboard
            html = html.replace("<pre>", '<pre tabindex="0">')
        return rewrite_images(html, dict(self._pictures_of(article)))

    def person(self, person_id: str) -> Person | None:
        return self.people.get(person_id)

    def work_of(self, person_id: str) -> tuple[tuple[Article, ...], tuple[Article, ...]]:
        """(articles written, articles reviewed) by a person, newest first."""
        return (tuple(a for a in self.articles if a.author == person_id),
                tuple(a for a in self.articles if a.reviewed_by == person_id))


# --- reading one article ------------------------------------------------------

def _count(node, key: str, example: str) -> int:
    return fm.to_int(node, key, minimum=0)


def _variant(node, key: str, example: str) -> str:
    value = fm.to_text(node, key, example)
    if value not in VARIANTS:
        raise fm.FieldError(f"'variant' is '{value}', the only variant is easy-read (variant: easy-read); "
                            "leave it out for the standard version")
    return value


def _slug(node, key: str, example: str) -> str:
    value = fm.to_text(node, key, example)
    if not paths.is_safe_slug(value):
        suggestion = paths.shorten_slug(paths.slugify(value, limit=None), 80) or "my-article"
        raise fm.FieldError(f"'slug' is '{shown(value)}': {paths.slug_problem(value)}, use e.g. slug: {suggestion}")
    return value


def _year(node, key: str, example: str) -> int:
    value = fm.to_int(node, key)
    if not 1800 <= value <= 2200:
        raise fm.FieldError(f"'year' is {value}, write the year the source was published, e.g. year: 2023")
    return value


def _matching(pattern: str, message: str):
    """A text field whose value must match pattern (message: with {value})."""
    def read(node, key: str, example: str) -> str:
        value = fm.to_text(node, key)
        if not re.fullmatch(pattern, value):
            raise fm.FieldError(message.format(value=value))
        return value
    return read


def _pmid(node, key: str, example: str) -> str:
    value = fm.to_text(node, key)
    if not value.isdigit():
        raise fm.FieldError(f"'pmid' is '{value}', a PubMed id is digits only, e.g. pmid: 12345678")
    return value


def _change(node, key: str, example: str) -> str:
    value = fm.to_text(node, key)
    if value not in HISTORY_CHANGES:
        raise fm.FieldError(f"'change' is '{value}'{did_you_mean(value, HISTORY_CHANGES)}, "
                            f"use one of: {', '.join(HISTORY_CHANGES)}")
    return value


_SOURCE_EXAMPLE = '- {title: "High blood pressure", url: "https://www.nhs.uk/conditions/high-blood-pressure/", publisher: NHS, year: 2023}'
SOURCES = schema.Records(
    fields={
        "title": schema.Field(schema.text, required=True),
        "url": schema.Field(_matching(r"https?://[^\s/?#]+\S*",
                                      "'url' is '{value}', write the full address, e.g. https://www.nhs.uk/"),
                            required=True),
        "publisher": schema.Field(schema.text, required=True),
        "year": schema.Field(_year, required=True),
        "doi": schema.Field(_matching(r"10\.\d{4,9}/\S+",
                                      "'doi' is '{value}', write it as 10.NNNN/suffix, without https://doi.org/")),
        "pmid": schema.Field(_pmid),
    },
    item="source", per="source", needs="title, url, publisher and year", every="every source needs",
    example=_SOURCE_EXAMPLE, make=Source)

_HISTORY_EXAMPLE = "- {date: 2025-03-30, change: created, by: amara-okafor, note: First published}"
HISTORY = schema.Records(
    fields={"date": schema.Field(schema.date, required=True), "change": schema.Field(_change, required=True),
            "by": schema.Field(schema.text, required=True), "note": schema.Field(schema.text)},
    item="history entry", per="change", needs="date, change and by", every="every entry needs",
    example=_HISTORY_EXAMPLE, make=HistoryEntry)

Field = schema.Field
FIELDS: dict[str, Field] = {
    "title": Field(schema.text, True, '"Knee pain after running"'),
    "category": Field(schema.text, True, "Health"),
    "date": Field(schema.date, True, "2025-03-30"),
    "views": Field(_count, example="1234"),
    "summary": Field(schema.text, example='"One or two sentences about the article."'),
    "tags": Field(schema.text_list, example="[running, back pain]"),
    "author": Field(schema.text, example="amara-okafor"),
    "slug": Field(_slug, example="knee-pain"),
    "updated": Field(schema.date, example="2025-04-02"),
    "draft": Field(schema.boolean, example="true"),
    "reviewed_by": Field(schema.text, example="amara-okafor"),
    "reviewed": Field(schema.date, example="2026-03-01"),
    "next_review": Field(schema.date, example="2028-03-01"),
    # Made site paths by parse_article, which knows the base_url.
    "aliases": Field(schema.text_list, example="[/old/page.html, /2019/04/old-slug/]"),
    "expires": Field(schema.date, example="2027-01-31"),
    "image": Field(schema.text, example="photos/knee.jpg"),
    "image_alt": Field(schema.text, example='"A runner stretching a calf against a wall"'),
    "language": Field(language_tag, example="es"),
    "translation_key": Field(schema.text, example="back-pain-running"),
    "variant": Field(_variant, example="easy-read"),
    "sources": Field(records=SOURCES, example='[{title: "High blood pressure", url: "https://www.nhs.uk/", publisher: NHS, year: 2023}]'),
    "also_known_as": Field(schema.text_list, example="[piles]"),
    "condition": Field(schema.text, example="Haemorrhoids"),
    "history": Field(records=HISTORY, example="[{date: 2025-03-30, change: created, by: amara-okafor}]"),
}


def decode(data: bytes, display: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 (a BOM is allowed), CRLF and CR turned into LF."""
    try:
        return fm.utf8_text(data), []
    except fm.FrontMatterError as exc:
        return None, [error(display, exc.line, exc.col, exc.message, exc.code)]


EXTRA = object()  # read_front_matter's key for the unknown fields (no field name can be it)


def read_front_matter(text: str, display: str) -> tuple[dict[str, object], dict[str, fm.Position], str, list[Diagnostic]]:
    """Validated front-matter values, their positions, the Markdown body and diagnostics."""
    diags: list[Diagnostic] = []
    duplicates: list = []
    try:
        yaml_text, body, _ = fm.split(text)
        entries = fm.read_mapping(yaml_text, first_line=2, duplicates=duplicates, strict_keys=FIELDS)
    except fm.FrontMatterError as exc:
        return {}, {}, "", [error(display, exc.line, exc.col, exc.message, exc.code)]
    for key, pos, first in duplicates:
        diags.append(warning(display, pos.line, pos.col,
                             f"'{key}' is given twice (first on line {first.line}), the last one is kept",
                             "duplicate-field"))
    extra: dict[str, object] = {}

    def unknown(key: str, key_pos: fm.Position, node) -> list[Diagnostic]:
        try:
            extra[key] = fm.construct(node, key)
        except fm.FieldError:
            pass  # a value no template could use (a YAML tag): left out, the warning says why
        return [warning(display, key_pos.line, key_pos.col,
                        f"unknown front-matter field '{key}'{did_you_mean(key, tuple(FIELDS))}, "
                        "kept for templates as article.extra", "unknown-field")]

    def is_empty_summary(item) -> bool:
        key, _, node, _ = item
        if not isinstance(node, yaml.ScalarNode):
            return False
        if key == "summary":  # empty: the first paragraph is used, as with no summary
            return node.tag == fm.NULL or not str(node.value).strip()
        # image_alt: "" : the image only decorates
        return key == "image_alt" and node.tag != fm.NULL and not str(node.value).strip()
    items = schema.entries_of(entries)
    found = schema.read_fields([item for item in items if not is_empty_summary(item)], FIELDS, display,
                               lambda node: fm.Position(node.start_mark.line + 2, node.start_mark.column + 1), unknown)
    values, positions = found.values, found.positions
    diags.extend(found.diagnostics)
    for key, _, _, pos in filter(is_empty_summary, items):
        values[key], positions[key] = "", pos
    for key, rule in FIELDS.items():
        if rule.required and key not in values and key not in positions:
            diags.append(error(
                display, 1, 1,
                f"the front matter has no '{key}', add a line like {key}: {rule.example}",
            ))
    values[EXTRA] = extra
    return values, positions, body, diags


def shown(value: str, limit: int = 60) -> str:
    """A long value as a message shows it: its start, and how long it is."""
    return value if len(value) <= limit else f"{value[:limit]}… ({len(value)} characters)"


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    for day in range(date.day, 27, -1):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return dt.date(year, month, min(date.day, 28))


def _person_problem(display: str, positions, key: str, person_id: str, people: dict[str, Person]) -> Diagnostic | None:
    if person_id in people:
        return None
    pos = positions.get(key, fm.Position(1, 1))
    hint = did_you_mean(person_id, tuple(people)) or did_you_mean(
        person_id.lower(), tuple(p.name.lower() for p in people.values()))
    if hint and person_id.lower() in {p.name.lower() for p in people.values()}:
        found = next(p.id for p in people.values() if p.name.lower() == person_id.lower())
        hint = f" (write the person's id: {key}: {found})"
    role = "reviewer" if key == "reviewed_by" else "author"
    if role == "author" and not people:
        return None  # no profiles at all: one warning for the whole site (authors_without_profiles)
    if role == "author" and not hint:
        # A name without a profile is shown as written (sites bring hundreds of them).
        return warning(display, pos.line, pos.col,
                       f"author '{person_id}' has no profile in authors.yaml, the name is shown as written; "
                       "to give authors a profile page, add them to authors.yaml (id: then name:, credentials:, bio:)",
                       "author-profile")
    known = ", ".join(sorted(people)) or "nobody yet"
    return error(display, pos.line, pos.col,
                 f"unknown {role} '{person_id}'{hint}, use a person id from authors.yaml (known: {known}) "
                 "or add the person there", "unknown-person")


# The article, its diagnostics, its Body and its HTML body (kept by the caller under the Body's key).
Parsed = tuple["Article | None", list[Diagnostic], "Body | None", str]


def parse_article(text: str, display: str, file_stem: str, config: Config,
                  converter: MarkdownConverter,
                  people: dict[str, Person] | None = None, body_key: bytes = b"",
                  snippets: Snippets | None = None) -> Parsed:
    """See Parsed: the caller stores the returned HTML under `body_key`. `[[snippet: x]]`
    lines are replaced by the snippets' text before the Markdown is converted."""
    values, positions, body, diags = read_front_matter(text, display)
    if any(d.is_error for d in diags):
        return None, diags, links_only(text, body), ""
    extra = values.pop(EXTRA, {})
    people = people or {}
    for key in ("author", "reviewed_by"):
        if key in values:
            problem = _person_problem(display, positions, key, str(values[key]), people)
            if problem:
                diags.append(problem)
    for index, change in enumerate(values.get("history", ())):
        if change.by not in people:
            pos = positions[f"history.{index}.by"]
            diags.append(error(display, pos.line, pos.col,
                               f"unknown person '{change.by}' in history entry {index + 1}"
                               f"{did_you_mean(change.by, tuple(people))}, use a person id from authors.yaml "
                               f"(known: {', '.join(sorted(people)) or 'nobody yet'}) or add the person there"))
    reviewed, reviewed_by = values.get("reviewed"), values.get("reviewed_by")
    if (reviewed is None) != (reviewed_by is None):
        key = "reviewed" if reviewed is not None else "reviewed_by"
        missing = "reviewed_by: amara-okafor" if reviewed is not None else "reviewed: 2026-03-01"
        pos = positions[key]
        diags.append(error(display, pos.line, pos.col,
                           f"'{key}' needs its partner, add a line like  {missing}"))
    next_review = values.get("next_review")
    if next_review is not None and reviewed is None:
        pos = positions["next_review"]
        diags.append(error(display, pos.line, pos.col,
                           "'next_review' needs 'reviewed' and 'reviewed_by', add them or remove 'next_review'"))
    elif next_review is not None and next_review <= reviewed:
        pos = positions["next_review"]
        diags.append(error(display, pos.line, pos.col,
                           f"'next_review' ({next_review}) is not after 'reviewed' ({reviewed}), use a later date"))
    elif next_review is None and reviewed is not None:
        next_review = add_months(reviewed, config.review_interval_months)
    slug = str(values.get("slug") or paths.slugify(file_stem))
    if not slug:
        diags.append(error(display, 1, 1, "the file name gives an empty slug, add a line like  slug: my-article"))
    elif not paths.fits_file_name(slug):  # only a slug made from the file name gets here
        diags.append(error(display, 1, 1,
                           f"the file name gives a slug of {len(slug.encode())} bytes, too long for the page's file "
                           f"name ({paths.MAX_SLUG_BYTES} bytes at most), shorten the file name or add a line like  "
                           f"slug: {paths.shorten_slug(slug, 80)}"))
        slug = ""
    category = str(values["category"])
    category_slug = paths.category_slug(category)
    if category_slug and not paths.fits_file_name(category_slug):
        pos = positions["category"]
        diags.append(error(display, pos.line, pos.col,
                           f"category '{shown(category)}' is too long for a folder name "
                           f"({len(category_slug.encode())} bytes, {paths.MAX_SLUG_BYTES} at most), shorten it"))
    elif not category_slug:
        pos = positions["category"]
        diags.append(error(display, pos.line, pos.col,
                           f"category '{category}' has no letters or digits, use a name like Health"))
    elif slug and paths.article_path(category_slug, slug) == paths.category_path(category_slug):
        where = f"this article would be published at {paths.category_path(category_slug)}, the category page's address"
        if "slug" in positions:
            pos = positions["slug"]
            diags.append(error(display, pos.line, pos.col, f"{where}, use another slug, e.g. slug: about-{category_slug}"))
        else:
            diags.append(error(display, 1, 1, f"{where}, add a line like  slug: about-{category_slug}"))
    tags = []
    for tag in values.get("tags", ()):
        tag_slug = paths.slugify(tag)
        if not tag_slug:
            pos = positions["tags"]
            diags.append(error(display, pos.line, pos.col, f"tag '{tag}' has no letters or digits, remove it or use a word"))
        elif not paths.fits_file_name(tag_slug):
            pos = positions["tags"]
            diags.append(error(display, pos.line, pos.col,
                               f"tag '{shown(tag)}' is too long for a folder name ({len(tag_slug.encode())} bytes, "
                               f"{paths.MAX_SLUG_BYTES} at most), shorten it"))
        elif tag not in tags:
            tags.append(tag)
    date = values["date"]
    updated = values.get("updated")
    if updated is not None and updated < date:
        pos = positions["updated"]
        diags.append(error(display, pos.line, pos.col,
                           f"'updated' ({updated}) is before 'date' ({date}), use a date on or after {date}"))
    aliases = []
    for written in values.get("aliases", ()):
        address = paths.address_path(written, config.base_url)
        if address is None:
            pos = positions["aliases"]
            diags.append(error(display, pos.line, pos.col,
                               f"'{written}' in 'aliases' is not an address on this site, write it from the site's "
                               "root, like /old/page.html or /2019/04/old-slug/"))
        elif address not in aliases:
            aliases.append(address)
    image = ""
    if "image" in values and slug and category_slug:
        written = str(values["image"])
        target = posixpath.normpath(posixpath.join(category_slug, unquote(written)))
        if urlsplit(written).scheme or written.startswith("/") or not paths.is_inside(target):
            pos = positions["image"]
            diags.append(error(display, pos.line, pos.col,
                               f"'image' is '{written}', name an image file next to the article, "
                               "relative to its file, e.g. image: photos/knee.jpg"))
        else:
            image = target
    image_alt = values.get("image_alt")
    if image_alt is not None and "image" not in values:
        pos = positions["image_alt"]
        diags.append(warning(display, pos.line, pos.col,
                             "'image_alt' is given but there is no 'image', add  image: photos/knee.jpg  "
                             "(or remove 'image_alt')"))
    elif image and image_alt is None:
        image_alt = alt_in_body(body, image, category_slug)
    expires = values.get("expires")
    if expires is not None and expires <= date:
        pos = positions["expires"]
        diags.append(error(display, pos.line, pos.col,
                           f"'expires' ({expires}) is not after 'date' ({date}), use a later date or remove 'expires'"))
    if any(d.is_error for d in diags):
        return None, diags, links_only(text, body), ""
    body_first_line = fm.split(text)[2]
    body, leftovers = inert_template_syntax(body)
    for line, col, snippet in leftovers:
        kind = "a Liquid tag" if snippet.startswith("{%") else "a Hugo shortcode"
        diags.append(warning(display, body_first_line + line - 1, col,
                             f"{kind} is left in the text and is shown as written: '{snippet[:80]}', "
                             "replace it with Markdown (or remove it)", "template-tag"))
    markdown_text = body
    if snippets is not None and "[[snippet:" in body:
        markdown_text, problems = expand(body, body_first_line, display, snippets)
        if problems:
            return None, diags + problems, None, ""
    try:
        # an article of another language (its category in that language's folder) links that language's glossary
        converter.glossary_href = paths.relative_url(paths.article_path(category_slug, slug),
                                                     paths.glossary_path(category_slug.rpartition("/")[0] + "/"
                                                                         if "/" in category_slug else ""))
        rendered = converter.convert(markdown_text)
    except RecursionError:
        return None, diags + [error(
            display, 1, 1,
            "the Markdown is nested too deeply (lists or quotes inside each other hundreds of levels), "
            "flatten the nesting to a few levels",
        )], None, ""
    ids = element_ids(rendered.html)
    theme_ids = sorted(i for i in ids if i.startswith(THEME_ID_PREFIX))
    if theme_ids:
        return None, diags + [theme_id_problem(display, body, body_first_line, i) for i in theme_ids], None, ""
    summary = str(values.get("summary", ""))
    article = Article(
        source=display,
        title=html.unescape(str(values["title"])),  # `Twitter&#8217;s` is shown as Twitter’s
        category=category,
        category_slug=category_slug,
        slug=slug,
        date=date,
        updated=updated,
        views=int(values.get("views", 0)),
        summary=summary,
        description=shorten(summary or first_paragraph(rendered.html), DESCRIPTION_LIMIT),
        tags=tuple(tags),
        author=str(values.get("author") or config.default_author),
        reviewed_by=str(reviewed_by or ""),
        reviewed=reviewed,
        next_review=next_review,
        sources=tuple(values.get("sources", ())),
        reading_minutes=reading_minutes(rendered.html),
        extra=extra,
        aliases=tuple(aliases),
        expires=values.get("expires"),
        image=image,
        image_alt=None if image_alt is None else str(image_alt),
        also_known_as=tuple(dict.fromkeys(values.get("also_known_as", ()))),
        history=tuple(values.get("history", ())),
        questions=rendered.questions,
        language=str(values.get("language", "")),
        translation_key=str(values.get("translation_key", "")),
        variant=str(values.get("variant", "")),
        condition=str(values.get("condition", "")),
        body_first_line=body_first_line,
        positions=fm.Positions.of(positions),
        draft=bool(values.get("draft", False)),
        headings=Headings.of(rendered.headings),
        path=paths.article_path(category_slug, slug),
    )
    body_info = Body(body_key, tuple(sorted(ids)), body_links(body, body_first_line),
                     images=body_images(body, body_first_line))
    return with_digest(article), diags, body_info, rendered.html


def links_only(text: str, body: str) -> Body | None:
    """For an article that has errors: its links to other articles, so they are
    checked too and one build lists every problem (None when there are none)."""
    if not body or "](" not in body:
        return None
    try:
        first_line = fm.split(text)[2]
    except fm.FrontMatterError:
        return None
    links = tuple(link for link in body_links(body, first_line) if is_markdown_link(link[0]))
    return Body(b"", (), links) if links else None
def alt_in_body(body: str, image: str, folder: str) -> str | None:
    """The alt text the body gives the front matter's `image` (site path), if it shows it."""
    if "![" not in body:
        return None
    for item in scan_source(body):
        if (item.kind == "image" and item.text.strip() and not urlsplit(item.target).scheme
                and posixpath.normpath(posixpath.join(folder, unquote(item.target))) == image):
            return item.text.strip()
    return None


def body_images(body: str, first_line: int) -> tuple[tuple[str, int, int], ...]:
    """(src, line, col) of the body's images that are files of the site (not http: URLs)."""
    if "![" not in body:
        return ()
    return tuple((item.target, item.line + first_line - 1, item.col) for item in scan_source(body)
                 if item.kind == "image" and item.target and not urlsplit(item.target).scheme
                 and not item.target.startswith(("/", "//")))


def theme_id_problem(display: str, body: str, first_line: int, element_id: str) -> Diagnostic:
    """An id the author wrote out ({#hh-x} or id="hh-x") in the theme's own namespace."""
    line, col = 0, 1
    for number, text in enumerate(body.split("\n")):
        found = text.find(element_id)
        if found >= 0:
            line, col = number, found + 1
            break
    return error(display, first_line + line, col,
                 f"the id '{element_id}' starts with '{THEME_ID_PREFIX}', which the theme keeps for its own "
                 "elements (such as hh-main), choose another id")


def body_links(body: str, first_line: int) -> tuple[tuple[str, int, int], ...]:
    """(href, line, col) of the body's inline links to #anchors and to other .md files."""
    if "](" not in body:  # no inline link at all (scanning 10,000 bodies adds up)
        return ()
    return tuple((item.target, item.line + first_line - 1, item.col) for item in scan_source(body)
                 if (item.kind == "link" and (item.target.startswith("#") or is_markdown_link(item.target)))
                 or (item.kind in ("link", "image") and is_root_relative(item.target)))


def is_root_relative(href: str) -> bool:
    """A link such as /pix/x.webp: it only works at a domain root, if something is there."""
    return href.startswith("/") and not href.startswith("//")


# --- articles as records with named fields (the cache) ---------------------------------

_ARTICLE_FIELDS = tuple(f.name for f in dataclasses.fields(Article))
_ARTICLE_FIELD_SET = frozenset(_ARTICLE_FIELDS)


def _date_codec(optional: bool) -> tuple[Callable, Callable]:
    if optional:
        return (lambda d: d.toordinal() if d is not None else None,
                lambda n: dt.date.fromordinal(n) if n is not None else None)
    return dt.date.toordinal, dt.date.fromordinal


# The fields that are not plain data already: how each is written into a record and read back.
_FIELD_CODECS: dict[str, tuple[Callable, Callable]] = {
    "date": _date_codec(False),
    "updated": _date_codec(True),
    "reviewed": _date_codec(True),
    "next_review": _date_codec(True),
    "expires": _date_codec(True),
    "headings": (lambda hs: tuple([tuple(h) for h in hs]), Headings),
    "sources": (lambda xs: tuple([dataclasses.asdict(x) for x in xs]), lambda xs: tuple([Source(**x) for x in xs])),
    "history": (lambda hs: tuple([{**h.__dict__, "date": h.date.toordinal()} for h in hs]),
                lambda hs: tuple([HistoryEntry(**{**h, "date": dt.date.fromordinal(h["date"])}) for h in hs])),
    "positions": (lambda ps: {k: tuple(p) for k, p in ps.items()}, fm.Positions),
}
_CODED = tuple(_FIELD_CODECS.items())
_OPTIONAL_DATES = ("updated", "reviewed", "next_review", "expires")
_DATE_FIELDS = ("date",) + _OPTIONAL_DATES


def article_record(article: Article) -> dict:
    """The article as plain data (marshal-able) with its field names, read back by article_from_record."""
    record = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
    for name, (write, _) in _CODED:
        record[name] = write(record[name])
    return record


def article_from_record(record: dict, shared: dict | None = None) -> Article:
    """The article a record holds; the record becomes its fields (it is not copied:
    10,000 of them are read on every build). Raises ValueError for a record of
    another shape (an Article with other fields). `shared`, when given, is shared by
    the records read in one go (see _article_of)."""
    if record.keys() != _ARTICLE_FIELD_SET:
        raise ValueError("an article record of another shape")
    return _article_of(record, {} if shared is None else shared)


def _article_of(record: dict, shared: dict) -> Article:
    # The reverse of _FIELD_CODECS written out: this runs for every article on every build.
    # `shared` holds one of each value many articles hold the same of (immutable): dates
    # by ordinal, (line, col) pairs and tag lists by themselves. Fewer objects are kept:
    # reading 10,000 articles took 320 young collections instead of 423, 3 full ones
    # instead of 4 (CPython's default thresholds, as a program calling build() may keep).
    for name in _DATE_FIELDS:
        ordinal = record[name]
        if ordinal is not None:
            date = shared.get(ordinal)
            if date is None:
                date = shared[ordinal] = dt.date.fromordinal(ordinal)
            record[name] = date
    record["tags"] = shared.setdefault(record["tags"], record["tags"])
    record["headings"] = Headings(record["headings"])
    if record["sources"]:
        record["sources"] = tuple([Source(**x) for x in record["sources"]])
    if record["history"]:
        record["history"] = _FIELD_CODECS["history"][1](record["history"])
    positions = record["positions"]
    record["positions"] = fm.Positions(zip(positions, map(shared.setdefault, positions.values(), positions.values())))
    article = object.__new__(Article)  # frozen: filled without running __init__ again
    object.__setattr__(article, "__dict__", record)
    return article


# The cache keeps an article record as a row: its values in the order of these
# columns, the Article's field names (a row is read back by name, zipped with
# them). Measured on 1,000 articles: marshal reads rows in 40 ms, the same
# records as dicts (31 keys each) in 68 ms.
ARTICLE_COLUMNS = _ARTICLE_FIELDS


def article_row(article: Article) -> tuple:
    return tuple(article_record(article).values())


def article_from_row(row: tuple, shared: dict | None = None) -> Article:
    """See article_from_record; a row of the right length has exactly the Article's fields."""
    if len(row) != len(ARTICLE_COLUMNS):
        raise ValueError("an article row of another shape")
    return _article_of(dict(zip(ARTICLE_COLUMNS, row)), {} if shared is None else shared)


_NOT_DIGESTED = ("body_first_line", "positions", "digest")  # where things are in the file, and the digest itself


def with_digest(article: Article) -> Article:
    """The article with `digest` set: a digest of everything it holds but its positions."""
    record = article_record(article)
    for name in _NOT_DIGESTED:
        del record[name]
    data = marshal.dumps(record, 0)  # version 0: no references, so the same bytes every run
    return dataclasses.replace(article, digest=hashlib.blake2b(data, digest_size=16).digest())


# --- finding and gathering ----------------------------------------------------

# An article read: (the Article or None, its diagnostics, its Body or None). The
# diagnostics are only read (a cached article's are a tuple, often the one empty one).
Read = tuple["Article | None", Sequence[Diagnostic], "Body | None"]
ArticleReader = Callable[[list[str | Path], Config, dict, Snippets], list[Read]]


def make_converter(config: Config) -> MarkdownConverter:
    return MarkdownConverter(callout_titles(config.emergency_number, config.emergency_advice),
                             safe_html=config.safe_html, glossary=config.glossary)



def read_article(source: Path, display: str, config: Config, converter: MarkdownConverter,
                 people: dict[str, Person], bodies: BodyStore, data: bytes | None = None,
                 key: bytes | None = None, snippets: Snippets | None = None) -> Read:
    """One article file (its bytes may be given) parsed, with its diagnostics; its
    HTML body goes into `bodies` under `key` (by default a digest of path, bytes and
    the snippets the article includes)."""
    if data is None:
        try:
            data = source.read_bytes()
        except OSError as exc:
            return None, [error(display, 1, 1, f"cannot read the file ({exc.strerror})")], None
    text, problems = decode(data, display)
    if text is None:
        return None, problems, None
    stem = source.name.rsplit(".", 1)[0]
    if key is None:
        used = snippets.digest_of(n for n, _, _, _ in includes(text)) if snippets is not None else b""
        key = hashlib.blake2b(display.encode("utf-8", "surrogateescape") + b"\0" + data + used, digest_size=16).digest()
    try:
        article, more, body, html = parse_article(text, display, stem, config, converter, people, key, snippets)
        if article is not None and body is not None:
            body = dataclasses.replace(body, where=bodies.put(key, html))
    except Exception as exc:  # a bug, not an author mistake: say which file
        raise ProcessingError(display, exc) from exc
    return article, problems + more, body


def load_site(config: Config, articles_dir: Path, drafts: bool = False,
              people: dict[str, Person] | None = None, read_articles: ArticleReader | None = None,
              scanned: tuple[list[str | Path], list[Path], list[Diagnostic]] | None = None,
              bodies: BodyStore | None = None, today: dt.date | None = None,
              future: bool = False, snippets: Snippets | None = None) -> tuple[Site, list[Diagnostic]]:
    """`today` (default: the date now) is what review dates may not be after, and the
    day scheduled and expiring articles are judged by.
    `read_articles` may stand in for reading the files one by one (the build passes
    sources.SourceReader, which caches and parallelises, and the store it puts the
    bodies in as `bodies`); `scanned` is scan_articles' answer and `snippets`
    load_snippets' when the caller already has them. Without a store the bodies
    are kept in memory.

    Articles dated after `today` (default: the real today) are left out unless
    `future`; articles whose `expires` day has come are left out."""
    if bodies is None:
        bodies = MemoryBodies()
    diags: list[Diagnostic] = []
    people = people or {}
    articles: list[Article] = []
    parsed: dict[str, Article] = {}
    folders: dict[str, Path] = {}  # article source -> its folder
    if config.default_author and config.default_author not in people:
        diags.append(error(config.source or "healthhub.yaml", *config.at("default_author"),
                           f"'default_author' is '{config.default_author}', which is not a person id in authors.yaml"
                           f"{did_you_mean(config.default_author, tuple(people))}"))
    if not articles_dir.is_dir():
        diags.append(error(display_path(articles_dir), 1, 1,
                           "the articles folder does not exist, create it or pass --articles DIR"))
        return dataclasses.replace(gather_site(config, [], drafts, diags, people), bodies=bodies), diags
    sources, others, problems = scanned or scan_articles(articles_dir)
    diags.extend(problems)
    if snippets is None:  # the caller may have them (and the articles read with them)
        snippets = load_snippets(articles_dir, display_path(articles_dir / SNIPPETS_FOLDER))
    if read_articles is None:
        converter = make_converter(config)
        results = [read_article(Path(source), display_path(Path(source)), config, converter, people, bodies,
                                snippets=snippets) for source in sources]
    else:
        results = read_articles(sources, config, people, snippets)
    # Keyed by the resolved file name as a string; one realpath and one Path per
    # folder, not per file (10,000 articles add up).
    resolved: dict[str, tuple[Path, str]] = {}
    where: dict[str, Path] = {}  # resolved file name -> its (resolved) folder
    body_of: dict[str, Body] = {}
    failed_links: list[tuple[str, Path, Body]] = []  # articles with errors still have their links checked
    codes = {language.code: language for language in config.languages}
    root = os.path.join(os.fspath(articles_dir), "")
    today = today or dt.date.today()
    for source, (article, problems, body) in zip(sources, results):  # names (str) or Paths
        diags.extend(problems)
        name = os.fspath(source)
        if article is not None and codes:
            first = name[len(root):].split(os.sep, 1) if name.startswith(root) else []
            folder_language = first[0] if len(first) == 2 and first[0] in codes else ""
            article = localize(article, folder_language, config, diags)
        if article is not None and article.reviewed is not None and article.reviewed > today:
            # checked here, not when the file is read: that answer is cached, and today changes
            pos = _field_at(article, "reviewed")
            diags.append(error(article.source, pos.line, pos.col,
                               f"'reviewed' is {article.reviewed.isoformat()}, which is after today ({today.isoformat()}), "
                               "write the date the review was done"))
        if article is None and body is not None and body.links:
            failed_links.append((problems[0].path if problems else display_path(Path(name)), Path(name).parent, body))
        if article is not None:
            body_of[article.source] = body
            if is_link(name, sources):
                real = Path(name).resolve()
                parsed[os.fspath(real)] = article
                where[os.fspath(real)] = real.parent
                continue
            parent, base_name = os.path.split(name)
            found = resolved.get(parent)
            if found is None:
                real = Path(parent).resolve()
                found = resolved[parent] = (real, os.fspath(real))
            name = os.path.join(found[1], base_name)
            parsed[name] = article
            where[name] = found[0]
    link_map: dict[str, tuple[tuple[str, str], ...]] = {}
    nfc = {unicodedata.normalize("NFC", name): a for name, a in parsed.items() if not name.isascii()}
    today = today or dt.date.today()
    scheduled: set[str] = set()
    withheld: dict[str, str] = {}  # file -> why it is not published today
    for file, article in parsed.items():
        if article.expires is not None and article.expires <= today:
            withheld[file] = f"taken down (expires: {article.expires})"
        elif article.date > today:
            if future:
                scheduled.add(article.path)
            else:
                withheld[file] = f"scheduled for {article.date}"
    for file, article in parsed.items():
        if file not in withheld and (drafts or not article.draft):
            body = body_of[article.source]
            if body.links:
                try:
                    replacements, problems = check_links(article, body, where[file], parsed, body_of, drafts, nfc,
                                                          withheld)
                except Exception as exc:  # a bug: say which file
                    raise ProcessingError(article.source, exc) from exc
                diags.extend(problems)
                if replacements:
                    link_map[article.source] = replacements
            articles.append(article)
            folders[article.source] = where[file]  # resolved, as gather_files compares
    for display, folder, body in failed_links:
        for href, line, col in body.links:
            target_file = (folder / unquote(urlsplit(href).path)).resolve()
            if os.fspath(target_file) not in parsed and not target_file.is_file():
                diags.append(error(display, line, col,
                                   f"link to '{href}': there is no article at {display_path(target_file)}, "
                                   "check the path (it is relative to this file)", "broken-link"))
    site = dataclasses.replace(gather_site(config, articles, drafts, diags, people), scheduled=frozenset(scheduled))
    diags.extend(check_nav(config, site.categories))
    files = gather_files(site, folders, articles_dir, others, diags)
    site = dataclasses.replace(site, files=files, bodies=bodies, body_of=body_of, link_map=link_map)
    site = dataclasses.replace(site, image_sizes=check_images(site, folders, diags))
    diags.extend(alias_problems(site))
    diags.extend(condition_problems(site.articles))
    diags.extend(root_relative_problems(site, body_of, files))
    diags.extend(authors_without_profiles(site.articles, people))
    return site, diags


def authors_without_profiles(articles, people: dict[str, Person] | None) -> list[Diagnostic]:
    """With no profiles at all (no authors.yaml) the `author:` names are shown as written:
    one warning for all of them, at the first one (a site brought from elsewhere has hundreds)."""
    if people:
        return []
    first: dict[str, Article] = {}
    for article in sorted(articles, key=lambda a: a.source):
        if article.author and "author" in article.positions:
            first.setdefault(article.author, article)
    if not first:
        return []
    names = sorted(first, key=str.casefold)
    shown = ", ".join(f"'{name}'" for name in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    article = min(first.values(), key=lambda a: a.source)
    pos = article.positions["author"]
    count = f"{len(names)} author{'s' * (len(names) != 1)} ({shown}) ha{'ve' if len(names) != 1 else 's'}"
    return [warning(article.source, pos.line, pos.col,
                    f"{count} no profile, as there is no authors.yaml: each name is shown as written; to give "
                    "authors profile pages, create authors.yaml next to healthhub.yaml with an entry per author "
                    "(an id, then name:, credentials:, bio:) and write that id in 'author:'", "author-profile")]


def check_images(site: Site, folders: dict[str, Path], diags: list[Diagnostic]) -> dict:
    """The size of every image articles show (output path -> (bytes, ImageSize)). A
    missing image is an error at its line; a file Pillow cannot read is a warning
    (it is published as it is)."""
    sizes: dict = {}
    problems: dict[str, str] = {}
    for article in site.articles:
        body = site.body_of.get(article.source)
        pos = article.positions.get("image")
        if article.image and article.image not in site.files:
            written = posixpath.relpath(article.image, posixpath.dirname(article.path))
            diags.append(error(article.source, pos.line if pos else 1, pos.col if pos else 1,
                               f"'image' is '{written}': there is no such file next to the article, "
                               "check the name (it is relative to this article's file)"))
        elif article.image and article.image.lower().endswith(RASTER_SUFFIXES):
            # the cards show it: measured, with smaller copies, like the body's images
            if article.image not in sizes and article.image not in problems:
                try:
                    sizes[article.image] = (site.files[article.image], probe(site.files[article.image]))
                except NotAnImage as exc:
                    problems[article.image] = str(exc)
            if article.image in problems:
                written = posixpath.relpath(article.image, posixpath.dirname(article.path))
                diags.append(warning(article.source, pos.line if pos else 1, pos.col if pos else 1,
                                     f"image '{written}' {problems[article.image]}"))
        if body is None or not body.images:
            continue
        for src, line, col in body.images:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(article.path), unquote(urlsplit(src).path)))
            data = site.files.get(target)
            if data is None:
                on_disk = folders[article.source] / unquote(urlsplit(src).path)
                where = display_path(on_disk)
                diags.append(error(article.source, line, col,
                                   f"image '{src}': there is no file {where}, check the name (it is relative "
                                   "to this article's file)" if not on_disk.is_file() else
                                   f"image '{src}': {where} is outside this article's folder and is not "
                                   "published, move it next to the article"))
                continue
            if not target.lower().endswith(RASTER_SUFFIXES):
                continue  # SVG and others are shown as they are
            if target not in sizes and target not in problems:
                try:
                    sizes[target] = (data, probe(data))
                except NotAnImage as exc:
                    problems[target] = str(exc)
            if target in problems:  # published as it is, without sizes or smaller copies
                diags.append(warning(article.source, line, col, f"image '{src}' {problems[target]}"))
    return sizes


def gather_files(site: Site, folders: dict[str, Path], articles_dir: Path, others: list[Path],
                 diags: list[Diagnostic]) -> dict[str, bytes]:
    """Files kept next to articles (images, PDFs) go where those articles' pages go.

    A file in articles/<folder>/ (or a subfolder of it) is copied to the output
    folder of every category used by the articles in <folder>, keeping its path
    below <folder>, so a relative link such as ![](knee.jpg) or img/knee.jpg works
    in the built page. Files in folders without articles are not published.
    With safe_html, only files a browser cannot run as code are published.
    """
    categories: dict[Path, set[str]] = {}
    for article in site.articles:
        categories.setdefault(folders[article.source], set()).add(article.category_slug)
    # Every file the build makes inside a category folder (the feed even without a
    # base_url, which only decides whether it is written: adding one later must not
    # silently replace the author's file).
    taken = set(site.by_path) | {c.path for c in site.categories} | {paths.feed_path(c.slug) for c in site.categories}
    pages_dirs = {f"{c.slug}/page" for c in site.categories}
    files: dict[str, bytes] = {}
    origin: dict[str, str] = {}
    snippets_folder = (articles_dir / SNIPPETS_FOLDER).resolve()
    for path in others:
        here = path.parent.resolve()  # the folder, not a symbolic link's target
        if here == snippets_folder or snippets_folder in here.parents:
            continue
        folder = next((f for f in (here, *here.parents) if f in categories), None)
        if folder is None:
            continue
        display = display_path(path)
        if site.config.safe_html and not path.name.lower().endswith(SAFE_FILE_SUFFIXES):
            diags.append(error(display, 1, 1,
                               "with safe_html: true only images, PDFs, audio, video and text files are "
                               "published next to articles (an HTML, SVG or script file could run code), "
                               "convert it (e.g. SVG to PNG) or remove it"))
            continue
        rel = (here / path.name).relative_to(folder).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            diags.append(error(display, 1, 1, f"cannot read the file ({exc.strerror})"))
            continue
        for category_slug in sorted(categories[folder]):
            target = f"{category_slug}/{rel}"
            if not paths.is_inside(target):
                continue
            if target in taken or any(target.startswith(d + "/") for d in pages_dirs):
                diags.append(error(display, 1, 1,
                                   f"this file would replace the page {target}, rename the file", "same-address"))
            elif target in files and files[target] != data:
                diags.append(error(display, 1, 1,
                                   f"this file and {origin[target]} would both be copied to {target}, "
                                   "rename one of them"))
            else:
                files[target] = data
                origin.setdefault(target, display)
    return files


_ID = re.compile(r"""\sid=["']([^"']+)["']""")


def element_ids(body_html: str) -> set[str]:
    return set(_ID.findall(body_html))


def is_markdown_link(href: str) -> bool:
    """A relative link to another Markdown file (or a #fragment on one)."""
    parts = urlsplit(href)
    return (not parts.scheme and not parts.netloc and not href.startswith("/")
            and unquote(parts.path).lower().endswith(MARKDOWN_SUFFIXES))


def _escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def check_links(article: Article, body: Body, folder: Path, parsed: dict[str, Article],
                body_of: dict[str, Body], drafts: bool,
                nfc: dict[str, Article] | None = None,
                withheld: dict[str, str] | None = None) -> tuple[tuple[tuple[str, str], ...], list[Diagnostic]]:
    """Links to other articles' .md files become links to their pages: (href, URL) for
    each; a link to a missing file or a missing #anchor is an error at its place in the file.
    `nfc`: the articles with non-ASCII file names, by the NFC form of the name."""
    diags: list[Diagnostic] = []
    replacements: dict[str, str] = {}
    for href, line, col in body.links:
        if is_root_relative(href):
            continue  # see root_relative_problems, once the site's files are known
        if href.startswith("#"):
            anchor = unquote(href[1:])
            if anchor and anchor not in body.ids:
                diags.append(error(article.source, line, col,
                                   f"link to '#{anchor}': this article has no heading with that id, "
                                   f"use one of: {', '.join(sorted(h.id for h in article.headings)) or 'none'}", "broken-link"))
            continue
        parts = urlsplit(href)
        target_file = (folder / unquote(parts.path)).resolve()
        target = parsed.get(os.fspath(target_file))
        if target is None and not os.fspath(target_file).isascii():
            # café.md typed in NFC links to a file whose name the disk keeps in NFD (or the reverse)
            target = (nfc or {}).get(unicodedata.normalize("NFC", os.fspath(target_file)))
        if target is None:
            diags.append(error(article.source, line, col,
                               f"link to '{href}': there is no article at {display_path(target_file)}, "
                               "check the path (it is relative to this file)", "broken-link"))
            continue
        if withheld and os.fspath(target_file) in withheld:
            diags.append(error(article.source, line, col,
                               f"link to '{href}': that article is {withheld[os.fspath(target_file)]} and is not "
                               "published today, remove the link or link to another article", "broken-link"))
            continue
        if target.draft and not drafts:
            diags.append(error(article.source, line, col,
                               f"link to '{href}': that article is a draft and is not published, "
                               "publish it or remove the link", "broken-link"))
            continue
        fragment = unquote(parts.fragment)
        if fragment and fragment not in body_of[target.source].ids:
            ids = sorted(h.id for h in target.headings)
            diags.append(error(article.source, line, col,
                               f"link to '{href}': {target.source} has no heading with the id '{fragment}'"
                               f"{did_you_mean(fragment, ids)}, use one of: {', '.join(ids) or 'none'}", "broken-link"))
            continue
        replacements.setdefault(href, paths.relative_url(article.path, target.path + (f"#{fragment}" if fragment else "")))
    return tuple(replacements.items()), diags


def root_relative_problems(site: Site, body_of: dict[str, Body], files: dict[str, bytes]) -> list[Diagnostic]:
    """Root-relative links and images (`/pix/x.webp`, often left by another generator)
    that lead to nothing the build makes: a warning at their place."""
    diags: list[Diagnostic] = []
    known: set[str] | None = None
    for article in site.articles:
        body = body_of.get(article.source)
        for href, line, col in body.links if body else ():
            if not is_root_relative(href):
                continue
            if known is None:
                known = {*site.by_path, *files, "index.html", "search.html", "404.html"}
                known |= {c.path for c in site.categories} | {t.path for t in site.tags}
            path = unquote(urlsplit(href).path).lstrip("/")
            if path in known or posixpath.join(path, "index.html") in known or f"{path}.html" in known:
                continue
            diags.append(warning(article.source, line, col,
                                 f"link to '{href}' leads nowhere: the built site has nothing at /{path}, "
                                 "link to the article's .md file or to a file next to this one instead", "link-nowhere"))
    return diags
def localize(article: Article, folder_language: str, config: Config, diags: list[Diagnostic]) -> Article:
    """On a site with `languages:`: the article's language (its own `language:`, else the
    first folder of its path when that is a language, else the default), and where its
    pages go: the default language at the root, others under /<lang>/, with category
    and topic names as that language's entry in the config translates them."""
    codes = {language.code: language for language in config.languages}
    code = article.language or folder_language or config.language
    if code not in codes:
        pos = article.positions.get("language", fm.Position(1, 1))
        diags.append(error(article.source, pos.line, pos.col,
                           f"'language' is '{code}', which is not one of the site's languages "
                           f"({', '.join(codes)}){did_you_mean(code, tuple(codes))}, "
                           "use one of them or add it to 'languages' in the config"))
        code = config.language
    language = codes[code]
    prefix = paths.language_prefix(code, config.language)
    category = language.category_name(article.category)
    category_slug = paths.category_slug(category) or article.category_slug
    if category_slug in codes:
        pos = article.positions.get("category", fm.Position(1, 1))
        diags.append(error(article.source, pos.line, pos.col,
                           f"category '{category}' would clash with the '{category_slug}/' folder of the "
                           f"language '{category_slug}', choose another name"))
    category_slug = prefix + category_slug
    tags = tuple(dict.fromkeys(language.tag_name(tag) for tag in article.tags))
    return with_digest(dataclasses.replace(article, language=code, category=category, category_slug=category_slug,
                                           tags=tags, path=paths.article_path(category_slug, article.slug)))


def newest_first(articles) -> tuple[Article, ...]:
    return tuple(sorted(articles, key=lambda a: (-a.date.toordinal(), a.title.lower(), a.path)))


_SOURCE = operator.attrgetter("source")


def gather_site(config: Config, articles: list[Article], drafts: bool, diags: list[Diagnostic],
                people: dict[str, Person] | None = None) -> Site:
    """Group articles into categories and tags; report clashing URLs and names."""
    by_path: dict[str, Article] = {}
    in_source_order = sorted(articles, key=_SOURCE)
    for article in in_source_order:
        other = by_path.get(article.path)
        if other is not None:
            where = _field_at(article, "slug")
            theirs = f"{other.source}:{_field_at(other, 'slug').line}" if "slug" in other.positions else other.source
            diags.append(error(
                article.source, where.line, where.col,
                f"this article and {theirs} would both be published at {article.path}, "
                "give one of them a different 'slug:' or file name", "same-address",
            ))
            continue
        by_path[article.path] = article
    kept = newest_first(by_path.values())

    by_source = [article for article in in_source_order if by_path[article.path] is article]  # kept, sorted
    category_names: dict[str, str] = {}
    # Per address, the names given to it and their articles (in source order): grouped by
    # name first, as most addresses have one name (10,000 articles, a few dozen names).
    category_uses: dict[str, dict[str, list[Article]]] = {}
    for article in by_source:
        category_uses.setdefault(article.category_slug, {}).setdefault(article.category, []).append(article)
    for slug, uses in category_uses.items():
        category_names[slug] = _chosen_name(uses, "category", "category", paths.category_path(slug), diags, True)
    warn_lookalikes(category_names.values(), category_uses, "category", "category", diags)
    for slug, name in category_names.items():
        if slug.endswith(paths.OWN_NAME_SUFFIX) and paths.slugify(name) in paths.SITE_OWN_NAMES:
            first = next(iter(category_uses[slug].values()))[0]
            where = _field_at(first, "category")
            diags.append(warning(first.source, where.line, where.col,
                                 f"category '{name}' has the name of the site's own '{paths.slugify(name)}/' pages, "
                                 f"so it is published at {slug}/, choose another name to give it its own address"))
    renamed = {a.path: dataclasses.replace(a, category=category_names[a.category_slug]) for a in kept
               if a.category != category_names[a.category_slug]}
    if renamed:  # every page shows the category under its one name
        renamed = {path: with_digest(a) for path, a in renamed.items()}
        kept = tuple(renamed.get(a.path, a) for a in kept)
        by_path = {path: renamed.get(path, a) for path, a in by_path.items()}
    order = {paths.category_slug(name): index for index, name in enumerate(config.category_order)}
    for language in config.languages:  # translated names take the place of their source name
        for index, name in enumerate(config.category_order):
            order.setdefault(paths.category_slug(language.category_name(name)), index)
    language_rank = {language.code: rank for rank, language in enumerate(config.languages)}
    in_category: dict[str, list[Article]] = {slug: [] for slug in category_names}
    for article in kept:
        in_category[article.category_slug].append(article)
    categories = tuple(
        Category(name, slug, tuple(in_category[slug]))
        for slug, name in sorted(category_names.items(),
                                 key=lambda item: (language_rank.get(item[0].rpartition("/")[0], 0),
                                                   order.get(item[0].rpartition("/")[2], len(order)), item[1].lower()))
    )
    slugs: dict[str, str] = {}
    # A topic belongs to one language: its slug starts with the language's folder ('es/')
    # except in the default language (see paths.tag_path).
    prefixes = {language.code: paths.language_prefix(language.code, config.language) for language in config.languages}
    tag_uses: dict[str, dict[str, list[Article]]] = {}
    # Per (language, tags as written): (slug, name) of each tag, and the slugs once each.
    # Sites repeat the same tag lists. With the uses grouped by name, gather_site took
    # 0.19-0.21 s CPU at 10,000 articles instead of 0.34-0.53 s.
    tag_lists: dict[tuple[str, tuple[str, ...]], tuple[tuple[tuple[str, str], ...], tuple[str, ...]]] = {}
    for article in by_source if not renamed else sorted(kept, key=_SOURCE):
        found = tag_lists.get((article.language, article.tags))
        if found is None:
            prefix = prefixes.get(article.language, "")
            pairs = []
            for tag in article.tags:
                slug = slugs.get(tag)
                if slug is None:
                    slug = slugs[tag] = paths.slugify(tag)
                pairs.append((prefix + slug, tag))
            found = tag_lists[(article.language, article.tags)] = (tuple(pairs),
                                                                   tuple(dict.fromkeys(p[0] for p in pairs)))
        for slug, tag in found[0]:
            tag_uses.setdefault(slug, {}).setdefault(tag, []).append(article)
    tag_names = {slug: _chosen_name(uses, "tag", "tags", paths.tag_path(slug), diags, False)
                 for slug, uses in tag_uses.items()}
    warn_lookalikes(tag_names.values(), tag_uses, "tag", "tags", diags)
    in_tag: dict[str, list[Article]] = {slug: [] for slug in tag_names}
    for article in kept:  # newest first, each article once per tag slug
        for slug in tag_lists[(article.language, article.tags)][1]:
            in_tag[slug].append(article)
    tags = tuple(
        Tag(name, slug, tuple(in_tag[slug]))
        for slug, name in sorted(tag_names.items(), key=lambda item: (language_rank.get(item[0].rpartition("/")[0], 0),
                                                                     item[1].lower()))
    )
    translations, variants = link_translations(config, kept)
    return Site(config, kept, categories, tags, drafts, by_path, dict(people or {}),
                translations=translations, variants=variants)


def translation_key(article: Article) -> str:
    """What links an article to its translations: `translation_key`, else its slug."""
    return article.translation_key or f"slug:{article.slug}"


def link_translations(config: Config, articles) -> tuple[dict[str, tuple[Article, ...]], dict[str, tuple[Article, ...]]]:
    """Per article path: its versions in the other languages (same variant, in the
    config's language order), and its other variants in its own language (the
    easy-read version of a standard one, and back). A key held by two articles of
    one language and variant links nothing there (which one would it be?)."""
    if not config.languages:
        return {}, {}
    rank = {language.code: index for index, language in enumerate(config.languages)}
    groups: dict[str, dict[tuple[str, str], list[Article]]] = {}
    for article in sorted(articles, key=lambda a: a.path):
        groups.setdefault(translation_key(article), {}).setdefault((article.language, article.variant), []).append(article)
    translations: dict[str, tuple[Article, ...]] = {}
    variants: dict[str, tuple[Article, ...]] = {}
    for group in groups.values():
        single = {place: found[0] for place, found in group.items() if len(found) == 1}
        for (language, variant), article in single.items():
            others = sorted((other for (lang, var), other in single.items() if var == variant and lang != language),
                            key=lambda a: rank.get(a.language, len(rank)))
            if others:
                translations[article.path] = tuple(others)
            same = tuple(other for (lang, var), other in sorted(single.items()) if lang == language and var != variant)
            if same:
                variants[article.path] = same
    return translations, variants


def _field_at(article: Article, key: str) -> fm.Position:
    return article.positions.get(key) or fm.Position(1, 1)


def _chosen_name(uses: dict[str, list[Article]], kind: str, key: str, address: str,
                 diags: list[Diagnostic], warn_spellings: bool) -> str:
    """choose_name for the names given to one address, each with its articles in source
    order; one name (the usual case) is that name."""
    if len(uses) == 1:
        return unicodedata.normalize("NFC", next(iter(uses)))
    # In source order again; an article naming it twice keeps the order of its names
    # (the sort is stable and names are in the order they first appear).
    pairs = sorted(((name, article) for name, articles in uses.items() for article in articles),
                   key=lambda pair: pair[1].source)
    return choose_name(pairs, kind, key, address, diags, warn_spellings)


def choose_name(uses: list[tuple[str, Article]], kind: str, key: str, address: str,
                diags: list[Diagnostic], warn_spellings: bool) -> str:
    """The one name of a category or tag from the names its articles give it (in
    source order), all of which give the same address. Names that are the same name
    (paths.name_key: case, spaces, hyphens, Unicode normalisation) are merged under
    the most common spelling, with a warning when `warn_spellings`; different names
    at one address ('Rh+' and 'Rh-' at tags/rh/) are an error naming both."""
    by_key: dict[str, dict[str, list[Article]]] = {}
    for name, article in uses:
        spelling = unicodedata.normalize("NFC", name)
        by_key.setdefault(paths.name_key(name), {}).setdefault(spelling, []).append(article)
    counts = {k: sum(len(a) for a in spellings.values()) for k, spellings in by_key.items()}
    main_key = max(by_key, key=lambda k: counts[k])  # the first of the most used, as max keeps it
    spellings = by_key[main_key]
    name = max(spellings, key=lambda s: len(spellings[s]))
    first = spellings[name][0]
    for other_key, others in by_key.items():
        if other_key == main_key:
            continue
        other_name, articles = next(iter(others.items()))
        where = _field_at(articles[0], key)
        at = _field_at(first, key)
        more = counts[other_key] - 1
        diags.append(error(
            articles[0].source, where.line, where.col,
            f"{kind} '{other_name}' and {kind} '{name}' ({first.source}:{at.line}) are different names "
            f"that would share one address, {address}, rename one of them"
            + (f" (this one is also used in {more} more article{'s' * (more != 1)})" if more else ""),
        ))
    if warn_spellings:
        for spelling, articles in spellings.items():
            if spelling == name:
                continue
            where = _field_at(articles[0], key)
            more = len(articles) - 1
            diags.append(warning(
                articles[0].source, where.line, where.col,
                f"{kind} '{spelling}' is written '{name}' in {len(spellings[name])} other "
                f"article{'s' * (len(spellings[name]) != 1)} ({first.source}), both are one {kind} shown as "
                f"'{name}', use one spelling"
                + (f" (also in {more} more article{'s' * (more != 1)})" if more else ""),
            ))
    return name


def lookalike_forms(name: str, script_of: dict[str, str] | None = None) -> list[str]:
    """The name with the letters of one script that look like letters of another
    ('Н' Cyrillic for 'H' Latin) replaced by those, for each script the name mixes.
    `script_of` remembers each letter's script across calls (a site uses few letters)."""
    if name.isascii():
        return []
    from confusable_homoglyphs import categories, confusables

    script_of = {} if script_of is None else script_of
    scripts = set()
    for char in name:
        if char.isalpha():
            script = script_of.get(char)
            if script is None:
                script = script_of[char] = categories.alias(char)
            scripts.add(script)
    if len(scripts) < 2:
        return []
    forms = []
    for script in sorted(scripts):
        found = confusables.is_confusable(name, greedy=True, preferred_aliases=[script.lower()]) or []
        swap = {}
        for item in found:
            glyph = next((h["c"] for h in item["homoglyphs"] if len(h["c"]) == 1
                          and categories.alias(h["c"]) == script), None)
            if glyph is not None:
                swap[item["character"]] = glyph
        if swap:
            forms.append("".join(swap.get(c, c) for c in name))
    return forms


def warn_lookalikes(names, uses: dict[str, dict[str, list[Article]]], kind: str, key: str,
                    diags: list[Diagnostic]) -> None:
    """A name mixing scripts that looks like another name ('Неalth' with a Cyrillic
    'Не' beside 'Health') is almost always a mistake no reader could see. `uses`: per
    address, the names given to it with their articles (in source order)."""
    names = list(names)
    known = {paths.name_key(name): name for name in names}
    first_use: dict[str, Article] = {}
    for group in uses.values():
        for name, articles in group.items():
            first_use.setdefault(paths.name_key(name), articles[0])
    script_of: dict[str, str] = {}
    for name in names:
        for form in lookalike_forms(name, script_of):
            other = known.get(paths.name_key(form))
            if other is None or other == name:
                continue
            mine, theirs = first_use[paths.name_key(name)], first_use[paths.name_key(other)]
            where, at = _field_at(mine, key), _field_at(theirs, key)
            diags.append(warning(
                mine.source, where.line, where.col,
                f"{kind} '{name}' mixes letters of different scripts and looks like {kind} '{other}' "
                f"({theirs.source}:{at.line}), but they are two {'categories' if kind == 'category' else 'tags'}, retype '{name}' in one script",
            ))
            break
