"""Languages: text direction, message catalogs, dates, numbers and plurals.

Interface text comes from gettext catalogs in the theme,
`templates/locales/<lang>/messages.po`, read with Babel (no compile step).
A page is rendered with one `Translator` for its language, passed in the
render context (never installed in the environment: a server thread may
share it). Dates, numbers and plural rules come from Babel (CLDR).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
from html.parser import HTMLParser
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2 import nodes
from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from markupsafe import Markup

from ..errors import Diagnostic, warning
from ..theme import DEFAULT_PREFIX
from ..loading.config import Config
from ..loading.markup import CALLOUT_LABELS, callout_titles

CATALOG_DIR = "locales"
CATALOG_NAME = "messages.po"
# Scripts written right to left (by the language subtag of a BCP 47 tag).
RTL_LANGUAGES = frozenset({"ar", "fa", "ur", "he", "iw", "ps", "sd", "ug", "yi", "dv", "ckb"})
# Digits of the numbering systems CLDR names as some locales' default (Babel
# formats the separators of these systems but keeps ASCII digits).
_DIGITS = {"arab": 0x0660, "arabext": 0x06F0, "beng": 0x09E6, "deva": 0x0966, "mymr": 0x1040}

# Interface strings that Python code (not a template) asks for; the completeness
# test and the build's check look for these too.
PYTHON_MESSAGES: tuple[str, ...] = (
    "HOME",
    "Urgent advice",
    "Non-urgent advice",
    "Information",
    "Tip",
    "see a GP or pharmacist",
    "call {number} or go to A&E",
    # The config's own defaults: a site that keeps them gets them in each page's language
    Config.description,
    Config.disclaimer,
)


def base_language(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


@functools.lru_cache(maxsize=None)
def text_direction(tag: str) -> str:
    """'rtl' for a language written right to left, else 'ltr': as CLDR says for the tag,
    script included (ks, syr, nqo and Moroccan Arabic 'ary' are; 'az-Arab' is, 'az' and
    'sd-Deva' are not); a tag CLDR does not know goes by its language (RTL_LANGUAGES)."""
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return "rtl" if base_language(tag) in RTL_LANGUAGES else "ltr"
    return "rtl" if locale.character_order == "right-to-left" else "ltr"


def og_locale(tag: str) -> str:
    """Open Graph writes locales as ll_TT (en_GB); a bare language gets CLDR's likely territory."""
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return tag.replace("-", "_")
    if locale.territory:
        return f"{locale.language}_{locale.territory}"
    likely = Locale.parse(locale.language).territory or ""
    try:
        from babel.core import get_global
        full = get_global("likely_subtags").get(locale.language, "")
        likely = full.split("_")[-1] if full else likely
    except Exception:  # pragma: no cover - Babel data without likely subtags
        pass
    return f"{locale.language}_{likely}" if likely else locale.language


def babel_locale(tag: str) -> Locale | None:
    for candidate in (tag.replace("-", "_"), base_language(tag)):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return None


@dataclass
class Catalog:
    """One language's messages as read from its .po file."""

    language: str
    path: str  # as shown in messages
    translations: NullTranslations
    messages: frozenset  # msgids with a translation (a plural entry by its singular)
    digest: str = ""  # of the file's bytes: pages in this language depend on it


def read_catalog(path: Path, display: str, language: str) -> tuple[Catalog | None, list[Diagnostic]]:
    """A .po file through Babel; a broken file is one warning (English is shown instead)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [warning(display, 1, 1, f"cannot read this message catalog ({exc}), the interface is shown in English")]
    catalog, problems = _parse_catalog(data, display, language)
    return catalog, list(problems)


@functools.lru_cache(maxsize=64)
def _parse_catalog(data: bytes, display: str, language: str) -> tuple[Catalog | None, tuple[Diagnostic, ...]]:
    """Parsing the catalogs took ~0.1 s of every live-preview rebuild; the answer is a pure
    function of the file's bytes, so it is remembered (the Catalog is never changed)."""
    try:
        catalog = read_po(io.BytesIO(data), locale=babel_locale(language) or None, abort_invalid=True)
    except (PoFileError, UnknownLocaleError, ValueError) as exc:
        return None, (warning(display, getattr(exc, "lineno", 1) or 1, 1,
                              f"cannot read this message catalog ({exc}), the interface is shown in English"),)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = Translations(buffer)
    known = set()
    for message in catalog:
        if not message.id:
            continue
        singular = message.id[0] if isinstance(message.id, (tuple, list)) else message.id
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if all(strings) and not message.fuzzy:
            known.add(singular)
    return Catalog(language, display, translations, frozenset(known), hashlib.sha256(data).hexdigest()), ()


