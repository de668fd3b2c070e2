"""The Jinja environment the theme renders in: its loaders, filters and globals
(dates, numbers, URLs, assets, JSON for <script>), and the theme's static assets."""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_text
import json
import os
import posixpath
from pathlib import Path

import jinja2
from markupsafe import Markup

from .. import __version__, paths, theme
from . import i18n, images
from ..loading.model import Article
from ..loading.markup import shorten
from .pages import CategoryInfo
from .structured import questions_data, structured_data


def format_date(date: dt.date, fmt: str) -> str:
    """strftime, with the glibc-only %-d (day without a leading zero) done portably."""
    return date.strftime(fmt.replace("%-d", str(date.day)).replace("%-m", str(date.month)))


_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                 0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_for_script(value: object) -> Markup:
    """JSON safe to put inside <script>: no author text can end the element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.translate(_JSON_ESCAPES))


def load_assets(static_dir: Path) -> dict[str, bytes]:
    """Every file under templates/static, by its path inside it."""
    assets: dict[str, bytes] = {}
    if not static_dir.is_dir():
        return assets
    for root, dirs, files in os.walk(static_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.endswith("~"):
                continue
            full = Path(root) / name
            assets[full.relative_to(static_dir).as_posix()] = full.read_bytes()
    return assets


def asset_versions(assets: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest()[:10] for name, data in assets.items()}


def locate_template_error(exc: jinja2.TemplateError) -> jinja2.TemplateError:
    """Give a template error the file and line of the template it happened in, as
    attributes: a syntax error has them, an error while rendering only in its
    traceback, which does not come along when a render worker sends the error to
    the build (the attributes do)."""
    if not getattr(exc, "filename", None):
        tb = exc.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_code.co_filename
            if name.endswith((".html", ".xml", ".txt")) and os.path.exists(name):
                exc.filename, exc.lineno = name, tb.tb_lineno
            tb = tb.tb_next
    return exc


def make_environment(templates_dir: Path, compiled_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment; with `compiled_dir` (in the build cache) compiled
    templates are kept there, checked against their source, so a rebuild need not
    compile them again."""
    bytecode_cache = None
    if compiled_dir is not None:
        compiled_dir.mkdir(parents=True, exist_ok=True)
        bytecode_cache = jinja2.FileSystemBytecodeCache(str(compiled_dir))
    env = jinja2.Environment(
        loader=theme.make_loader(templates_dir),  # the site's templates over the default theme
        bytecode_cache=bytecode_cache,
        autoescape=jinja2.select_autoescape(["html", "xml", "htm"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # One environment per build: its templates are those it first loaded, not
        # checked again on disk for every page (3 stats an article page, 11 µs of its ~0.9 ms;
        # measured 2026-12-03). The next build, or the preview's next save, makes a new one.
        auto_reload=False,
    )
    env.globals["url"] = _url
    env.relative_urls = {}  # (folder of the page, target) -> relative URL: every page links the same few places
    env.globals["asset"] = _asset
    env.globals["format_date"] = _format_date
    env.globals["format_number"] = _format_number
    env.globals["site_text"] = _site_text
    env.globals["lang_attrs"] = _lang_attrs
    env.globals["text_direction"] = i18n.text_direction
    env.globals["inline_asset"] = _inline_asset
    env.globals["structured_data"] = _structured_data
    env.globals["article_picture"] = _article_picture
    env.globals["questions_data"] = questions_data
    env.jsonld_links = {}  # structured_data's memo, as relative_urls
    env.formatted_dates = {}  # (date, English?, format or language) -> text: an article page shows ~13 dates
    env.globals["generator"] = f"HealthHub {__version__}"
    env.filters["json_script"] = json_for_script
    env.filters["shorten"] = shorten
    env.filters["tag_path"] = _tag_path
    env.filters["absolute_url"] = lambda path, base_url: paths.absolute_url(base_url, path)
    i18n.install(env)
    return env


@jinja2.pass_context
def _tag_path(ctx, name: str) -> str:
    """A topic's page in the page's language (topics of each language have their own pages)."""
    return paths.tag_path(ctx.get("language_prefix", "") + paths.slugify(name))


@jinja2.pass_context
def _url(ctx, target: str) -> str:
    root = ctx["root_path"]
    if root:
        return root + paths.relative_url("index.html", target)
    page_path = ctx["page_path"]
    memo = getattr(ctx.environment, "relative_urls", None)
    if memo is None:
        return paths.relative_url(page_path, target)
    key = (page_path[: page_path.rfind("/") + 1], target)
    found = memo.get(key)
    if found is None:
        if len(memo) > 50_000:
            memo.clear()
        found = memo[key] = paths.relative_url(page_path, target)
    return found


@jinja2.pass_context
def _asset(ctx, name: str) -> str:
    version = ctx["asset_versions"].get(name)
    if version is None:
        raise jinja2.TemplateRuntimeError(f"the template asks for asset '{name}', which is not in templates/static/")
    return _url(ctx, paths.asset_path(name)) + "?v=" + version


@jinja2.pass_context
def _inline_asset(ctx, name: str) -> Markup:
    """A text asset's contents, for pages that must not depend on their URL (404)."""
    data = ctx["assets"].get(name)
    if data is None:
        raise jinja2.TemplateRuntimeError(f"the template asks for asset '{name}', which is not in templates/static/")
    text = data.decode("utf-8")
    return Markup(text.replace("</", "<\\/") if name.endswith(".css") else text)


@jinja2.pass_context
def _structured_data(ctx, article: Article, category: CategoryInfo) -> dict:
    links = getattr(ctx.environment, "jsonld_links", None)
    if links is not None and len(links) > 50_000:
        links.clear()
    translator = ctx.get("i18n")
    return structured_data(ctx["site"]._site, article, category, links,
                           language=ctx.get("lang", ""), home=translator.gettext("HOME") if translator else "HOME")


PICTURE_SIZES = {"card": images.CARD_SIZES, "card_wide": images.CARD_SIZES_WIDE, "thumb": images.THUMB_SIZES}


@jinja2.pass_context
def _article_picture(ctx, article: Article, sizes: str = "card", eager: bool = False, css_class: str = "card-image",
                     alt: str | None = None) -> Markup:
    """The article's front-matter image for a card or list, with its size, srcset and
    `sizes` (PICTURE_SIZES: what the theme's CSS makes of it), lazy unless `eager`.
    The alt text is the article's (see Article.image_alt) unless `alt` is given."""
    if not article.image:
        return Markup("")
    if sizes not in PICTURE_SIZES:
        raise jinja2.TemplateRuntimeError(f"article_picture: sizes '{sizes}' is not one of {', '.join(PICTURE_SIZES)}")
    picture = ctx["site"].picture(article.image)
    text = (article.image_alt or "") if alt is None else alt
    attrs = {"src": html_text.escape(_url(ctx, article.image)), "alt": html_text.escape(text),
             "class": html_text.escape(css_class), "decoding": "async"}
    if eager:  # the first card: on the first screen, often its largest element (LCP)
        attrs["fetchpriority"] = "high"
    else:
        attrs["loading"] = "lazy"
    if picture is None:  # an SVG, or a file that is not an image: shown as it is
        return Markup("<img " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + ">")
    folder = posixpath.dirname(article.image)
    return Markup(images.picture_html(picture, attrs, lambda name: html_text.escape(_url(ctx, posixpath.join(folder, name))),
                                      PICTURE_SIZES[sizes]))


@jinja2.pass_context
def _format_date(ctx, date: dt.date) -> str:
    translator = ctx.get("i18n")
    # English keeps the config's date_format (but regional English its own long date, see make_translator)
    english = translator is None or bool(translator.english and translator.date_format)
    memo = getattr(ctx.environment, "formatted_dates", None)
    # a Translator's dates follow its language (make_translator)
    key = (date, english, ctx["config"].date_format if english else translator.language)
    found = memo.get(key) if memo is not None else None
    if found is None:
        found = format_date(date, key[2]) if english else translator.date(date)
        if memo is not None:
            if len(memo) > 50_000:
                memo.clear()
            memo[key] = found
    return found


@jinja2.pass_context
def _lang_attrs(ctx, article: Article) -> Markup:
    """` lang="ar" dir="rtl"` for an article title shown on a page in another language."""
    if not article.language or article.language == ctx.get("lang"):
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(article.language, i18n.text_direction(article.language))


@jinja2.pass_context
def _site_text(ctx, name: str, markup: bool = True):
    """The config's `description` or `disclaimer` in the page's language: from the
    language's entry in `languages:` when it has one; else the interface catalog's
    translation, which a site that kept HealthHub's default text gets; otherwise the
    default language's text, marked with its language so it is read and laid out as such."""
    config, lang = ctx["config"], ctx.get("lang", "")
    text = i18n.site_text(config, name, lang, ctx.get("i18n"))
    if text or not markup or not config.languages or lang == config.language:
        return text or getattr(config, name)
    default = config.language
    return Markup('<span lang="{}" dir="{}">{}</span>').format(default, i18n.text_direction(default),
                                                               getattr(config, name))


@jinja2.pass_context
def _format_number(ctx, value: int) -> str:
    translator = ctx.get("i18n")
    return str(value) if translator is None else translator.number(value)
