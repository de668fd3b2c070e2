"""Related articles: those sharing the most tags, found for every article in
time linear in the size of the site (RelatedIndex), and what a page shows of them."""

from __future__ import annotations

import hashlib
import marshal
from typing import Sequence


from .. import paths
from ..loading.model import Article, Site


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