def find_catalog(templates_dir: Path, language: str) -> Path | None:
    """templates/locales/<lang>/messages.po: the full tag first (pt-BR, pt_BR), then the
    language; in the site's templates folder first, then in the default theme."""
    from ..theme import theme_layers
    for layer in theme_layers(templates_dir):
        root = layer / CATALOG_DIR
        for name in (language, language.replace("-", "_"), base_language(language)):
            path = root / name / CATALOG_NAME
            if path.is_file():
                return path
    return None


@dataclass
class Translator:
    """Interface text, dates and numbers for one language (what a page's `_()` uses)."""

    language: str
    date_format: str  # strftime format used for English ("": CLDR's long date for the locale)
    translations: NullTranslations = field(default_factory=NullTranslations)
    english: bool = True
    locale: Locale | None = None
    # The numbering system's digits (as str.translate takes them), found when a number or
    # date is first written: finding them loads the locale's CLDR data, which only this
    # language's pages need (29 languages took 0.56 s, on every build that remade one page).
    digits: dict | None = None

    @property
    def direction(self) -> str:
        return text_direction(self.language)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

    def number(self, value: int) -> str:
        """English pages keep plain digits (3667); other languages follow CLDR."""
        if self.english or self.locale is None:
            return str(value)
        return format_decimal(value, locale=self.locale, numbering_system="default").translate(self._digits())

    def date(self, value: dt.date) -> str:
        if (self.english and self.date_format) or self.locale is None:
            return value.strftime(self.date_format.replace("%-d", str(value.day)).replace("%-m", str(value.month)))
        return babel_format_date(value, "long", locale=self.locale).translate(self._digits())

    def _digits(self) -> dict:
        if self.digits is None:
            system = getattr(self.locale, "default_numbering_system", "latn") if self.locale is not None else "latn"
            self.digits = ({ord("0") + i: chr(_DIGITS[system] + i) for i in range(10)} if system in _DIGITS
                           else {})
        return self.digits


def site_text(config, name: str, lang: str, translator: "Translator | None") -> str:
    """The config's `description` or `disclaimer` in language `lang`: its entry's in
    `languages:`, else the interface catalog's translation (which a site that kept
    HealthHub's default text gets); '' when there is neither."""
    language = next((item for item in config.languages if item.code == lang), None)
    text = getattr(language, name, "") if language is not None else ""
    if not text and translator is not None:
        translated = translator.gettext(getattr(config, name))
        text = translated if translated != getattr(config, name) else ""
    return text


def make_translator(language: str, catalogs: dict[str, Catalog], date_format: str) -> Translator:
    locale = babel_locale(language)
    english = base_language(language) == "en"
    if english and locale is not None and locale.territory and date_format == Config.date_format:
        date_format = ""  # en-GB, en-AU, en-IN...: the region's own long date (30 March 2025), as CLDR has it
    catalog = catalogs.get(language)
    return Translator(language, date_format, catalog.translations if catalog else NullTranslations(),
                      english, locale)


def load_catalogs(templates_dir: Path, languages: tuple[str, ...],
                  display=lambda path: path.as_posix()) -> tuple[dict[str, Catalog], list[Diagnostic]]:
    """The catalog of each language that has one; a non-English language without one is a warning."""
    catalogs: dict[str, Catalog] = {}
    diags: list[Diagnostic] = []
    for language in languages:
        path = find_catalog(templates_dir, language)
        if path is None:
            if base_language(language) != "en":
                diags.append(warning(display(templates_dir / CATALOG_DIR), 1, 1,
                                     f"no message catalog for '{language}', the interface is shown in English; "
                                     f"add '{CATALOG_DIR}/{language}/{CATALOG_NAME}' (copy the en one and translate it)"))
            continue
        catalog, problems = read_catalog(path, display(path), language)
        diags.extend(problems)
        if catalog is not None:
            catalogs[language] = catalog
    return catalogs, diags


def template_messages(env: jinja2.Environment) -> dict[str, tuple[str, int]]:
    """Every string the templates pass to _(), gettext() or ngettext(): msgid -> (template, line).
    (A plural entry is named by its singular.)"""
    found: dict[str, tuple[str, int]] = {}
    for name in sorted(env.list_templates(filter_func=lambda n: n.endswith((".html", ".xml", ".txt")))):
        if name.startswith(DEFAULT_PREFIX + "/"):
            continue  # the default theme under its other name: the same source
        try:
            source = env.loader.get_source(env, name)[0]
        except (jinja2.TemplateError, OSError, UnicodeDecodeError):
            continue  # a broken template is reported, at its line, when it is rendered
        for line, message in _messages_in(_syntax(env), source):
            found.setdefault(message, (name, line))
    return found


_SYNTAX = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
           "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
           "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline")


def _syntax(env: jinja2.Environment) -> tuple:
    return tuple((name, getattr(env, name)) for name in _SYNTAX)


