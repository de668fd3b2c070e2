"""What a long-running process (the live preview) keeps between builds of one site.

The command line reads the build cache from SQLite on every build: at 10,000
articles that is 0.6 s of a rebuild after one save (the rows, marshal, and
Articles made from them again). A server that builds the same site again and
again passes one WarmState to every `build()` and these are kept in memory:

- `files`: what the last build knew of each article file by its stat
  signature (the cache's `files` table);
- `records` and `decoded`: parsed articles by their parse key, as the cache
  stores them and as the Article, diagnostics and Body they decode to (and
  `keys`, each file's key by its name, see SourceReader). The
  key digests the file's bytes, the config, the people, the snippets it
  includes and HealthHub's code, so a decoded result is a pure function of
  it; Articles and Bodies are frozen and nothing changes them after parsing;
- `pages`: what the last build wrote for each output page (the `pages` table);
- `named`: the output folder's manifest and the build's memos (templates,
  related articles) as the last build stored them;
- `model`: the site model the last load stage made, with what it depends on
  (loading/patch.py): a save that changed only an article body's text gets
  it back with that body replaced, not gathered again;
- `digests`: what planning worked out from the last build's articles
  (incremental.ArticleDigests): a pure function of objects that are frozen,
  which the next build reuses only where its articles are those very objects;
- `listing`: the last scan of the articles folder (scan.Listing), which the
  next build takes only while the folders' stats and the preview's snapshot
  of the files there are the same.

It never decides correctness on its own: each build first checks that the
cache database is still the one this state was filled from and has not been
written by anyone else since (a token stored in it; a CLI build or `check`
on the same cache stores another, a deleted or damaged cache has none), and
drops everything otherwise. A build that raises drops it too; a failed build
keeps only what its load stage stored in the cache.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .cache import Cache, FileRecord, PageRecord

if TYPE_CHECKING:
    from ..loading.scan import Listing
    from ..loading.sources import StandingParser
    from .incremental import ArticleDigests, Planned

WARM_RECORD = "warm"  # the named cache value that holds the token of the state it matches


@dataclass(eq=False)
class WarmState:
    files: dict[str, FileRecord] = field(default_factory=dict)
    records: dict[bytes, bytes] = field(default_factory=dict)
    decoded: dict[bytes, tuple] = field(default_factory=dict)  # key -> (Article | None, (Diagnostic...), Body | None)
    pages: dict[str, PageRecord] | None = None  # None: not known, read from the cache
    named: dict[str, dict] = field(default_factory=dict)  # named values (the manifest, memos) as last stored
    token: bytes = b""  # b"": nothing known
    model: object = None  # patch.KeptModel | None
    keys: tuple = (None, {})  # what the reader made its keys with, and each file's (content, key)
    digests: ArticleDigests | None = None  # incremental.ArticleDigests of the last build
    planned: Planned | None = None  # incremental.Planned: the last build's pages as planned
    listing: Listing | None = None  # the last scan of the articles folder (scan.Listing), vouched for by stats
    # A parse worker the process started while it was small (sources.StandingParser):
    # not what a build knows, so forget() keeps it; its owner closes it.
    parser: StandingParser | None = None

    def forget(self) -> None:
        """Drop everything: the next build reads the cache."""
        self.files, self.records, self.decoded, self.pages, self.named = {}, {}, {}, None, {}
        self.token = b""
        self.model, self.keys = None, (None, {})
        self.digests = self.planned = None  # (not the listing: the disk vouches for it, not the cache)

    def usable(self, cache: Cache) -> bool:
        """Whether the cache is exactly as this state left it (else forget it all)."""
        if self.token and cache.problem is None and cache.load(WARM_RECORD).get("token") == self.token:
            return True
        self.forget()
        return False

    def new_token(self) -> bytes:
        """The token to store with the sources this build writes: a fresh one when the
        state starts again, so an older copy of the cache can never match it."""
        if not self.token:
            self.token = secrets.token_bytes(16)
        return self.token

    def check_kept(self, cache: Cache, resets: int) -> None:
        """After a build: forget everything when the cache failed or was started again
        while it ran (what it holds then is not what this state holds)."""
        if cache.problem is not None or cache.resets() != resets:
            self.forget()


def store_token(cache: Cache, warm: WarmState | None) -> None:
    """Record, in the cache, which warm state (if any) its sources and pages match:
    every build that writes them calls this (a build without one clears it)."""
    token = warm.new_token() if warm is not None else b""
    old = cache.load(WARM_RECORD)
    if old.get("token", b"") != token:
        cache.store(WARM_RECORD, {"token": token})
