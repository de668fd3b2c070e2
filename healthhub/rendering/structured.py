"""Structured data (JSON-LD) for a page: the article, its breadcrumb, its FAQ."""

from __future__ import annotations



from .. import paths
from ..loading.model import Article, Category, Site
from .pages import CategoryInfo


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
