"""Placing imported pages (category, slug, file, authors) and converting their bodies.

The result is a Plan: every file the new site gets, as text or as a source file to
copy, and the report. Nothing is written here.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .. import paths
from ..loading.article import FIELDS, element_ids
from ..loading.markup import MarkdownConverter
from . import body as bodies
from ..loading.config import LANGUAGE_TAG
from ..loading.frontmatter import MAX_YEAR, MIN_YEAR
from .common import file_date
from .model import Author, Report, SourcePage, position_of
from .site import SourceSite

DEFAULT_CATEGORY = "General"
# Front-matter names HealthHub gives a meaning to; a source field of the same name
# that was not mapped is kept under another name, so it is not misread.
OUR_FIELDS = {*FIELDS, "co_authors"}


@dataclass
class Plan:
    site: SourceSite
    report: Report
    pages: list[SourcePage]
    texts: dict[str, str] = field(default_factory=dict)  # file in the new site -> its text
    copies: dict[str, Path] = field(default_factory=dict)  # file in the new site -> source file
    authors: dict[str, Author] = field(default_factory=dict)
    config: dict = field(default_factory=dict)


def make_plan(site: SourceSite, report: Report) -> Plan:
    plan = Plan(site, report, sorted(site.pages, key=lambda p: (p.language != site.default_language, p.display, p.rel)))
    pair_translations(plan.pages)
    replace_placeholder_dates(plan.pages, report)
    drop_shared_aliases(plan.pages, report)
    place_categories(plan)
    place_files(plan)
    place_authors(plan)
    converter = Converter(plan)
    for page in plan.pages:
        converter.convert(page)
    converter.check_anchors()
    for page in plan.pages:
        plan.texts[f"articles/{page.out_rel}"] = article_text(page, converter.bodies[page.out_rel],
                                                                 len(site.languages) > 1)
        report.rows.append((page.display if site.kind != "wordpress" else f"{page.display} ({page.kind} '{page.slug}')",
                            f"articles/{page.out_rel}", page.kind, page.title))
    for target, source in sorted(converter.copies.items()):
        plan.copies[f"articles/{target}"] = source
        try:
            shown = f"{site.label.rsplit('/', 1)[0] if site.kind == 'wordpress' else site.label}/" \
                    f"{source.relative_to(site.root).as_posix()}"
        except ValueError:
            shown = str(source)
        report.files.append((shown, f"articles/{target}"))
    plan.config = {"site_name": site.title or "HealthHub", "language": config_language(site)}
    if re.fullmatch(r"https?://[^\s/?#]+(/\S*)?", site.base_url or ""):
        plan.config["base_url"] = site.base_url
    if len(site.languages) > 1:  # each language's pages at its own addresses, with a language switcher
        plan.config["languages"] = {code: {"name": language_name(code)} for code in site.languages}
    return plan


def config_language(site: SourceSite) -> str:
    """The config's language: a site in one language keeps the region its source tags its
    pages with (Hugo's languageCode en-GB, WordPress's <language>), when it is a tag of the
    same language; a site in several keeps the codes its addresses use (/pt-br/)."""
    tag = site.language_tag.replace("_", "-")
    if (len(site.languages) <= 1 and LANGUAGE_TAG.fullmatch(tag)
            and tag.split("-")[0].lower() == site.default_language.split("-")[0]):
        # as tags are usually written: en-GB, zh-Hant-TW
        return "-".join(part.upper() if len(part) == 2 and n else part.title() if len(part) == 4 and n
                        else part.lower() for n, part in enumerate(tag.split("-")))
    return site.default_language


def language_name(code: str) -> str:
    """A language's name in itself, as a language switcher shows it (Babel's CLDR data)."""
    from ..rendering.i18n import babel_locale

    locale = babel_locale(code)
    name = locale.get_display_name(locale) if locale is not None else None
    return name[:1].upper() + name[1:] if name else code


def replace_placeholder_dates(pages: list[SourcePage], report: Report) -> None:
    """A date no article can have (Jekyll sites name pages that are not posts
    `0001-01-01-x.md`) becomes the file's modification date, with a warning; the
    old addresses, made from the old date, are kept."""
    for page in pages:
        if not page.date[:4].isdigit() or MIN_YEAR <= int(page.date[:4]) <= MAX_YEAR:
            continue
        year = int(page.date[:4])
        old, page.date = page.date, file_date(page.path)
        line, col = page.positions.get("date", (1, 1))
        report.warn("date", page.display, line, col,
                    f"the date {old} is a placeholder (year {year}), the file's modification date {page.date} was used")


def drop_shared_aliases(pages: list[SourcePage], report: Report) -> None:
    """An old address that two pages give as an alias answered for only one of them
    (the old generator wrote one over the other): the first page keeps it, a later
    one drops it with a warning."""
    owner: dict[str, SourcePage] = {}
    for page in pages:
        kept = []
        for alias in page.aliases:
            first = owner.setdefault(alias.rstrip("/") or "/", page)
            if first is page:
                kept += [alias] if alias not in kept else []
                continue
            line, col = page.positions.get("aliases", (1, 1))
            report.warn("alias", page.display, line, col,
                        f"the alias {alias} is also an alias of {first.display}, which keeps it; left out here")
        page.aliases = kept


def pair_translations(pages: list[SourcePage]) -> None:
    """Translations are pages with the same translation_path in more than one
    language; a path only one language has names no translation, and is dropped."""
    seen: dict[str, set[str]] = {}
    for page in pages:
        seen.setdefault(page.translation_path, set()).add(page.language)
    for page in pages:
        if len(seen[page.translation_path]) < 2:
            page.translation_path = ""


# --- categories, slugs, files ------------------------------------------------------------

def place_categories(plan: Plan) -> None:
    """Each page's category: its first category, else its section or folder, else General.
    Its other categories become tags. One spelling per category: the most common."""
    languages = set(plan.site.languages)
    for page in plan.pages:
        names = [c for c in page.categories if paths.slugify(c) and c.lower() not in languages]
        chosen = names[0] if names else (page.category_hint if paths.slugify(page.category_hint) else DEFAULT_CATEGORY)
        page.category = chosen
        page.tags = list(dict.fromkeys(t for t in [*names[1:], *page.tags] if paths.slugify(t)))
    spellings: dict[str, Counter] = {}
    for page in plan.pages:
        spellings.setdefault(paths.slugify(page.category), Counter())[page.category] += 1
    best = {slug: sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0] for slug, counts in spellings.items()}
    for page in plan.pages:
        page.category = best[paths.slugify(page.category)]
    tag_spellings: dict[str, Counter] = {}
    for page in plan.pages:
        for tag in page.tags:
            tag_spellings.setdefault(paths.slugify(tag), Counter())[tag] += 1
    tag_best = {slug: sorted(c.items(), key=lambda item: (-item[1], item[0]))[0][0] for slug, c in tag_spellings.items()}
    for page in plan.pages:
        page.tags = list(dict.fromkeys(tag_best[paths.slugify(t)] for t in page.tags))


def place_files(plan: Plan) -> None:
    """articles/[<language>/]<category>/<slug>.md; a later page whose address is taken
    gets the next free slug (slug-2, slug-3, ...), reported."""
    taken: dict[tuple[str, str, str], SourcePage] = {}
    for page in sorted(plan.pages, key=lambda p: (p.date, p.display, p.rel)):  # the earlier page keeps its slug
        category_slug = paths.slugify(page.category)
        base = paths.slugify(page.slug) or paths.slugify(page.title) or "page"
        slug, number = base, 1
        folders = [paths.slugify(f) for f in page.rel.split("/")[:-1] if paths.slugify(f)]
        if page.kind in ("bundle", "section") and folders:
            folders.pop()  # the bundle's own folder is its slug already
        depth = 0
        while (page.language, category_slug, slug) in taken or slug == "index":
            if depth < len(folders) - 1 or (depth < len(folders) and len(folders) == 1):
                depth += 1  # first the folders the page is in: go/exporters -> go-exporters
                slug = paths.slugify("-".join([*folders[len(folders) - depth:], base]))
                continue
            number += 1
            slug = f"{base[:paths.MAX_SLUG_LENGTH - 1 - len(str(number))].rstrip('-')}-{number}"
        if slug != base and base != "index":
            other = taken.get((page.language, category_slug, base))
            plan.report.warn("slug collision", page.display, *page.positions.get("slug", (1, 1)),
                             f"'{base}' in {page.category} is taken by {other.display if other else 'another page'}, "
                             f"written with the slug '{slug}'")
        taken[(page.language, category_slug, slug)] = page
        page.out_slug = slug
        prefix = "" if page.language == plan.site.default_language else f"{page.language}/"
        page.out_rel = f"{prefix}{category_slug}/{slug}.md"


def place_authors(plan: Plan) -> None:
    by_name: dict[str, str] = {}
    for page in plan.pages:
        ids = []
        for written in page.authors:
            name, _, url = written.partition("|")
            person_id = by_name.get(name.lower())
            if person_id is None:
                person_id = paths.slugify(name) or "author"
                number = 1
                base = person_id
                while person_id in plan.authors:
                    number += 1
                    person_id = f"{base}-{number}"
                by_name[name.lower()] = person_id
                plan.authors[person_id] = Author(person_id, name, url if url.startswith(("http://", "https://")) else "")
            if person_id not in ids:
                ids.append(person_id)
        page.author_ids = ids


# --- bodies ----------------------------------------------------------------------------------

class Converter:
    """Turns each page's body into HealthHub Markdown (body.Context for body.py)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.site = plan.site
        self.report = plan.report
        self.bodies: dict[str, str] = {}
        self.copies: dict[str, Path] = {}  # target (relative to articles/) -> source file
        self.copied_from: dict[Path, dict[str, str]] = {}  # source file -> {folder: target}
        self.fragment_links: list[tuple[SourcePage, SourcePage, str, str]] = []
        self.out_files = {page.out_rel for page in plan.pages}

    # body.Context
    def link_to(self, page: SourcePage, ref: str, kind: str) -> str | None:
        target = self.site.find_page(page, ref, kind)
        if target is None:
            return None
        fragment = urlsplit(ref).fragment if "#" in ref else ""
        return self.md_link(page, target, fragment)

    def md_link(self, page: SourcePage, target: SourcePage, fragment: str) -> str:
        if target.draft and not page.draft:
            self.report.warn("link to a draft", page.display, page.body_line, 1,
                             f"links to {target.display}, a draft: the build refuses links to unpublished articles, "
                             "publish it (remove draft: true) or remove the link")
        rel = posixpath.relpath(target.out_rel, posixpath.dirname(page.out_rel) or ".")
        href = quote(rel, safe="/.-_~") + (f"#{fragment}" if fragment else "")
        if fragment:
            self.fragment_links.append((page, target, fragment, href))
        return href

    def attach(self, page: SourcePage, ref: str) -> str | None:
        found = self.site.find_file(page, ref)
        if found is None or found.name.lower().endswith((".md", ".markdown")):
            return None  # a page that was not imported is not copied as a file
        folder = posixpath.dirname(page.out_rel)
        known = self.copied_from.setdefault(found, {})
        if folder not in known:
            bundle = page.path.parent if page.kind in ("bundle", "section") else None
            if bundle is not None and bundle in found.parents:
                rel = f"{page.out_slug}/{found.relative_to(bundle).as_posix()}"
            else:
                rel = self._static_rel(found)
            target = f"{folder}/{rel}"
            number = 1
            while target in self.copies and self.copies[target] != found:
                number += 1
                stem, dot, ext = rel.rpartition(".")
                target = f"{folder}/{stem}-{number}.{ext}" if dot else f"{folder}/{rel}-{number}"
            self.copies[target] = found
            known[folder] = target
            self.report.convert("file copied (image or download)")
        target = known[folder]
        rel = posixpath.relpath(target, folder or ".")
        query = urlsplit(ref).fragment
        return quote(rel, safe="/.-_~") + (f"#{query}" if query else "")

    def _static_rel(self, found: Path) -> str:
        for root in [getattr(self.site, "upload_root", None), *getattr(self.site, "static_roots", [])]:
            if root is not None and root in found.parents:
                rel = found.relative_to(root).as_posix()
                parts = rel.split("/")
                if root == getattr(self.site, "upload_root", None):
                    return "uploads/" + parts[-1]
                return "files/" + rel if not rel.startswith(("images/", "img/", "assets/", "files/")) else rel
        return "files/" + found.name

    def include(self, page: SourcePage, name: str) -> str | None:
        return self.site.include(page, name)

    def param(self, page: SourcePage, name: str) -> str | None:
        return self.site.param(page, name)

    # the work
    def convert(self, page: SourcePage) -> None:
        text = self.site.convert(page, self)
        original = page.body if self.site.kind != "wordpress" else ""
        text = bodies.rewrite_links(text, lambda href, image, offset: self._rewrite(page, href, image, offset, text, original))
        for offset, snippet in bodies.leftovers(text):
            where = original.find(snippet) if original else -1
            line, col = position_of(original, where, page.body_line) if where >= 0 else (page.body_line, 1)
            if where < 0 and self.site.kind != "wordpress":
                continue  # a snippet this import made (already reported where it was)
            kind = "liquid" if snippet.startswith("{%") else "shortcode"
            if self.site.kind == "wordpress":
                self.report.warn(kind, page.display, line, col,
                                 f"template syntax {snippet[:60]!r} in '{page.title}' left as written")
        self.bodies[page.out_rel] = self._headings(page, text)

    def _headings(self, page: SourcePage, text: str) -> str:
        """The page title is the page's one <h1>: a first heading repeating it goes, and
        when the body has level-1 headings of its own every heading moves down a level."""
        masked = bodies.mask_code(text).split("\n")
        lines = text.split("\n")
        for i, line in enumerate(masked):
            # `## Setup{#setup}`: Hugo and kramdown read the id without a space before it,
            # Python-Markdown needs one (else readers see "{#setup}" and links miss the id)
            glued = _GLUED_ID.match(line)
            if glued:
                at = glued.end(1)  # masking keeps positions: the same place in the real line
                lines[i], masked[i] = lines[i][:at] + " " + lines[i][at:], line[:at] + " " + line[at:]
                self.report.convert("heading id {#id} set apart from the heading text")
        first = next((i for i, line in enumerate(masked) if line.strip()), None)
        if first is not None and re.fullmatch(r" {0,3}# +(.*?)[ #]*", masked[first]):
            heading = re.fullmatch(r" {0,3}# +(.*?)[ #]*", masked[first]).group(1)
            if " ".join(heading.split()).lower() == " ".join(page.title.split()).lower():
                lines[first] = masked[first] = ""
                self.report.convert("first heading repeating the title → removed")
        h1 = [i for i, line in enumerate(masked) if re.match(r" {0,3}#(?!#)[ \t]", line) or
              (i > 0 and re.fullmatch(r" {0,3}=+[ \t]*", line) and masked[i - 1].strip())]
        if not h1:
            return "\n".join(lines)
        for i, line in enumerate(masked):
            match = re.match(r"( {0,3})(#{1,5})(?=[ \t])", line)
            if match:
                lines[i] = match.group(1) + "#" + lines[i][len(match.group(1)):]
            elif i > 0 and masked[i - 1].strip() and re.fullmatch(r" {0,3}(=+|-+)[ \t]*", line) and \
                    not re.match(r" {0,3}([-*+]|\d+[.)])[ \t]", masked[i - 1]):
                level = "##" if line.strip()[0] == "=" else "###"
                lines[i - 1], lines[i] = f"{level} {lines[i - 1].strip()}", ""
        self.report.convert("headings moved down a level (the title is the <h1>)")
        return "\n".join(lines)

    def _rewrite(self, page: SourcePage, href: str, image: bool, offset: int, text: str, original: str) -> str | None:
        href = href.strip()
        if href.startswith("#") and len(href) > 1:
            self.fragment_links.append((page, page, href[1:], href))
            return None
        if not href or href.startswith(("#", "mailto:", "tel:", "data:", "javascript:")) or "{{" in href or "{%" in href:
            return None
        parts = urlsplit(href)
        own = self.site.own_path(href)
        where = self._where(page, href, original)
        if own is None and (parts.scheme or parts.netloc):
            return None  # a link to another site
        if own is None and not parts.scheme and (parts.path.endswith(".md")):
            made = posixpath.normpath(posixpath.join(posixpath.dirname(page.out_rel), unquote(parts.path)))
            if made in self.out_files:
                return None  # a link this import made
            if own is None:
                target = self.site.find_page(page, href, "md")
                if target is not None:
                    self.report.convert("link to a page → link to .md")
                    return self.md_link(page, target, parts.fragment)
        if own is not None:
            target = self.site.page_at_url(own)
            if target is not None and not image:
                self.report.convert("link to a page → link to .md")
                return self.md_link(page, target, parts.fragment)
            attached = self.attach(page, own)
            if attached is not None:
                return attached
            if parts.scheme:
                return None  # an absolute address on the old site: it keeps working while that site does
            self.report.warn("link", page.display, *where,
                             f"{'image' if image else 'link'} '{href}' leads to no page or file of the imported site, "
                             "left as written (fix or remove it)")
            return None
        # relative: a file next to the page (bundle resource), or another page
        attached = self.attach(page, href)
        if attached is not None:
            return attached
        if not image:
            base = page.urls[0] if page.urls else "/"
            target = self.site.page_at_url(posixpath.normpath(posixpath.join(posixpath.dirname(base.rstrip("/") + "/x"), parts.path)))
            target = target or self.site.find_page(page, href, "relative")
            if target is not None:
                self.report.convert("link to a page → link to .md")
                return self.md_link(page, target, parts.fragment)
        self.report.warn("link", page.display, *where,
                         f"{'image' if image else 'link'} '{href}' leads to no page or file of the imported site, "
                         "left as written (fix or remove it)")
        return None

    def _where(self, page: SourcePage, href: str, original: str) -> tuple[int, int]:
        if original:
            found = original.find(href)
            if found >= 0:
                return position_of(original, found, page.body_line)
        return page.body_line, 1

    def check_anchors(self) -> None:
        """A link to a #fragment the target page will not have loses the fragment (the
        build would refuse it): heading ids are worked out the way the build does."""
        if not self.fragment_links:
            return
        converter = MarkdownConverter()
        ids: dict[str, set[str]] = {}
        quick: dict[str, set[str]] = {}
        for page, target, fragment, href in self.fragment_links:
            if target.out_rel not in quick:
                quick[target.out_rel] = _quick_ids(self.bodies[target.out_rel])
            if unquote(fragment) in quick[target.out_rel]:
                continue  # surely there (rendering every page to find out is slow)
            if target.out_rel not in ids:
                ids[target.out_rel] = element_ids(converter.convert(self.bodies[target.out_rel]).html)
            known = ids[target.out_rel]
            if unquote(fragment) in known:
                continue
            # Hugo and kramdown make ids a little differently (double hyphens, entities)
            wanted = _loose_id(fragment)
            same = next((i for i in sorted(known) if _loose_id(i) == wanted), None)
            bare = href.split("#", 1)[0]
            new = f"{bare}#{quote(same, safe='-_.~')}" if same else (bare or "#")
            text = self.bodies[page.out_rel]
            self.bodies[page.out_rel] = text.replace(f"({href})", f"({new})").replace(f'"{href}"', f'"{new}"') \
                .replace(f"({href} ", f"({new} ").replace(f"<{href}>", f"<{new}>").replace(f"]: {href}", f"]: {new}")
            if same:
                self.report.convert("link to #anchor → the heading's id here")
                continue
            line, col = self._where(page, "#" + fragment, page.body if self.site.kind != "wordpress" else "")
            self.report.warn("anchor", page.display, line, col,
                             f"link to '#{fragment}'{' on ' + target.display if target is not page else ''}: "
                             "no heading has this id, the link now leads to the top of the page")


