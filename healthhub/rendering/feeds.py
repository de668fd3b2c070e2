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
        # the site's description in the feed's language (it was the default language's in every feed)
        description=i18n.site_text(config, "description", language, translator) or config.description,
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


# sitemaps.org: a sitemap holds at most 50,000 URLs and 50 MB (52,428,800 bytes)
MAX_SITEMAP_URLS = 50_000
MAX_SITEMAP_BYTES = 52_428_800


def render_sitemap(env: jinja2.Environment, site: Site, entries: Sequence[tuple]) -> dict[str, bytes]:
    """sitemap.xml. Entries are (path, last modified) or (path, last modified,
    alternates): a page's language versions as (hreflang, path), written as xhtml:link
    elements. A site with more URLs than one sitemap may hold (or more bytes: 29
    languages' alternates make each URL 3-4 KB) gets them in sitemap-1.xml,
    sitemap-2.xml... and sitemap.xml is their index, which robots.txt names as before."""
    base = site.config.base_url
    urls = [(paths.absolute_url(base, entry[0]), entry[1].isoformat() if entry[1] else "",
             tuple((code, paths.absolute_url(base, path)) for code, path in (entry[2] if len(entry) > 2 else ())))
            for entry in entries]
    template = env.get_template("sitemap.xml")
    parts: list[tuple[list, bytes]] = []
    start, size, max_bytes = 0, MAX_SITEMAP_URLS, MAX_SITEMAP_BYTES
    while start < len(urls) or not parts:
        chunk = urls[start:start + size]
        data = template.render(urls=chunk, alternates=any(url[2] for url in chunk)).encode("utf-8")
        if len(data) > max_bytes and len(chunk) > 1:
            size = (len(chunk) + 1) // 2  # too many bytes: fewer URLs in each part from here on
            continue
        parts.append((chunk, data))
        start += len(chunk)
    if len(parts) == 1:
        return {"sitemap.xml": parts[0][1]}
    outputs = {f"sitemap-{number}.xml": data for number, (_, data) in enumerate(parts, start=1)}
    listed = [(paths.absolute_url(base, name), max((url[1] for url in chunk), default=""))
              for name, (chunk, _) in zip(outputs, parts)]
    outputs["sitemap.xml"] = env.get_template("sitemap-index.xml").render(sitemaps=listed).encode("utf-8")
    return outputs


def robots_txt(config: Config) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if config.base_url:
        lines += ["", f"Sitemap: {paths.absolute_url(config.base_url, 'sitemap.xml')}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_feeds(env: jinja2.Environment, site: Site, translators: dict | None = None) -> dict[str, bytes]:
    """feed.xml and <category>/feed.xml (the site must have a base_url). On a site
    in several languages each language has its feed (ar/feed.xml) and
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
    return outputs
