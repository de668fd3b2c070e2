"""Render the site model to memory: a mapping of output path -> bytes.

Rendering reads no source files: the model, the loaded templates and the
static assets are all it needs.
"""

from __future__ import annotations

import operator
from urllib.parse import urlsplit
from dataclasses import dataclass
from typing import Callable

import jinja2
from markupsafe import Markup

from .. import paths
from . import addresses, feeds, i18n
from .navigation import NavLink, header_links
from ..loading.config import Config
from ..caching.bodies import BodyMissing
from ..loading.model import Article, Site
from ..errors import ProcessingError
from ..loading.people import Person
from .environment import asset_versions
from .pages import alternate_links, BodyRef, CategoryLink, Page, site_languages, SitePlan, slug_language, TagInfo

_ALIASES = operator.attrgetter("aliases")


Outputs = dict[str, bytes]


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


def navigation(site: Site) -> Navigation:
    config = site.config
    by_language = ()
    if config.languages:
        by_language = tuple((code, header_links(config, tuple(c for c in site.categories
                                                             if slug_language(c.slug, config.language) == code)))
                            for code in site_languages(config))
    return Navigation(tuple(CategoryLink(c.name, c.slug, c.path) for c in site.categories),
                      header_links(config, site.categories), by_language)


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
        outputs.update(feeds.render_feeds(env, site, translators))  # the feeds show bodies: made every time
        kept = plan.sitemap_kept
        outputs.update(kept if kept is not None else feeds.render_sitemap(env, site, plan.sitemap_entries()))
        for slug, category in renamed:  # feed readers do not follow a page's refresh: the feed itself, also here
            outputs[paths.feed_path(slug)] = outputs[paths.feed_path(category.slug)]
    outputs["robots.txt"] = feeds.robots_txt(site.config)
    if renamed or len(site.config.languages) > 1 or any(map(_ALIASES, site.articles)):  # (every save: no Python loop)
        outputs["_redirects"] = addresses.redirects_file(site)
    return outputs