_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.M)
_EXPLICIT_ID = re.compile(r"""\{[^}\n]*#([\w-]+)[^}\n]*\}|\sid=["']([^"']+)["']""")


_GLUED_ID = re.compile(r"( {0,3}#{1,6}[ \t].*?[^ \t])\{:?#[\w-]+(?:[ \t][^}\n]*)?\}[ \t]*$")


def _quick_ids(markdown: str) -> set[str]:
    """Ids the build will surely give: explicit ones, and those of plain ATX headings
    (text without markup), made with the build's own slugify."""
    from markdown.extensions.toc import slugify_unicode

    found = {a or b for a, b in _EXPLICIT_ID.findall(markdown)}
    for text in _ATX_HEADING.findall(bodies.mask_code(markdown)):
        if not re.search(r"[`*_\[\]<>&{}\\'\"]|--|\.\.", text):  # markup, or what smarty changes
            found.add(slugify_unicode(text, "-"))
    return found


def _loose_id(text: str) -> str:
    import html as html_module
    text = html_module.unescape(unquote(text)).lower()
    return re.sub(r"[\W_]+", "-", text).strip("-")


# --- the article file --------------------------------------------------------------------

def article_text(page: SourcePage, body: str, multilingual: bool = True) -> str:
    from .write import yaml_block, yaml_scalar

    lines = ["---", f"title: {yaml_scalar(page.title)}", f"category: {yaml_scalar(page.category)}",
             f"date: {page.date}"]
    if page.updated and page.updated >= page.date:
        lines.append(f"updated: {page.updated}")
    if page.summary:
        lines.append(f"summary: {yaml_scalar(page.summary)}")
    if page.tags:
        lines.append("tags: [" + ", ".join(yaml_scalar(t, flow=True) for t in page.tags) + "]")
    if page.author_ids:
        lines.append(f"author: {page.author_ids[0]}")
    if page.draft:
        lines.append("draft: true")
    if page.expires and page.expires > page.date:
        lines.append(f"expires: {page.expires}")
    if page.language and multilingual:
        lines.append(f"language: {yaml_scalar(page.language)}")
    if page.translation_path:
        lines.append(f"translation_key: {yaml_scalar(page.translation_path)}")
    extra = {}
    if len(page.author_ids) > 1:
        extra["co_authors"] = page.author_ids[1:]
    if page.aliases:
        extra["aliases"] = page.aliases
    for key, value in page.extra.items():
        name = key
        while name.lower() in OUR_FIELDS or name in extra:
            name = f"original_{name}"
        extra[name] = value
    if extra:
        lines.append(yaml_block(extra).rstrip("\n"))
    lines.append("---")
    return "\n".join(lines) + "\n\n" + body.strip("\n") + "\n"
