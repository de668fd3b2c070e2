"""Markdown to HTML with Python-Markdown, and plain-text helpers for summaries."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode

EXTENSIONS = ["tables", "footnotes", "attr_list", "fenced_code", "admonition", "toc", "sane_lists", "smarty"]


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: tuple[Heading, ...]


def _flatten(tokens, out: list[Heading]) -> None:
    for token in tokens:
        out.append(Heading(token["level"], token["id"], html.unescape(token["name"])))
        _flatten(token["children"], out)


# What `safe_html: true` keeps: the HTML Python-Markdown and its extensions
# produce (tables, footnotes, admonitions, code, heading ids, attr_list
# classes), without scripts, event handlers, frames or javascript: URLs.
SAFE_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
})
SAFE_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "rel"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start", "type"},
    "td": {"style", "colspan", "rowspan", "align"},
    "th": {"style", "colspan", "rowspan", "align", "scope"},
    "abbr": {"title"},
}


def sanitize(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=set(SAFE_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in SAFE_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
        filter_style_properties={"text-align"},
    )


class MarkdownConverter:
    """One Python-Markdown instance, reset between documents (building one is slow)."""

    def __init__(self, safe_html: bool = False) -> None:
        self.safe_html = safe_html
        self._md = markdown.Markdown(
            extensions=EXTENSIONS,
            extension_configs={
                "toc": {"slugify": slugify_unicode, "permalink": False},
                "footnotes": {"BACKLINK_TEXT": "↩\ufe0e"},
                "smarty": {"smart_quotes": False},
            },
            output_format="html",
        )

    def convert(self, text: str) -> Rendered:
        self._md.reset()
        body = self._md.convert(text)
        if self.safe_html:
            body = sanitize(body)
        headings: list[Heading] = []
        _flatten(getattr(self._md, "toc_tokens", []), headings)
        return Rendered(body, tuple(headings))


_TAG = re.compile(r"<[^>]+>")
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_SPACE = re.compile(r"\s+")


def plain_text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def first_paragraph(body_html: str) -> str:
    match = _FIRST_PARAGRAPH.search(body_html)
    return plain_text(match.group(1)) if match else ""


def shorten(text: str, limit: int) -> str:
    """Cut text at a word boundary so that it, with an ellipsis, fits in limit characters."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"
