"""Front matter: split it from the body and read it as YAML with file positions.

Values are converted here with our own rules rather than YAML's implicit
typing, so every mistake gets a message that says what to write instead, and
line numbers are counted in the file, not in the front-matter block.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
PLAIN_TAGS = {STR, INT, FLOAT, BOOL, NULL, TIMESTAMP, SEQ, MAP}

# A front matter block this large is a mistake (or an attack), not an article.
MAX_FRONT_MATTER_BYTES = 256 * 1024
MAX_INT_DIGITS = 15
# Front matter is flat; deeper nesting is a mistake (or an attack on the
# recursive YAML composer, which can crash the interpreter).
MAX_NESTING = 20
# Dates outside these years are typing mistakes (9999-12-01); inside them, adding a
# review interval (at most 1000 months) can never pass the calendar's year 9999.
MIN_YEAR, MAX_YEAR = 1800, 2200


class FieldError(Exception):
    """A value is wrong; the message says what is wrong and how to fix it."""


class Position(NamedTuple):
    line: int  # 1-based, in the file
    col: int  # 1-based


class Positions(dict):
    """Field name -> Position, held as plain (line, col) tuples and made Positions
    when read. The garbage collector stops looking at a plain tuple of numbers, never
    at a NamedTuple: 10,000 cached articles held about 77,000 Positions, which every
    full collection walked (about a third of an edit's time went to collections).
    `items()` and `values()` give the plain tuples."""

    __slots__ = ()

    @classmethod
    def of(cls, positions: dict) -> "Positions":
        return cls({key: (pos[0], pos[1]) for key, pos in positions.items()})

    def __getitem__(self, key: str) -> Position:
        return Position._make(dict.__getitem__(self, key))

    def get(self, key: str, default=None):
        found = dict.get(self, key)
        return default if found is None else Position._make(found)


@dataclass(frozen=True)
class Entry:
    """One `key: value` pair of a YAML mapping, with the value's position."""

    key: str
    node: yaml.Node
    key_pos: Position
    pos: Position


class FrontMatterError(Exception):
    def __init__(self, line: int, col: int, message: str, code: str = ""):
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message
        self.code = code  # the rule, as errors.Diagnostic.code


def split(text: str) -> tuple[str, str, int]:
    """Return (yaml_text, body, body_first_line) for a Markdown file's text.

    yaml_text starts on line 2 of the file. Raises FrontMatterError.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise FrontMatterError(
            1, 1,
            "the file does not start with front matter, "
            "put a line '---', then 'title:', 'category:' and 'date:' lines, then '---' at the top",
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            yaml_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1:])
            return yaml_text, body, index + 2
    raise FrontMatterError(
        1, 1,
        "the front matter that starts here is never closed, "
        "add a line '---' after the last front-matter field",
    )


MAX_DATA_FILE_BYTES = 4 * 1024 * 1024


def read_data_file(path, what: str) -> str:
    """The text of a YAML data file (the config, the people file): a regular file of
    at most 4 MB of UTF-8 (a BOM and CRLF allowed). Raises FrontMatterError at the
    place of the first byte that is not UTF-8, and OSError when it cannot be read
    (FileNotFoundError when it is not there)."""
    import os
    import stat

    if not stat.S_ISREG(os.stat(path).st_mode):  # before opening: opening a pipe waits for a writer
        raise FrontMatterError(1, 1, f"the {what} is not a regular file (a folder, device or pipe), "
                                     "name a YAML file")
    with open(path, "rb") as file:
        data = file.read(MAX_DATA_FILE_BYTES + 1)
    if len(data) > MAX_DATA_FILE_BYTES:
        raise FrontMatterError(1, 1, f"the {what} is larger than {MAX_DATA_FILE_BYTES // (1024 * 1024)} MB, "
                                     "which no such file needs, check that it is the right file")
    return utf8_text(data, f" of the {what}")


def utf8_text(data: bytes, of: str = "") -> str:
    """UTF-8 text (a BOM is allowed) with CRLF and CR turned into LF. Raises
    FrontMatterError at the line and column of the first byte that is not UTF-8
    (`of` names the file in the message: ' of the config file')."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        col = len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise FrontMatterError(line, col, f"byte {exc.start} (0x{data[exc.start]:02x}){of} is not "
                                          "UTF-8 text, save the file as UTF-8 in your editor") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_mapping(yaml_text: str, first_line: int = 2, duplicates: list | None = None,
                 strict_keys=None, example: str = "title: My article") -> list[Entry]:
    """Parse YAML text that must be a mapping; first_line is its line in the file;
    `example` is a first line such a file might have (for the message when it is not
    a mapping).

    Raises FrontMatterError for syntax errors, aliases, non-mapping documents
    and duplicate keys. When a `duplicates` list is given, a repeated key that is
    not in `strict_keys` is not an error: (key, its position, the first one's
    position) goes into the list, and the last value is the one kept.
    """
    def position(mark) -> Position:
        return Position(mark.line + first_line, mark.column + 1)

    if len(yaml_text.encode("utf-8", "surrogatepass")) > MAX_FRONT_MATTER_BYTES:
        raise FrontMatterError(first_line, 1, "the front matter is larger than 256 KB, move long text into the body")
    _check_nesting(yaml_text, position)
    _scan_events(yaml_text, position, first_line)
    try:
        loader = Loader(yaml_text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, first_line, yaml_text) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on odd characters
        raise _other_error(exc, first_line, yaml_text) from None
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        pos = position(root.start_mark)
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "plain text"
        raise FrontMatterError(
            pos.line, pos.col,
            f"the front matter is {kind}, not fields, write one 'name: value' per line, e.g. {example}",
        )
    entries: list[Entry] = []
    seen: dict[str, Position] = {}
    for key_node, value_node in root.value:
        key_pos = position(key_node.start_mark)
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (STR, INT, BOOL, NULL, FLOAT):
            raise FrontMatterError(key_pos.line, key_pos.col, "a front-matter field name must be a plain word, e.g. title")
        key = str(key_node.value)
        if key in seen and duplicates is not None and key not in (strict_keys or ()):
            duplicates.append((key, key_pos, seen[key]))
            entries = [e for e in entries if e.key != key]
        elif key in seen:
            first = seen[key]
            raise FrontMatterError(
                key_pos.line, key_pos.col,
                f"'{key}' is given twice (first on line {first.line}), keep only one '{key}:' line",
                "duplicate-field",
            )
        seen[key] = key_pos
        entries.append(Entry(key, value_node, key_pos, position(value_node.start_mark)))
    return entries


