"""Render the site model to memory: a mapping of output path -> bytes.

Rendering reads no source files: the model, the loaded templates and the
static assets are all it needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_text
import heapq
import itertools
import json
import marshal
import math
import os
import posixpath
from urllib.parse import urlsplit
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import jinja2
from markupsafe import Markup

from .. import __version__, paths, theme
from . import addresses, atoz, feeds, i18n, images
from .navigation import NavLink, header_links, topic_groups, top_categories
from ..loading.config import Config
from ..caching.bodies import BodyMissing
from ..loading.model import Article, Category, Site, Tag
from ..errors import ProcessingError
from ..loading.glossary import glossary_path
from ..loading.markup import shorten
from ..loading.people import Person

Outputs = dict[str, bytes]


# --- pure helpers -----------------------------------------------------------

def format_date(date: dt.date, fmt: str) -> str:
    """strftime, with the glibc-only %-d (day without a leading zero) done portably."""
    return date.strftime(fmt.replace("%-d", str(date.day)).replace("%-m", str(date.month)))


_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                 0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_for_script(value: object) -> Markup:
    """JSON safe to put inside <script>: no author text can end the element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.translate(_JSON_ESCAPES))


@dataclass(frozen=True)
class Pager:
    """One page of a paginated listing."""

    number: int
    count: int
    items: tuple
    path_of: Callable[[int], str]

    @property
    def path(self) -> str:
        return self.path_of(self.number)

    @property
    def prev_path(self) -> str | None:
        return self.path_of(self.number - 1) if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        return self.path_of(self.number + 1) if self.number < self.count else None

    def numbers(self, around: int = 2) -> list[tuple[int | None, str | None]]:
        """The page links to show: the first and last page and `around` pages on
        each side of this one; (None, None) where numbers are left out. A tag
        with 300 pages does not list 300 links on each of them."""
        shown = {1, self.count} | set(range(max(1, self.number - around), min(self.count, self.number + around) + 1))
        result: list[tuple[int | None, str | None]] = []
        for n in sorted(shown):
            if result and result[-1][0] is not None and n > result[-1][0] + 1:
                if n == result[-1][0] + 2:  # a gap of one page: show the page, not an ellipsis
                    result.append((n - 1, self.path_of(n - 1)))
                else:
                    result.append((None, None))
            result.append((n, self.path_of(n)))
        return result


def paginate(items: Sequence, per_page: int, path_of: Callable[[int], str]) -> list[Pager]:
    count = max(1, math.ceil(len(items) / per_page))
    return [Pager(n, count, tuple(items[(n - 1) * per_page: n * per_page]), path_of) for n in range(1, count + 1)]


@dataclass(frozen=True)
class CategoryLink:
    """A category in the site's navigation: name and address only."""

    name: str
    slug: str
    path: str


@dataclass(frozen=True)
class ListingInfo:
    """A category or topic as a page shows it: name, address and how many articles
    it has. A page that lists the articles gets them as a value of its own (a pager)."""

    name: str
    slug: str
    path: str
    count: int

    @classmethod
    def of(cls, group: Category | Tag):
        return cls(group.name, group.slug, group.path, len(group.articles))


class CategoryInfo(ListingInfo):
    """A category as a page shows it."""


class TagInfo(ListingInfo):
    """A topic as a page shows it."""


@dataclass(frozen=True)
class BodyRef:
    """An article page's body: loaded from the site's body store when the page is rendered."""

    source: str  # the article's source, as Site.body_of knows it
    key: tuple  # Site.body_key: what the body depends on


class SiteView:
    """`site` as templates see it, in one language. What every page may read (the
    configuration, people, the category navigation) is part of every page's
    fingerprint; the whole article list and the topics are recorded in `read` when
    a template asks for them, so only pages that showed them depend on them.
    On a site in several languages, `categories`, `articles` and `tags` hold the
    view's language only: listings never mix languages."""

    def __init__(self, site: Site, nav: "Navigation", tags: tuple[TagInfo, ...], language: str = ""):
        self._site = site
        self._all_nav = nav.categories
        self.language = language
        self.config = site.config
        self.people = site.people
        self.drafts_shown = site.drafts_shown
        self.read: set[str] = set()
        self.nav = nav.header_of(language)  # the header's few links (navigation.header_links)
        self.language_prefix = paths.language_prefix(language, site.config.language) if site.config.languages else ""
        self.topics_path = paths.topics_path(self.language_prefix)
        if site.config.languages and language:
            default = site.config.language
            self.categories = tuple(c for c in nav.categories if slug_language(c.slug, default) == language)
            self._tags = tuple(t for t in tags if slug_language(t.slug, default) == language)
            self._articles = None
        else:
            self.categories = nav.categories
            self._tags = tags
            self._articles = site.articles

    @property
    def articles(self) -> tuple[Article, ...]:
        self.read.add("articles")
        if self._articles is None:
            self._articles = tuple(a for a in self._site.articles if a.language == self.language)
        return self._articles

    @property
    def by_path(self) -> dict[str, Article]:
        self.read.add("articles")
        return self._site.by_path

    @property
    def tags(self) -> tuple[TagInfo, ...]:
        self.read.add("tags")
        return self._tags

    def person(self, person_id: str) -> Person | None:
        return self._site.person(person_id)

    def picture(self, path: str):
        """The images.Picture of an article's front-matter image (None if not measured)."""
        self.read.add("pictures")
        return self._site.pictures.get(path)

    def person_path(self, person_id: str) -> str:
        """The person's page in this view's language."""
        return paths.person_path(person_id, self.language_prefix)

    def category_of(self, article: Article) -> CategoryLink:
        for link in self._all_nav:
            if link.slug == article.category_slug:
                return link
        raise LookupError(f"no category '{article.category_slug}'")

    def work_of(self, person_id: str) -> tuple[tuple[Article, ...], tuple[Article, ...]]:
        self.read.add("articles")
        return self._site.work_of(person_id)


