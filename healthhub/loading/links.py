"""Links between articles: a link to another article's .md file becomes a link to
its page; links to missing files, headings or pages are reported where they are."""

from __future__ import annotations

import os
import posixpath
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .. import paths
from ..errors import Diagnostic, did_you_mean, error, warning
from .scan import display_path
from .model import Article, Body, Site
from .article import is_root_relative


def check_links(article: Article, body: Body, folder: Path, parsed: dict[str, Article],
                body_of: dict[str, Body], drafts: bool,
                nfc: dict[str, Article] | None = None,
                withheld: dict[str, str] | None = None) -> tuple[tuple[tuple[str, str], ...], list[Diagnostic]]:
    """Links to other articles' .md files become links to their pages: (href, URL) for
    each; a link to a missing file or a missing #anchor is an error at its place in the file.
    `nfc`: the articles with non-ASCII file names, by the NFC form of the name."""
    diags: list[Diagnostic] = []
    replacements: dict[str, str] = {}
    for href, line, col in body.links:
        if is_root_relative(href):
            continue  # see root_relative_problems, once the site's files are known
        if href.startswith("#"):
            anchor = unquote(href[1:])
            if anchor and anchor not in body.ids:
                fix = _one_hash_too_many(anchor, article.headings) or (
                    f"use one of: {', '.join(sorted(h.id for h in article.headings)) or 'none'}")
                diags.append(error(article.source, line, col,
                                   f"link to '#{anchor}': this article has no heading with that id, {fix}", "broken-link"))
            continue
        parts = urlsplit(href)
        target_file = (folder / unquote(parts.path)).resolve()
        target = parsed.get(os.fspath(target_file))
        if target is None and not os.fspath(target_file).isascii():
            # café.md typed in NFC links to a file whose name the disk keeps in NFD (or the reverse)
            target = (nfc or {}).get(unicodedata.normalize("NFC", os.fspath(target_file)))
        if target is None:
            diags.append(error(article.source, line, col,
                               f"link to '{href}': there is no article at {display_path(target_file)}, "
                               f"check the path (it is relative to this file){paths.slash_advice(href)}", "broken-link"))
            continue
        if withheld and os.fspath(target_file) in withheld:
            diags.append(error(article.source, line, col,
                               f"link to '{href}': that article is {withheld[os.fspath(target_file)]} and is not "
                               "published today, remove the link or link to another article", "broken-link"))
            continue
        if target.draft and not drafts:
            diags.append(error(article.source, line, col,
                               f"link to '{href}': that article is a draft and is not published, "
                               "publish it or remove the link", "broken-link"))
            continue
        fragment = unquote(parts.fragment)
        if fragment and fragment not in body_of[target.source].ids:
            ids = sorted(h.id for h in target.headings)
            fix = _one_hash_too_many(fragment, target.headings)
            fix = f", {fix}" if fix else f"{did_you_mean(fragment, ids)}, use one of: {', '.join(ids) or 'none'}"
            diags.append(error(article.source, line, col,
                               f"link to '{href}': {target.source} has no heading with the id '{fragment}'{fix}",
                               "broken-link"))
            continue
        replacements.setdefault(href, paths.relative_url(article.path, target.path + (f"#{fragment}" if fragment else "")))
    return tuple(replacements.items()), diags


def _one_hash_too_many(anchor: str, headings) -> str:
    """The fix for a link to #x where a heading's id is '#x', as `## Title {##x}` gives
    (a slip found in real sites): '' when no heading has such an id."""
    for heading in headings:
        if heading.id == "#" + anchor:
            return (f"but its heading '{heading.text}' has the id '#{anchor}' (written {{##{anchor}}}), "
                    f"write {{#{anchor}}} there")
    return ""


def root_relative_problems(site: Site, body_of: dict[str, Body], files: dict[str, bytes]) -> list[Diagnostic]:
    """Root-relative links and images (`/pix/x.webp`, often left by another generator)
    that lead to nothing the build makes: a warning at their place."""
    diags: list[Diagnostic] = []
    known: set[str] | None = None
    for article in site.articles:
        body = body_of.get(article.source)
        for href, line, col in body.links if body else ():
            if not is_root_relative(href):
                continue
            if known is None:
                known = {*site.by_path, *files, "index.html", "search.html", "404.html"}
                known |= {c.path for c in site.categories} | {t.path for t in site.tags}
            path = unquote(urlsplit(href).path).lstrip("/")
            if path in known or posixpath.join(path, "index.html") in known or f"{path}.html" in known:
                continue
            diags.append(warning(article.source, line, col,
                                 f"link to '{href}' leads nowhere: the built site has nothing at /{path}, "
                                 "link to the article's .md file or to a file next to this one instead", "link-nowhere"))
    return diags
