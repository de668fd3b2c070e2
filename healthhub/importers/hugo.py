"""Reading a Hugo site: content/ with page bundles and _index.md sections, its
config (taxonomies, languages by contentDir or by file name), static files."""

from __future__ import annotations

import json
import posixpath
import sys
from pathlib import Path
from urllib.parse import urlsplit

from . import body
from .common import (
    MARKDOWN,
    extras,
    fill_common,
    fill_missing,
    has_template_code,
    lower_keys,
    plain,
    read_page,
    title_from_name,
    walk,
)
from .model import SourcePage, as_list
from .site import SourceSite
from .sourcefile import FrontMatterProblem, load_yaml, read_text, split_front_matter

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAMES = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml", "config.yml",
                "config.json")


class HugoSite(SourceSite):
    kind = "hugo"

    def read(self) -> None:
        config = self._config()
        low = lower_keys(config)
        self.title = plain(low.get("title", ""))
        self.base_url = str(low.get("baseurl") or "")
        self.params = low.get("params") if isinstance(low.get("params"), dict) else {}
        self.default_language = str(low.get("defaultcontentlanguage") or "en").lower()
        content_dir = self.root / str(low.get("contentdir") or "content")
        languages = {str(k).lower(): lower_keys(v) if isinstance(v, dict) else {}
                     for k, v in (low.get("languages") or {}).items()} if isinstance(low.get("languages"), dict) else {}
        self.language_tag = str(languages.get(self.default_language, {}).get("languagecode")
                                or low.get("languagecode") or "")
        taxonomies = low.get("taxonomies")
        if not isinstance(taxonomies, dict):
            taxonomies = {"category": "categories", "tag": "tags"}
        self.category_keys = [str(p).lower() for s, p in taxonomies.items() if str(s).lower() in ("category", "categories")]
        self.tag_keys = [str(p).lower() for s, p in taxonomies.items() if str(s).lower() not in ("category", "categories")]
        self.category_keys += [k for k in ("categories", "category") if k not in self.category_keys]
        self.tag_keys += [k for k in ("tags",) if k not in self.tag_keys]
        # Where each language's pages are: its contentDir, or content/<lang>/ (module mounts).
        roots: dict[str, Path] = {}
        for lang, settings in languages.items():
            if settings.get("contentdir"):
                roots[lang] = self.root / str(settings["contentdir"])
        base = self.root / "content"
        for lang in languages:
            if lang not in roots and (base / lang).is_dir():
                roots[lang] = base / lang
        if not roots:
            roots = {self.default_language: content_dir}
        elif self.default_language not in roots:
            roots[self.default_language] = content_dir
        self.roots = {lang: path for lang, path in roots.items() if path.is_dir()}
        self.languages = sorted(self.roots, key=lambda l: (l != self.default_language, l))
        suffix_langs = set(languages) if len(self.roots) == 1 and len(languages) > 1 else set()
        self.static_roots = [self.root / "static", self.root / "assets"] + list(self.roots.values())
        self.language_params = {lang: settings.get("params") for lang, settings in languages.items()
                                if isinstance(settings.get("params"), dict)}
        self.by_source: dict[str, SourcePage] = {}  # "lang:rel path"
        for lang in self.languages:
            self._read_language(lang, self.roots[lang], suffix_langs)
        self.index_urls()

    def _config(self) -> dict:
        candidates = [self.root / name for name in CONFIG_NAMES]
        candidates += [self.root / "config" / "_default" / name for name in CONFIG_NAMES]
        for path in candidates:
            if path.is_file():
                text = read_text(path.read_bytes())
                shown = f"{self.label}/{path.relative_to(self.root).as_posix()}"
                try:
                    if path.suffix == ".toml":
                        data = tomllib.loads(text)
                    elif path.suffix == ".json":
                        data = json.loads(text)
                    else:
                        data = load_yaml(text)
                except (tomllib.TOMLDecodeError, ValueError, FrontMatterProblem) as exc:
                    self.report.warn("config", shown, getattr(exc, "line", 1), 1,
                                     f"the Hugo config could not be read ({exc}), defaults used")
                    return {}
                return data if isinstance(data, dict) else {}
        return {}

    def _read_language(self, lang: str, root: Path, suffix_langs: set[str]) -> None:
        cascades: dict[str, dict] = {}
        files = walk(root)
        # _index.md first, so a section's cascade is known before its pages
        files.sort(key=lambda p: (len(p.relative_to(root).parts), p.name not in ("_index.md", "_index.markdown"), p.as_posix()))
        for path in files:
            rel = path.relative_to(root).as_posix()
            if not path.name.lower().endswith(MARKDOWN):
                continue
            shown = f"{self.label}/{path.relative_to(self.root).as_posix()}"
            read = read_page(path, shown, self.report)
            if read is None:
                continue
            meta, text, body_line, positions = read
            meta = meta or {}
            page_lang = lang
            stem = path.name.rsplit(".", 1)[0]
            if suffix_langs and "." in stem and stem.rsplit(".", 1)[1].lower() in suffix_langs:
                stem, page_lang = stem.rsplit(".", 1)[0], stem.rsplit(".", 1)[1].lower()
            folder = posixpath.dirname(rel)
            low = lower_keys(meta)
            is_section = stem == "_index"
            is_bundle = stem == "index"
            # cascade from the sections above (build options and drafts only)
            inherited: dict = {}
            parts = folder.split("/") if folder else []
            for depth in range(len(parts) + 1):
                inherited.update(cascades.get("/".join(parts[:depth]), {}))
            if is_section and isinstance(low.get("cascade"), (dict, list)):
                cascade = low["cascade"]
                for item in cascade if isinstance(cascade, list) else [cascade]:
                    if isinstance(item, dict) and not any(k in item for k in ("_target", "target")):
                        cascades[folder] = {**cascades.get(folder, {}), **lower_keys(item)}
            settings = {**inherited, **low}
            if _headless(settings):
                self.report.skip("headless page or fragment (build: render: never / headless: true)")
                continue
            if is_section and not text.strip():
                self.report.skip("section page (_index.md) without text of its own")
                continue
            kind = "section" if is_section else "bundle" if is_bundle else "page"
            page = SourcePage(path=path, display=shown, rel=rel, kind=kind, body=text, body_line=body_line,
                              language=page_lang, positions=positions, meta=settings)
            mapped: set[str] = set()
            fill_common(page, meta, mapped)
            categories: list[str] = []
            tags: list[str] = list(page.tags)
            for key, value in meta.items():
                k = str(key).lower()
                if k in self.category_keys:
                    categories += as_list(value)
                    mapped.add(key)
                elif k in self.tag_keys and k != "tags":
                    tags += as_list(value)
                    mapped.add(key)
            page.categories, page.tags = categories, tags
            fill_missing(page, path, shown, self.report,
                         title=plain(low.get("linktitle", "")) or title_from_name(
                             (parts[-1] if (is_section or is_bundle) and parts else stem) or self.title or "Home"),
                         slug=(parts[-1] if parts else "home") if (is_section or is_bundle) else stem)
            section = parts[0] if parts else ""
            page.category_hint = self._section_title(lang, section) if section else ""
            page.translation_path = posixpath.join(folder, "" if (is_section or is_bundle) else stem) or "home"
            page.extra = extras(meta, mapped)
            page.urls = self._urls(page, low, folder, stem, is_section or is_bundle)
            prefix = "" if page.language == self.default_language else f"/{page.language}"
            page.aliases = [alias_address(alias, page.urls[0], prefix) for alias in page.aliases]
            self.pages.append(page)
            self.by_source[f"{page_lang}:{rel}"] = page

    def _section_title(self, lang: str, section: str) -> str:
        for name in ("_index.md", "_index.markdown"):
            path = self.roots[lang] / section / name
            if path.is_file():
                try:
                    meta = split_front_matter(read_text(path.read_bytes()))[0] or {}
                except (OSError, FrontMatterProblem):
                    meta = {}
                low = lower_keys(meta)
                title = plain(low.get("title") or low.get("linktitle") or "")
                if title:
                    return title
        return title_from_name(section)

    def _urls(self, page: SourcePage, low: dict, folder: str, stem: str, is_index: bool) -> list[str]:
        prefix = "" if page.language == self.default_language else f"/{page.language}"
        urls = []
        if low.get("url"):
            urls.append(str(low["url"]))
        slug = page.slug if low.get("slug") else (None if is_index else stem)
        path = folder if is_index else posixpath.join(folder, slug or stem)
        urls.append(f"{prefix}/{path}/")
        if low.get("slug") and not is_index:
            urls.append(f"{prefix}/{posixpath.join(folder, stem)}/")
        return urls

    # -- finding things ----------------------------------------------------------
    def find_page(self, page: SourcePage, ref: str, kind: str) -> SourcePage | None:
        path = ref.split("#", 1)[0].split("?", 1)[0].strip()
        if not path:
            return page
        langs = [page.language] + [l for l in self.languages if l != page.language]
        here = posixpath.dirname(page.rel)
        bases = [path.lstrip("/")] if path.startswith("/") else [posixpath.normpath(posixpath.join(here, path)), path]
        for lang in langs:
            for base in bases:
                base = base.rstrip("/")
                for candidate in (base, base + ".md", base + "/index.md", base + "/_index.md", base + ".markdown"):
                    found = self.by_source.get(f"{lang}:{candidate}")
                    if found:
                        return found
        found = self.page_at_url(path)
        if found:
            return found
        name = posixpath.basename(path.rstrip("/"))
        matches = [p for p in self.pages if p.language == page.language and
                   posixpath.basename(p.rel).rsplit(".", 1)[0] == name.rsplit(".", 1)[0]]
        return matches[0] if len(matches) == 1 else None

    def page_files(self, page: SourcePage) -> list[Path]:
        folder = page.path.parent
        folders = [folder]
        if page.kind == "page":  # its URL is a folder named after the file
            folders.append(folder / page.path.name.rsplit(".", 1)[0])
        default_root = self.roots.get(self.default_language)
        if default_root and page.language != self.default_language:
            try:
                rel = folder.relative_to(self.roots[page.language])
                folders.append(default_root / rel)
            except (KeyError, ValueError):
                pass
        return folders

    def include(self, page: SourcePage, name: str) -> str | None:
        root = self.roots.get(page.language, page.path.parent)
        folder = page.path.parent
        candidates = []
        while True:
            candidates += [folder / "_includes" / name, folder / name]
            if folder == root or root not in folder.parents:
                break
            folder = folder.parent
        for candidate in candidates:
            if candidate.is_file() and self.inside_source(candidate):
                try:
                    meta, text, _, _ = split_front_matter(read_text(candidate.read_bytes()))
                except (OSError, FrontMatterProblem):
                    return None
                return None if has_template_code(text) else text.strip("\n")
        return None

    def param(self, page: SourcePage, name: str) -> str | None:
        page_params = page.meta.get("params") if isinstance(page.meta.get("params"), dict) else {}
        for source in (page_params, page.meta, self.language_params.get(page.language, {}), self.params):
            value = _dig(source, name)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                return str(value)
        return None

    def convert(self, page: SourcePage, ctx) -> str:
        text = body.convert_hugo(page.body, page, ctx)
        return body.convert_github_alerts(text, page, ctx.report)