@functools.lru_cache(maxsize=512)
def _messages_in(syntax: tuple, source: str) -> tuple[tuple[int, str], ...]:
    """(line, msgid) of every _()/ngettext() in a template source. Parsing every template
    took ~0.3 s of each live-preview rebuild; the answer is a pure function of the source
    and the template syntax, so it is remembered (every build makes a new environment)."""
    parser = jinja2.Environment(extensions=["jinja2.ext.i18n"], **dict(syntax))
    try:
        found = list(parser.extract_translations(source))
    except jinja2.TemplateError:
        return ()  # a broken template is reported, at its line, when it is rendered
    result = []
    for line, _function, message in found:
        singular = message[0] if isinstance(message, tuple) else message
        if isinstance(singular, str):
            result.append((line, singular))
    return tuple(result)


def all_messages(env: jinja2.Environment) -> dict[str, tuple[str, int]]:
    found = template_messages(env)
    for message in PYTHON_MESSAGES:
        found.setdefault(message, ("healthhub/rendering/i18n.py", 1))
    return found


def missing_messages(env: jinja2.Environment, catalogs: dict[str, Catalog]) -> dict[str, list[str]]:
    """Per language: the interface strings its catalog lacks (sorted)."""
    if not catalogs:
        return {}
    wanted = all_messages(env)
    return {language: sorted(m for m in wanted if m not in catalog.messages)
            for language, catalog in sorted(catalogs.items())}


def catalog_warnings(env: jinja2.Environment, catalogs: dict[str, Catalog]) -> list[Diagnostic]:
    """One warning per language and missing string (English is shown for it)."""
    diags = []
    # English catalogs lack nothing (the msgid is the English text): a site in English
    # alone does not read its templates for their strings (about 0.15 s of every build).
    catalogs = {language: catalog for language, catalog in catalogs.items() if base_language(language) != "en"}
    for language, missing in missing_messages(env, catalogs).items():
        for message in missing:
            diags.append(warning(catalogs[language].path, 1, 1,
                                 f"no '{language}' translation of the interface string {message!r}, "
                                 f"English is shown; add msgid/msgstr lines for it"))
    return diags


def localize_body(html: str, translator: Translator, config) -> str:
    """Care callout titles are written in English when the body is parsed (bodies do not
    depend on the language); a page in another language gets them in its own."""
    if translator.english or 'class="callout-title"' not in html:
        return html
    escape = lambda text: str(Markup.escape(text))  # noqa: E731
    english = callout_titles(config.emergency_number, config.emergency_advice)
    advice = translator.gettext(config.emergency_advice).replace("{number}", config.emergency_number)
    translated = {
        "urgent": f"{translator.gettext('Urgent advice')}: {advice}",
        "see-a-doctor": f"{translator.gettext('Non-urgent advice')}: {translator.gettext('see a GP or pharmacist')}",
        "info": translator.gettext("Information"),
        "tip": translator.gettext("Tip"),
    }
    for kind, title in english.items():
        html = html.replace(f"</svg><span>{escape(title)}</span>", f"</svg><span>{escape(translated[kind])}</span>")
    for label in CALLOUT_LABELS.values():
        html = html.replace(f"</svg><span>{escape(label)}", f"</svg><span>{escape(translator.gettext(label))}")
    return html


# --- in templates ------------------------------------------------------------------

def _translator(ctx) -> Translator:
    return ctx["i18n"]


def _format(ctx, text: str, variables: dict):
    if ctx.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables else text


@jinja2.pass_context
def gettext(ctx, message: str, **variables):
    """`_("Sources")`, `_("%(name)s's page", name=x)`: escaped like Jinja's newstyle gettext."""
    return _format(ctx, _translator(ctx).gettext(message), variables)


@jinja2.pass_context
def ngettext(ctx, singular: str, plural: str, count: int, **variables):
    """`ngettext("%(num)s view", "%(num)s views", n)`; `num` is the number in the page's digits."""
    variables.setdefault("num", _translator(ctx).number(count))
    return _format(ctx, _translator(ctx).ngettext(singular, plural, count), variables)


def install(env: jinja2.Environment) -> None:
    """The template functions; each reads the page's Translator from the render context."""
    env.add_extension("jinja2.ext.i18n")
    env.newstyle_gettext = True
    env.globals["_"] = gettext
    env.globals["gettext"] = gettext
    env.globals["ngettext"] = ngettext


# --- text a template writes without _() ------------------------------------------------

# Attributes whose value a reader sees or hears.
_TEXT_ATTRIBUTES = frozenset({"aria-label", "title", "placeholder", "alt", "aria-description", "aria-roledescription"})
# Words that are the same in every language (names, abbreviations of identifiers).
UNTRANSLATED_WORDS = frozenset({"DOI", "PubMed"})
# Inside these nothing is interface text.
_NOT_TEXT_ELEMENTS = frozenset({"style", "script"})
_WORD = re.compile(r"[^\W\d_]{2,}")
_PLACEHOLDER = "\ue000"  # where a {{ expression }} stood
_NOT_TEXT_BLOCKS = frozenset({"og_type", "styles"})


