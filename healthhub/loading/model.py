"""The site model: Article, Body, Category, Tag and Site, plain data that loading
fills and rendering reads (rendering never reads source files)."""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass, field
from urllib.parse import unquote

from .. import paths
from .config import Config
from .markup import Heading
from .people import Person
from ..rendering.images import rewrite_images
from ..caching.bodies import BodyStore


@dataclass(frozen=True)
class Source:
    """One entry of an article's `sources:` list."""

    title: str
    url: str
    publisher: str
    year: int
    doi: str = ""
    pmid: str = ""


HISTORY_CHANGES = ("created", "updated", "reviewed")


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of an article's `history:` list (`by` is a person id in authors.yaml)."""

    date: dt.date
    change: str  # one of HISTORY_CHANGES
    by: str
    note: str = ""


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
    headings: tuple[Heading, ...]
    path: str  # output path inside the site
    # Trust: medical review and sources (person ids refer to authors.yaml).
    reviewed_by: str = ""
    reviewed: dt.date | None = None
    next_review: dt.date | None = None
    sources: tuple[Source, ...] = ()
    reading_minutes: int = 1
    # Front-matter fields HealthHub does not know, kept as written for templates
    # (`article.extra.weight`): texts, lists and mappings of texts.
    extra: dict = field(default_factory=dict)
    # Old addresses of this page (site paths), each given a redirect page (see addresses.py).
    aliases: tuple[str, ...] = ()
    # The day the article is taken down (it is published before that day only).
    expires: dt.date | None = None
    # The article's picture for cards, Open Graph and structured data: its output path,
    # and its alt text (`image_alt:`, else the alt text of the same image in the body;
    # None: not given anywhere, '' : decorative, given as `image_alt: ""`).
    image: str = ""
    image_alt: str | None = None
    # Other names the A to Z lists the article under ("piles" for haemorrhoids).
    also_known_as: tuple[str, ...] = ()
    # The page history, oldest first as written; `questions`: the "Common questions"
    # section's (question, answer text) pairs, for FAQPage structured data.
    history: tuple[HistoryEntry, ...] = ()
    questions: tuple[tuple[str, str], ...] = ()
    # Languages: the article's language ('' on a site without `languages:`, where the
    # site's language applies), what links its translations, and `easy-read` or ''.
    language: str = ""
    translation_key: str = ""
    variant: str = ""
    # The condition this article is the main page of (`condition: Haemorrhoids`): with
    # `atoz: conditions` the A to Z lists conditions, each once, under this name.
    condition: str = ""
    # Where things are in the source file, for messages and `check` (not part of the page).
    body_first_line: int = field(default=1, compare=False)
    positions: dict = field(default_factory=dict, compare=False, repr=False)
    # A digest of every field above: a page showing this article is the same while it is.
    digest: bytes = field(default=b"", compare=False, repr=False)

    @property
    def modified(self) -> dt.date:
        return self.updated or self.date

    @property
    def last_changed(self) -> dt.date:
        """The newest date the page history or `updated` gives (JSON-LD dateModified)."""
        return max([self.modified, *(entry.date for entry in self.history)])

    @property
    def last_reviewed(self) -> dt.date | None:
        """The newest medical review: `reviewed`, or a later 'reviewed' history entry."""
        dates = [entry.date for entry in self.history if entry.change == "reviewed"]
        if self.reviewed is not None:
            dates.append(self.reviewed)
        return max(dates) if dates else None


@dataclass(frozen=True)
class Body:
    """An article's body, which is not held in the site model (10,000 bodies are most
    of a build's memory): its key in the BodyStore, and what the rest of the site
    needs from it: its element ids (for links to #anchors) and its inline links to
    #anchors and other articles' .md files (href, line, col)."""

    key: bytes
    ids: tuple[str, ...] = ()
    links: tuple[tuple[str, int, int], ...] = ()
    where: str = ""  # where the store keeps it (its answer to put)
    images: tuple[tuple[str, int, int], ...] = ()  # (src, line, col) of its local images


@dataclass(frozen=True)
class Listing:
    """Articles listed together on a page of their own: a category or a topic (Tag)."""
    name: str
    slug: str
    articles: tuple[Article, ...]  # newest first


class Tag(Listing):
    @property
    def path(self) -> str:
        return paths.tag_path(self.slug)


class Category(Listing):
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
    people: dict[str, Person] = field(default_factory=dict, compare=False)
    # Images and other files kept next to articles: output path -> bytes.
    files: dict[str, bytes] = field(default_factory=dict, compare=False)
    bodies: "BodyStore | None" = field(default=None, compare=False, repr=False)
    body_of: dict[str, Body] = field(default_factory=dict, compare=False, repr=False)  # by article source
    # Per article source: (href, page URL) for its links to other articles' .md files.
    link_map: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, compare=False, repr=False)
    scheduled: frozenset[str] = frozenset()  # paths of articles shown before their date (--future)
    # Articles this build did not publish: drafts, scheduled for a later day, taken down (expires)
    left_out: tuple[int, int, int] = (0, 0, 0)
    # Images articles show (output path -> size), read by load_site; the build makes
    # their smaller copies and sets `pictures` (output path -> images.Picture).
    image_sizes: dict = field(default_factory=dict, compare=False, repr=False)
    pictures: dict = field(default_factory=dict, compare=False, repr=False)
    # Per article path: its translations and its other variants (see link_translations).
    translations: dict[str, tuple[Article, ...]] = field(default_factory=dict, compare=False, repr=False)
    variants: dict[str, tuple[Article, ...]] = field(default_factory=dict, compare=False, repr=False)

    def body_key(self, article: Article) -> tuple:
        """What the article's HTML body depends on: its stored body, where its links lead
        and the pictures it shows."""
        return self.body_of[article.source].key, self.link_map.get(article.source, ()) + self._pictures_of(article)

    def _pictures_of(self, article: Article) -> tuple:
        """(src as written, Picture) of the article's images that have one."""
        body = self.body_of[article.source]
        if not body.images or not self.pictures:
            return ()
        folder = posixpath.dirname(article.path)
        found = {}
        for src, _line, _col in body.images:
            picture = self.pictures.get(posixpath.normpath(posixpath.join(folder, unquote(src))))
            if picture is not None:
                found[src] = picture
        return tuple(sorted(found.items()))

    def body_html(self, article: Article) -> str:
        """The article's HTML body, with links to other articles' .md files pointing at their pages."""
        if self.bodies is None:
            raise LookupError("this site model was loaded without its bodies")
        html = self.bodies.get(self.body_of[article.source].where)
        for href, url in self.link_map.get(article.source, ()):
            html = html.replace(f'href="{_escape_attr(href)}"', f'href="{_escape_attr(url)}"')
        if "<pre>" in html:  # a code block that scrolls sideways must be reachable by keyboard
            html = html.replace("<pre>", '<pre tabindex="0">')
        return rewrite_images(html, dict(self._pictures_of(article)))

    def person(self, person_id: str) -> Person | None:
        return self.people.get(person_id)

    def work_of(self, person_id: str) -> tuple[tuple[Article, ...], tuple[Article, ...]]:
        """(articles written, articles reviewed) by a person, newest first."""
        return (tuple(a for a in self.articles if a.author == person_id),
                tuple(a for a in self.articles if a.reviewed_by == person_id))


def _escape_attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