def alias_address(alias: str, url: str, prefix: str = "") -> str:
    """An alias as an address from the site's root, as Hugo publishes it: one that does
    not start with '/' is next to the page (`aliases: [manual]` on /docs/cpp/instrumentation/
    is /docs/cpp/manual/); one that does is in the page's language (`/vendors` on a
    Spanish page is /es/vendors, gohugoio/hugo#14388), so translations never share one."""
    if "://" in alias:
        return alias
    if alias.startswith("/"):
        return alias if not prefix or alias == prefix or alias.startswith(prefix + "/") else prefix + alias
    base = posixpath.dirname(urlsplit(url).path.rstrip("/")) or "/"
    address = posixpath.normpath(posixpath.join(base, alias))
    if not address.startswith("/"):
        address = "/" + address.lstrip("./")
    return address if posixpath.splitext(address)[1] else address.rstrip("/") + "/"


def _dig(data, name: str):
    for part in name.split("."):
        if not isinstance(data, dict):
            return None
        low = {str(k).lower(): v for k, v in data.items()}
        data = low.get(part.lower())
    return data


def _headless(settings: dict) -> bool:
    if settings.get("headless") is True:
        return True
    for key in ("build", "_build"):
        options = settings.get(key)
        if isinstance(options, dict):
            options = lower_keys(options)
            render = options.get("render")
            if render is False or str(render).lower() in ("never", "false"):
                return True
    return False
