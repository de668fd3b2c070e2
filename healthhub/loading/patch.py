"""The last site model, patched when only article bodies' text changed.

The live preview rebuilds one site after every save. Most saves change the
words of one article's body: not its front matter, headings, links or images.
Gathering the site model again from 10,000 articles for that took 0.4 s of a
0.5 s load stage (categories, tags, links, files and images checked again).

`KeptModel` holds what `gather.load_site` returned for a list of parse
results, and what else that answer depends on (`model_context`). A later
load with the same context whose parse results differ only in bodies' HTML
gets the same model with those articles' `Body` records replaced: everything
load_site computes from an article, its diagnostics and its body's ids, links
and images is then the same, and nothing else reads the body's HTML.
Anything else (another file changed, a field, a position, a diagnostic, an id
or link in a body) means load_site runs as before.

A save that changes only what an article's listings show of it (the
description taken from its first paragraph, its reading time, its common
questions: LISTED_ONLY) is patched too: the new Article takes the old one's
place in every list of the site. load_site reads none of those fields (they
are made when the file is parsed), so it would gather the same site around
the new article.

Only models loaded without errors are kept: some error messages ask the disk
whether a file exists outside the articles folder, which no signature covers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..caching.cache import code_version, digest
from ..errors import Diagnostic
from .config import Config
from .model import Article, Body, Site
from .article import Read
from .people import Person
from .scan import RACY_SECONDS


KEEP_FILES_LIMIT = 64_000_000  # bytes of images and other files a kept model may hold
# Article fields made when the file is parsed that load_site never reads: pages show them
LISTED_ONLY = ("description", "reading_minutes", "questions")
# The Site fields patched_site knows; a model of another shape is never patched. (`left_out`
# counts drafts and articles not yet or no longer published: a patch changes neither.)
SITE_FIELDS = ("config", "articles", "categories", "tags", "drafts_shown", "by_path", "people", "files", "bodies",
               "body_of", "link_map", "scheduled", "left_out", "image_sizes", "pictures", "translations", "variants")


@dataclass(frozen=True)
class KeptModel:
    context: bytes
    results: tuple[Read, ...]  # the parse results, in the order of the sources
    site: Site
    diagnostics: tuple[Diagnostic, ...]

    def patched(self, results: list[Read], bodies) -> Site | None:
        """The kept site for these parse results (same context), with the bodies
        they changed and the articles whose LISTED_ONLY fields they changed, or
        None when they changed anything else."""
        if len(results) != len(self.results):
            return None
        body_of, swapped = None, {}
        for old, new in zip(self.results, results):
            if new is old:
                continue
            body = changed_body(old, new)
            if body is None:
                return None
            if body_of is None:
                body_of = dict(self.site.body_of)
            body_of[new[0].source] = body
            if new[0] != old[0]:  # its listed-only fields (changed_body said nothing else changed)
                if self.site.by_path.get(old[0].path) is not old[0]:
                    return None  # the site holds another copy of it (a renamed category's name)
                swapped[id(old[0])] = new[0]
        site = self.site if not swapped else swap_articles(self.site, swapped)
        if site is None:
            return None
        return dataclasses.replace(site, bodies=bodies, body_of=body_of or site.body_of)


def swap_articles(site: Site, swapped: dict[int, Article]) -> Site | None:
    """The site with each article whose id() is a key of `swapped` replaced by its value,
    in every list and mapping of the site that holds articles (None: a Site of a shape
    this does not know)."""
    if tuple(f.name for f in dataclasses.fields(site)) != SITE_FIELDS:
        return None
    get, ids = swapped.get, swapped.keys()

    # Without loops in Python over the articles (every save at 10,000 articles goes over
    # all of them, and over each of the 60,000 places of an article in a list)
    def each(articles) -> tuple:
        return tuple(map(get, map(id, articles), articles))

    def listed(groups: tuple) -> tuple:
        return tuple(group if ids.isdisjoint(map(id, group.articles))
                     else dataclasses.replace(group, articles=each(group.articles)) for group in groups)

    def mapped(values: dict) -> dict:
        return {key: each(found) for key, found in values.items()}
    return dataclasses.replace(
        site, articles=each(site.articles), categories=listed(site.categories), tags=listed(site.tags),
        by_path=dict(zip(site.by_path.keys(), each(site.by_path.values()))),
        translations=mapped(site.translations), variants=mapped(site.variants))


def changed_body(old: Read, new: Read) -> Body | None:
    """new's Body when old and new differ only in the body's stored HTML and the
    article's LISTED_ONLY fields, else None."""
    (old_article, old_problems, old_body), (article, problems, body) = old, new
    if old_article is None or article is None or old_body is None or body is None:
        return None
    if not same_article(old_article, article) or tuple(old_problems) != tuple(problems):
        return None
    if dataclasses.replace(body, key=old_body.key, where=old_body.where) != old_body:
        return None  # its ids, links or images changed
    return body


def same_article(a: Article, b: Article) -> bool:
    """Equal but for LISTED_ONLY, including where each field is in the file (not compared by ==)."""
    if a != b:
        listed = {name: getattr(a, name) for name in LISTED_ONLY}
        if dataclasses.replace(b, **listed) != a:
            return False
    return a.positions == b.positions and a.body_first_line == b.body_first_line


def model_context(config: Config, people: dict[str, Person], articles_dir: Path, drafts: bool, future: bool,
                  today: dt.date, scanned, signatures: dict[str, tuple]) -> bytes | None:
    """A digest of everything load_site reads besides the parse results: the options,
    the config and people, the working directory (messages name files relative to
    it), the list of article files, which are links and where their folders really
    are, and every other file by its stat signature. None when one of those files
    changed too recently for its signature to prove its content."""
    sources, others, problems = scanned
    now = time.time()
    other_signatures = []
    for name in map(os.fspath, others):
        signature = signatures.get(name)
        if signature is None or now - signature[1] / 1e9 <= RACY_SECONDS:
            return None
        other_signatures.append((name, signature))
    folders = {name.rpartition(os.sep)[0] for name in map(os.fspath, sources)}
    real = sorted((folder, os.path.realpath(folder)) for folder in folders)
    text = repr((os.getcwd(), os.fspath(articles_dir.absolute()), drafts, future, today.toordinal(), repr(config),
                 repr(sorted(people.items())), list(map(os.fspath, sources)), sorted(getattr(sources, "links", ())),
                 real, other_signatures, problems))
    return digest(code_version() + text.encode("utf-8", "surrogateescape"))


def keep(context: bytes | None, results: list[Read], site: Site, diagnostics: list[Diagnostic]) -> KeptModel | None:
    """What a warm state keeps of this load (None: nothing, see the module's docstring).
    The model holds the bytes of the files published next to articles: a server keeps
    it only while they are few, not a site's gigabyte of photos between saves."""
    if context is None or any(d.is_error for d in diagnostics):
        return None
    if sum(map(len, site.files.values())) > KEEP_FILES_LIMIT:
        return None
    return KeptModel(context, tuple(results), site, tuple(diagnostics))
