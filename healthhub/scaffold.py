"""`healthhub init DIR`: a small working site to start from.

The starter files live in healthhub/starter/ (installed with the package):
a commented healthhub.yaml, authors.yaml, two sample articles, a README for
the site's writers and a .gitignore (stored as `gitignore`: packaging tools
leave dotfiles out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

STARTER_DIR = Path(__file__).resolve().parent / "starter"
RENAMED = {"gitignore": ".gitignore"}


@dataclass
class InitResult:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # already there: never overwritten


class InitRefused(Exception):
    """The folder cannot take a new site; the message says why and what to do."""


def starter_files() -> list[tuple[str, bytes]]:
    """(path inside the new site, contents) of every starter file, in a stable order."""
    files = []
    for path in sorted(STARTER_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            name = path.relative_to(STARTER_DIR).as_posix()
            files.append((RENAMED.get(name, name), path.read_bytes()))
    return files


def init_site(target: Path, force: bool = False) -> InitResult:
    """Write the starter site into `target` (made if missing). A folder with
    anything in it is refused unless `force`; even then no file is overwritten."""
    if target.exists() and not target.is_dir():
        raise InitRefused(f"{target} is a file, not a folder, choose a folder name such as mysite")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise InitRefused(f"{target}/ is not empty, choose a new folder, or add --force to add the starter "
                          "files that are missing (no file is ever overwritten)")
    result = InitResult()
    for name, data in starter_files():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "xb") as handle:  # "x": fails rather than replace a file
                handle.write(data)
        except FileExistsError:
            result.kept.append(path)
            continue
        result.written.append(path)
    return result


class NewRefused(Exception):
    """`healthhub new` cannot start the article as asked (the message says why and what to do)."""


def translation_target(config, articles: Path, language: str | None, category: str | None,
                       translation_of: Path | None, slug: str | None) -> tuple[str, str, str, str, Path | None]:
    """What `healthhub new` writes for --language, --category and --translation-of: the
    article's language, its category as the config names it (the default language's
    name, also when written as the language translates it), its translation_key, the
    slug it must have to be linked (a source without a key links by its slug) and the
    source file. Raises NewRefused."""
    from . import paths
    from .errors import did_you_mean
    from .loading.article import read_front_matter
    from .loading.scan import display_path

    codes = {entry.code: entry for entry in config.languages}
    if language is not None and not codes:
        raise NewRefused(f"--language {language}: this site has one language; list its languages under "
                         "'languages:' in healthhub.yaml first (README, \"Sites in several languages\")")
    if language is not None and language not in codes:
        raise NewRefused(f"--language '{language}' is not one of the site's languages ({', '.join(codes)})"
                         f"{did_you_mean(language, tuple(codes))}, use one of them")
    language = language or config.language
    key, fixed_slug = "", ""
    if translation_of is not None:
        shown = display_path(translation_of)
        try:
            text = translation_of.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise NewRefused(f"--translation-of: cannot read {shown} ({reason}), check the path") from None
        values, _, _, problems = read_front_matter(text, shown)  # only its fields: the rest is the build's
        first = next((d for d in problems if d.is_error), None)
        if first is not None:
            raise NewRefused(f"--translation-of: {shown} cannot be read as an article: {first.format()}")
        inside = translation_of.resolve().is_relative_to(articles.resolve())
        folder = translation_of.resolve().relative_to(articles.resolve()).parts[0] if inside else ""
        source_language = str(values.get("language") or (folder if folder in codes else "") or config.language)
        if codes and source_language == language:
            others = ", ".join(code for code in codes if code != language)
            raise NewRefused(f"--translation-of: {shown} is in '{language}' too, give the translation's "
                             f"language with --language ({others})")
        category = category or str(values.get("category") or "")
        key = str(values.get("translation_key") or "")
        if not key:  # without a key, the same slug in two languages links them
            fixed_slug = str(values.get("slug") or paths.slugify(translation_of.name.rsplit(".", 1)[0]))
            if slug is not None and slug != fixed_slug:
                raise NewRefused(f"--slug {slug}: {shown} has no translation_key, so its translation is linked by "
                                 f"its slug '{fixed_slug}'; leave out --slug, or add translation_key: {fixed_slug} "
                                 "to it first")
    if not category:
        raise NewRefused("--category is needed, e.g. --category Health (or --translation-of an article)")
    if language in codes:  # written as this language names it: the config's own name
        category = next((name for name, shown in codes[language].categories if shown == category), category)
    return language, category, key, fixed_slug, translation_of
