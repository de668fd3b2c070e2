"""Reading a Hugo or Jekyll content file: front matter (YAML, TOML or JSON) and body."""

from __future__ import annotations

import json
import re
import sys

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class _Loader(yaml.SafeLoader):
    """YAML as written: dates stay text (we read them ourselves), no anchors needed."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class FrontMatterProblem(Exception):
    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def load_yaml(text: str, first_line: int = 1):
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        raise FrontMatterProblem(line, (mark.column + 1) if mark else 1,
                                 f"the front matter is not valid YAML ({(exc.problem or 'syntax error').strip()})") from None
    except yaml.YAMLError as exc:
        raise FrontMatterProblem(first_line, 1, f"the front matter is not valid YAML ({' '.join(str(exc).split())})") from None


def read_text(data: bytes) -> str:
    return data.decode("utf-8-sig", "replace").replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[dict | None, str, int, dict[str, tuple[int, int]]]:
    """(front matter or None, body, body's first line, key positions).

    YAML between `---` lines (blank lines before the first are allowed, as Jekyll
    does), TOML between `+++` lines, or a JSON object at the top (Hugo).
    Raises FrontMatterProblem for front matter that does not parse.
    """
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip() and start < 3:
        start += 1
    if start >= len(lines):
        return None, text, 1, {}
    opener = lines[start].rstrip()
    if opener in ("---", "+++"):
        closers = ("---", "...") if opener == "---" else ("+++",)
        for end in range(start + 1, len(lines)):
            if lines[end].rstrip() in closers:
                block = "\n".join(lines[start + 1:end])
                first = start + 2
                if opener == "---":
                    data = load_yaml(block, first) if block.strip() else {}
                else:
                    try:
                        data = tomllib.loads(block)
                    except tomllib.TOMLDecodeError as exc:
                        raise FrontMatterProblem(first, 1, f"the front matter is not valid TOML ({exc})") from None
                if data is None:
                    data = {}
                if not isinstance(data, dict):
                    raise FrontMatterProblem(first, 1, "the front matter is not a set of fields")
                return data, "\n".join(lines[end + 1:]), end + 2, _positions(lines, start + 1, end)
        raise FrontMatterProblem(start + 1, 1, "the front matter is never closed")
    if opener == "{":
        decoder = json.JSONDecoder()
        body_text = "\n".join(lines[start:])
        try:
            data, end = decoder.raw_decode(body_text)
        except json.JSONDecodeError as exc:
            raise FrontMatterProblem(start + exc.lineno, exc.colno, f"the front matter is not valid JSON ({exc.msg})") from None
        rest = body_text[end:]
        first_line = start + 1 + body_text[:end].count("\n")
        if rest.startswith("\n"):
            rest, first_line = rest[1:], first_line + 1
        return (data if isinstance(data, dict) else {}), rest, first_line, {}
    return None, text, 1, {}


_KEY = re.compile(r"""^\s{0,1}["']?([^"':=\s][^"':=]*?)["']?\s*[:=]""")


def _positions(lines: list[str], first: int, end: int) -> dict[str, tuple[int, int]]:
    """Line and column of each top-level key (good enough for messages)."""
    found: dict[str, tuple[int, int]] = {}
    for index in range(first, end):
        line = lines[index]
        if line[:1] in (" ", "\t", "-", "#", "["):
            continue
        match = _KEY.match(line)
        if match:
            found.setdefault(match.group(1).strip(), (index + 1, 1))
    return found
