"""Markdown to HTML with Python-Markdown, and plain-text helpers for summaries."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import markdown
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


class MarkdownConverter:
    """One Python-Markdown instance, reset between documents (building one is slow)."""

    def __init__(self) -> None:
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
