"""Render only the pages whose inputs changed since the last build.

A page is a pure function of its inputs: its template (with every template
it extends, imports or includes), its values (site_pages gives each page
everything it shows: the article, the pager, the related articles, a
reference to the body...), what every page may read (configuration, people,
the category navigation, asset versions, HealthHub's own code) and the
parts of the site it asked `site` for while it rendered (render.SiteView:
the whole article list, the topics). The fingerprint of all that is cheap
to compute because each article carries a digest of its own fields
(model.Article.digest), made once when the file is parsed.

A page is kept (not rendered, not written) when its fingerprint and the
parts it read are unchanged and its output file is still the one the last
build wrote. Everything else is rendered, in parallel worker processes when
there are many pages to render.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import itertools
import operator
import secrets
from typing import Callable

import jinja2
import jinja2.meta

from .. import parallel
from ..rendering.atoz import AtoZLetter
from .cache import PageRecord, code_version, digest, from_plain, to_plain
from ..loading.glossary import Term
from ..loading.model import Article, Site
from ..loading.patch import same_article
from ..loading.people import Person
from ..progress import Progress, Ticker
from ..rendering.pages import BodyRef, CategoryInfo, CategoryLink, Page, Pager, SitePlan, TagInfo
from ..rendering.environment import locate_template_error
from ..rendering.render import navigation
from ..writing.write import Staged, Staging

PARALLEL_RENDER_MIN = 400  # below this, starting worker processes costs more than it saves

RenderOne = Callable[[Page], tuple[bytes, frozenset[str]]]


class Kept:
    """An output file the last build wrote with exactly these bytes (by hash); not rendered again.

    A class with one slot, not a frozen dataclass: a body edit at 10,000 articles makes
    13,543 of them, in half the time (2.8 against 5.6 ms, 2026-12-01). Never changed once made."""

    __slots__ = ("hash",)

    def __init__(self, hash: bytes):
        self.hash = hash

    def __eq__(self, other) -> bool:
        return type(other) is Kept and other.hash == self.hash

    def __hash__(self) -> int:
        return hash(self.hash)

    def __repr__(self) -> str:
        return f"Kept({self.hash!r})"


class Unfingerprintable(Exception):
    """The templates could not all be read or parsed: every page is rendered again."""


def template_fingerprints(env: jinja2.Environment, memo: tuple | None = None) -> tuple[dict[str, bytes], tuple]:
    """Per template: a digest of its source and of every template it extends, imports or includes.
    Also a memo (plain data) to pass next time: parsing every template is the slow part.
    Raises Unfingerprintable when that cannot be worked out (never a guess)."""
    try:
        names = env.list_templates()
        sources: dict[str, str] = {}
        for name in names:
            try:
                sources[name] = env.loader.get_source(env, name)[0]
            except UnicodeDecodeError as exc:  # a binary file (templates/static/logo.png): by its bytes
                sources[name] = "\0bytes:" + digest(exc.object).hex()
        every = digest(repr(sorted(sources.items())).encode("utf-8", "surrogatepass"))
        if memo and memo[0] == every:
            return memo[1], memo
        result = _template_fingerprints(env, names, sources, every)
    except Exception as exc:  # unreadable, vanished mid-build...: render everything
        raise Unfingerprintable(str(exc)) from exc
    return result, (every, result)


def _template_fingerprints(env: jinja2.Environment, names: list[str], sources: dict[str, str],
                           every: bytes) -> dict[str, bytes]:
    refs: dict[str, set[str] | None] = {}
    for name, source in sources.items():
        if source.startswith("\0bytes:"):
            refs[name] = set()  # not a template: refers to nothing
            continue
        try:
            found = set(jinja2.meta.find_referenced_templates(env.parse(source)))
        except jinja2.TemplateSyntaxError:
            found = None
        refs[name] = None if found is None or None in found else found
    result: dict[str, bytes] = {}
    for name in names:
        seen, todo, dynamic = set(), [name], False
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if current not in sources or refs.get(current) is None:
                dynamic = True  # a computed name or a missing template: depend on all of them
                break
            todo.extend(refs[current])
        result[name] = every if dynamic else digest(repr(sorted((n, sources[n]) for n in seen)).encode())
    return result


_PLAIN = frozenset({str, int, float, bool, type(None), dt.date})
_RECORDS = frozenset({CategoryInfo, CategoryLink, TagInfo, Person, AtoZLetter, Term})


def fingerprint(value, out: list[bytes], memo: dict[int, bytes] | None = None) -> None:
    """Append an unambiguous encoding of a page value to `out`. Articles count by
    their digest; anything this does not know is a bug in site_pages, not a guess.
    `memo` remembers encodings of shared records by id() while the values live."""
    kind = type(value)
    if kind is Article:
        out.append(b"A" + value.digest)
    elif kind is BodyRef:
        out.append(b"B" + body_code(value.key) + b"\0")
    elif kind is tuple or kind is list:
        if value and all(type(item) is Article for item in value):  # related articles, a pager's items
            out.append(b"(A" + b"A".join([item.digest for item in value]) + b")")
            return
        out.append(b"(")
        for item in value:
            fingerprint(item, out, memo)
        out.append(b")")
    elif kind in _PLAIN:
        out.append(repr(value).encode("utf-8", "surrogatepass") + b"\0")
    elif kind in _RECORDS:
        found = memo.get(id(value)) if memo is not None else None
        if found is None:
            found = repr(value).encode("utf-8", "surrogatepass") + b"\0"
            if memo is not None:
                memo[id(value)] = found
        out.append(found)
    elif kind is Pager:
        out.append(repr((value.number, value.count, value.path_of(1), value.path_of(2))).encode() + b"\0")
        fingerprint(value.items, out, memo)
    elif kind is dict:  # in insertion order: site_pages makes each kind of page's values in one order
        out.append(b"{")
        for name, item in value.items():
            out.append(name.encode("utf-8", "surrogatepass") + b"=")
            if type(item) is Article:  # the usual values inline: 13,000 pages' worth of calls add up
                out.append(b"A" + item.digest)
            elif type(item) is tuple and item and all(type(one) is Article for one in item):
                out.append(b"(A" + b"A".join([one.digest for one in item]) + b")")
            else:
                fingerprint(item, out, memo)
        out.append(b"}")
    else:
        raise TypeError(f"a page value of type {kind.__name__} cannot be fingerprinted")


def site_fingerprint(env: jinja2.Environment, site: Site, extra: str) -> bytes:
    """What every page may read: code, configuration, people, navigation, assets, globals."""
    plain_globals = {k: v for k, v in env.globals.items() if isinstance(v, (str, int, float, bool, tuple))}
    return digest(repr((code_version(), repr(site.config), site.drafts_shown, extra, sorted(site.people.items()),
                        navigation(site), sorted(plain_globals.items()))).encode("utf-8", "surrogatepass"))


def part_fingerprints(site: Site, digests: ArticleDigests) -> dict[str, bytes]:
    """The parts of the site a page may ask render.SiteView for."""
    return {
        "articles": digests.articles_part,
        "tags": digest(repr([(t.name, t.slug, len(t.articles)) for t in site.tags]).encode("utf-8", "surrogatepass")),
        # the front-matter images' sizes and copies, which cards and related lists show
        "pictures": digests.pictures_part,
    }


@dataclasses.dataclass(frozen=True)
class ArticleDigests:
    """What planning works out from every article of a site model: every article by its
    digest, their front-matter pictures (part_fingerprints), each category's and
    topic's list of articles (shape_of) and each article's body code (body_code).

    A process that builds one site again and again (the live preview) keeps the
    last build's (warm.WarmState.digests) and passes them to article_digests, which
    works out again only what concerns articles that are not the very objects
    they were made from. Articles and their Bodies are frozen, and an article
    whose file did not change is the same object from one build to the next
    (sources.SourceReader keeps them), so what it gives is what working it all
    out would give; an article parsed again counts by its digest."""

    articles: tuple[Article, ...] = ()  # site.articles, as these were made from them
    sources: list[str] = dataclasses.field(default_factory=list)  # their sources, in that order
    bodies: tuple = ()  # site.body_of of each article, in that order
    link_map: dict = dataclasses.field(default_factory=dict)  # a copy of site.link_map
    pictures: dict = dataclasses.field(default_factory=dict)  # a copy of site.pictures
    articles_part: bytes = b""
    pictures_part: bytes = b""
    listings: dict = dataclasses.field(default_factory=dict)  # ("category"|"tag", name, slug) -> (articles, digest)
    codes: tuple[bytes, ...] = ()  # each article's body code, in order
    in_order: list[bytes] = dataclasses.field(default_factory=list)  # each article's digest, in order


_SOURCE = operator.attrgetter("source")
_HASH = operator.attrgetter("hash")
_PARTS = operator.attrgetter("parts")


def _others(new: tuple, old: tuple) -> list[int] | None:
    """The positions where `new` holds another object than `old` (None: not as many)."""
    if new is old:  # the same list (the warm state's site model kept: loading/patch.py)
        return []
    if len(new) != len(old):
        return None
    same = list(map(operator.is_, new, old))
    return [] if all(same) else [index for index, alike in enumerate(same) if not alike]


def _same_articles(new: tuple[Article, ...], old: tuple[Article, ...], others: list[int] | None = None) -> bool:
    """Whether two lists hold articles with the same digests, in the same order
    (`others`: _others(new, old), when the caller has it)."""
    others = _others(new, old) if others is None else others
    return others is not None and all(new[i].digest == old[i].digest for i in others)


def article_digests(site: Site, last: ArticleDigests | None = None) -> ArticleDigests:
    """The site's ArticleDigests, the work `last` did taken over where it stands (see there)."""
    articles = site.articles
    moved = _others(articles, last.articles) if last is not None else None  # where other objects are
    same_articles = moved is not None and _same_articles(articles, last.articles, moved)
    last = last or ArticleDigests()
    pictures = dict(site.pictures)
    same_pictures = pictures == last.pictures
    if same_articles:
        in_order = last.in_order
    elif moved is not None and len(moved) <= len(articles) // 4:  # only theirs read (10,000 in 4-6 ms)
        in_order = list(last.in_order)
        for index in moved:
            in_order[index] = articles[index].digest
    else:
        in_order = [a.digest for a in articles]
    articles_part = last.articles_part if same_articles else digest(b"".join(in_order))
    # The pictures part reads every article's image; while the pictures are the same and
    # the articles that are other objects have the images they had, it is the last one
    # (a description or title changed: 10,000 articles in 5-6 ms).
    same_images = moved is not None and all(articles[i].image == last.articles[i].image for i in moved)
    pictures_part = last.pictures_part if same_images and same_pictures else digest(
        repr(sorted({a.image: pictures.get(a.image) for a in articles if a.image}.items()))
        .encode("utf-8", "surrogatepass"))
    listings = {}
    for kind, groups in (("category", site.categories), ("tag", site.tags)):
        for group in groups:
            key = (kind, group.name, group.slug)
            known = last.listings.get(key)
            listings[key] = (group.articles, known[1] if known is not None and _same_articles(group.articles, known[0])
                             else digest(b"".join([a.digest for a in group.articles])))
    if moved is not None:  # the same objects have the same sources
        sources = list(last.sources)
        for index in moved:
            sources[index] = articles[index].source
    else:
        sources = list(map(_SOURCE, articles))
    bodies = tuple(map(site.body_of.get, sources))
    link_map = dict(site.link_map)
    if moved is not None and same_pictures and link_map == last.link_map:
        # An article's body code changes with its body, its links and its pictures; the
        # links and pictures are those of the last build, so only other bodies (and
        # other article objects, whose path may differ) make other codes. (Also when
        # an article changed: working out all 10,000 codes again took 30-40 ms.)
        codes = list(last.codes)
        for index in set(_others(bodies, last.bodies)) | set(moved):
            codes[index] = body_code(site.body_key(articles[index]))
    else:
        codes = [body_code(site.body_key(article)) for article in articles]
    return ArticleDigests(articles, sources, bodies, link_map, pictures, articles_part, pictures_part, listings,
                          tuple(codes), in_order)


