"""The source site as the importers see it: its pages, and how to find a page or file
that a link, shortcode or Liquid tag names."""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .model import Report, SourcePage


class SourceSite:
    kind = ""

    def __init__(self, root: Path, report: Report, label: str):
        self.root = root
        self.report = report
        self.label = label  # how the source is named in messages
        self.pages: list[SourcePage] = []
        self.title = ""
        self.default_language = "en"
        # The default language as the source tags its pages (en-GB, pt-BR): a site in one
        # language keeps it (dates, og:locale, a reader's voice follow the region)
        self.language_tag = ""
        self.languages: list[str] = []
        self.base_url = ""
        self.params: dict = {}
        self.by_url: dict[str, SourcePage] = {}
        self.static_roots: list[Path] = []

    # -- what a reader fills in ------------------------------------------------
    def read(self) -> None:
        raise NotImplementedError

    def convert(self, page: SourcePage, ctx) -> str:
        """The page body with the source's own syntax converted (ctx: see body.Context)."""
        return page.body

    def find_page(self, page: SourcePage, ref: str, kind: str) -> SourcePage | None:
        return None

    def include(self, page: SourcePage, name: str) -> str | None:
        return None

    def param(self, page: SourcePage, name: str) -> str | None:
        return None

    def page_files(self, page: SourcePage) -> list[Path]:
        """Folders a relative image or file reference of this page is looked up in."""
        return [page.path.parent]

    # -- shared ----------------------------------------------------------------
    def index_urls(self) -> None:
        for page in self.pages:
            for url in page.urls + page.aliases:
                self.by_url.setdefault(normal_url(url), page)

    def page_at_url(self, url: str) -> SourcePage | None:
        return self.by_url.get(normal_url(url))

    def own_path(self, href: str) -> str | None:
        """The path of a link to this site (root-relative or an absolute URL on its
        own host), or None for a link elsewhere."""
        parts = urlsplit(href)
        if parts.scheme in ("http", "https") and self.base_url:
            own = urlsplit(self.base_url)
            if parts.netloc.lower() == own.netloc.lower():
                return parts.path or "/"
            return None
        if parts.scheme or parts.netloc:
            return None
        return parts.path if parts.path.startswith("/") else None

    def find_file(self, page: SourcePage, ref: str) -> Path | None:
        """The file an image or download reference names, if it is in the source."""
        path = unquote(urlsplit(ref).path)
        if not path:
            return None
        if path.startswith("/"):
            for root in self.static_roots:
                candidate = _inside(root, path.lstrip("/"))
                if candidate:
                    return candidate
            return None
        for folder in self.page_files(page):
            candidate = _inside(folder, path)
            if candidate:
                return candidate
        return None

    def inside_source(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root.resolve())
            return True
        except ValueError:
            return False


def _inside(folder: Path, rel: str) -> Path | None:
    candidate = (folder / posixpath.normpath(rel)) if rel else folder
    try:
        if candidate.is_file():
            return candidate
    except OSError:
        return None
    return None


def normal_url(url: str) -> str:
    path = unquote(urlsplit(url).path) or "/"
    if not path.startswith("/"):
        path = "/" + path
    for suffix in ("index.html", ".html"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return path.rstrip("/").lower() or "/"
