"""Reading a Jekyll site: _posts (and _drafts), collections, pages with front matter,
_config.yml (permalinks, languages, collections), _includes for simple includes."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

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

_POST_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
_LANG_CODE = re.compile(r"^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$", re.I)


class JekyllSite(SourceSite):
    kind = "jekyll"

    def read(self) -> None:
        self.config = self._config()
        low = lower_keys(self.config)
        self.title = plain(low.get("title", ""))
        self.base_url = str(low.get("url") or "")
        self.static_roots = [self.root]
        self.permalink = str(low.get("permalink") or "date")
        declared = set()
        for item in low.get("languages") or []:
            if isinstance(item, dict):
                item = lower_keys(item).get("value") or lower_keys(item).get("code")
            if item:
                declared.add(str(item).lower())
        self.default_language = str(low.get("lang") or low.get("language") or low.get("default_lang") or "en").lower()
        collections = low.get("collections") or {}
        if isinstance(collections, list):
            collections = {name: {} for name in collections}
        self.collections = {str(name): (lower_keys(v) if isinstance(v, dict) else {}) for name, v in collections.items()}
        files = walk(self.root)
        found: list[tuple[Path, str]] = []  # (file, kind)
        for path in files:
            rel = path.relative_to(self.root).as_posix()
            top = rel.split("/", 1)[0]
            name = path.name.lower()
            if not (name.endswith(MARKDOWN) or name.endswith(".html")):
                continue
            if top == "_posts":
                found.append((path, "post"))
            elif top == "_drafts":
                found.append((path, "draft"))
            elif top.startswith("_") and top[1:] in self.collections:
                found.append((path, f"collection {top[1:]}"))
            elif top.startswith("_") or top in self._excluded(low):
                continue
            else:
                found.append((path, "page"))
        langs_seen = set(declared)
        read: list[tuple[Path, str, tuple]] = []
        for path, kind in found:
            shown = f"{self.label}/{path.relative_to(self.root).as_posix()}"
            result = read_page(path, shown, self.report)
            if result is None:
                continue
            meta = result[0]
            if meta is None:  # Jekyll copies a file without front matter as it is: not a page
                self.report.skip("file without front matter (Jekyll copies it as it is)")
                continue
            if path.name.lower().endswith(".html"):
                self.report.skip("HTML page or layout stub (.html), not imported")
                continue
            lang = lower_keys(meta).get("lang") or lower_keys(meta).get("language")
            if lang:
                langs_seen.add(str(lang).lower())
            read.append((path, kind, result))
        self.language_codes = {l for l in langs_seen if _LANG_CODE.match(l)}
        self.by_rel: dict[str, SourcePage] = {}
        self.by_post_name: dict[str, list[SourcePage]] = {}
        for path, kind, (meta, text, body_line, positions) in read:
            self._add(path, kind, meta, text, body_line, positions)
        self.languages = sorted({p.language for p in self.pages}, key=lambda l: (l != self.default_language, l))
        self.index_urls()

    def _excluded(self, low: dict) -> set[str]:
        return {str(x).strip("/") for x in (low.get("exclude") or [])} | {"README.md", "readme.md", "LICENSE.md",
                                                                          "CHANGELOG.md", "CONTRIBUTING.md"}

    def _config(self) -> dict:
        for name in ("_config.yml", "_config.yaml"):
            path = self.root / name
            if path.is_file():
                try:
                    data = load_yaml(read_text(path.read_bytes()))
                except FrontMatterProblem as exc:
                    self.report.warn("config", f"{self.label}/{name}", exc.line, exc.col, f"{exc.message}, defaults used")
                    return {}
                except OSError:
                    return {}
                return data if isinstance(data, dict) else {}
        return {}

    def _add(self, path: Path, kind: str, meta: dict, text: str, body_line: int, positions: dict) -> None:
        rel = path.relative_to(self.root).as_posix()
        shown = f"{self.label}/{rel}"
        parts = rel.split("/")
        low = lower_keys(meta)
        stem = path.name.rsplit(".", 1)[0]
        page = SourcePage(path=path, display=shown, rel=rel, kind=kind if kind != "draft" else "post", body=text,
                          body_line=body_line, positions=positions, meta=lower_keys(meta))
        mapped: set[str] = set()
        fill_common(page, meta, mapped)
        if kind == "draft":
            page.draft = True
        published = low.get("published")
        if published is False or str(published).lower() == "false":
            page.draft = True
        mapped.update(k for k in meta if str(k).lower() == "published")
        name_match = _POST_NAME.match(stem) if kind in ("post", "draft") else None
        if name_match:
            stem = name_match.group(4)
            if not page.date:
                page.date = f"{int(name_match[1]):04d}-{int(name_match[2]):02d}-{int(name_match[3]):02d}"
        # language: the front matter, else a folder named like a language code
        folders = parts[1:-1] if kind != "page" else parts[:-1]
        lang = str(low.get("lang") or low.get("language") or "").lower()
        mapped.update(k for k in meta if str(k).lower() in ("lang", "language"))
        lang_folder = next((f for f in folders if f.lower() in self.language_codes), "")
        page.language = lang or lang_folder.lower() or self.default_language
        plain_folders = [f for f in folders if f.lower() not in self.language_codes]
        # categories: the front matter's (minus language codes), else the folder
        categories = []
        for key in ("categories", "category"):
            if key in low:
                value = low[key]
                categories += value.split() if isinstance(value, str) and "," not in value else as_list(value)
                mapped.update(k for k in meta if str(k).lower() == key)
        tags_value = low.get("tags")
        if isinstance(tags_value, str) and "," not in tags_value:
            page.tags = tags_value.split()
        page.categories = [c for c in categories if c.lower() not in self.language_codes]
        url_categories = categories
        if kind.startswith("collection"):
            page.category_hint = title_from_name(kind.split(" ", 1)[1])
        elif plain_folders:
            page.category_hint = title_from_name(plain_folders[0])
        fill_missing(page, path, shown, self.report, title=title_from_name(stem), slug=stem)
        page.translation_path = "/".join([*(f for f in parts[:-1] if f.lower() not in self.language_codes), stem])
        page.extra = extras(meta, mapped)
        page.urls = self._urls(page, low, kind, parts, stem, url_categories)
        self.pages.append(page)
        self.by_rel[rel] = page
        self.by_post_name.setdefault(path.name.rsplit(".", 1)[0], []).append(page)

    def _urls(self, page: SourcePage, low: dict, kind: str, parts: list[str], stem: str, categories: list[str]) -> list[str]:
        urls = []
        if low.get("permalink"):
            urls.append(str(low["permalink"]))
        y, m, d = page.date.split("-")
        if kind in ("post", "draft"):
            pattern = {"date": "/:categories/:year/:month/:day/:title:output_ext",
                       "pretty": "/:categories/:year/:month/:day/:title/",
                       "ordinal": "/:categories/:year/:y_day/:title:output_ext",
                       "none": "/:categories/:title:output_ext"}.get(self.permalink, self.permalink)
            values = {":categories": "/".join(categories), ":year": y, ":month": m, ":day": d, ":title": stem,
                      ":slug": stem, ":output_ext": ".html", ":i_month": str(int(m)), ":i_day": str(int(d)),
                      ":y_day": "", ":short_year": y[2:]}
        elif kind.startswith("collection"):
            name = kind.split(" ", 1)[1]
            pattern = str(self.collections.get(name, {}).get("permalink") or "/:collection/:path:output_ext")
            path = "/".join(parts[1:])
            values = {":collection": name, ":path": path.rsplit(".", 1)[0], ":name": stem, ":title": stem,
                      ":slug": stem, ":output_ext": ".html"}
        else:
            path = "/".join(parts)
            return urls + ["/" + path.rsplit(".", 1)[0] + ".html", "/" + path.rsplit(".", 1)[0] + "/"]
        url = pattern
        for key in sorted(values, key=len, reverse=True):
            url = url.replace(key, values[key])
        urls.append(re.sub(r"/{2,}", "/", "/" + url))
        return urls

    # -- finding things ----------------------------------------------------------
    def find_page(self, page: SourcePage, ref: str, kind: str) -> SourcePage | None:
        ref = ref.split("#", 1)[0].strip()
        if kind == "post_url":
            matches = self.by_post_name.get(posixpath.basename(ref), [])
            if len(matches) > 1:
                matches = [p for p in matches if p.rel.endswith(ref + ".md") or p.rel.endswith(ref + ".markdown")] or matches
                matches = [p for p in matches if p.language == page.language] or matches
            return matches[0] if matches else None
        found = self.by_rel.get(ref.lstrip("/"))
        if found:
            return found
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page.rel), ref))
        return self.by_rel.get(target) or self.page_at_url(ref)

    def include(self, page: SourcePage, name: str) -> str | None:
        candidates = [self.root / "_includes" / name, page.path.parent / name]
        for candidate in candidates:
            if candidate.is_file() and self.inside_source(candidate):
                try:
                    text = read_text(candidate.read_bytes())
                    meta, text, _, _ = split_front_matter(text)
                except (OSError, FrontMatterProblem):
                    return None
                return None if has_template_code(text) else text.strip("\n")
        return None

    def param(self, page: SourcePage, name: str) -> str | None:
        scope, _, key = name.partition(".")
        if scope == "page":
            if key == "title":
                return page.title
            data = page.meta
        elif scope == "site":
            data = self.config
        else:
            return None
        for part in key.split("."):
            if not isinstance(data, dict):
                return None
            data = data.get(part)
        return str(data) if isinstance(data, (str, int, float)) and not isinstance(data, bool) else None

    def convert(self, page: SourcePage, ctx) -> str:
        return body.convert_liquid(page.body, page, ctx)
