"""The site model: read every article, validate it, and gather the site.

`load_site` reads and checks everything before anything is rendered; it
returns the Site and every diagnostic found, so a build can report all
problems at once.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import frontmatter as fm
from . import paths
from .config import Config
from .errors import Diagnostic, did_you_mean, error, warning
from .markup import Heading, MarkdownConverter, first_paragraph, shorten

MARKDOWN_SUFFIXES = (".md", ".markdown")
# Top-level folders the site itself uses; a category may not take them.
RESERVED_SLUGS = frozenset({"tags", "assets", "pagefind", "search", "people", "404", "index"})
DESCRIPTION_LIMIT = 160


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
    body_html: str
    headings: tuple[Heading, ...]
    path: str  # output path inside the site

    @property
    def modified(self) -> dt.date:
        return self.updated or self.date


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

    def category_of(self, article: Article) -> Category:
        return next(c for c in self.categories if c.slug == article.category_slug)


# --- reading one article ------------------------------------------------------

@dataclass(frozen=True)
class FieldRule:
    kind: str
    required: bool = False
    example: str = '"Some text"'


FIELDS: dict[str, FieldRule] = {
    "title": FieldRule("text", True, '"Knee pain after running"'),
    "category": FieldRule("text", True, "Health"),
    "date": FieldRule("date", True, "2025-03-30"),
    "views": FieldRule("count", example="1234"),
    "summary": FieldRule("text", example='"One or two sentences about the article."'),
    "tags": FieldRule("list", example="[running, back pain]"),
    "author": FieldRule("text", example='"Dr. Amara Okafor"'),
    "slug": FieldRule("slug", example="knee-pain"),
    "updated": FieldRule("date", example="2025-04-02"),
    "draft": FieldRule("bool", example="true"),
}


def decode(data: bytes, display: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 (a BOM is allowed), CRLF and CR turned into LF."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        col = len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        return None, [error(
            display, line, col,
            f"byte {exc.start} (0x{data[exc.start]:02x}) is not UTF-8 text, "
            "save the file as UTF-8 in your editor",
        )]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def read_front_matter(text: str, display: str) -> tuple[dict[str, object], dict[str, fm.Position], str, list[Diagnostic]]:
    """Validated front-matter values, their positions, the Markdown body and diagnostics."""
    diags: list[Diagnostic] = []
    try:
        yaml_text, body, _ = fm.split(text)
        entries = fm.read_mapping(yaml_text, first_line=2)
    except fm.FrontMatterError as exc:
        return {}, {}, "", [error(display, exc.line, exc.col, exc.message)]
    values: dict[str, object] = {}
    positions: dict[str, fm.Position] = {}
    for entry in entries:
        rule = FIELDS.get(entry.key)
        if rule is None:
            diags.append(warning(
                display, entry.key_pos.line, entry.key_pos.col,
                f"unknown front-matter field '{entry.key}'{did_you_mean(entry.key, tuple(FIELDS))}, "
                "it is ignored",
            ))
            continue
        positions[entry.key] = entry.pos
        try:
            values[entry.key] = _convert(rule, entry)
        except fm.FieldError as exc:
            diags.append(error(display, entry.pos.line, entry.pos.col, str(exc)))
    for key, rule in FIELDS.items():
        if rule.required and key not in values and key not in positions:
            diags.append(error(
                display, 1, 1,
                f"the front matter has no '{key}', add a line like {key}: {rule.example}",
            ))
    return values, positions, body, diags


def _convert(rule: FieldRule, entry: fm.Entry) -> object:
    key, node = entry.key, entry.node
    if rule.kind == "text":
        return fm.to_text(node, key, rule.example)
    if rule.kind == "date":
        return fm.to_date(node, key)
    if rule.kind == "count":
        return fm.to_int(node, key, minimum=0)
    if rule.kind == "bool":
        return fm.to_bool(node, key)
    if rule.kind == "list":
        return tuple(fm.to_text_list(node, key, rule.example))
    if rule.kind == "slug":
        value = fm.to_text(node, key, rule.example)
        if not paths.is_safe_slug(value):
            suggestion = paths.slugify(value) or "my-article"
            raise fm.FieldError(
                f"'slug' is '{value}', a slug may only hold letters, digits and single hyphens, e.g. slug: {suggestion}"
            )
        return value
    raise AssertionError(rule.kind)


def parse_article(text: str, display: str, file_stem: str, config: Config,
                  converter: MarkdownConverter) -> tuple[Article | None, list[Diagnostic]]:
    values, positions, body, diags = read_front_matter(text, display)
    if any(d.is_error for d in diags):
        return None, diags
    slug = str(values.get("slug") or paths.slugify(file_stem))
    if not slug:
        diags.append(error(display, 1, 1, "the file name gives an empty slug, add a line like  slug: my-article"))
    category = str(values["category"])
    category_slug = paths.slugify(category)
    if not category_slug:
        pos = positions["category"]
        diags.append(error(display, pos.line, pos.col,
                           f"category '{category}' has no letters or digits, use a name like Health"))
    elif category_slug in RESERVED_SLUGS:
        pos = positions["category"]
        diags.append(error(display, pos.line, pos.col,
                           f"category '{category}' would clash with the site's own '{category_slug}/' pages, "
                           "choose another name"))
    tags = []
    for tag in values.get("tags", ()):
        if not paths.slugify(tag):
            pos = positions["tags"]
            diags.append(error(display, pos.line, pos.col, f"tag '{tag}' has no letters or digits, remove it or use a word"))
        elif tag not in tags:
            tags.append(tag)
    date = values["date"]
    updated = values.get("updated")
    if updated is not None and updated < date:
        pos = positions["updated"]
        diags.append(error(display, pos.line, pos.col,
                           f"'updated' ({updated}) is before 'date' ({date}), use a date on or after {date}"))
    if any(d.is_error for d in diags):
        return None, diags
    rendered = converter.convert(body)
    summary = str(values.get("summary", ""))
    article = Article(
        source=display,
        title=str(values["title"]),
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
        draft=bool(values.get("draft", False)),
        body_html=rendered.html,
        headings=rendered.headings,
        path=paths.article_path(category_slug, slug),
    )
    return article, diags


# --- finding and gathering ----------------------------------------------------

def is_ignored_name(name: str) -> bool:
    """Hidden files, editor swap and backup files."""
    return (name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swo", ".swx", ".tmp", ".bak", "#"))
            or name.startswith("4913"))


def find_sources(articles_dir: Path) -> list[Path]:
    """Every Markdown file under articles_dir, sorted, hidden and backup files left out."""
    found: list[Path] = []
    for root, dirs, files in os.walk(articles_dir):
        dirs[:] = sorted(d for d in dirs if not is_ignored_name(d))
        for name in sorted(files):
            if not is_ignored_name(name) and name.lower().endswith(MARKDOWN_SUFFIXES):
                found.append(Path(root) / name)
    return found


def display_path(path: Path) -> str:
    """The path as the author knows it: relative to the working directory when possible."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_site(config: Config, articles_dir: Path, drafts: bool = False) -> tuple[Site, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    converter = MarkdownConverter()
    articles: list[Article] = []
    if not articles_dir.is_dir():
        diags.append(error(display_path(articles_dir), 1, 1,
                           "the articles folder does not exist, create it or pass --articles DIR"))
        return gather_site(config, [], drafts, diags), diags
    for source in find_sources(articles_dir):
        display = display_path(source)
        try:
            data = source.read_bytes()
        except OSError as exc:
            diags.append(error(display, 1, 1, f"cannot read the file ({exc.strerror})"))
            continue
        text, problems = decode(data, display)
        diags.extend(problems)
        if text is None:
            continue
        stem = source.name.rsplit(".", 1)[0]
        article, problems = parse_article(text, display, stem, config, converter)
        diags.extend(problems)
        if article is not None and (drafts or not article.draft):
            articles.append(article)
    site = gather_site(config, articles, drafts, diags)
    return site, diags


