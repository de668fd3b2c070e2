"""Markdown to HTML with Python-Markdown, and plain-text helpers for summaries."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import NamedTuple

import math
import unicodedata
from html.parser import HTMLParser
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

# md_in_html: `<div markdown="1">**Call us**</div>` renders the Markdown inside (kramdown
# and imported sites write it so); raw HTML without the attribute is kept as written.
EXTENSIONS = ["tables", "footnotes", "attr_list", "fenced_code", "admonition", "toc", "sane_lists", "smarty",
              "md_in_html"]


class Heading(NamedTuple):
    level: int
    id: str
    text: str


class Headings(tuple):
    """An article's headings, held as plain (level, id, text) tuples and made Headings
    when read (for the same reason as frontmatter.Positions: 10,000 cached articles
    held about 56,000 NamedTuples that every full garbage collection walked)."""

    __slots__ = ()

    @classmethod
    def of(cls, headings) -> "Headings":
        return cls(tuple(heading) for heading in headings)

    def __iter__(self):
        make = Heading._make
        return (make(heading) for heading in tuple.__iter__(self))

    def __getitem__(self, index):
        found = tuple.__getitem__(self, index)
        if isinstance(index, slice):
            return Headings(found)
        return Heading._make(found)


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: tuple[Heading, ...]
    questions: tuple[tuple[str, str], ...] = ()  # see common_questions


def _flatten(tokens, out: list[Heading]) -> None:
    for token in tokens:
        out.append(Heading(token["level"], token["id"], html.unescape(token["name"])))
        _flatten(token["children"], out)


# What `safe_html: true` keeps: the HTML Python-Markdown and its extensions
# produce (tables, footnotes, admonitions, code, heading ids, attr_list
# classes, callouts), without scripts, event handlers, frames or javascript: URLs.
SAFE_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
    "svg", "path",  # the care callouts' decorative icons
})
SAFE_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir", "role", "aria-hidden", "aria-label"},
    "svg": {"viewBox", "width", "height", "focusable"},
    "path": {"d"},
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


# --- care callouts ----------------------------------------------------------------
# `!!! urgent`, `!!! see-a-doctor`, `!!! info`, `!!! tip` (Python-Markdown admonitions)
# get a label in words, a decorative icon and role="note": colour and icon are never
# the only signal of how urgent the advice is.

CALLOUT_LABELS = {
    "urgent": "Urgent advice",
    "see-a-doctor": "Non-urgent advice",
    "info": "Information",
    "tip": "Tip",
}
_ICONS = {  # 24x24 outline icons, decorative (aria-hidden)
    "urgent": "M12 3 2 21h20L12 3zm0 6v6m0 2.5v.5",
    "see-a-doctor": "M9 3h6v6h6v6h-6v6H9v-6H3V9h6z",
    "info": "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 9v6m0-10v.5",
    "tip": "M9 18h6m-5 3h4M12 3a6 6 0 0 0-3.5 10.9V16h7v-2.1A6 6 0 0 0 12 3z",
}


def callout_titles(emergency_number: str = "999", emergency_advice: str = "call {number} or go to A&E") -> dict[str, str]:
    """The title each callout type gets when the author gives none."""
    return {
        "urgent": f"Urgent advice: {emergency_advice.replace('{number}', emergency_number)}",
        "see-a-doctor": "Non-urgent advice: see a GP or pharmacist",
        "info": "Information",
        "tip": "Tip",
    }


class _CalloutProcessor(Treeprocessor):
    def __init__(self, md, titles: dict[str, str]):
        super().__init__(md)
        self.titles = titles

    def run(self, root):
        for div in root.iter("div"):
            classes = (div.get("class") or "").split()
            if "admonition" not in classes:
                continue
            kind = next((c for c in classes if c in CALLOUT_LABELS), None)
            if kind is None:
                continue
            div.set("class", f"callout callout-{kind}")
            div.set("role", "note")
            title = div[0] if len(div) and div[0].get("class") == "admonition-title" else None
            if title is None:  # `!!! tip ""` asks for no title; the label still says what this is
                title = etree.Element("p")
                div.insert(0, title)
                text = CALLOUT_LABELS[kind]
            else:
                given = "".join(title.itertext()).strip()
                text = self.titles[kind] if given == kind.capitalize() else f"{CALLOUT_LABELS[kind]}: {given}"
                for child in list(title):
                    title.remove(child)
            title.set("class", "callout-title")
            title.text = None
            icon = etree.SubElement(title, "svg", {
                "class": "callout-icon", "aria-hidden": "true", "focusable": "false",
                "viewBox": "0 0 24 24", "width": "24", "height": "24",
            })
            etree.SubElement(icon, "path", {"d": _ICONS[kind]})
            label = etree.SubElement(title, "span")
            label.text = text
        return None


class CalloutExtension(Extension):
    def __init__(self, titles: dict[str, str]):
        super().__init__()
        self.titles = titles

    def extendMarkdown(self, md):
        md.treeprocessors.register(_CalloutProcessor(md, self.titles), "healthhub_callouts", 1)


# Ids the theme gives its own elements (hh-main, hh-related-heading, ...) start with
# this; an id made from a heading's text never does, so a heading called "HH main"
# cannot take the skip link's target. An id an author writes out ({#hh-x}, id="hh-x")
# is refused (article.theme_id_problem).
THEME_ID_PREFIX = "hh-"


_NOT_IN_ID = re.compile(r"[^\w\s-]")


def _mark_or_nothing(match: re.Match) -> str:
    return match.group() if unicodedata.category(match.group())[0] == "M" else ""


def heading_id(text: str, separator: str) -> str:
    """The id of a heading without one: Python-Markdown's Unicode slug (punctuation
    dropped, lower case, spaces to `separator`), but with the combining marks kept, as
    GitHub and Hugo keep them (Python-Markdown dropped them with the punctuation:
    '## स्वास्थ्य के लक्षण' got the id 'सवसथय-क-लकषण', which nobody writes in a link);
    with 'h-' before it when it would start like the theme's ids."""
    value = _NOT_IN_ID.sub("" if text.isascii() else _mark_or_nothing, text).strip().lower()
    slug = re.sub(rf"[{separator}\s]+", separator, value)
    return "h-" + slug if slug.startswith(THEME_ID_PREFIX) else slug


