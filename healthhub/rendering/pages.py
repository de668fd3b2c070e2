"""The site's pages, planned before anything is rendered: every Page with its
template, its address and what it shows (plan pages), and the sitemap's entries."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
from dataclasses import dataclass
from typing import Callable, Sequence


from .. import paths
from . import addresses, atoz
from .navigation import topic_groups, top_categories
from ..loading.config import Config
from ..loading.model import Article, Category, Site, Tag
from ..loading.glossary import glossary_path
from .related import related_lists, related_of


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


def slug_language(slug: str, default: str) -> str:
    """The language of a category or topic slug: its folder ('ar/...'), else the default."""
    folder = slug.rpartition("/")[0]
    return folder or default


def site_languages(config: Config) -> tuple[str, ...]:
    return tuple(language.code for language in config.languages) or (config.language,)


def most_viewed(articles: Sequence[Article], count: int) -> tuple[Article, ...]:
    return tuple(heapq.nsmallest(count, articles, key=lambda a: (-a.views, -a.date.toordinal(), a.path)))


@dataclass(frozen=True)
class Page:
    """One output page: which template renders it, with which values."""

    path: str
    template: str
    values: dict
    language: str = ""  # '' : the site's default language


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
        # incremental.Kept for each sitemap file when the last build's are known to be this build's
        self.sitemap_kept: dict | None = None

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
            prefix = paths.language_prefix(code, default) if several else ""
            language = code if several else ""
            # The person's page shows the newest config.per_page of each list; the rest
            # follow on pages of their own, as a category's do (an author of 2,000
            # articles was one page of 2,000 links, rendered again whenever one changed).
            lists = {"written": in_language(written[person_id]), "reviewed": in_language(reviewed[person_id])}
            # (a later page's "previous" and "1" lead back to the list's own heading on the person's page)
            pagers = {kind: paginate(found, config.per_page, lambda n, i=person_id, k=kind, p=prefix:
                                     paths.person_list_path(i, k, n, p) + (f"#{k}-heading" if n == 1 else ""))
                      for kind, found in lists.items()}
            pages.append(Page(paths.person_path(person_id, prefix), "person.html", {
                "person": person, "written": pagers["written"][0].items, "reviewed": pagers["reviewed"][0].items,
                "versions": versions(lambda p, i=person_id: paths.person_path(i, p)),
                "written_pager": pagers["written"][0], "reviewed_pager": pagers["reviewed"][0],
                "written_count": len(lists["written"]), "reviewed_count": len(lists["reviewed"])}, language))
            for kind, kind_pagers in pagers.items():
                for pager in kind_pagers[1:]:
                    pages.append(Page(pager.path, "person_list.html", {
                        "person": person, "kind": kind, "pager": pager, "count": len(lists[kind])}, language))
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
        elif "pager" in values and "person" in values:  # a later page of a person's list
            lastmod = newest(values["pager"].items)
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