def _check_nesting(yaml_text: str, position) -> None:
    """Refuse nesting deeper than MAX_NESTING by reading the text ourselves, before
    the YAML library sees it: libyaml's own limit (and its wording) changed between
    PyYAML releases, and what an author is told must not depend on which one is
    installed. Levels are counted as YAML opens them: flow brackets outside quotes
    and comments, and block lists and mappings by their indentation. A list written
    at its key's own indentation is not counted (the event scan that follows counts
    it), so this never finds more levels than YAML would."""
    blocks: list[tuple[int, str]] = []  # open block collections: (column, "seq" | "map")
    flow = 0  # open flow brackets
    quote = ""  # the quote character of a scalar that continues on the next line
    skip_deeper = -1  # lines indented more than this belong to a text value (block or plain scalar)

    def opened(line: int, col: int) -> None:
        if len(blocks) + flow > MAX_NESTING:
            pos = position(_Mark(line, col))
            raise FrontMatterError(
                pos.line, pos.col,
                f"the front matter is nested more than {MAX_NESTING} levels deep, "
                "use plain 'name: value' lines and simple lists",
            )

    for number, text in enumerate(yaml_text.split("\n")):
        col = 0
        if not quote and not flow:
            stripped = text.lstrip(" ")
            indent = len(text) - len(stripped)
            if not stripped or stripped.startswith("#"):
                continue
            if skip_deeper >= 0 and indent > skip_deeper:
                continue
            skip_deeper = -1
            while blocks and blocks[-1][0] > indent:
                blocks.pop()
            col = indent
            node = indent
            while text.startswith("-", col) and (col + 1 == len(text) or text[col + 1] in " \t"):
                if not blocks or blocks[-1][0] < col:
                    blocks.append((col, "seq"))
                    opened(number, col)
                node = col
                col += 1
                while col < len(text) and text[col] in " \t":
                    col += 1
            key_end = _key_end(text, col)
            if key_end is not None:
                if not blocks or blocks[-1][0] < col:
                    blocks.append((col, "map"))
                    opened(number, col)
                node = col
                col = key_end
                while col < len(text) and text[col] in " \t":
                    col += 1
            while col < len(text) and text[col] in "&!":  # an anchor or tag before the value
                while col < len(text) and text[col] not in " \t":
                    col += 1
                while col < len(text) and text[col] in " \t":
                    col += 1
            if col >= len(text) or text[col] == "#":
                continue
            if text[col] in "|>" or text[col] not in "[{\"'":  # a text value, maybe on more lines
                skip_deeper = node
                continue
        start = True  # at the start of a value, where a quote opens a quoted scalar
        while col < len(text):
            char = text[col]
            if quote:
                if char == "\\" and quote == '"':
                    col += 1
                elif char == quote:
                    if quote == "'" and text.startswith("''", col):
                        col += 1
                    else:
                        quote = ""
            elif char in "\"'" and start:
                quote = char
            elif char == "#" and (col == 0 or text[col - 1] in " \t"):
                break
            elif char in "[{":
                flow += 1
                opened(number, col)
            elif char in "]}":
                flow = max(0, flow - 1)
            start = not quote and char in " \t[{,:"
            col += 1
    return None