class MarkdownConverter:
    """One Python-Markdown instance, reset between documents (building one is slow)."""

    def __init__(self, titles: dict[str, str] | None = None, safe_html: bool = False, glossary: tuple = ()) -> None:
        from .glossary_marker import GlossaryExtension

        self.safe_html = safe_html
        self._glossary = GlossaryExtension(glossary) if glossary else None
        self._md = markdown.Markdown(
            extensions=[*EXTENSIONS, CalloutExtension(titles or callout_titles()),
                        *([self._glossary] if self._glossary else [])],
            extension_configs={
                "toc": {"slugify": heading_id, "permalink": False},
                "footnotes": {"BACKLINK_TEXT": "↩\ufe0e"},
                "smarty": {"smart_quotes": False},
            },
            output_format="html",
        )

    # The glossary page's address relative to the page the next body goes on (set per article).
    glossary_href = "glossary.html"

    def convert(self, text: str) -> Rendered:
        if self._glossary is not None:
            self._glossary.marker.href = self.glossary_href
        self._md.reset()
        body = self._md.convert(text)
        if self.safe_html:
            body = sanitize(body)
        if "<pre>" in body:  # a code block scrolls sideways: keyboard users must reach it (axe)
            body = body.replace("<pre>", '<pre tabindex="0">')
        headings: list[Heading] = []
        _flatten(getattr(self._md, "toc_tokens", []), headings)
        questions = common_questions(body) if "<h3" in body else ()
        return Rendered(body, tuple(headings), questions)


QUESTIONS_HEADING = "Common questions"


