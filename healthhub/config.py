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

from . import frontmatter as fm
from .errors import ConfigError, Diagnostic, did_you_mean, error

DEFAULT_CONFIG_FILE = "healthhub.yaml"


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
    # Accessibility statement (accessibility.html, made when a contact is given) and the
    # "Was this page helpful?" form on articles (shown when feedback_url is set).
    accessibility_contact: str = ""
    accessibility_issues: tuple[str, ...] = ()
    accessibility_tested: "dt.date | None" = None
    feedback_url: str = ""
    # The glossary's terms (glossary.Term), read from glossary.yaml by the build, not a
    # config key: kept here so that every cache keyed by the config sees a change to it.
    glossary: tuple = ()
    # Where the config file was read from ('' for built-in defaults).
    source: str = field(default="", compare=False)


_KINDS = {
    "site_name": "text",
    "base_url": "url",
    "language": "language",
    "description": "text",
    "category_order": "list",
    "per_page": "count",
    "home_latest": "count",
    "popular_count": "count",
    "related_count": "count",
    "title_max": "count",
    "date_format": "text",
    "default_author": "text",
    "safe_html": "bool",
    "review_interval_months": "count",
    "emergency_number": "text",
    "emergency_advice": "text",
    "disclaimer": "text",
    "readability_target": "grade",
    "accessibility_contact": "contact",
    "accessibility_issues": "list",
    "accessibility_tested": "date",
    "feedback_url": "form_url",
}
KNOWN_KEYS = tuple(_KINDS)


def load_config(path: Path | None, display: str | None = None) -> Config:
    """Read the config file; None or a missing default file gives the defaults.

    Raises ConfigError with every problem found.
    """
    if path is None:
        return Config()
    display = display or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError([error(display, 1, 1, "config file not found, check the --config path")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([error(display, 1, 1, f"cannot read the config file ({exc})")]) from None
    return parse_config(text.replace("\r\n", "\n"), display)


def parse_config(text: str, display: str) -> Config:
    problems: list[Diagnostic] = []
    try:
        entries = fm.read_mapping(text, first_line=1)
    except fm.FrontMatterError as exc:
        message = exc.message.replace("the front matter", "the config file").replace("front matter", "the config file")
        raise ConfigError([error(display, exc.line, exc.col, message)]) from None
    values: dict[str, object] = {}
    for entry in entries:
        kind = _KINDS.get(entry.key)
        if kind is None:
            problems.append(error(
                display, entry.key_pos.line, entry.key_pos.col,
                f"unknown config key '{entry.key}'{did_you_mean(entry.key, KNOWN_KEYS)}, "
                f"known keys are: {', '.join(KNOWN_KEYS)}",
            ))
            continue
        try:
            values[entry.key] = _convert(kind, entry)
        except fm.FieldError as exc:
            problems.append(error(display, entry.pos.line, entry.pos.col, str(exc)))
    if problems:
        raise ConfigError(problems)
    return dataclasses.replace(Config(), source=display, **values)


def _convert(kind: str, entry: fm.Entry):
    key, node = entry.key, entry.node
    if kind == "text":
        return fm.to_text(node, key)
    if kind == "count":
        value = fm.to_int(node, key, minimum=1)
        if value > 1000:
            raise fm.FieldError(f"'{key}' is {value}, use a number from 1 to 1000")
        return value
    if kind == "bool":
        return fm.to_bool(node, key)
    if kind == "grade":
        node = fm._scalar(node, key, "9")
        try:
            value = float(str(node.value).strip())
        except ValueError:
            value = -1.0
        if not 1 <= value <= 20:
            raise fm.FieldError(f"'{key}' is '{node.value}', use a school grade from 1 to 20, e.g. {key}: 9")
        return value
    if kind == "list":
        return tuple(fm.to_text_list(node, key, "[Health, Fitness, Nutrition]"))
    if kind == "language":
        value = fm.to_text(node, key, "en")
        if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
            raise fm.FieldError(f"'language' is '{value}', use a language tag such as en, en-GB or fr")
        return value
    if kind == "date":
        return fm.to_date(node, key)
    if kind == "contact":
        value = fm.to_text(node, key, "access@example.org")
        if not (re.fullmatch(r"[^\s@]+@[^\s@]+\.[^\s@]+", value) or re.fullmatch(r"https?://[^\s/?#]+\S*", value)):
            raise fm.FieldError(f"'{key}' is '{value}', write an email address or a web address, "
                                "e.g. access@example.org or https://example.org/contact")
        return value
    if kind == "form_url":
        value = fm.to_text(node, key, "https://forms.example.org/feedback")
        if not re.fullmatch(r"https?://[^\s/?#]+\S*", value):
            raise fm.FieldError(f"'{key}' is '{value}', write the full address the form is sent to, "
                                "e.g. https://forms.example.org/feedback")
        return value
    if kind == "url":
        if node.tag == fm.NULL:
            return ""
        value = fm.to_text(node, key, "https://example.org/")
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise fm.FieldError(
                f"'base_url' is '{value}', write the full address the site is served from, "
                "e.g. https://example.org/ or https://example.org/hub/"
            )
        return value.rstrip("/") + "/"
    raise AssertionError(kind)