class _LiteralFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.found: list[tuple[int, str]] = []

    def _text(self, text: str) -> None:
        words = [w for w in _WORD.findall(text.replace(_PLACEHOLDER, " ")) if w not in UNTRANSLATED_WORDS]
        if words:
            line = self.getpos()[0] + text[: len(text) - len(text.lstrip())].count("\n")
            self.found.append((line, " ".join(text.replace(_PLACEHOLDER, "…").split())))

    def handle_starttag(self, tag, attrs):
        if tag in _NOT_TEXT_ELEMENTS:
            self.skip += 1
        for name, value in attrs:
            if name in _TEXT_ATTRIBUTES and value:
                self._text(value)

    def handle_startendtag(self, tag, attrs):
        for name, value in attrs:
            if name in _TEXT_ATTRIBUTES and value:
                self._text(value)

    def handle_endtag(self, tag):
        if tag in _NOT_TEXT_ELEMENTS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self._text(data)


def _output_constants(node: nodes.Node, globals_: dict):
    """String constants an expression writes out: not those passed to _() or to the
    theme's functions (url('index.html')), compared, used as keys or filter arguments."""
    if isinstance(node, nodes.Const):
        if isinstance(node.value, str):
            yield node
        return
    if isinstance(node, nodes.Call):
        name = node.node.name if isinstance(node.node, nodes.Name) else ""
        if name in globals_ or isinstance(node.node, nodes.Getattr):
            return  # _(), url(), asset(), site.person(...): identifiers, not text
        for arg in list(node.args) + [kw.value for kw in node.kwargs]:
            yield from _output_constants(arg, globals_)  # a macro's arguments (breadcrumb)
        return
    if isinstance(node, (nodes.Compare, nodes.Test)):
        return
    if isinstance(node, nodes.Filter):
        if node.node is not None:
            yield from _output_constants(node.node, globals_)
        return
    if isinstance(node, nodes.Getitem):
        yield from _output_constants(node.node, globals_)
        return
    if isinstance(node, nodes.Pair):
        yield from _output_constants(node.value, globals_)
        return
    if isinstance(node, nodes.CondExpr):
        yield from _output_constants(node.expr1, globals_)
        if node.expr2 is not None:
            yield from _output_constants(node.expr2, globals_)
        return
    for child in node.iter_child_nodes():
        yield from _output_constants(child, globals_)


def template_literals(env: jinja2.Environment) -> list[tuple[str, int, str]]:
    """(template, line, text) of every piece of interface text a template writes
    without passing it through _() or ngettext(): text between tags, text
    attributes (aria-label, title, placeholder, alt) and string constants the
    template prints or hands to a macro. The catalog-completeness test fails on any."""
    found: list[tuple[str, int, str]] = []
    for name in sorted(env.list_templates(filter_func=lambda n: n.endswith((".html", ".htm")))):
        if name.startswith(DEFAULT_PREFIX + "/"):
            continue  # the default theme under its other name
        source = env.loader.get_source(env, name)[0]
        parts: list[str] = []
        line = 1
        inside_variable = False
        tokens = [t for t in env.lex(source) if t[1] != "whitespace"]
        skipping = 0  # inside {% block og_type %} and the like
        for index, (lineno, kind, value) in enumerate(tokens):
            if kind == "name" and value == "block" and index + 1 < len(tokens) \
                    and tokens[index + 1][2] in _NOT_TEXT_BLOCKS:
                skipping += 1
            elif kind == "name" and value == "endblock" and skipping:
                skipping -= 1
            elif kind == "variable_begin":
                inside_variable = True
                # an expression in a tag's name (<{{ heading }} ...>) stays a tag name
                parts.append("hh" if parts and parts[-1].endswith(("<", "</")) else _PLACEHOLDER)
            elif kind == "variable_end":
                inside_variable = False
            elif kind == "data" and not inside_variable and not skipping:
                if lineno > line:  # keep lines where they were (blocks and comments are left out)
                    parts.append("\n" * (lineno - line))
                    line = lineno
                parts.append(value)
                line += value.count("\n")
        finder = _LiteralFinder()
        finder.feed("".join(parts))
        finder.close()
        found.extend((name, at, text) for at, text in finder.found)
        tree = env.parse(source)
        for output in tree.find_all(nodes.Output):
            for child in output.nodes:
                if isinstance(child, nodes.TemplateData):
                    continue
                for const in _output_constants(child, env.globals):
                    if _WORD.search(const.value) and not all(w in UNTRANSLATED_WORDS for w in _WORD.findall(const.value)):
                        found.append((name, const.lineno, const.value))
    return sorted(set(found))