@dataclass(frozen=True)
class Navigation:
    """What every page may show of the site's structure: every category (name and
    address) and the header's few links (per language on a site with several)."""

    categories: tuple[CategoryLink, ...]
    header: tuple[NavLink, ...]
    header_by_language: tuple[tuple[str, tuple[NavLink, ...]], ...] = ()

    def header_of(self, language: str) -> tuple[NavLink, ...]:
        return dict(self.header_by_language).get(language, self.header)


def slug_language(slug: str, default: str) -> str:
    """The language of a category or topic slug: its folder ('ar/...'), else the default."""
    folder = slug.rpartition("/")[0]
    return folder or default


def site_languages(config: Config) -> tuple[str, ...]:
    return tuple(language.code for language in config.languages) or (config.language,)


def navigation(site: Site) -> Navigation:
    config = site.config
    by_language = ()
    if config.languages:
        by_language = tuple((code, header_links(config, tuple(c for c in site.categories
                                                             if slug_language(c.slug, config.language) == code)))
                            for code in site_languages(config))
    return Navigation(tuple(CategoryLink(c.name, c.slug, c.path) for c in site.categories),
                      header_links(config, site.categories), by_language)


def most_viewed(articles: Sequence[Article], count: int) -> tuple[Article, ...]:
    return tuple(heapq.nsmallest(count, articles, key=lambda a: (-a.views, -a.date.toordinal(), a.path)))


def related_articles(article: Article, articles: Sequence[Article], count: int) -> tuple[Article, ...]:
    """Articles to read next: more shared tags first, then the same category, newest first.

    An article that shares no tag and no category is not related.
    """
    own_tags = {paths.slugify(tag) for tag in article.tags}
    ranked = []
    for other in articles:
        if other.path == article.path:
            continue
        shared = len(own_tags & {paths.slugify(tag) for tag in other.tags})
        same_category = other.category_slug == article.category_slug
        if shared or same_category:
            ranked.append(((-shared, not same_category, -other.date.toordinal(), other.title.lower(), other.path), other))
    return tuple(other for _, other in sorted(ranked, key=lambda item: item[0])[:count])


class RelatedIndex:
    """related_articles for every article of a newest-first list, in time linear in
    the number of tags an article has (never in the number of their combinations).

    Each tag and category is a bit mask over the list's positions. For one article,
    the tag masks it has are added up as a bit-sliced counter (plane i holds bit i
    of "how many tags this other article shares"), so the articles sharing the most
    tags are found by walking the planes from the top; the lowest set bit of a
    group is its newest article, which is the order related_articles breaks ties in.
    """

    def __init__(self, articles: Sequence[Article]):
        self.articles = list(articles)
        self.position = {a.path: i for i, a in enumerate(self.articles)}
        slug_of: dict[str, str] = {}
        self.tag_slugs = []
        for a in self.articles:
            slugs = set()
            for tag in a.tags:
                slug = slug_of.get(tag)
                if slug is None:
                    slug = slug_of[tag] = paths.slugify(tag)
                slugs.add(slug)
            self.tag_slugs.append(frozenset(slugs))
        self.tag_masks: dict[str, int] = {}
        self.category_masks: dict[str, int] = {}
        for index, article in enumerate(self.articles):
            bit = 1 << index
            for slug in self.tag_slugs[index]:
                self.tag_masks[slug] = self.tag_masks.get(slug, 0) | bit
            self.category_masks[article.category_slug] = self.category_masks.get(article.category_slug, 0) | bit

    def related(self, article: Article, count: int) -> tuple[Article, ...]:
        index = self.position[article.path]
        others = ~(1 << index)
        planes: list[int] = []  # planes[i]: the others whose shared-tag count has bit i set
        for slug in self.tag_slugs[index]:
            carry = self.tag_masks[slug] & others
            i = 0
            while carry:  # add one to the count of every article in the mask
                if i == len(planes):
                    planes.append(carry)
                    break
                plane = planes[i]
                planes[i] = plane ^ carry
                carry &= plane
                i += 1
        sharing = 0
        for plane in planes:
            sharing |= plane
        category = self.category_masks[article.category_slug]
        found: list[Article] = []

        def take(group: int) -> None:
            while group and len(found) < count:
                low = group & -group
                found.append(self.articles[low.bit_length() - 1])
                group ^= low

        left = sharing
        while left and len(found) < count:
            best = left  # those of `left` that share the most tags
            for plane in reversed(planes):
                if best & plane:
                    best &= plane
                else:
                    best &= ~plane
            take(best & category)
            take(best & ~category)
            left &= ~best
        if len(found) < count:
            take(category & ~sharing & others)
        return tuple(found)