def shape_of(site: Site, common: bytes, templates: dict[str, bytes], parts: dict[str, bytes],
             digests: ArticleDigests, masked: dict[int, bytes] | None = None) -> bytes:
    """A digest of everything site_pages' answer depends on but the articles' bodies:
    what every page reads (`common`), the templates, the parts of the site, every
    article by its digest in order (in `parts`), what lists which article, what is
    scheduled and what translates what. While it is the same, every page and its
    values are as they were, but for the body of an article page (see PageCache).
    `masked`: the digest to count instead of their own for some articles, by id()
    (the shape the site would have with the last build's copies of them; `parts` then
    counts those digests too). Only the lists that hold one of them are gone over
    one article at a time: at 10,000 articles in 5 of 30 tags each, going over every
    list so took 30-40 ms of a save that changed a description."""
    ids = masked.keys() if masked else frozenset()
    masked_digest = (lambda a: masked.get(id(a), a.digest)) if masked else _DIGEST

    def digests_of(articles) -> list:
        return list(map(_DIGEST if ids.isdisjoint(map(id, articles)) else masked_digest, articles))

    def listed(kind: str, groups) -> list:
        found = []
        for g in groups:
            articles, own = digests.listings[kind, g.name, g.slug]
            if masked and not ids.isdisjoint(map(id, articles)):
                own = digest(b"".join(map(masked_digest, articles)))
            found.append((g.name, g.slug, own))
        return found
    text = repr((common, sorted(templates.items()), sorted(parts.items()), listed("category", site.categories),
                 listed("tag", site.tags), sorted(site.scheduled),
                 [(path, digests_of(found)) for path, found in sorted(site.translations.items())],
                 [(path, digests_of(found)) for path, found in sorted(site.variants.items())]))
    return digest(text.encode("utf-8", "surrogatepass"))