class _QuestionsParser(HTMLParser):
    """Walks a body's HTML: inside the `## Common questions` section, each <h3> is a
    question and the text up to the next heading is its answer."""

    def __init__(self, heading: str):
        super().__init__(convert_charrefs=True)
        self.heading = " ".join(heading.casefold().split())
        self.in_section = False
        self.heading_level = 0  # the heading being read, 0 outside headings
        self.heading_text: list[str] = []
        self.pairs: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.heading_level = int(tag[1])
            self.heading_text = []
            if self.heading_level <= 2 or (self.in_section and self.heading_level == 3):
                return
            if self.in_section and self.pairs:  # an h4 inside an answer: its text is part of the answer
                self.heading_level = 0

    def handle_endtag(self, tag):
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456" and self.heading_level:
            text = " ".join("".join(self.heading_text).split())
            if self.heading_level <= 2:
                self.in_section = " ".join(text.casefold().split()) == self.heading
                if not self.in_section and self.pairs:
                    self.in_section = None  # the section is over: later h3s are not questions
            elif self.heading_level == 3 and self.in_section:
                self.pairs.append((text, []))
            self.heading_level = 0

    def handle_data(self, data):
        if self.heading_level:
            self.heading_text.append(data)
        elif self.in_section and self.pairs:
            self.pairs[-1][1].append(data)


# Tags and comments as _QuestionsParser's HTMLParser reads them, for may_have_heading.
# A quoted attribute value may hold '>'; none of the parts crosses a '<'.
_TAG_LIKE = re.compile(r"""<!--.*?-->|</?[a-zA-Z](?:[^'"<>]|"[^"<]*"|'[^'<]*')*>""", re.S)


def may_have_heading(body_html: str, heading: str) -> bool:
    """False only when no element of the body can have `heading` as its text (case and
    spaces aside): the body's text without its tags lacks one of its words. Parsing a
    body's HTML costs about 10% of parsing its Markdown, and almost no article has the
    heading. Anything tag-like this cannot take apart ('<' or '>' left over) says True."""
    text = _TAG_LIKE.sub("", body_html)
    if "<" in text or ">" in text:
        return True
    if "&" in text:
        text = html.unescape(text)
    text = text.casefold()
    return all(word in text for word in heading.casefold().split())


def common_questions(body_html: str, heading: str = QUESTIONS_HEADING) -> tuple[tuple[str, str], ...]:
    """(question, answer text) for each `###` heading under the `## Common questions`
    heading: what the page shows, as plain text, for FAQPage structured data.
    A question without an answer is left out."""
    if not may_have_heading(body_html, heading):
        return ()
    parser = _QuestionsParser(heading)
    parser.feed(body_html)
    parser.close()
    pairs = []
    for question, parts in parser.pairs:
        answer = " ".join("".join(parts).split())
        if question and answer:
            pairs.append((question, answer))
    return tuple(pairs)


_TAG = re.compile(r"<[^>]+>")
_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_SPACE = re.compile(r"\s+")


def plain_text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def first_paragraph(body_html: str) -> str:
    """The text of the first paragraph that has some (one holding only an image has none)."""
    for match in _FIRST_PARAGRAPH.finditer(body_html):
        text = plain_text(match.group(1))
        if text:
            return text
    return ""