def newest_first(articles) -> tuple[Article, ...]:
    return tuple(sorted(articles, key=lambda a: (-a.date.toordinal(), a.title.lower(), a.path)))


def gather_site(config: Config, articles: list[Article], drafts: bool, diags: list[Diagnostic]) -> Site:
    """Group articles into categories and tags; report clashing URLs and names."""
    by_path: dict[str, Article] = {}
    for article in sorted(articles, key=lambda a: a.source):
        other = by_path.get(article.path)
        if other is not None:
            diags.append(error(
                article.source, 1, 1,
                f"this article and {other.source} would both be published at {article.path}, "
                "give one of them a different 'slug:' or file name",
            ))
            continue
        by_path[article.path] = article
    kept = newest_first(by_path.values())

    category_names: dict[str, str] = {}
    for article in sorted(kept, key=lambda a: a.source):
        known = category_names.setdefault(article.category_slug, article.category)
        if known != article.category:
            diags.append(error(
                article.source, 1, 1,
                f"category '{article.category}' is spelled '{known}' in other articles, use one spelling",
            ))
    order = {paths.slugify(name): index for index, name in enumerate(config.category_order)}
    categories = tuple(
        Category(name, slug, tuple(a for a in kept if a.category_slug == slug))
        for slug, name in sorted(category_names.items(), key=lambda item: (order.get(item[0], len(order)), item[1].lower()))
    )
    tag_names: dict[str, str] = {}
    for article in sorted(kept, key=lambda a: a.source):
        for tag in article.tags:
            tag_names.setdefault(paths.slugify(tag), tag)
    tags = tuple(
        Tag(name, slug, tuple(a for a in kept if slug in {paths.slugify(t) for t in a.tags}))
        for slug, name in sorted(tag_names.items(), key=lambda item: item[1].lower())
    )
    return Site(config, kept, categories, tags, drafts, by_path)