_DIGEST = operator.attrgetter("digest")


class Planned:
    """The last build's pages as planned (a process that builds one site again and
    again keeps them, see warm.WarmState), by path in site_pages' order, and which
    pages show which article (by source), worked out when first asked for."""

    __slots__ = ("pages", "_showing")

    def __init__(self, pages: dict):
        self.pages = pages
        self._showing: dict[str, list[str]] | None = None

    def replaced(self, pages: list[Page]) -> "Planned":
        """These pages planned again (the same paths, showing the same articles)."""
        planned = Planned({**self.pages, **{page.path: page for page in pages}})
        planned._showing = self._showing
        return planned

    def showing(self, source: str) -> list[str]:
        """The paths of the pages whose values hold the article from `source`."""
        return self.work_out().get(source, [])

    def work_out(self) -> dict[str, list[str]]:
        """Which pages show which article, worked out once (0.15 s at 10,000 articles:
        the live preview does it between saves, not in the first save that asks)."""
        if self._showing is None:
            showing: dict[str, list[str]] = {}
            for path, page in self.pages.items():
                for found in set(_articles_in(page.values)):
                    showing.setdefault(found, []).append(path)
            self._showing = showing
        return self._showing


def _articles_in(value):
    """The sources of the articles a page value holds."""
    kind = type(value)
    if kind is Article:
        yield value.source
    elif kind is tuple or kind is list:
        for item in value:
            yield from _articles_in(item)
    elif kind is dict:
        for item in value.values():
            yield from _articles_in(item)
    elif kind is Pager:
        yield from _articles_in(value.items)