def shorten(text: str, limit: int) -> str:
    """Cut text at a word boundary so that it, with an ellipsis, fits in limit characters."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


WORDS_PER_MINUTE = 200
# Chinese and Japanese leave no space between words: their characters are counted, at
# 500 a minute (Hugo counts them the same way); Korean spaces its words.
CJK_CHARACTERS_PER_MINUTE = 500
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uff65\W]+")


def reading_minutes(body_html: str) -> int:
    """Minutes to read the body at an unhurried 200 words a minute (500 characters of
    Chinese or Japanese), at least 1."""
    text = _TAG.sub(" ", body_html)
    text = html.unescape(text) if "&" in text else text
    if text.isascii():
        return max(1, math.ceil(len(text.split()) / WORDS_PER_MINUTE))
    characters = len(_CJK.findall(text))
    if characters:  # what is left between them: words in other scripts (not the full stops, 。)
        words = sum(1 for word in _CJK.sub(" ", text).split() if not _CJK_PUNCTUATION.fullmatch(word))
    else:
        words = len(text.split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE + characters / CJK_CHARACTERS_PER_MINUTE))


_PROSE = re.compile(r"<(p|li|td|th|dd|blockquote)\b[^>]*>(.*?)</\1>", re.S)
_CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.S)


def prose_text(body_html: str) -> str:
    """The running text of a body (paragraphs, list items, table cells), code left out,
    each piece ending as a sentence so readability formulas count it as one."""
    body = _CODE.sub(" ", body_html)
    parts = []
    for _, inner in _PROSE.findall(body):
        text = plain_text(re.sub(r"<(ul|ol)\b.*", "", inner, flags=re.S))
        if text:
            parts.append(text if text[-1] in ".!?:" else text + ".")
    return " ".join(parts)


# --- reading the Markdown source (for positions in the .md file) --------------------

@dataclass(frozen=True)
class SourceItem:
    kind: str  # "link", "image", "heading" or "callout" (text is its type)
    line: int  # 1-based line in the body
    col: int  # 1-based column of the href (links, images) or of the '#' (headings)
    text: str  # link/image text, or heading text
    target: str = ""  # href (links, images)
    level: int = 0  # heading level


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"(!?)\[((?:[^\[\]\\]|\\.|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
_CALLOUT = re.compile(r"^ {0,3}!!! ?([\w-]+)")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")


def scan_source(body: str) -> list[SourceItem]:
    """Links, images and ATX headings of a Markdown body, with their positions.
    Fenced code and inline code are skipped."""
    items: list[SourceItem] = []
    fence = None
    for number, line in enumerate(body.split("\n"), start=1):
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        masked = _INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)
        callout = _CALLOUT.match(masked)
        if callout:
            items.append(SourceItem("callout", number, callout.start(1) + 1, callout.group(1)))
        heading = _ATX.match(masked)
        if heading:
            items.append(SourceItem("heading", number, masked.index("#") + 1, (heading.group(2) or "").strip(),
                                    level=len(heading.group(1))))
        for link in _LINK.finditer(masked):
            kind = "image" if link.group(1) else "link"
            items.append(SourceItem(kind, number, link.start(3) + 1, link.group(2), link.group(3)))
    return items


# --- template syntax left in a body (Hugo shortcodes, Liquid tags) -------------------

_TEMPLATE_SYNTAX = re.compile(r"\{\{[<%].*?[>%]\}\}|\{%.*?%\}", re.S)


def inert_template_syntax(body: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Hugo shortcodes (`{{< x >}}`, `{{% x %}}`) and Liquid tags (`{% x %}`) outside code,
    which no reader should see as if they were text: each is wrapped as inline code
    (shown as written, inert), and returned as (line, col, snippet) for a warning."""
    if "{{" not in body and "{%" not in body:
        return body, []
    found: list[tuple[int, int, str]] = []
    lines = body.split("\n")
    fence = None
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if match:
            fence = match.group(1)
            out.append(line)
            continue
        if "{{" not in line and "{%" not in line:
            out.append(line)
            continue
        masked = _INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)
        pieces, last = [], 0
        for tag in _TEMPLATE_SYNTAX.finditer(masked):
            snippet = line[tag.start():tag.end()]
            found.append((number, tag.start() + 1, snippet))
            ticks = "`" * (max((len(run) for run in re.findall(r"`+", snippet)), default=0) + 1)
            pieces += [line[last:tag.start()], f"{ticks} {snippet} {ticks}" if snippet.startswith("`") or
                       snippet.endswith("`") else f"{ticks}{snippet}{ticks}"]
            last = tag.end()
        pieces.append(line[last:])
        out.append("".join(pieces))
    return "\n".join(out), found
