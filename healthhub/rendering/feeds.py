"""What readers and crawlers subscribe to: Atom feeds, the sitemap, robots.txt.

Everything here is rendered from the site model, like the pages: no build
time goes in, so two builds of the same articles give the same bytes.
Feeds and the sitemap need absolute URLs, so they are only made when the
site has a base_url (render_site decides).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Sequence

import jinja2

from . import i18n
from .. import paths
from ..loading.config import Config
from ..loading.model import Article, Site

FEED_SIZE = 20
# Characters XML 1.0 forbids even when escaped; Markdown passes them through.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def atom_time(date: dt.date) -> str:
    """An RFC 3339 timestamp for a calendar date (midnight UTC)."""
    return f"{date.isoformat()}T00:00:00Z"


def feed_articles(articles: Sequence[Article]) -> tuple[Article, ...]:
    """The newest published articles; drafts are previews and never go out in a feed."""
    return tuple(a for a in articles if not a.draft)[:FEED_SIZE]


def author_name(site: Site, article: Article) -> str:
    """Front matter names the author by id; feeds show the person's name."""
    person = site.person(article.author) if article.author else None
    return person.name if person is not None else article.author


def render_feed(env: jinja2.Environment, site: Site, path: str, title: str, page_path: str,
                articles: Sequence[Article], language: str = "", translator=None) -> bytes:
    config = site.config
    localize = (lambda html: html) if translator is None else (
        lambda html: i18n.localize_body(html, translator, config))

    def absolute(target: str) -> str:
        return paths.absolute_url(config.base_url, target)

    updated = max((a.modified for a in articles), default=None)
    xml = env.get_template("feed.xml").render(
        config=config,
        lang=language or config.language,
        title=title,
        feed_url=absolute(path),
        page_url=absolute(page_path),
        updated=atom_time(updated) if updated else "1970-01-01T00:00:00Z",
        entries=[{
            "article": article,
            "content": localize(site.body_html(article)),
            "url": absolute(article.path),
            "author": author_name(site, article),
            "published": atom_time(article.date),
            "updated": atom_time(article.modified),
            "category_url": absolute(paths.category_path(article.category_slug)),
        } for article in articles],
    )
    return xml_text(xml).encode("utf-8")


def render_sitemap(env: jinja2.Environment, site: Site, entries: Sequence[tuple]) -> bytes:
    """Entries are (path, last modified) or (path, last modified, alternates): a page's
    language versions as (hreflang, path), written as xhtml:link elements."""
    base = site.config.base_url
    urls = [(paths.absolute_url(base, entry[0]), entry[1].isoformat() if entry[1] else "",
             tuple((code, paths.absolute_url(base, path)) for code, path in (entry[2] if len(entry) > 2 else ())))
            for entry in entries]
    return env.get_template("sitemap.xml").render(
        urls=urls, alternates=any(url[2] for url in urls)).encode("utf-8")


def robots_txt(config: Config) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if config.base_url:
        lines += ["", f"Sitemap: {paths.absolute_url(config.base_url, 'sitemap.xml')}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_feeds(env: jinja2.Environment, site: Site, sitemap_entries: Sequence[tuple] | None,
                 translators: dict | None = None) -> dict[str, bytes]:
    """feed.xml, <category>/feed.xml and sitemap.xml (the site must have a base_url;
    no sitemap when `sitemap_entries` is None: the caller keeps the last one).
    On a site in several languages each language has its feed (ar/feed.xml) and
    each category is in one language."""
    config = site.config
    translators = translators or {}
    languages = tuple(language.code for language in config.languages) or ("",)
    outputs = {}
    for code in languages:
        prefix = paths.language_prefix(code, config.language)
        articles = tuple(a for a in site.articles if a.language == code) if code else site.articles
        if code and code != config.language and not articles:
            continue
        path = prefix + paths.feed_path()
        outputs[path] = render_feed(env, site, path, config.site_name, paths.home_path(prefix),
                                    feed_articles(articles), code, translators.get(code or ""))
    for category in site.categories:
        published = feed_articles(category.articles)
        if published:
            path = paths.feed_path(category.slug)
            code = published[0].language if config.languages else ""
            outputs[path] = render_feed(env, site, path, f"{category.name} | {config.site_name}",
                                        category.path, published, code, translators.get(code))
    if sitemap_entries is not None:
        outputs["sitemap.xml"] = render_sitemap(env, site, sitemap_entries)
    return outputs