def _swapped(value, swap: dict[str, Article]):
    """A page value with the articles from the sources `swap` knows replaced (fingerprint's kinds)."""
    kind = type(value)
    if kind is Article:
        return swap.get(value.source, value)
    if kind is tuple or kind is list:
        return kind(_swapped(item, swap) for item in value)
    if kind is dict:
        return {name: _swapped(item, swap) for name, item in value.items()}
    if kind is Pager:
        return dataclasses.replace(value, items=_swapped(value.items, swap))
    return value


def body_code(body_key: tuple) -> bytes:
    """A page body's key (Site.body_key: the body's own key and the links it resolves), as bytes."""
    key, links = body_key
    return key + (repr(links).encode("utf-8", "surrogatepass") if links else b"")


class PageCache:
    """Decides which pages need rendering, renders them, and remembers their fingerprints.

    A build where only articles' bodies changed plans and fingerprints only their
    pages: the last build left (as `plan_memo`, stored with the page records) the
    shape of the site (shape_of), its pages in order, each article's body code
    (body_code) and the sitemap's entries. When the shape is the same, every
    other page has the values it had, and its stored record stands for it as long
    as its output file is intact. Anything else takes the full path: every page
    planned and fingerprinted. One body edited at 10,000 articles (2026-12-01,
    CPU seconds, medians of 5 interleaved with the full path, load under 1):
    planning and deciding 0.20 s instead of 1.25 s (with reading the stored
    records and the output folder's state: 0.44 s), the whole build 3.3 s instead of 4.5 s."""

    def __init__(self, env: jinja2.Environment, site: Site, stored: dict[str, PageRecord], template_memo: tuple,
                 verified: dict[str, bytes],
                 jobs: int = 1, progress: Progress | None = None, staging: Staging | None = None,
                 lap: Callable[[str, str], None] = lambda stage, work: None, plan_memo: dict | None = None,
                 digests: ArticleDigests | None = None, planned: Planned | None = None, keep_planned: bool = False,
                 sitemap_files: tuple[str, ...] = ()):
        # The last build's pages as planned, when the caller kept them (a warm state);
        # this build's after render_pages when keep_planned.
        self.planned, self.keep_planned = planned, keep_planned
        self.plan_memo = plan_memo if plan_memo is not None else {}  # see above; this build's after render_pages
        self.digests = digests  # the last build's (see ArticleDigests); this build's after render_pages
        self.lap = lap  # told when a stage ends (see build.Timings)
        self.env = env
        self.staging = staging  # rendered pages go straight into it, not into memory
        self.progress = progress
        self.site = site
        self.stored = stored  # what the last build wrote, by output path
        self.template_memo = template_memo  # see template_fingerprints
        self.verified = verified  # output path -> hash of the file now on disk, when known to be intact
        self.sitemap_files = sitemap_files  # the last build's (sitemap.xml, and its parts on a big site)
        self.jobs = jobs
        self.pages: dict[str, PageRecord] = {}  # what this build wrote, for the cache
        self.rendered = 0
        self.kept = 0

    def render_pages(self, plan: SitePlan, render_one: RenderOne, extra: str) -> dict[str, bytes | Kept]:
        """render.PageRenderer: `extra` names what else the pages depend on (asset versions...)."""
        site = self.site
        common = site_fingerprint(self.env, site, extra)
        try:
            templates, template_memo = template_fingerprints(self.env, self.template_memo)
            old_pages = self.stored
        except Unfingerprintable:
            templates, template_memo, old_pages = {}, (), {}  # nothing is known to be unchanged
        last = self.digests
        self.digests = digests = article_digests(site, last)
        parts = part_fingerprints(site, digests)
        shape = shape_of(site, common, templates, parts, digests) if templates else None
        bodies = list(digests.codes)
        new_pages: dict[str, PageRecord] = {}
        outputs: dict[str, bytes | Kept] = {}
        known = self._known_pages(shape, bodies, old_pages, parts) if shape is not None else None
        listed = None
        if known is None and shape is not None:
            listed = self._listed_only(site, last, digests, common, templates, parts, bodies, old_pages)
            if listed is not None:
                known = listed[0]
        if known is not None:  # only article pages whose body changed are planned
            # The related lists' key is the one the last build stored with this shape: the same articles
            related_key = self.plan_memo.get("related")
            related_key = related_key if type(related_key) is bytes else None
            changed = itertools.compress(range(len(bodies)), map(operator.ne, bodies, known))  # without a loop in Python
            pages = [plan.article_page(index, related_key) for index in changed]
            if listed is not None:  # and those of articles whose listed-only fields changed, and pages showing them
                _, swap, stale, moved = listed
                fresh = {page.path for page in pages}
                more = [index for index in moved if site.articles[index].path not in fresh]
                pages += [plan.article_page(index, related_key) for index in more]
                fresh.update(site.articles[index].path for index in more)
                showing = dict.fromkeys(stale)
                for source in swap:
                    showing.update(dict.fromkeys(self.planned.showing(source)))
                pages += [_swapped_page(self.planned.pages[path], swap) for path in showing if path not in fresh]
            if site.config.base_url:
                # The same shape gives the same sitemap: the last build's files, while they are all
                # intact (rendering it again took 0.13 s at 10,000 articles), else one from its entries.
                on_disk = {name: self.verified.get(name) for name in self.sitemap_files}
                intact = bool(on_disk) and None not in on_disk.values()
                plan.sitemap_kept = {name: Kept(hash) for name, hash in on_disk.items()} if intact else None
                plan.entries = from_plain(self.plan_memo["sitemap"]) if not intact else None
            # in the order site_pages gives (a planned page stays in place)
            new_pages = dict(zip(self.plan_memo["pages"], map(old_pages.__getitem__, self.plan_memo["pages"])))
            outputs = dict(zip(new_pages, map(Kept, map(_HASH, new_pages.values()))))
            if any(page.path not in outputs for page in pages):  # cannot be while the shape is the same
                known, outputs, new_pages, plan.entries, plan.sitemap_kept = None, {}, {}, None, None
            else:
                self.lap("plan pages", f"{len(pages):,} of {len(outputs):,} pages (only bodies changed)" if listed is None
                         else f"{len(pages):,} of {len(outputs):,} pages (only bodies and what listings show changed)")
        if known is None:
            pages = plan.pages()
            self.lap("plan pages", f"{len(pages):,} page{'s' * (len(pages) != 1)}")
        dirty: list[tuple[Page, bytes]] = []
        verified = self.verified
        blake2b = hashlib.blake2b
        memo: dict[int, bytes] = {}
        for page in pages:
            template = templates.get(page.template)
            out = [common, template or b"?", page.path.encode("utf-8", "surrogatepass"), page.template.encode()]
            fingerprint(page.values, out, memo)
            key = blake2b(b"\0".join(out), digest_size=16).digest()
            record = old_pages.get(page.path)
            if (template is not None and record is not None and record.fingerprint == key
                    and verified.get(page.path) == record.hash
                    and all(parts.get(name) == value for name, value in record.parts)):
                outputs[page.path] = Kept(record.hash)
                new_pages[page.path] = record
            else:
                dirty.append((page, key))
        self.kept = len(outputs) - (len(dirty) if known is not None else 0)
        self.rendered = len(dirty)
        if known is None:
            self.plan_memo = {"shape": shape, "pages": [page.path for page in pages], "bodies": bodies,
                              "sitemap": to_plain(plan.sitemap_entries()) if site.config.base_url else None,
                              "related": plan.related_key()}
        elif known != bodies or self.plan_memo.get("shape") != shape:
            self.plan_memo = dict(self.plan_memo, shape=shape, bodies=bodies)
        if self.keep_planned:
            if known is None:
                self.planned = Planned({page.path: page for page in pages})
            elif self.planned is None:  # a warm state's first build (a preview that just started): all of them
                self.planned = Planned({page.path: page for page in plan.pages()})
            elif pages:
                self.planned = self.planned.replaced(pages)
        self.lap("decide what changed", f"{len(pages):,} page{'s' * (len(pages) != 1)} fingerprinted, "
                                        f"{len(dirty):,} to render")
        ticker = Ticker(self.progress, "Rendering pages", len(dirty))
        for page, key, data, read in self._render(dirty, render_one):
            ticker.advance()
            outputs[page.path] = data
            new_pages[page.path] = PageRecord(key, tuple((name, parts[name]) for name in sorted(read)),
                                              data.hash if type(data) is Staged else digest(data))
        self.pages, self.template_memo = new_pages, template_memo
        return outputs

    def _listed_only(self, site: Site, last: ArticleDigests | None, digests: ArticleDigests, common: bytes,
                     templates: dict[str, bytes], parts: dict[str, bytes], bodies: list[bytes],
                     old_pages: dict[str, PageRecord]) -> tuple[list[bytes], dict[str, Article], list[str], list[int]] | None:
        """For a build whose articles differ from the last build's only in what listings
        show of some of them (loading.patch.LISTED_ONLY: a description taken from the
        first paragraph, the reading time) and in bodies: the last build's body codes,
        those articles (by source), the pages that read a part of the site that changed
        and where those articles are in site.articles. Else None. Needs the pages the last
        build planned (a warm state): every page is then as it was but for those
        articles in its values (site_pages reads none of those fields), so only the
        pages that show them are planned again, from the last build's, with the new
        copies put in."""
        planned = self.planned
        if last is None or planned is None or len(site.articles) != len(last.articles):
            return None
        swap: dict[str, Article] = {}
        masked: dict[int, bytes] = {}
        moved = []
        for index in _others(site.articles, last.articles):
            old, new = last.articles[index], site.articles[index]
            if old.digest == new.digest:
                continue
            if old.source != new.source or not same_article(old, new):
                return None
            swap[new.source] = new
            masked[id(new)] = old.digest
            moved.append(index)
        # With the last build's copies of them every article has the digest it had then:
        # the articles part is the last build's
        masked_parts = dict(parts, articles=last.articles_part)
        if not swap or shape_of(site, common, templates, masked_parts, digests, masked) != self.plan_memo.get("shape"):
            return None
        known = self._known_pages(self.plan_memo["shape"], bodies, old_pages, masked_parts)
        if known is None or list(planned.pages) != self.plan_memo["pages"]:
            return None
        stale = [path for path, record in old_pages.items() if record.parts and path in planned.pages
                 and not all(parts.get(name) == value for name, value in record.parts)]
        return known, swap, stale, moved

    def _known_pages(self, shape: bytes, bodies: list[bytes], old_pages: dict[str, PageRecord],
                     parts: dict[str, bytes]) -> list[bytes] | None:
        """The last build's body codes when it had this shape and every page it made
        is still on disk as it left it (so its record can stand), else None."""
        memo = self.plan_memo
        known, paths = memo.get("bodies"), memo.get("pages")
        if (memo.get("shape") != shape or type(known) is not list or len(known) != len(bodies)
                or type(paths) is not list or (self.site.config.base_url and memo.get("sitemap") is None)):
            return None
        # Most pages read the same parts: each combination is checked once. Over all pages
        # by map(): 13,543 of them in 2-3 ms instead of 8-9 ms (2026-12-01).
        records = list(map(old_pages.get, paths))
        if None in records or list(map(self.verified.get, paths)) != list(map(_HASH, records)):
            return None
        for read in set(map(_PARTS, records)):
            if not all(parts.get(name) == value for name, value in read):
                return None
        return known

    def _render(self, dirty: list[tuple[Page, bytes]], render_one: RenderOne):
        if not dirty:
            return
        jobs = self.jobs if len(dirty) >= PARALLEL_RENDER_MIN else 1
        if self.staging is not None:
            self.staging.folder()  # made once, before any worker starts
        if jobs > 1 and parallel.can_fork():
            chunks = _chunks(len(dirty), jobs * 4)
            for results in parallel.map_chunks(lambda chunk: _render_chunk(self, dirty, render_one, chunk),
                                               _worker_render, chunks, jobs, _worker_start, (self, dirty, render_one)):
                for index, data, read in results:
                    page, key = dirty[index]
                    yield page, key, data, read
            return
        for page, key in dirty:
            data, read = render_one(page)
            if self.staging is not None:
                data = self.staging.put(page.path, data)
            yield page, key, data, read


