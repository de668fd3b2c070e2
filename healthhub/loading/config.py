"""Site configuration: an optional `healthhub.yaml`, every key with a default.

Unknown keys and wrong types are errors (exit code 2) that name the file,
line and column and suggest the closest known key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import yaml

from . import frontmatter as fm
from .. import paths
from . import schema
from ..errors import ConfigError, Diagnostic, did_you_mean, error

DEFAULT_CONFIG_FILE = "healthhub.yaml"
# A BCP 47 tag's syntax (RFC 5646: language with extlangs, script, region, variants,
# extensions, private use), as strict as ICU's parser (icu.Locale.forLanguageTag, which
# the A to Z collates with): its looser forerunner let 'en-US-zz' through to an ICU error.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
                          r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
                          r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?")


@dataclass(frozen=True)
class Language:
    """One entry of `languages:`: its tag, its name in itself, and names of
    categories and tags in this language (source name -> translated name)."""

    code: str
    name: str
    categories: tuple[tuple[str, str], ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    description: str = ""  # the site's description and disclaimer in this language
    disclaimer: str = ""

    def category_name(self, name: str) -> str:
        return dict(self.categories).get(name, name)

    def tag_name(self, name: str) -> str:
        return dict(self.tags).get(name, name)


@dataclass(frozen=True)
class Config:
    site_name: str = "HealthHub"
    base_url: str = ""
    language: str = "en"
    description: str = "Clear, careful articles about health, fitness, nutrition, mental health and sleep."
    category_order: tuple[str, ...] = ()
    per_page: int = 10
    home_latest: int = 10
    popular_count: int = 5
    related_count: int = 4
    title_max: int = 70
    date_format: str = "%B %-d, %Y"
    default_author: str = ""
    # Sanitize the HTML of article bodies (raw HTML in Markdown) with nh3.
    safe_html: bool = False
    # Trust and care (see README "Trustworthy health content").
    review_interval_months: int = 24
    emergency_number: str = "999"
    emergency_advice: str = "call {number} or go to A&E"
    disclaimer: str = ("This article is for general information only. It does not replace advice "
                       "from a doctor, nurse or pharmacist who knows you.")
    readability_target: float = 9.0
    # `check` rules switched off, by code (see `healthhub check`), e.g. [readability, no-sources]
    check_disable: tuple[str, ...] = ()
    # Runaway input (see README "Odd files, hostile input and faults"): no honest
    # article comes near these; each is checked in the process that parses it.
    max_convert_seconds: int = 30
    max_article_mb: int = 5
    # The header's links (see navigation.py): (label, url or '' for a category, line, col).
    nav: tuple[tuple[str, str, int, int], ...] = ()
    nav_count: int = 5
    # Published addresses removed on purpose (see addresses.py): (site path, line, col).
    gone: tuple[tuple[str, int, int], ...] = ()
    # Renamed categories (see addresses.category_redirects): (old name or slug, current name, line, col).
    category_aliases: tuple[tuple[str, str, int, int], ...] = ()
    # Accessibility statement (accessibility.html, made when a contact is given) and the
    # "Was this page helpful?" form on articles (shown when feedback_url is set).
    accessibility_contact: str = ""
    accessibility_issues: tuple[str, ...] = ()
    accessibility_tested: "dt.date | None" = None
    feedback_url: str = ""
    # What the A to Z lists: every article, or one entry per condition (articles with
    # `condition:`), see README "Health publishing".
    atoz: str = "articles"
    # The glossary's terms (glossary.Term), read from glossary.yaml by the build, not a
    # config key: kept here so that every cache keyed by the config sees a change to it.
    glossary: tuple = ()
    # A site in several languages (README "Sites in several languages"); empty: one language.
    languages: tuple["Language", ...] = ()
    # Where the config file was read from ('' for built-in defaults).
    source: str = field(default="", compare=False)
    # Where each key's value is in that file (line, col), for messages about it.
    positions: dict = field(default_factory=dict, compare=False, repr=False)

    def at(self, key: str) -> tuple[int, int]:
        return self.positions.get(key, (1, 1))


def _count(node, key: str, example: str) -> int:
    value = fm.to_int(node, key, minimum=1)
    if value > 1000:
        raise fm.FieldError(f"'{key}' is {value}, use a number from 1 to 1000")
    return value


def _grade(node, key: str, example: str) -> float:
    node = fm._scalar(node, key, example)
    try:
        value = float(str(node.value).strip())
    except ValueError:
        value = -1.0
    if not 1 <= value <= 20:
        raise fm.FieldError(f"'{key}' is '{node.value}', use a school grade from 1 to 20, e.g. {key}: 9")
    return value


def language_tag(node, key: str, example: str) -> str:
    """A BCP 47 language tag (the config's `language`, an article's `language:`)."""
    value = fm.to_text(node, key, example)
    if not LANGUAGE_TAG.fullmatch(value):
        raise fm.FieldError(f"'language' is '{value}', use a language tag such as en, en-GB or fr")
    return value


def _contact(node, key: str, example: str) -> str:
    value = fm.to_text(node, key, example)
    if not (re.fullmatch(r"[^\s@]+@[^\s@]+\.[^\s@]+", value) or re.fullmatch(r"https?://[^\s/?#]+\S*", value)):
        raise fm.FieldError(f"'{key}' is '{value}', write an email address or a web address, "
                            "e.g. access@example.org or https://example.org/contact")
    return value


def _form_url(node, key: str, example: str) -> str:
    value = fm.to_text(node, key, example)
    if not re.fullmatch(r"https?://[^\s/?#]+\S*", value):
        raise fm.FieldError(f"'{key}' is '{value}', write the full address the form is sent to, "
                            "e.g. https://forms.example.org/feedback")
    return value


def _atoz(node, key: str, example: str) -> str:
    value = fm.to_text(node, key, example)
    if value not in ("articles", "conditions"):
        raise fm.FieldError(f"'atoz' is '{value}', use atoz: articles (every article) or "
                            "atoz: conditions (one entry per condition: the articles with condition:)")
    return value


def _base_url(node, key: str, example: str) -> str:
    if node.tag == fm.NULL:
        return ""
    return normal_base_url(fm.to_text(node, key, example))


def _date_format(node, key: str, example: str) -> str:
    return date_format(fm.to_text(node, key, example))


def _entry_reader(read):
    """A reader of the whole entry (nav, gone, languages: they name positions inside the value)."""
    return lambda node, key, example: read(fm.Entry(key, node, fm.Position(1, 1), _node_pos(node)))


def _node_pos(node) -> fm.Position:
    return fm.Position(node.start_mark.line + 1, node.start_mark.column + 1)


_TEXT = schema.Field(schema.text)
_COUNT = schema.Field(_count)
def _texts(node, key: str, example: str) -> tuple[str, ...]:
    return tuple(schema.text_list(node, key, example))  # plain data, as every config value (marshal takes no subclass)


_LIST = schema.Field(_texts, example="[Health, Fitness, Nutrition]")
FIELDS: dict[str, schema.Field] = {
    "site_name": _TEXT,
    "base_url": schema.Field(_base_url, example="https://example.org/"),
    "language": schema.Field(language_tag, example="en"),
    "description": _TEXT,
    "category_order": _LIST,
    "per_page": _COUNT,
    "home_latest": _COUNT,
    "popular_count": _COUNT,
    "related_count": _COUNT,
    "title_max": _COUNT,
    "date_format": schema.Field(_date_format, example='"%B %-d, %Y"'),
    "default_author": _TEXT,
    "safe_html": schema.Field(schema.boolean),
    "review_interval_months": _COUNT,
    "emergency_number": _TEXT,
    "emergency_advice": _TEXT,
    "disclaimer": _TEXT,
    "readability_target": schema.Field(_grade, example="9"),
    "check_disable": _LIST,
    "max_convert_seconds": _COUNT,
    "max_article_mb": _COUNT,
    "nav": schema.Field(_entry_reader(lambda entry: _nav(entry))),
    "nav_count": _COUNT,
    "gone": schema.Field(_entry_reader(lambda entry: _gone(entry))),
    "category_aliases": schema.Field(_entry_reader(lambda entry: _category_aliases(entry))),
    "accessibility_contact": schema.Field(_contact, example="access@example.org"),
    "accessibility_issues": _LIST,
    "accessibility_tested": schema.Field(schema.date),
    "feedback_url": schema.Field(_form_url, example="https://forms.example.org/feedback"),
    "atoz": schema.Field(_atoz, example="conditions"),
    "languages": schema.Field(_entry_reader(lambda entry: _languages(entry))),
}
KNOWN_KEYS = tuple(FIELDS)


def load_config(path: Path | None, display: str | None = None) -> Config:
    """Read the config file; None or a missing default file gives the defaults.

    Raises ConfigError with every problem found.
    """
    if path is None:
        return Config()
    display = display or str(path)
    try:
        text = fm.read_data_file(path, "config file")
    except FileNotFoundError:
        raise ConfigError([error(display, 1, 1, "config file not found, check the --config path")]) from None
    except fm.FrontMatterError as exc:
        raise ConfigError([error(display, exc.line, exc.col, exc.message, exc.code)]) from None
    except OSError as exc:
        raise ConfigError([error(display, 1, 1, f"cannot read the config file ({exc.strerror})")]) from None
    return parse_config(text, display)


def parse_config(text: str, display: str) -> Config:
    problems: list[Diagnostic] = []
    try:
        entries = fm.read_mapping(text, first_line=1, example="site_name: My Health Hub")
    except fm.FrontMatterError as exc:
        message = exc.message.replace("the front matter", "the config file").replace("front matter", "the config file")
        raise ConfigError([error(display, exc.line, exc.col, message)]) from None

    def unknown(key: str, key_pos: fm.Position, node) -> list[Diagnostic]:
        return [error(display, key_pos.line, key_pos.col,
                      f"unknown config key '{key}'{did_you_mean(key, KNOWN_KEYS)}, known keys are: {', '.join(KNOWN_KEYS)}")]
    found = schema.read_fields(schema.entries_of(entries), FIELDS, display, _node_pos, unknown)
    values = found.values
    positions = {key: (pos.line, pos.col) for key, pos in found.positions.items()}
    problems.extend(found.diagnostics)
    languages = values.get("languages")
    if languages:
        given = next((e for e in entries if e.key == "language"), None)
        if given is not None and values.get("language") != languages[0].code:
            problems.append(error(display, given.pos.line, given.pos.col,
                                  f"'language' is '{values.get('language')}' but the first of 'languages' is "
                                  f"'{languages[0].code}', the first language is the default: make them the same "
                                  "or remove 'language'"))
        values["language"] = languages[0].code
    if problems:
        raise ConfigError(problems)
    return dataclasses.replace(Config(), source=display, positions=positions, **values)


_LANGUAGES_EXAMPLE = "languages: {en: {name: English}, ar: {name: العربية}}"
_LANGUAGE_FIELDS = ("name", "categories", "tags", "description", "disclaimer")


def _languages(entry: fm.Entry) -> tuple[Language, ...]:
    """`languages:` a mapping of language tag -> {name, categories, tags}; the first is the default."""
    node = entry.node
    if isinstance(node, yaml.ScalarNode) and node.tag == fm.NULL:
        return ()
    if not isinstance(node, yaml.MappingNode):
        raise fm.FieldError(f"'languages' must list language tags with their names, e.g. {_LANGUAGES_EXAMPLE}")
    found: list[Language] = []
    for key_node, value_node in node.value:
        code = str(key_node.value)
        if not LANGUAGE_TAG.fullmatch(code):
            raise fm.FieldError(f"'{code}' in 'languages' is not a language tag, use one such as en, es, ar or pt-BR")
        if any(language.code.lower() == code.lower() for language in found):
            raise fm.FieldError(f"'{code}' is listed twice in 'languages', keep one")
        if isinstance(value_node, yaml.ScalarNode) and value_node.tag != fm.NULL:
            found.append(Language(code, fm.to_text(value_node, code)))  # `ar: العربية` is allowed too
            continue
        if not isinstance(value_node, yaml.MappingNode):
            raise fm.FieldError(f"'{code}' in 'languages' needs a name, e.g. {code}: {{name: ...}}")
        fields: dict[str, object] = {}
        for field_key, field_value in value_node.value:
            name = str(field_key.value)
            if name not in _LANGUAGE_FIELDS:
                raise fm.FieldError(f"unknown field '{name}' for language '{code}'"
                                    f"{did_you_mean(name, _LANGUAGE_FIELDS)}, known fields are: "
                                    f"{', '.join(_LANGUAGE_FIELDS)}")
            if name in ("name", "description", "disclaimer"):
                fields[name] = fm.to_text(field_value, name, "English")
            else:
                if not isinstance(field_value, yaml.MappingNode):
                    raise fm.FieldError(f"'{name}' of language '{code}' maps names to their translation, "
                                        f"e.g. {name}: {{Health: Salud}}")
                fields[name] = tuple((str(k.value), fm.to_text(v, str(k.value))) for k, v in field_value.value)
        if "name" not in fields:
            raise fm.FieldError(f"language '{code}' has no name, add its name in itself, e.g. {code}: {{name: ...}}")
        found.append(Language(code, str(fields["name"]), fields.get("categories", ()), fields.get("tags", ()),
                              str(fields.get("description", "")), str(fields.get("disclaimer", ""))))
    return tuple(found)


def normal_base_url(value: str) -> str:
    """The base URL every absolute link starts with, checked and written one way:
    http or https, a host, no user, query or fragment, a path without empty, '.'
    or '..' parts (`https://example.org//hub/` made the 404 page link to the host
    `hub`), percent-encoded, ending in '/'. Raises FieldError."""
    example = "e.g. https://example.org/ or https://example.org/hub/"
    shown = value if len(value) <= 100 else value[:100] + "…"
    if re.search(r"[\s\\]", value):
        raise fm.FieldError(f"'base_url' is '{shown}', which holds a space or backslash, write the address the "
                            f"site is served from, {example}")
    try:
        parts = urlsplit(value)
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        raise fm.FieldError(f"'base_url' is '{shown}', which is not a web address (check the port), {example}") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise fm.FieldError(f"'base_url' is '{shown}', write the full address the site is served from, "
                            f"starting with https:// and a host name, {example}")
    if parts.username is not None or parts.password is not None:
        raise fm.FieldError(f"'base_url' is '{shown}', which holds a user name or password, "
                            f"leave them out: every page would show them, {example}")
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise fm.FieldError(f"'base_url' is '{shown}', which has a '?' or '#' part, leave it out, {example}")
    segments = [s for s in parts.path.split("/") if s]
    if any(s in (".", "..") for s in segments):
        raise fm.FieldError(f"'base_url' is '{shown}', whose path has '.' or '..' in it, "
                            f"write the folder the site is served from, {example}")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise fm.FieldError(f"'base_url' is '{shown}', whose host name is not valid, {example}") from None
    if not re.fullmatch(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]", host if ":" not in host else f"[{host}]"):
        raise fm.FieldError(f"'base_url' is '{shown}', whose host name '{host}' is not valid, {example}")
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    path = "/" + "".join(quote(s, safe="%!$&'()*+,;=:@-._~") + "/" for s in segments)
    return f"{parts.scheme.lower()}://{netloc}{path}"


# strftime directives that show a part of a date (a '-' after '%' drops the leading zero).
_DATE_DIRECTIVE = re.compile(r"%(-?)(.?)")
DATE_DIRECTIVES = "aAbBdejmyYUW"


def date_format(value: str) -> str:
    """A date_format that shows every date as a date: only the strftime directives for
    parts of a date (a width such as %1000000000Y made every date empty)."""
    shown = value if len(value) <= 60 else value[:60] + "…"
    parts = 0
    for match in _DATE_DIRECTIVE.finditer(value):
        flag, letter = match.groups()
        if letter == "%" and not flag:
            continue
        if letter not in DATE_DIRECTIVES or not letter or flag and letter not in "dm":
            raise fm.FieldError(
                f"'date_format' is '{shown}', and '{match.group()}' is not a part of a date it can show, "
                f"use %d, %-d, %m, %-m, %b, %B, %a, %A, %y or %Y, e.g. date_format: \"%B %-d, %Y\"")
        parts += 1
    if not parts:
        raise fm.FieldError(f"'date_format' is '{shown}', which shows no part of the date, "
                            "e.g. date_format: \"%B %-d, %Y\"")
    return value


_NAV_EXAMPLE = "[Health, Sleep, {title: A to Z, url: a-z.html}]"


def _nav(entry: fm.Entry) -> tuple[tuple[str, str, int, int], ...]:
    """`nav:` items: a category name, or {title: ..., url: ...} for any other link."""
    node = entry.node
    if node.tag == fm.NULL:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        raise fm.FieldError(f"'nav' must be a list, e.g. nav: {_NAV_EXAMPLE}")
    items = []
    for item in node.value:
        line = item.start_mark.line + entry.pos.line - node.start_mark.line
        col = item.start_mark.column + 1
        try:
            items.append(_nav_item(item, line, col))
        except fm.FieldError as exc:
            exc.position = (line, col)
            raise
    return tuple(items)


def _nav_item(item: yaml.Node, line: int, col: int) -> tuple[str, str, int, int]:
    if isinstance(item, yaml.MappingNode):
        fields = {str(k.value): v for k, v in item.value}
        if set(fields) != {"title", "url"}:
            raise fm.FieldError("a link in 'nav' needs exactly 'title' and 'url', e.g. {title: A to Z, url: a-z.html}")
        url = fm.to_text(fields["url"], "url", "a-z.html")
        if re.match(r"(?i)(?:mailto|tel):\S", url):  # "Contact us", "Call 111": off the site too
            return fm.to_text(fields["title"], "title", "About us"), url, line, col
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url) and not re.match(r"(?i)https?:", url):
            raise fm.FieldError(f"the nav link url '{url}' is not a web address, write a full address (https://...), "
                                "mailto:, tel: or a path inside the site, e.g. a-z.html")
        if not (re.fullmatch(r"https?://[^\s/?#]+\S*", url) or paths.is_inside(url.split("#")[0])):
            raise fm.FieldError(f"the nav link url '{url}' must be a full address (https://...) "
                                "or a path inside the site without a leading slash, e.g. a-z.html")
        return fm.to_text(fields["title"], "title", "About us"), url, line, col
    return fm.to_text(item, "nav", "Health"), "", line, col


def _category_aliases(entry: fm.Entry) -> tuple[tuple[str, str, int, int], ...]:
    """`category_aliases: {Old name: Current name}`: each old name (or its folder name) with
    the category that replaced it, and the old name's line and column."""
    node = entry.node
    if node.tag == fm.NULL:
        return ()
    example = "category_aliases: {Excercise: Fitness}"
    if not isinstance(node, yaml.MappingNode):
        raise fm.FieldError(f"'category_aliases' maps each old category name to the current one, e.g. {example}")
    found = []
    for key, value in node.value:
        line = key.start_mark.line + entry.pos.line - node.start_mark.line
        col = key.start_mark.column + 1
        try:
            old = fm.to_text(key, "category_aliases", example)
            new = fm.to_text(value, old, "Fitness")
        except fm.FieldError as exc:
            exc.position = (line, col)
            raise
        found.append((old, new, line, col))
    return tuple(found)


def _gone(entry: fm.Entry) -> tuple[tuple[str, int, int], ...]:
    """`gone:` addresses (each once), with their line and column."""
    node = entry.node
    if node.tag == fm.NULL:
        return ()
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    found: dict[str, tuple[str, int, int]] = {}
    for item in items:
        line = item.start_mark.line + entry.pos.line - node.start_mark.line
        col = item.start_mark.column + 1
        try:
            text = fm.to_text(item, "gone", "/old/page.html")
            address = paths.address_path(text)
            if address is None:
                raise fm.FieldError(f"'{text}' in 'gone' is not an address inside the site, "
                                    "write it like /old/page.html or /old-folder/")
        except fm.FieldError as exc:
            exc.position = (line, col)
            raise
        found.setdefault(address, (address, line, col))
    return tuple(found.values())