def structured_data(site: Site, article: Article, category: CategoryInfo | Category,
                    links: dict[tuple[str, str], str] | None = None, language: str = "", home: str = "HOME") -> dict:
    """schema.org JSON-LD for an article page: a MedicalWebPage with its breadcrumb.

    URLs are absolute when the site has a base_url, otherwise relative to the page
    (JSON-LD resolves those against the page address).
    """
    config = site.config

    folder = article.path.rpartition("/")[0]

    def link(target: str) -> str:
        # `links` remembers answers across the articles of one site_pages call: the
        # same few targets (home, categories, people) from the same few folders
        key = (folder, target)
        found = links.get(key) if links is not None else None
        if found is None:
            if config.base_url:
                found = paths.absolute_url(config.base_url, target)
            else:
                found = paths.relative_url(article.path, target)
            if links is not None:
                links[key] = found
        return found

    def person(person_id: str) -> dict:
        # Front matter names people by their id in authors.yaml; each has a page.
        found = site.person(person_id)
        if found is None:
            return {"@type": "Person", "name": person_id}
        prefix = paths.language_prefix(article.language, config.language) if config.languages else ""
        return {"@type": "Person", "name": found.name, "url": link(paths.person_path(found.id, prefix))}

    publisher = {"@type": "Organization", "name": config.site_name, "url": link("index.html")}
    data: dict = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "headline": article.title,
        "name": article.title,
        "description": article.description,
        "url": link(article.path),
        "datePublished": article.date.isoformat(),
        "dateModified": article.last_changed.isoformat(),
        "inLanguage": language or article.language or config.language,
        "author": person(article.author) if article.author else publisher,
        "publisher": publisher,
        "isPartOf": {"@type": "WebSite", "name": config.site_name, "url": link("index.html")},
        "breadcrumb": {
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": home,
                 "item": link(paths.home_path(paths.language_prefix(article.language, config.language)))},
                {"@type": "ListItem", "position": 2, "name": category.name, "item": link(category.path)},
                {"@type": "ListItem", "position": 3, "name": article.title, "item": link(article.path)},
            ],
        },
    }
    if article.image:
        data["image"] = link(article.image)
    if article.tags:
        data["keywords"] = ", ".join(article.tags)
    if article.reviewed and article.reviewed_by:
        data["lastReviewed"] = article.last_reviewed.isoformat()
        data["reviewedBy"] = person(article.reviewed_by)
    elif article.last_reviewed:
        data["lastReviewed"] = article.last_reviewed.isoformat()
    return data


def questions_data(article: Article, language: str) -> dict | None:
    """schema.org FAQPage JSON-LD for the article's "Common questions" section (the
    same questions and answer text the page shows), or None when it has none."""
    if not article.questions:
        return None
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "inLanguage": language,
        "mainEntity": [
            {"@type": "Question", "name": question, "acceptedAnswer": {"@type": "Answer", "text": answer}}
            for question, answer in article.questions
        ],
    }


# --- assets -----------------------------------------------------------------

