"""Reusable snippets: Markdown written once in articles/_snippets/ and included
in any article with a line of its own:

    [[snippet: call-111]]

which stands for the contents of articles/_snippets/call-111.md (a snippet may
include others, and hold callouts). Snippets are expanded before the Markdown is
converted. An article's parse depends on the snippets it uses, so their digest
is part of its cache key (sources.SourceReader): editing a snippet parses and
renders again exactly the articles that include it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic, error

SNIPPETS_FOLDER = "_snippets"
INCLUDE = re.compile(r"^(?P<indent>[ \t]*)\[\[snippet:[ \t]*(?P<name>[^\]]*?)[ \t]*\]\][ \t]*$")
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_NAME = re.compile(r"[\w-]+(/[\w-]+)*")
MAX_DEPTH = 10


@dataclass(frozen=True)
class Snippets:
    """Every snippet's text by name ('call-111', 'safety/call-111'); `display` is
    how messages name the folder (articles/_snippets)."""

    display: str = "articles/_snippets"
    texts: dict[str, str] = field(default_factory=dict)
    problems: dict[str, Diagnostic] = field(default_factory=dict)  # unreadable snippets, by name

    def path_of(self, name: str) -> str:
        return f"{self.display}/{name}.md"

    def digest_of(self, names) -> bytes:
        """What the given snippets (and those they include) hold: part of an article's cache key."""
        h = hashlib.blake2b(digest_size=16)
        for name in sorted(closure(names, self)):
            text = self.texts.get(name)
            h.update(name.encode("utf-8", "surrogateescape") + b"\0")
            h.update(b"-" if text is None else b"+" + text.encode("utf-8", "surrogateescape"))
            h.update(b"\0")
        return h.digest()


def load_snippets(articles_dir: Path, display: str) -> Snippets:
    """The snippets under articles_dir/_snippets (none when there is no such folder)."""
    folder = articles_dir / SNIPPETS_FOLDER
    texts: dict[str, str] = {}
    problems: dict[str, Diagnostic] = {}
    if not folder.is_dir():
        return Snippets(display, texts, problems)
    for path in sorted(folder.rglob("*.md")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        name = path.relative_to(folder).with_suffix("").as_posix()
        try:
            texts[name] = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        except (OSError, UnicodeDecodeError) as exc:
            problems[name] = error(f"{display}/{name}.md", 1, 1,
                                   f"cannot read this snippet ({exc}), save it as UTF-8 text")
    return Snippets(display, texts, problems)


def includes(text: str) -> list[tuple[str, int, int, str]]:
    """(name, line, col, indent) of every include line outside fenced code, lines counted from 1."""
    found = []
    fence = ""
    if "[[snippet:" not in text:
        return found
    for number, line in enumerate(text.split("\n"), start=1):
        opening = FENCE.match(line)
        if opening:
            mark = opening.group(1)
            if not fence:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = ""
            continue
        if fence:
            continue
        match = INCLUDE.match(line)
        if match:
            name = match["name"].strip()
            if name.endswith(".md"):
                name = name[:-3]
            found.append((name, number, len(match["indent"]) + 1, match["indent"]))
    return found


def closure(names, snippets: Snippets) -> set[str]:
    """The names and every snippet they include, however deep (loops are left to expand)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        text = snippets.texts.get(name)
        if text is not None:
            todo.extend(n for n, _, _, _ in includes(text))
    return seen


def expand(body: str, first_line: int, display: str, snippets: Snippets) -> tuple[str, list[Diagnostic]]:
    """The body with every include line replaced by its snippet; a missing snippet,
    a bad name or an include loop is an error at the include line."""
    problems: list[Diagnostic] = []

    def run(text: str, where: str, line_offset: int, chain: tuple[str, ...]) -> str:
        found = includes(text)
        if not found:
            return text
        lines = text.split("\n")
        for name, line, col, indent in reversed(found):
            at = (where, line + line_offset, col)
            replacement = ""
            if not _NAME.fullmatch(name):
                problems.append(error(*at, f"'[[snippet: {name}]]' does not name a snippet, write the file name "
                                           "in articles/_snippets/ without .md, e.g. [[snippet: call-111]]"))
            elif name in chain:
                loop = " -> ".join(chain[chain.index(name):] + (name,))
                problems.append(error(*at, f"the snippet '{name}' includes itself ({loop}), remove one of the "
                                           "[[snippet: ...]] lines"))
            elif len(chain) >= MAX_DEPTH:
                problems.append(error(*at, f"snippets are included more than {MAX_DEPTH} deep here, "
                                           "include fewer snippets inside each other"))
            elif name in snippets.problems:
                problems.append(snippets.problems[name])
            elif name not in snippets.texts:
                known = ", ".join(sorted(snippets.texts)[:10]) or "none yet"
                problems.append(error(*at, f"there is no snippet '{name}' ({snippets.path_of(name)}), "
                                           f"create that file or use one of: {known}"))
            else:
                inner = run(snippets.texts[name], snippets.path_of(name), 0, chain + (name,))
                replacement = "\n".join(indent + part if part else part for part in inner.strip("\n").split("\n"))
            lines[line - 1: line] = ["", replacement, ""]
        return "\n".join(lines)

    expanded = run(body, display, first_line - 1, ())
    return expanded, problems
