"""The last site model, patched when only article bodies' text changed.

The live preview rebuilds one site after every save. Most saves change the
words of one article's body: not its front matter, headings, links or images.
Gathering the site model again from 10,000 articles for that took 0.4 s of a
0.5 s load stage (categories, tags, links, files and images checked again).

`KeptModel` holds what `content.load_site` returned for a list of parse
results, and what else that answer depends on (`model_context`). A later
load with the same context whose parse results differ only in bodies' HTML
gets the same model with those articles' `Body` records replaced: everything
load_site computes from an article, its diagnostics and its body's ids, links
and images is then the same, and nothing else reads the body's HTML.
Anything else (another file changed, a field, a position, a diagnostic, an id
or link in a body) means load_site runs as before.

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
from .content import Article, Body, Read, Site
from .people import Person
from .scan import RACY_SECONDS


KEEP_FILES_LIMIT = 64_000_000  # bytes of images and other files a kept model may hold


@dataclass(frozen=True)
class KeptModel:
    context: bytes
    results: tuple[Read, ...]  # the parse results, in the order of the sources
    site: Site
    diagnostics: tuple[Diagnostic, ...]

    def patched(self, results: list[Read], bodies) -> Site | None:
        """The kept site for these parse results (same context), with the bodies
        they changed, or None when they changed anything else."""
        if len(results) != len(self.results):
            return None
        body_of = None
        for old, new in zip(self.results, results):
            if new is old:
                continue
            body = changed_body(old, new)
            if body is None:
                return None
            if body_of is None:
                body_of = dict(self.site.body_of)
            body_of[new[0].source] = body
        return dataclasses.replace(self.site, bodies=bodies, body_of=body_of or self.site.body_of)


def changed_body(old: Read, new: Read) -> Body | None:
    """new's Body when old and new differ only in the body's stored HTML, else None."""
    (old_article, old_problems, old_body), (article, problems, body) = old, new
    if old_article is None or article is None or old_body is None or body is None:
        return None
    if not same_article(old_article, article) or tuple(old_problems) != tuple(problems):
        return None
    if dataclasses.replace(body, key=old_body.key, where=old_body.where) != old_body:
        return None  # its ids, links or images changed
    return body


def same_article(a: Article, b: Article) -> bool:
    """Equal, including where each field is in the file (not compared by ==)."""
    return a == b and a.positions == b.positions and a.body_first_line == b.body_first_line


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