PLAN_RECORDS = ("plan", "plan bodies")


def plan_records(memo: dict, stored: dict[str, dict]) -> dict[str, dict]:
    """A PageCache's plan_memo as the cache stores it, given what it stored last: the
    shape and body codes, which change with every save, apart from the page list,
    sitemap entries and related key (0.5 MB at 10,000 articles), which a save that
    changes a body or what listings show leaves as they were. The codes name the
    rest by an id, new whenever the rest changes, so a rest and codes that were not
    stored together are never put together (plan_memo_from)."""
    rest = {key: value for key, value in memo.items() if key not in ("shape", "bodies")}
    last = stored.get("plan", {})
    same = type(last.get("id")) is bytes and {key: value for key, value in last.items() if key != "id"} == rest
    plan_id = last["id"] if same else secrets.token_bytes(8)
    return {"plan": dict(rest, id=plan_id),
            "plan bodies": {"plan": plan_id, "shape": memo.get("shape"), "bodies": memo.get("bodies")}}


def plan_memo_from(records: dict[str, dict]) -> dict:
    """plan_records' inverse; {} (every page is planned) when the two parts were not
    stored together or one is missing."""
    rest, codes = records.get("plan", {}), records.get("plan bodies", {})
    if (type(rest.get("id")) is not bytes or codes.get("plan") != rest["id"] or type(codes.get("shape")) is not bytes
            or type(codes.get("bodies")) is not list):
        return {}
    memo = {key: value for key, value in rest.items() if key != "id"}
    memo.update(shape=codes["shape"], bodies=codes["bodies"])
    return memo