def load_assets(static_dir: Path) -> dict[str, bytes]:
    """Every file under templates/static, by its path inside it."""
    assets: dict[str, bytes] = {}
    if not static_dir.is_dir():
        return assets
    for root, dirs, files in os.walk(static_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.endswith("~"):
                continue
            full = Path(root) / name
            assets[full.relative_to(static_dir).as_posix()] = full.read_bytes()
    return assets


def asset_versions(assets: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest()[:10] for name, data in assets.items()}


# --- the Jinja environment ----------------------------------------------------

def make_environment(templates_dir: Path, compiled_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment; with `compiled_dir` (in the build cache) compiled
    templates are kept there, checked against their source, so a rebuild need not
    compile them again."""
    bytecode_cache = None
    if compiled_dir is not None:
        compiled_dir.mkdir(parents=True, exist_ok=True)
        bytecode_cache = jinja2.FileSystemBytecodeCache(str(compiled_dir))
    env = jinja2.Environment(
        loader=theme.make_loader(templates_dir),  # the site's templates over the default theme
        bytecode_cache=bytecode_cache,
        autoescape=jinja2.select_autoescape(["html", "xml", "htm"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["url"] = _url
    env.relative_urls = {}  # (folder of the page, target) -> relative URL: every page links the same few places
    env.globals["asset"] = _asset
    env.globals["format_date"] = _format_date
    env.globals["format_number"] = _format_number
    env.globals["site_text"] = _site_text
    env.globals["lang_attrs"] = _lang_attrs
    env.globals["text_direction"] = i18n.text_direction
    env.globals["inline_asset"] = _inline_asset
    env.globals["structured_data"] = _structured_data
    env.globals["article_picture"] = _article_picture
    env.globals["questions_data"] = questions_data
    env.jsonld_links = {}  # structured_data's memo, as relative_urls
    env.formatted_dates = {}  # (date, English?, format or language) -> text: an article page shows ~13 dates
    env.globals["generator"] = f"HealthHub {__version__}"
    env.filters["json_script"] = json_for_script
    env.filters["shorten"] = shorten
    env.filters["tag_path"] = _tag_path
    env.filters["absolute_url"] = lambda path, base_url: paths.absolute_url(base_url, path)
    i18n.install(env)
    return env


@jinja2.pass_context
def _tag_path(ctx, name: str) -> str:
    """A topic's page in the page's language (topics of each language have their own pages)."""
    return paths.tag_path(ctx.get("language_prefix", "") + paths.slugify(name))


@jinja2.pass_context
def _url(ctx, target: str) -> str:
    root = ctx["root_path"]
    if root:
        return root + paths.relative_url("index.html", target)
    page_path = ctx["page_path"]
    memo = getattr(ctx.environment, "relative_urls", None)
    if memo is None:
        return paths.relative_url(page_path, target)
    key = (page_path[: page_path.rfind("/") + 1], target)
    found = memo.get(key)
    if found is None:
        if len(memo) > 50_000:
            memo.clear()
        found = memo[key] = paths.relative_url(page_path, target)
    return found


@jinja2.pass_context
def _asset(ctx, name: str) -> str:
    version = ctx["asset_versions"].get(name)
    if version is None:
        raise jinja2.TemplateRuntimeError(f"the template asks for asset '{name}', which is not in templates/static/")
    return _url(ctx, paths.asset_path(name)) + "?v=" + version


@jinja2.pass_context
def _inline_asset(ctx, name: str) -> Markup:
    """A text asset's contents, for pages that must not depend on their URL (404)."""
    data = ctx["assets"].get(name)
    if data is None:
        raise jinja2.TemplateRuntimeError(f"the template asks for asset '{name}', which is not in templates/static/")
    text = data.decode("utf-8")
    return Markup(text.replace("</", "<\\/") if name.endswith(".css") else text)


@jinja2.pass_context
def _structured_data(ctx, article: Article, category: CategoryInfo) -> dict:
    links = getattr(ctx.environment, "jsonld_links", None)
    if links is not None and len(links) > 50_000:
        links.clear()
    translator = ctx.get("i18n")
    return structured_data(ctx["site"]._site, article, category, links,
                           language=ctx.get("lang", ""), home=translator.gettext("HOME") if translator else "HOME")


PICTURE_SIZES = {"card": images.CARD_SIZES, "card_wide": images.CARD_SIZES_WIDE, "thumb": images.THUMB_SIZES}


@jinja2.pass_context
def _article_picture(ctx, article: Article, sizes: str = "card", eager: bool = False, css_class: str = "card-image",
                     alt: str | None = None) -> Markup:
    """The article's front-matter image for a card or list, with its size, srcset and
    `sizes` (PICTURE_SIZES: what the theme's CSS makes of it), lazy unless `eager`.
    The alt text is the article's (see Article.image_alt) unless `alt` is given."""
    if not article.image:
        return Markup("")
    if sizes not in PICTURE_SIZES:
        raise jinja2.TemplateRuntimeError(f"article_picture: sizes '{sizes}' is not one of {', '.join(PICTURE_SIZES)}")
    picture = ctx["site"].picture(article.image)
    text = (article.image_alt or "") if alt is None else alt
    attrs = {"src": html_text.escape(_url(ctx, article.image)), "alt": html_text.escape(text),
             "class": html_text.escape(css_class), "decoding": "async"}
    if eager:  # the first card: on the first screen, often its largest element (LCP)
        attrs["fetchpriority"] = "high"
    else:
        attrs["loading"] = "lazy"
    if picture is None:  # an SVG, or a file that is not an image: shown as it is
        return Markup("<img " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + ">")
    folder = posixpath.dirname(article.image)
    return Markup(images.picture_html(picture, attrs, lambda name: html_text.escape(_url(ctx, posixpath.join(folder, name))),
                                      PICTURE_SIZES[sizes]))


@jinja2.pass_context
def _format_date(ctx, date: dt.date) -> str:
    translator = ctx.get("i18n")
    english = translator is None or translator.english  # English keeps the config's date_format
    memo = getattr(ctx.environment, "formatted_dates", None)
    # a Translator's dates follow its language (make_translator)
    key = (date, english, ctx["config"].date_format if english else translator.language)
    found = memo.get(key) if memo is not None else None
    if found is None:
        found = format_date(date, key[2]) if english else translator.date(date)
        if memo is not None:
            if len(memo) > 50_000:
                memo.clear()
            memo[key] = found
    return found


@jinja2.pass_context
def _lang_attrs(ctx, article: Article) -> Markup:
    """` lang="ar" dir="rtl"` for an article title shown on a page in another language."""
    if not article.language or article.language == ctx.get("lang"):
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(article.language, i18n.text_direction(article.language))


@jinja2.pass_context
def _site_text(ctx, name: str, markup: bool = True):
    """The config's `description` or `disclaimer` in the page's language: from the
    language's entry in `languages:` when it has one; otherwise the default
    language's text, marked with its language so it is read and laid out as such."""
    config, lang = ctx["config"], ctx.get("lang", "")
    language = next((item for item in config.languages if item.code == lang), None)
    text = getattr(language, name, "") if language is not None else ""
    if text or not markup or not config.languages or lang == config.language:
        return text or getattr(config, name)
    default = config.language
    return Markup('<span lang="{}" dir="{}">{}</span>').format(default, i18n.text_direction(default),
                                                               getattr(config, name))


@jinja2.pass_context
def _format_number(ctx, value: int) -> str:
    translator = ctx.get("i18n")
    return str(value) if translator is None else translator.number(value)


# --- pages ----------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """One output page: which template renders it, with which values."""

    path: str
    template: str
    values: dict
    language: str = ""  # '' : the site's default language


def _related_key(articles: Sequence[Article], count: int) -> bytes:
    """What related_lists' answer depends on (its memo is kept while this is the same)."""
    return hashlib.blake2b(marshal.dumps([(a.path, a.category_slug, a.tags, a.language) for a in articles], 0)
                           + str(count).encode(), digest_size=16).digest()


def related_of(site: Site, index: int, count: int, memo: dict | None = None,
               key: bytes | None = None) -> tuple[Article, ...]:
    """related_lists(site, count, memo)[index] alone: from the memo when it holds the
    answer for these articles, else from an index of the article's language. `key`:
    related_lists' key of these articles when the caller knows it (saves 30 ms at 10,000)."""
    articles = site.articles
    if memo is not None and memo.get("key") == (key or _related_key(articles, count)):
        try:
            return tuple([articles[i] for i in memo["lists"][index]])
        except (LookupError, TypeError):  # not the shape related_lists stores: worked out below
            pass
    article = articles[index]
    return RelatedIndex([a for a in articles if a.language == article.language]).related(article, count)


def related_lists(site: Site, count: int, memo: dict | None = None) -> list[tuple[Article, ...]]:
    """RelatedIndex.related for every article of the site, in order. `memo` (plain
    data, kept in the build cache) holds the last answer, reused while the
    articles' order, paths, categories and tags are the same."""
    articles = site.articles
    key = _related_key(articles, count)
    if memo is not None and memo.get("key") == key:
        return [tuple([articles[i] for i in found]) for found in memo["lists"]]
    # Related articles are in the article's own language (each language its own index).
    by_language: dict[str, list[Article]] = {}
    for article in articles:
        by_language.setdefault(article.language, []).append(article)
    indexes = {language: RelatedIndex(group) for language, group in by_language.items()}
    lists = [indexes[article.language].related(article, count) for article in articles]
    if memo is not None:
        position = {a.path: i for i, a in enumerate(articles)}
        memo.clear()
        memo.update(key=key, lists=[tuple([position[a.path] for a in found]) for found in lists])
    return lists


def article_page(site: Site, article: Article, related: tuple[Article, ...], category: CategoryInfo,
                 in_category: Sequence[Article]) -> Page:
    """An article's page (site_pages makes one per article; SitePlan.article_page one alone)."""
    config = site.config
    shown = {article.path} | {a.path for a in related}  # paths are unique: faster than comparing articles
    values = {
        "article": article,
        "category": category,
        "related": related,
        "more": tuple(itertools.islice((a for a in in_category if a.path not in shown), config.related_count)),
        "body": BodyRef(article.source, site.body_key(article)),
        "scheduled": article.path in site.scheduled,
    }
    values["translations"] = site.translations.get(article.path, ())
    values["variants"] = site.variants.get(article.path, ())
    # on a site of one language an article may still say it is in another (`language: fr`)
    return Page(article.path, "article.html", values,
                article.language if config.languages or article.language != config.language else "")


class SitePlan:
    """The site's pages, planned when asked for: all of them (site_pages), or one
    article's page alone (for a build that knows every other page is as it was, see
    incremental.PageCache), and the sitemap's entries."""

    def __init__(self, site: Site, search: bool = True, memo: dict | None = None):
        self.site, self.search, self.memo = site, search, memo
        self._pages: list[Page] | None = None
        self.entries: list[tuple] | None = None  # the sitemap's, when known without the pages
        # incremental.Kept for sitemap.xml when the last build's is known to be this build's
        self.sitemap_kept = None

    def pages(self) -> list[Page]:
        if self._pages is None:
            self._pages = site_pages(self.site, self.search, self.memo)
        return self._pages

    def related_key(self) -> bytes | None:
        """The key of the related lists the memo holds (see related_lists)."""
        related_memo = self.memo.get("related") if self.memo is not None else None
        return related_memo.get("key") if type(related_memo) is dict else None

    def article_page(self, index: int, related_key: bytes | None = None) -> Page:
        """The page of site.articles[index], as site_pages makes it (`related_key`: see related_of)."""
        site = self.site
        article = site.articles[index]
        related_memo = self.memo.get("related") if self.memo is not None else None
        related = related_of(site, index, site.config.related_count,
                             related_memo if type(related_memo) is dict else None, related_key)
        category = next(c for c in site.categories if c.slug == article.category_slug)
        return article_page(site, article, related, CategoryInfo.of(category), category.articles)

    def sitemap_entries(self) -> list[tuple]:
        if self.entries is None:
            self.entries = sitemap_entries(self.site, self.pages())
        return self.entries


def site_pages(site: Site, search: bool = True, memo: dict | None = None) -> list[Page]:
    """Every HTML page of the site, in a stable order. A page's values are all it
    shows besides `site` (a SiteView) and the configuration. `memo`: plain data kept
    in the build cache, updated here: its "related" see related_lists, its "atoz"
    see atoz.atoz_index (each replaced, never changed in place: the caller compares
    the memo with what it loaded to know whether to store it).
    On a site in several languages each language has its own home, topics and search
    pages (the default language at the root, others under /<lang>/)."""
    config = site.config
    default = config.language
    categories = {category.slug: CategoryInfo.of(category) for category in site.categories}
    tags = tuple(TagInfo.of(tag) for tag in site.tags)
    languages = site_languages(config)
    several = bool(config.languages)
    pages: list[Page] = []
    atoz_memo = memo.get("atoz") if memo is not None else None
    atoz_memo = atoz_memo if type(atoz_memo) is dict else {}
    atoz_kept: dict = {}  # this build's answers only: the memo does not grow with every edit

    def versions(path_of: Callable[[str], str]) -> tuple[tuple[str, str], ...]:
        """(language, path) of a site page in every language: its hreflang alternates."""
        return tuple((code, path_of(paths.language_prefix(code, default))) for code in languages) if several else ()

    for code in languages:
        prefix = paths.language_prefix(code, default) if several else ""
        articles = tuple(a for a in site.articles if a.language == code) if several else site.articles
        own_categories = tuple(c for c in site.categories if slug_language(c.slug, default) == code) \
            if several else site.categories
        language_tags = tuple(t for t in tags if slug_language(t.slug, default) == code) if several else tags
        values = {
            "latest": articles[: config.home_latest],
            "popular": most_viewed(articles, config.popular_count),
            # bounded like the header: a site with 200 categories lists a few and links the rest
            "categories": tuple(categories[c.slug] for c in top_categories(config, own_categories, config.nav_count)),
            "category_count": len(own_categories),
            "tags": language_tags,
        }
        if several:
            values["versions"] = versions(paths.home_path)
        language = code if several else ""
        pages.append(Page(paths.home_path(prefix), "home.html", values, language))
        pages.append(atoz_page(articles, code if several else config.language, prefix, language,
                               versions(paths.atoz_path), config.atoz, atoz_memo, atoz_kept))
        pages.append(Page(paths.topics_path(prefix), "topics.html", {
            "groups": tuple((letter, tuple(categories[c.slug] for c in group))
                            for letter, group in topic_groups(own_categories, code)),
            "category_count": len(own_categories),
            "tag_count": len(language_tags),
            "versions": versions(paths.topics_path),
        }, language))
    for category in site.categories:
        popular = most_viewed(category.articles, config.popular_count)
        info = categories[category.slug]
        language = slug_language(category.slug, default) if several else ""
        for pager in paginate(category.articles, config.per_page, lambda n, s=category.slug: paths.category_path(s, n)):
            pages.append(Page(pager.path, "category.html", {
                "category": info,
                "pager": pager,
                "popular": popular,
            }, language))
    for tag, info in zip(site.tags, tags):
        language = slug_language(tag.slug, default) if several else ""
        for pager in paginate(tag.articles, config.per_page, lambda n, s=tag.slug: paths.tag_path(s, n)):
            pages.append(Page(pager.path, "tag.html", {"tag": info, "pager": pager}, language))
    for code in languages:
        language_tags = tuple(t for t in tags if slug_language(t.slug, default) == code) if several else tags
        if language_tags:
            prefix = paths.language_prefix(code, default) if several else ""
            pages.append(Page(paths.tags_index_path(prefix), "tags.html", {"tags": language_tags},
                              code if several else ""))
    in_category = {category.slug: category.articles for category in site.categories}
    related_memo = memo.get("related") if memo is not None else None
    related_memo = dict(related_memo) if type(related_memo) is dict else {}
    related_all = related_lists(site, config.related_count, related_memo)
    if memo is not None:
        memo["related"], memo["atoz"] = related_memo, atoz_kept
    for article, related in zip(site.articles, related_all):
        pages.append(article_page(site, article, related, categories[article.category_slug],
                                  in_category[article.category_slug]))
    written: dict[str, list[Article]] = {person_id: [] for person_id in site.people}
    reviewed: dict[str, list[Article]] = {person_id: [] for person_id in site.people}
    for article in site.articles:  # one pass, not one per person (Site.work_of)
        if article.author in written:
            written[article.author].append(article)
        if article.reviewed_by in reviewed:
            reviewed[article.reviewed_by].append(article)
    for person_id in sorted(site.people):
        person = site.people[person_id]
        for code in languages:  # each language's page lists the person's work in that language
            in_language = (lambda found, code=code: tuple(a for a in found if a.language == code)) if several else tuple
            pages.append(Page(paths.person_path(person_id, paths.language_prefix(code, default) if several else ""),
                              "person.html", {"person": person, "written": in_language(written[person_id]),
                                              "reviewed": in_language(reviewed[person_id]),
                                              "versions": versions(lambda p, i=person_id: paths.person_path(i, p))},
                              code if several else ""))
    for article in site.articles:  # old addresses lead to the article (addresses.py)
        for alias in article.aliases:
            pages.append(Page(alias, "redirect.html", {
                "target_title": article.title, "target_path": article.path,
                "target_url": paths.absolute_url(config.base_url, article.path) if config.base_url else ""},
                article.language if several or article.language != default else ""))  # in the article's language
    for old, new, title in addresses.category_redirects(site):  # a renamed category's old addresses
        target = site.by_path.get(new)
        language = (target.language if target is not None else slug_language(new.rpartition("/")[0], default)) \
            if several else ""
        pages.append(Page(old, "redirect.html", {
            "target_title": title, "target_path": new,
            "target_url": paths.absolute_url(config.base_url, new) if config.base_url else ""}, language))
    for path, _line, _col in config.gone:
        pages.append(Page(path, "gone.html", {"address": addresses.url_of(path)}))
    # The glossary's terms are written in the default language: every language's glossary
    # page lists them (marked as that language), with its own interface.
    terms = atoz.collated(config.glossary, lambda t: t.term, config.language) if config.glossary else ()
    for code in languages:
        prefix = paths.language_prefix(code, default) if several else ""
        language = code if several else ""
        if config.accessibility_contact:
            pages.append(Page(paths.accessibility_path(prefix), "accessibility.html",
                              {"versions": versions(paths.accessibility_path)}, language))
        if terms:
            pages.append(Page(glossary_path(prefix), "glossary.html",
                              {"terms": terms, "versions": versions(glossary_path)}, language))
        if search:
            pages.append(Page(paths.search_path(prefix), "search.html", {}, language))
        pages.append(Page(paths.not_found_path(prefix), "404.html", {}, language))
    return pages


def atoz_page(articles: Sequence[Article], language: str, prefix: str = "", page_language: str = "",
              versions: tuple[tuple[str, str], ...] = (), entries: str = "articles", memo: dict | None = None,
              keep: dict | None = None) -> Page:
    """The A to Z page of `articles` in `language`'s alphabet, at paths.atoz_path(prefix)
    (a site with several languages makes one per language, in that language: page_language).
    `memo`, `keep`: see atoz.atoz_index."""
    values = {"letters": atoz.atoz_index(articles, language, entries, memo, keep), "atoz_language": language}
    if versions:
        values["versions"] = versions
    return Page(paths.atoz_path(prefix), "atoz.html", values, page_language)
def alternate_links(site: Site, page: Page) -> list[tuple[str, str]]:
    """(hreflang, path) of every language version of the page, itself included, and
    'x-default' for the default language's version (else the first in config order)."""
    config = site.config
    if not config.languages:
        return []
    article = page.values.get("article")
    if article is not None:
        versions = [(article.language, article.path)] + [(a.language, a.path) for a in page.values.get("translations", ())]
    else:
        versions = list(page.values.get("versions", ()))
    if len(versions) < 2:
        return []
    rank = {language.code: index for index, language in enumerate(config.languages)}
    versions.sort(key=lambda item: rank.get(item[0], len(rank)))
    return versions + [("x-default", versions[0][1])]


def render_page(env: jinja2.Environment, site: Site, page: Page, assets: dict[str, bytes],
                versions: dict[str, str], search: bool = True,
                view: SiteView | None = None, translator: i18n.Translator | None = None) -> tuple[bytes, frozenset[str]]:
    """The page's bytes, and which parts of SiteView it read (see SiteView)."""
    template = env.get_template(page.template)
    config = site.config
    root = _root_prefix(config, page)
    language = page.language or config.language
    if view is None:
        view = SiteView(site, navigation(site), tuple(TagInfo.of(tag) for tag in site.tags), page.language)
    if translator is None:
        translator = i18n.make_translator(language, {}, config.date_format)
    view.read = set()
    values = page.values
    body = values.get("body")
    if type(body) is BodyRef:
        values = dict(values, body=Markup(i18n.localize_body(site.body_html(values["article"]), translator, config)))
    prefix = paths.language_prefix(page.language, config.language) if config.languages else ""
    html = template.render(
        site=view,
        config=config,
        page_path=page.path,
        root_path=root,
        asset_versions=versions,
        assets=assets,
        # The 404 page is served at any depth: without a base URL it cannot
        # point at search.html reliably, so it has no search box.
        search=search and (page.template != "404.html" or bool(config.base_url)),
        lang=language,
        dir=translator.direction,
        i18n=translator,
        language_prefix=prefix,
        home_path=paths.home_path(prefix),
        search_path=paths.search_path(prefix),
        tags_index_path=paths.tags_index_path(prefix),
        site_paths=paths.SitePaths.of(prefix),
        **language_values(site, page),
        **discovery_values(site, page),
        **values,
    )
    return html.encode("utf-8"), frozenset(view.read)


def language_values(site: Site, page: Page) -> dict:
    """What a page of a site in several languages shows about them: <link rel=alternate
    hreflang> targets, the language switcher (the other versions, each named in its own
    language; the page's own language by name) and the Open Graph locales."""
    config = site.config
    if not config.languages:
        return {"alternates": (), "switcher": (), "language_name": "", "og_locale": "", "og_locale_alternates": ()}
    names = {language.code: language.name for language in config.languages}
    alternates = alternate_links(site, page)
    own = page.language or config.language
    others = [(code, path) for code, path in alternates if code not in ("x-default", own)]
    return {
        "alternates": tuple((code, paths.absolute_url(config.base_url, path) if config.base_url else path,
                             bool(config.base_url)) for code, path in alternates),
        "switcher": tuple((code, names.get(code, code), path) for code, path in others),
        "language_name": names.get(own, own),
        "og_locale": i18n.og_locale(own),
        "og_locale_alternates": tuple(i18n.og_locale(code) for code, _ in others),
    }


def _root_prefix(config: Config, page: Page) -> str:
    """The 404 page is served at any depth, so it links from the site's root path
    when the base URL says what that is; other pages link relatively."""
    if page.template == "404.html" and config.base_url:
        return urlsplit(config.base_url).path
    return ""


def discovery_values(site: Site, page: Page) -> dict:
    """What <head> needs so readers and crawlers find the page: canonical URL,
    feed links, and whether search engines should leave it out."""
    config = site.config
    article = page.values.get("article")
    draft = bool(article is not None and article.draft)
    moved = page.template in ("redirect.html", "gone.html")
    public = page.template not in ("404.html", "search.html") and not draft and not moved
    feed_links: list[tuple[str, str]] = []
    if config.base_url:
        prefix = paths.language_prefix(page.language, config.language) if config.languages else ""
        feed_links.append((config.site_name, prefix + paths.feed_path()))
        category = page.values.get("category")
        if category is not None:
            feed_links.append((f"{category.name} | {config.site_name}", paths.feed_path(category.slug)))
    return {
        "canonical_url": paths.absolute_url(config.base_url, page.path) if config.base_url and public else "",
        "noindex": draft or moved,
        "feed_links": feed_links,
    }


# (the site's plan, render one page, a string naming everything else the pages depend on) -> {path: bytes or marker}
PageRenderer = Callable[["SitePlan", Callable[[Page], tuple[bytes, frozenset[str]]], str], dict]


def render_site(env: jinja2.Environment, site: Site, assets: dict[str, bytes], search: bool = True,
                render_pages: PageRenderer | None = None, memo: dict | None = None,
                catalogs: dict[str, i18n.Catalog] | None = None) -> Outputs:
    """Every output file. `render_pages` may stand in for rendering the pages one by
    one (the build passes incremental.PageCache.render_pages, which leaves
    unchanged pages as incremental.Kept markers instead of bytes)."""
    versions = asset_versions(assets)
    outputs: Outputs = dict(site.files)
    outputs.update({paths.asset_path(name): data for name, data in assets.items()})
    plan = SitePlan(site, search, memo)
    catalogs = catalogs or {}
    nav, tag_infos = navigation(site), tuple(TagInfo.of(tag) for tag in site.tags)
    languages = site_languages(site.config)
    views = {"": SiteView(site, nav, tag_infos)}
    if site.config.languages:  # pages of no language of their own (404, people) are in the default one
        views = {code: SiteView(site, nav, tag_infos, code) for code in languages}
        views[""] = views[site.config.language]
    translators = {code: i18n.make_translator(code, catalogs, site.config.date_format) for code in languages}
    translators[""] = translators[site.config.language]

    def render_one(page: Page) -> tuple[bytes, frozenset[str]]:
        language = page.language
        if language not in translators:  # an article in a language the site does not list
            translators[language] = i18n.make_translator(language, catalogs, site.config.date_format)
        try:
            return render_page(env, site, page, assets, versions, search, views.get(language, views[""]),
                               translators[language])
        except (jinja2.TemplateError, BodyMissing):
            raise
        except Exception as exc:  # a bug, not an author mistake: say which page
            article = page.values.get("article")
            where = article.source if article is not None else f"{page.path} (template {page.template})"
            raise ProcessingError(where, exc) from exc

    if render_pages is not None:
        outputs.update(render_pages(plan, render_one, repr((sorted(versions.items()), search,
                                                            sorted((c, x.digest) for c, x in catalogs.items())))))
    else:
        for page in plan.pages():
            outputs[page.path] = render_one(page)[0]
    renamed = addresses.renamed_categories(site)[0]
    if site.config.base_url:
        kept = plan.sitemap_kept  # the feeds show bodies: made every time
        outputs.update(feeds.render_feeds(env, site, None if kept is not None else plan.sitemap_entries(), translators))
        if kept is not None:
            outputs["sitemap.xml"] = kept
        for slug, category in renamed:  # feed readers do not follow a page's refresh: the feed itself, also here
            outputs[paths.feed_path(slug)] = outputs[paths.feed_path(category.slug)]
    outputs["robots.txt"] = feeds.robots_txt(site.config)
    if renamed or len(site.config.languages) > 1 or any(article.aliases for article in site.articles):
        outputs["_redirects"] = addresses.redirects_file(site)
    return outputs


def sitemap_entries(site: Site, pages: Sequence[Page]) -> list[tuple]:
    """(path, last modified) of every public page: drafts, the search page and
    the 404 page are left out; a listing changes when its newest article does."""
    def last_change(article: Article) -> dt.date:
        # the page shows its review date, so a review changes it too
        return max(d for d in (article.modified, article.reviewed) if d is not None)

    def newest(articles) -> dt.date | None:
        dates = [last_change(a) for a in articles if not a.draft]
        return max(dates) if dates else None

    listed = {("category", c.slug): c.articles for c in site.categories}
    listed.update({("tag", t.slug): t.articles for t in site.tags})
    newest_of: dict[tuple[str, str], dt.date | None] = {}  # once per listing, not per page of it

    def newest_listed(key: tuple[str, str]) -> dt.date | None:
        if key not in newest_of:
            newest_of[key] = newest(listed[key])
        return newest_of[key]

    entries = []
    for page in pages:
        values = page.values
        if "article" in values:
            lastmod = None if values["article"].draft else last_change(values["article"])
            if lastmod is not None and site.config.languages:
                alternates = tuple((code, path) for code, path in alternate_links(site, page)
                                   if code == "x-default" or not site.by_path[path].draft)
                entries.append((page.path, lastmod, alternates if len(alternates) > 2 else ()))
                continue
        elif "person" in values:
            entries.append((page.path, newest(values["written"] + values["reviewed"]), alternate_links(site, page)))
            continue
        elif "category" in values:
            lastmod = newest_listed(("category", values["category"].slug))
        elif "tag" in values:
            lastmod = newest_listed(("tag", values["tag"].slug))
        elif page.template in ("glossary.html", "accessibility.html"):
            # Made from the config and glossary.yaml, which carry no dates (and a file's
            # mtime would make the same input give another sitemap): the statement's
            # date of last test when given, else the site's newest change, as the home page.
            tested = site.config.accessibility_tested if page.template == "accessibility.html" else None
            entries.append((page.path, tested or newest(site.articles), alternate_links(site, page)))
            continue
        elif page.template in ("home.html", "topics.html", "tags.html", "atoz.html"):
            # listed even before any article; a language's page changes with its articles
            own = [a for a in site.articles if a.language == page.language] if site.config.languages else ()
            entries.append((page.path, newest(own) or newest(site.articles), alternate_links(site, page)))
            continue
        else:
            lastmod = None
        if lastmod is not None:
            entries.append((page.path, lastmod))
    return entries