class _Mark(NamedTuple):
    line: int
    column: int


def _key_end(text: str, col: int) -> int | None:
    """Where a block mapping key written at `col` ends (after its colon), or None."""
    if col >= len(text) or text[col] in "[{#|>&*!%@`":
        return None
    if text[col] in "\"'":
        close = text.find(text[col], col + 1)
        if close < 0 or not text.startswith(":", close + 1):
            return None
        end = close + 2
        return end if end == len(text) or text[end] in " \t" else None
    index = col
    while True:
        index = text.find(":", index + 1)
        if index < 0 or " #" in text[col:index]:
            return None
        if index + 1 == len(text) or text[index + 1] in " \t":
            return index + 1


def _scan_events(yaml_text: str, position, first_line: int) -> None:
    """Refuse, before anything is built from it, what front matter never needs:
    aliases (a tiny file can expand to gigabytes, "billion laughs"), tags that
    ask for objects (!!python/object/...), and deep nesting."""
    depth = 0
    try:
        for event in yaml.parse(yaml_text, Loader=Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                pos = position(event.start_mark)
                raise FrontMatterError(
                    pos.line, pos.col,
                    "YAML anchors and aliases (&name, *name) are not allowed in front matter, "
                    "write the value out in full",
                )
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in PLAIN_TAGS and not (tag == "!" and isinstance(event, yaml.ScalarEvent)):
                pos = position(event.start_mark)
                raise FrontMatterError(
                    pos.line, pos.col,
                    f"the YAML tag '{short_tag(tag)}' is not allowed here, write a plain value",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    pos = position(event.start_mark)
                    raise FrontMatterError(
                        pos.line, pos.col,
                        f"the front matter is nested more than {MAX_NESTING} levels deep, "
                        "use plain 'name: value' lines and simple lists",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, first_line, yaml_text) from None
    except yaml.YAMLError as exc:
        raise _other_error(exc, first_line, yaml_text) from None


def _other_error(exc: yaml.YAMLError, first_line: int, yaml_text: str) -> FrontMatterError:
    """YAML errors without a mark, mostly characters YAML refuses (control characters)."""
    if isinstance(exc, yaml.reader.ReaderError):
        char = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or "\0")
        index = yaml_text.find(chr(char))
        if index < 0:
            index = min(exc.position, len(yaml_text))
        head = yaml_text[:index]
        line = first_line + head.count("\n")
        col = index - (head.rfind("\n") + 1) + 1
        return FrontMatterError(
            line, col,
            f"the front matter holds the control character U+{char:04X}, which YAML does not allow, remove it",
        )
    problem = " ".join(str(exc).split())
    return FrontMatterError(first_line, 1, f"the front matter is not valid YAML ({problem}), check its characters")


def short_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _syntax_error(exc: yaml.MarkedYAMLError, first_line: int, yaml_text: str = "") -> FrontMatterError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + first_line if mark else first_line
    col = mark.column + 1 if mark else 1
    problem = (exc.problem or "invalid syntax").strip()
    hint = "check the line's quoting: a value containing ': ' or starting with '[', '{', '@', '*' or '&' must be in double quotes"
    lines = yaml_text.split("\n")
    bad_line = lines[mark.line] if mark and mark.line < len(lines) else ""
    if "tab" in problem or "\t" in bad_line[: (mark.column + 1) if mark else 0]:
        hint = "indent with spaces, not tabs"
    return FrontMatterError(line, col, f"the front matter is not valid YAML ({problem}), {hint}")


# --- value conversion ------------------------------------------------------

def _check_tag(node: yaml.Node) -> None:
    if node.tag not in PLAIN_TAGS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise FieldError(f"the YAML tag '{tag}' is not allowed here, write a plain value")


def _scalar(node: yaml.Node, key: str, example: str) -> yaml.ScalarNode:
    _check_tag(node)
    if not isinstance(node, yaml.ScalarNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a group of fields"
        raise FieldError(f"'{key}' is {kind}, it must be a single value, e.g. {key}: {example}")
    return node


def to_text(node: yaml.Node, key: str, example: str = '"Some text"') -> str:
    node = _scalar(node, key, example)
    if node.tag == NULL:
        raise FieldError(f"'{key}' is empty, write a value, e.g. {key}: {example}")
    if node.tag == BOOL:
        raise FieldError(
            f"'{key}' is '{node.value}', which YAML reads as yes/no, put it in double quotes: {key}: \"{node.value}\""
        )
    value = str(node.value).strip()
    if not value:
        raise FieldError(f"'{key}' is empty, write a value, e.g. {key}: {example}")
    bad = UNWRITABLE.search(value)
    if bad:
        raise FieldError(f"'{key}' holds the control character U+{ord(bad.group()):04X}, "
                         "which a page or feed cannot show, remove it")
    return value


# What a text value may not hold although YAML's escapes ("\x1b", "\ud800") can make it:
# control characters other than tab and newline (XML feeds cannot hold them, browsers
# show them as boxes), lone surrogates (not text: writing the page would fail) and
# the noncharacters U+FFFE and U+FFFF.
UNWRITABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def to_int(node: yaml.Node, key: str, minimum: int = 0) -> int:
    node = _scalar(node, key, "1234")
    raw = str(node.value).strip()
    digits = raw.replace("_", "")
    if re.fullmatch(r"[+-]?\d+", digits):
        if len(digits.lstrip("+-")) > MAX_INT_DIGITS:
            raise FieldError(f"'{key}' is {raw}, which is too large, use a whole number under {10 ** MAX_INT_DIGITS}")
        value = int(digits)
        if value < minimum:
            raise FieldError(f"'{key}' is {raw}, it must be {minimum} or more, e.g. {key}: 1234")
        return value
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", raw):
        raise FieldError(f"'{key}' is '{raw}', write the number without commas: {key}: {raw.replace(',', '')}")
    if re.fullmatch(r"[+-]?\d*\.\d+([eE][+-]?\d+)?", raw):
        raise FieldError(f"'{key}' is {raw}, it must be a whole number, e.g. {key}: {round(float(raw))}")
    raise FieldError(f"'{key}' is '{raw}', it must be a whole number, e.g. {key}: 1234")


def to_bool(node: yaml.Node, key: str) -> bool:
    node = _scalar(node, key, "true")
    if node.tag == BOOL:
        return str(node.value).lower() in ("true", "yes", "on", "y")
    raise FieldError(f"'{key}' is '{node.value}', it must be true or false, e.g. {key}: true")


_DATE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"(?:[ \t]*(?:Z|[+-]\d{1,2}(?::?\d{2})?))?)?"
)


def to_date(node: yaml.Node, key: str) -> dt.date:
    """A calendar date, as written: a time or time zone after it is accepted and
    does not shift the date."""
    node = _scalar(node, key, "2025-03-30")
    raw = str(node.value).strip()
    match = _DATE.fullmatch(raw)
    if not match:
        raise FieldError(f"'{key}' is '{raw}', write the date as YYYY-MM-DD, e.g. {key}: 2025-03-30")
    year = int(match["y"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise FieldError(f"'{key}' is '{raw}', the year {year} cannot be right, "
                         f"use a year from {MIN_YEAR} to {MAX_YEAR} (YYYY-MM-DD)")
    try:
        date = dt.date(year, int(match["m"]), int(match["d"]))
    except ValueError:
        raise FieldError(f"'{key}' is '{raw}', which is not a real date, check the month and day (YYYY-MM-DD)") from None
    if match["H"] is not None and (int(match["H"]) > 23 or int(match["M"]) > 59 or int(match["S"] or 0) > 59):
        raise FieldError(f"'{key}' is '{raw}', which is not a real time of day, use HH:MM between 00:00 and 23:59")
    return date


def to_text_list(node: yaml.Node, key: str, example: str = "[running, back pain]") -> list[str]:
    """A list of short texts; a single comma-separated text is accepted too."""
    _check_tag(node)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == NULL:
            return []
        text = to_text(node, key, example)
        return [part.strip() for part in text.split(",") if part.strip()]
    if not isinstance(node, yaml.SequenceNode):
        raise FieldError(f"'{key}' must be a list, e.g. {key}: {example}")
    values = []
    for index, item in enumerate(node.value, 1):
        if not isinstance(item, yaml.ScalarNode):
            raise FieldError(f"each item of '{key}' must be a single word or phrase, e.g. {key}: {example}")
        if item.tag == NULL or (item.tag == STR and not str(item.value).strip()):
            problem = FieldError(f"item {index} of '{key}' is empty, remove it or write a word or phrase")
            problem.node = item  # where it is (schema.read_fields places it)
            raise problem
        values.append(to_text(item, key, example))
    return values



def construct(node: yaml.Node, key: str):
    """Plain Python data for a free-form value (lists and mappings of scalars): the
    front-matter fields HealthHub does not know, kept for templates as article.extra."""
    _check_tag(node)
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [construct(item, key) for item in node.value]
    return {str(k.value): construct(v, key) for k, v in node.value}