def _swapped_page(page: Page, swap: dict[str, Article]) -> Page:
    return dataclasses.replace(page, values=_swapped(page.values, swap))


TASK_SIZE = 48  # pages per task: small, so both cores stay busy to the end


def _chunks(count: int, parts: int) -> list[range]:
    size = max(1, min(TASK_SIZE, -(-count // parts)))
    return [range(start, min(count, start + size)) for start in range(0, count, size)]


# Worker processes are forked with the renderer already in memory; this holds it
# in each worker (a worker-process global, set once by the pool initializer).
_WORKER: dict = {}


def _worker_start(cache: PageCache, dirty, render_one) -> None:
    # Everything this worker inherited is left out of its garbage collections: a full
    # collection writes to every object it walks, which copies the parent's pages into
    # this process one by one (at 10,000 articles each worker ended up holding its
    # own copy of the site model). Only this forked process: no thread shares it.
    gc.freeze()
    _WORKER.update(cache=cache, dirty=dirty, render_one=render_one)


def _worker_render(indexes: range):
    try:
        return _render_chunk(_WORKER["cache"], _WORKER["dirty"], _WORKER["render_one"], indexes)
    except jinja2.TemplateError as exc:  # sent to the build without its traceback: where it is, kept on it
        raise locate_template_error(exc)


def _render_chunk(cache: PageCache, dirty, render_one, indexes: range) -> list:
    results = []
    for index in indexes:
        page, _ = dirty[index]
        data, read = render_one(page)
        if cache.staging is not None:
            data = cache.staging.put(page.path, data)  # written where rendered: no bytes come back from a worker
        results.append((index, data, read))
    return results
