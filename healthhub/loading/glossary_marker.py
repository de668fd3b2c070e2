"""Marking the first use of each glossary term in an article: a Python-Markdown
extension working on the element tree (the terms come from glossary.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .glossary import Term, glossary_path

# Text inside these is left alone: headings, links, code and existing markup of terms.
_SKIP = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "a", "code", "pre", "kbd", "samp", "abbr", "dfn",
                   "script", "style", "svg"})


class GlossaryMarker(Treeprocessor):
    """Links the first use of each glossary term in a document to its glossary entry."""

    def __init__(self, md, terms: tuple[Term, ...]):
        super().__init__(md)
        self.by_word: dict[str, Term] = {}
        for term in terms:
            for word in (term.term, *term.forms):
                self.by_word.setdefault(" ".join(word.casefold().split()), term)
        words = sorted(self.by_word, key=len, reverse=True)  # longest first: "blood pressure" before "blood"
        self.pattern = (re.compile(r"(?<!\w)(" + "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
                                   + r")(?!\w)", re.IGNORECASE) if words else None)
        self.href = glossary_path()  # set for each document (relative to its page)
        self.used: set[str] = set()

    def run(self, root):
        self.used = set()
        if self.pattern is not None:
            self._walk(root)
        return None

    def _walk(self, element) -> None:
        if element.tag in _SKIP or "admonition-title" in (element.get("class") or "").split():
            return
        if element.text:
            element.text, made = self._mark(element.text)
            for index, new in enumerate(made):
                element.insert(index, new)
        for child in list(element):
            self._walk(child)
            if child.tail:
                child.tail, made = self._mark(child.tail)
                at = list(element).index(child) + 1
                for offset, new in enumerate(made):
                    element.insert(at + offset, new)

    def _mark(self, text: str) -> tuple[str, list]:
        """(text before the first marked term, [marked elements, each with the text after it as tail])."""
        made: list = []
        start = 0
        before = text
        for match in self.pattern.finditer(text):
            term = self.by_word[" ".join(match.group(1).casefold().split())]
            if term.term in self.used:
                continue
            self.used.add(term.term)
            link = etree.Element("a", {"class": "glossary-term", "href": f"{self.href}#{term.anchor}"})
            if term.stands_for:
                abbr = etree.SubElement(link, "abbr", {"title": term.stands_for})
                abbr.text = match.group(1)
            else:
                link.text = match.group(1)
            if made:
                made[-1].tail = text[start:match.start()]
            else:
                before = text[:match.start()]
            made.append(link)
            start = match.end()
        if made:
            made[-1].tail = text[start:]
        return before, made


class GlossaryExtension(Extension):
    def __init__(self, terms: tuple[Term, ...]):
        super().__init__()
        self.terms = terms
        self.marker: GlossaryMarker | None = None

    def extendMarkdown(self, md):
        # After inline markup (20) so links and code are elements; before the callouts (1).
        self.marker = GlossaryMarker(md, self.terms)
        md.treeprocessors.register(self.marker, "healthhub_glossary", 3)
