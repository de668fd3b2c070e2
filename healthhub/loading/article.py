"""Reading one article: its front matter checked against the schema (FIELDS), its
body converted, and the Article, Body and diagnostics that come of it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import posixpath
import re
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
    Headings,
    MarkdownConverter,
    callout_titles,
    first_paragraph,
    inert_template_syntax,
    reading_minutes,
    scan_source,
    shorten,
)
from .people import Person
from .snippets import Snippets, expand, includes
from .scan import MARKDOWN_SUFFIXES
from ..caching.bodies import BodyStore
from .model import Article, Body, HistoryEntry, HISTORY_CHANGES, Source
from .records import with_digest


DESCRIPTION_LIMIT = 160
VARIANTS = ("easy-read",)


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


def _source_url(node, key: str, example: str) -> str:
    value = fm.to_text(node, key)
    if re.fullmatch(r"https?://[^\s/?#]+\S*", value):
        return value
    if re.match(r"https?://[^\s/?#]", value):  # a whole address, with a space in it
        raise fm.FieldError(f"'url' is '{value}', which holds a space, write %20 in its place "
                            "(or copy the address again from the browser)")
    raise fm.FieldError(f"'url' is '{value}', write the full address, e.g. https://www.nhs.uk/")


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
        "url": schema.Field(_source_url, required=True),
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


# What other generators (Hugo, Jekyll, Eleventy, WordPress exports) call a field HealthHub
# has under another name: an author who writes `description:` is told 'summary', where
# spelling alone suggested 'condition'. (`healthhub import` renames them itself.)
OTHER_NAMES = {
    "description": "summary", "excerpt": "summary", "abstract": "summary", "authors": "author",
    "categories": "category", "tag": "tags", "keywords": "tags", "lastmod": "updated", "modified": "updated",
    "last_modified": "updated", "publishdate": "date", "published": "date", "alias": "aliases",
    "redirect_from": "aliases", "lang": "language", "reviewer": "reviewed_by", "expirydate": "expires",
    "featured_image": "image", "cover": "image", "thumbnail": "image", "permalink": "slug", "url": "slug",
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
        ours = OTHER_NAMES.get(key.lower())
        hint = f" (HealthHub calls it '{ours}')" if ours else did_you_mean(key, tuple(FIELDS))
        return [warning(display, key_pos.line, key_pos.col,
                        f"unknown front-matter field '{key}'{hint}, kept for templates as article.extra",
                        "unknown-field")]

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
                               f"(known: {', '.join(sorted(people)) or 'nobody yet'}) or add the person there",
                               "unknown-person"))
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
    written = values.get("tags", ())
    for index, tag in enumerate(written):
        tag_slug = paths.slugify(tag)
        if not tag_slug or not paths.fits_file_name(tag_slug):  # said at the item itself
            line, col = written.place(index, positions["tags"])
        if not tag_slug:
            diags.append(error(display, line, col, f"tag '{tag}' has no letters or digits, remove it or use a word"))
        elif not paths.fits_file_name(tag_slug):
            diags.append(error(display, line, col,
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
                               f"relative to its file, e.g. image: photos/knee.jpg{paths.slash_advice(written)}"))
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

_ID = re.compile(r"""\sid=["']([^"']+)["']""")


def element_ids(body_html: str) -> set[str]:
    return set(_ID.findall(body_html))


def is_markdown_link(href: str) -> bool:
    """A relative link to another Markdown file (or a #fragment on one)."""
    parts = urlsplit(href)
    return (not parts.scheme and not parts.netloc and not href.startswith("/")
            and unquote(parts.path).lower().endswith(MARKDOWN_SUFFIXES))
