"""Render only the pages whose inputs changed since the last build.

A page is kept (not rendered, not written) when the templates it uses, the
configuration, the asset versions, HealthHub's own code, its values and every
piece of site data it read last time (tracking.py) are unchanged, and its
output file is still the one the last build wrote. Everything else is
rendered, in parallel worker processes when there are many pages to render.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from typing import Callable, Sequence

import jinja2
import jinja2.meta

from .cache import code_version, digest
from .content import Article, Category, Site, Tag
from .progress import Progress, Ticker
from .render import Page, Pager
from .write import Staged, Staging
from .tracking import Checker, Fingerprints, Reads, TrackingEnvironment, entities_of, fingerprint_reads

PARALLEL_RENDER_MIN = 400  # below this, starting worker processes costs more than it saves


@dataclasses.dataclass(frozen=True)
class Kept:
    """An output file the last build wrote with exactly these bytes (by hash); not rendered again."""

    hash: bytes


ENTITY_KEYS: dict[type, Callable[[object], str]] = {
    Article: lambda a: "a:" + a.path,
    Category: lambda c: "c:" + c.slug,
    Tag: lambda t: "t:" + t.slug,
    Site: lambda s: "s:",
    Pager: lambda p: "p:" + p.path,
}


def template_fingerprints(env: jinja2.Environment) -> dict[str, bytes]:
    """Per template: a digest of its source and of every template it extends, imports or includes."""
    try:
        names = env.list_templates()
        sources = {name: env.loader.get_source(env, name)[0] for name in names}
    except Exception:
        return {}
    refs: dict[str, set[str] | None] = {}
    for name, source in sources.items():
        try:
            found = set(jinja2.meta.find_referenced_templates(env.parse(source)))
        except jinja2.TemplateSyntaxError:
            found = None
        refs[name] = None if found is None or None in found else found
    every = digest(repr(sorted(sources.items())).encode())
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


def environment_fingerprint(env: jinja2.Environment, site: Site, extra: str) -> bytes:
    plain_globals = {k: v for k, v in env.globals.items() if isinstance(v, (str, int, float, bool, tuple))}
    return digest(repr((code_version(), repr(site.config), site.drafts_shown, extra,
                        sorted(plain_globals.items()))).encode())


class PageCache:
    """Decides which pages need rendering, renders them, and remembers what they read."""

    def __init__(self, env: jinja2.Environment, site: Site, stored: dict,
                 verified: dict[str, bytes], article_versions: dict[int, bytes], jobs: int = 1,
                 progress: Progress | None = None, staging: Staging | None = None):
        self.env = env
        self.staging = staging  # rendered pages go straight into it, not into memory
        self.progress = progress
        self.site = site
        self.stored = stored
        self.verified = verified  # output path -> hash of the file now on disk, when known to be intact
        self.jobs = jobs
        self.prints = Fingerprints(ENTITY_KEYS, article_versions)
        self.state: dict = {}
        self.rendered = 0
        self.kept = 0

    def render_pages(self, pages: Sequence[Page], render_one: Callable[[Page], bytes],
                     extra: str) -> dict[str, bytes | Kept]:
        """render.PageRenderer: `extra` names what else the pages depend on (asset versions...)."""
        prints = self.prints
        entities = self._entities(pages)
        env_print = environment_fingerprint(self.env, self.site, extra)
        template_prints = template_fingerprints(self.env)
        old_versions = self.stored.get("versions", {})
        new_versions = {key: prints.version(obj) for key, obj in entities.items()}
        unchanged = {key for key, version in new_versions.items() if old_versions.get(key) == version}
        checker = Checker(self.env, prints, entities, unchanged, self.stored.get("prints", {}))
        old_pages: dict[str, tuple] = self.stored.get("pages", {})
        new_pages: dict[str, tuple] = {}
        outputs: dict[str, bytes | Kept] = {}
        dirty: list[tuple[Page, bytes]] = []
        for page in pages:
            head = digest(b"".join((
                env_print, template_prints.get(page.template, b"?"),
                prints.encode((page.path, page.template, page.values), deep=False).encode("utf-8", "surrogatepass"),
            )))
            record = old_pages.get(page.path)
            if (record is not None and record[0] == head and self.verified.get(page.path) == record[2]
                    and checker.all_same(record[1])):
                outputs[page.path] = Kept(record[2])
                new_pages[page.path] = record
            else:
                dirty.append((page, head))
        self.kept = len(outputs)
        self.rendered = len(dirty)
        dep_prints = dict(checker.new_prints)
        interned: dict[tuple, tuple] = {}
        ticker = Ticker(self.progress, "Rendering pages", len(dirty))
        for page, head, data, deps in self._render(dirty, render_one):
            ticker.advance()
            outputs[page.path] = data
            if deps is None:
                continue  # it read something that cannot be fingerprinted: render it every time
            groups: dict[str, list[tuple]] = {}
            for dep, value in deps.items():
                dep = interned.setdefault(dep, dep)
                dep_prints[dep] = value
                for key in entities_of(dep):
                    groups.setdefault(key, []).append(dep)
            new_pages[page.path] = (head, {key: tuple(group) for key, group in groups.items()},
                                    data.hash if type(data) is Staged else digest(data))
        old_prints = self.stored.get("prints", {})
        prints_kept: dict[tuple, bytes] = {}
        for record in new_pages.values():
            for group in record[1].values():
                for dep in group:
                    if dep not in prints_kept:
                        prints_kept[dep] = dep_prints[dep] if dep in dep_prints else old_prints[dep]
        self.state = {"pages": new_pages, "prints": prints_kept, "versions": new_versions}
        prints.memo.clear()  # only needed while rendering; the state above holds what is kept
        prints.canonical.clear()
        return outputs

    def _entities(self, pages: Sequence[Page]) -> dict[str, object]:
        key = self.prints.key
        found: dict[str, object] = {key(self.site): self.site}
        for group in (self.site.articles, self.site.categories, self.site.tags):
            for item in group:
                found[key(item)] = item
        for page in pages:
            for value in page.values.values():
                if type(value) in ENTITY_KEYS:
                    found.setdefault(key(value), value)
        return found

    def _render(self, dirty: list[tuple[Page, bytes]], render_one: Callable[[Page], bytes]):
        if not dirty:
            return
        if isinstance(self.env, TrackingEnvironment):
            self.env.wrap_callables()
        jobs = self.jobs if len(dirty) >= PARALLEL_RENDER_MIN else 1
        if self.staging is not None:
            self.staging.folder()  # made once, before any worker starts
        if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            chunks = _chunks(len(dirty), jobs * 4)
            with context.Pool(jobs, initializer=_worker_start, initargs=(self, dirty, render_one)) as pool:
                for results in pool.imap(_worker_render, chunks):
                    for index, data, deps in results:
                        page, head = dirty[index]
                        yield page, head, data, deps
            return
        for page, head in dirty:
            data, deps = render_tracked(self.env, page, render_one, self.prints)
            if self.staging is not None:
                data = self.staging.put(page.path, data)
            yield page, head, data, deps


def render_tracked(env, page: Page, render_one: Callable[[Page], bytes], prints: Fingerprints):
    """The page's bytes and its dependencies (None when they cannot all be fingerprinted)."""
    if not isinstance(env, TrackingEnvironment):
        return render_one(page), None
    reads = env.reads = Reads(prints)
    try:
        data = render_one(page)
    finally:
        env.reads = None
    if any(dep[0] == "u" for dep in reads.deps):
        return data, None
    return data, fingerprint_reads(reads)


def _chunks(count: int, parts: int) -> list[range]:
    size = max(1, -(-count // parts))
    return [range(start, min(count, start + size)) for start in range(0, count, size)]


# Worker processes are forked with the renderer already in memory; this holds it
# in each worker (a worker-process global, set once by the pool initializer).
_WORKER: dict = {}


def _worker_start(cache: PageCache, dirty, render_one) -> None:
    _WORKER.update(cache=cache, dirty=dirty, render_one=render_one)


def _worker_render(indexes: range):
    cache, dirty, render_one = _WORKER["cache"], _WORKER["dirty"], _WORKER["render_one"]
    results = []
    for index in indexes:
        page, _ = dirty[index]
        data, deps = render_tracked(cache.env, page, render_one, cache.prints)
        if cache.staging is not None:
            data = cache.staging.put(page.path, data)  # the worker writes it: no bytes go back
        results.append((index, data, deps))
    return results
