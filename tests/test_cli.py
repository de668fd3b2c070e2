"""The command line as an author uses it: exit codes, messages, the summary line."""

import re

import pytest

from conftest import article


def test_build_prints_a_summary_and_exits_0(site_dir):
    site_dir.write("articles/health/a.md", article("A"))
    site_dir.write("articles/sleep/b.md", article("B", category="Sleep"))
    result = site_dir.cli()
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"Built 2 articles in 2 categories into site/ in \d+\.\d s\n", result.stdout)
    assert (site_dir.out / "index.html").is_file()


def test_build_subcommand_and_quiet(site_dir):
    site_dir.write("articles/health/a.md", article("A"))
    result = site_dir.cli("build", "--quiet")
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""


def test_content_errors_exit_1_and_leave_the_previous_site_untouched(site_dir):
    site_dir.write("articles/health/a.md", article("A"))
    site_dir.cli(check=True)
    before = site_dir.tree()
    site_dir.write("articles/health/a.md", article("A", views="-3"))
    site_dir.write("articles/health/b.md", "---\ntitle: B\n---\n")
    result = site_dir.cli()
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "articles/health/a.md:5:8: error: 'views' is -3, it must be 0 or more, e.g. views: 1234",
        "articles/health/b.md:1:1: error: the front matter has no 'category', add a line like category: Health",
        "articles/health/b.md:1:1: error: the front matter has no 'date', add a line like date: 2025-03-30",
        "Build failed: 3 errors in 2 files; site/ was left unchanged.",
    ]
    assert "Traceback" not in result.stderr
    assert site_dir.tree() == before


def test_strict_makes_warnings_fail(site_dir):
    site_dir.write("articles/health/a.md", article("A", reviwed="2025-01-01"))
    assert site_dir.cli().returncode == 0
    result = site_dir.cli("--strict")
    assert result.returncode == 1
    assert "unknown front-matter field 'reviwed'" in result.stderr
    assert result.stderr.endswith("Build failed: 0 errors and 1 warning (--strict) in 1 file; site/ was left unchanged.\n")


def test_drafts_are_left_out_unless_asked_for_and_the_summary_says_what_was_left_out(site_dir):
    """An author who left `draft: true` in, or dated an article ahead, is told why it is
    not in the site (the summary said "Built 1 article" and nothing more), the same
    when nothing changed since."""
    site_dir.write("articles/health/a.md", article("Published"))
    site_dir.write("articles/health/b.md", article("Secret draft", draft="true"))
    site_dir.write("articles/health/c.md", article("Later", date="2199-01-01"))
    site_dir.write("articles/health/d.md", article("Old news", date="2020-01-01", expires="2021-01-01"))
    for _ in range(2):
        result = site_dir.cli(check=True)
        assert re.fullmatch(r"Built 1 article in 1 category into site/ in \d+\.\d s; left out: 1 draft \(--drafts\), "
                            r"1 scheduled for a later day \(--future\), 1 past its expires date\n", result.stdout)
    assert not (site_dir.out / "health/b.html").exists()
    assert "Secret draft" not in site_dir.read("index.html")
    result = site_dir.cli("--drafts", "--future", check=True)
    assert result.stdout.endswith(" s; left out: 1 past its expires date\n")
    assert "Draft" in site_dir.read("health/b.html")
    assert "Secret draft" in site_dir.read("index.html")


def test_options_choose_folders(site_dir):
    site_dir.write("content/x.md", article("Elsewhere"))
    result = site_dir.cli("--articles", "content", "--out", "public")
    assert result.returncode == 0, result.stderr
    assert "into public/" in result.stdout
    assert (site_dir.root / "public/health/x.html").is_file()


def test_config_errors_exit_2_with_a_suggestion(site_dir):
    site_dir.write("articles/health/a.md", article("A"))
    site_dir.write("healthhub.yaml", "site_name: My Hub\nper_pgae: 5\nlanguage: english!\n")
    result = site_dir.cli()
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("healthhub.yaml:2:1: error: unknown config key 'per_pgae' (did you mean 'per_page'?)")
    assert lines[1] == "healthhub.yaml:3:11: error: 'language' is 'english!', use a language tag such as en, en-GB or fr"


@pytest.mark.parametrize("tag, ok", [
    ("es-419", True), ("zh-Hant-TW", True), ("de-CH-1901", True), ("en-US-x-twain", True),
    # ICU's BCP 47 parser (the A to Z's collation) refuses these: an 'unexpected failure' before
    ("en-US-zz", False), ("xx-YY-zz", False), ("sr-Latn-RS-x1", False),
])
def test_a_language_tag_is_refused_at_its_line_or_builds(site_dir, tag, ok):
    site_dir.write("articles/health/a.md", article("A"))
    site_dir.write("healthhub.yaml", f"site_name: My Hub\nlanguage: {tag}\n")
    result = site_dir.cli("--no-search")
    if ok:
        assert result.returncode == 0, result.stderr
        assert f'<html lang="{tag}"' in (site_dir.out / "health/a.html").read_text(encoding="utf-8")
    else:
        assert result.returncode == 2
        assert result.stderr == (f"healthhub.yaml:2:11: error: 'language' is '{tag}', use a language tag such as en, "
                                 "en-GB or fr\n")


def test_a_config_file_that_is_a_list_gets_an_example_of_a_config_line(site_dir):
    site_dir.write("articles/health/a.md", article("A"))
    site_dir.write("healthhub.yaml", "- site_name: My Hub\n")
    result = site_dir.cli()
    assert result.returncode == 2
    assert result.stderr == ("healthhub.yaml:1:1: error: the config file is a list, not fields, write one "
                             "'name: value' per line, e.g. site_name: My Health Hub\n")


def test_missing_config_file_is_a_usage_error(site_dir):
    result = site_dir.cli("--config", "nope.yaml")
    assert result.returncode == 2
    assert result.stderr == "nope.yaml:1:1: error: config file not found, check the --config path\n"


def test_unknown_option_is_a_usage_error(site_dir):
    result = site_dir.cli("--fast")
    assert result.returncode == 2
    assert "unrecognized arguments: --fast" in result.stderr


def test_new_scaffolds_an_article_that_builds(site_dir):
    result = site_dir.cli("new", "Knee pain: when to worry", "--category", "Mental Health", "--date", "2025-05-01")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Created articles/mental-health/knee-pain-when-to-worry.md (a draft: remove 'draft: true' to publish it)\n"
    source = (site_dir.articles / "mental-health/knee-pain-when-to-worry.md").read_text()
    assert source.startswith('---\ntitle: "Knee pain: when to worry"\ncategory: "Mental Health"\ndate: 2025-05-01\n')
    built = site_dir.cli("--drafts", "--strict")
    assert built.returncode == 0, built.stderr
    assert "Knee pain: when to worry" in site_dir.read("mental-health/knee-pain-when-to-worry.html")
    again = site_dir.cli("new", "Knee pain: when to worry", "--category", "Mental Health")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_new_starts_a_translation_in_its_languages_folder_linked_to_its_source(site_dir):
    """On a site in several languages, `new --language es --translation-of FILE` writes
    the article in that language's folder with the source's category and its
    translation_key (a source without one links by its slug), and the built pages are
    linked: each has the other in its language switcher. The category may be written
    as the language names it. Mistakes are one line each, and nothing is written."""
    site_dir.write("healthhub.yaml", "languages:\n  en: {name: English}\n"
                                     "  es: {name: Español, categories: {Health: Salud}}\n  ar: {name: العربية}\n")
    site_dir.write("articles/health/knee.md", article("Knee pain", translation_key="knee"))
    site_dir.write("articles/health/piles.md", article("Piles"))
    runs = [
        (("Dolor de rodilla", "--language", "es", "--translation-of", "articles/health/knee.md"),
         "Created articles/es/health/dolor-de-rodilla.md (a draft: remove 'draft: true' to publish it), "
         "linked to articles/health/knee.md by translation_key 'knee'"),
        (("البواسير", "--language", "ar", "--translation-of", "articles/health/piles.md"),
         "Created articles/ar/health/piles.md (a draft: remove 'draft: true' to publish it), "
         "linked to articles/health/piles.md by their slug 'piles'"),
        (("Dormir bien", "--language", "es", "--category", "Salud"),
         "Created articles/es/health/dormir-bien.md (a draft: remove 'draft: true' to publish it)"),
    ]
    for args, said in runs:
        result = site_dir.cli("new", *args, "--date", "2025-05-01")
        assert (result.returncode, result.stdout, result.stderr) == (0, said + "\n", "")
    assert (site_dir.articles / "es/health/dolor-de-rodilla.md").read_text().startswith(
        '---\ntitle: "Dolor de rodilla"\ncategory: "Health"\ndate: 2025-05-01\nlanguage: es\ntranslation_key: "knee"\n')
    assert site_dir.cli("--drafts", "--strict").returncode == 0
    assert 'hreflang="es"' in site_dir.read("health/knee.html") and 'hreflang="en"' in site_dir.read("es/salud/dolor-de-rodilla.html")
    assert 'hreflang="ar"' in site_dir.read("health/piles.html")
    before = site_dir.tree()
    for args, message in [
        (("X", "--language", "de", "--category", "Health"),
         "error: --language 'de' is not one of the site's languages (en, es, ar), use one of them"),
        (("X", "--translation-of", "articles/health/knee.md"),
         "error: --translation-of: articles/health/knee.md is in 'en' too, give the translation's language "
         "with --language (es, ar)"),
        (("X", "--language", "es", "--translation-of", "articles/health/piles.md", "--slug", "almorranas"),
         "error: --slug almorranas: articles/health/piles.md has no translation_key, so its translation is linked by "
         "its slug 'piles'; leave out --slug, or add translation_key: piles to it first"),
        (("X", "--language", "es", "--translation-of", "articles/health/nothing.md"),
         "error: --translation-of: cannot read articles/health/nothing.md (No such file or directory), check the path"),
        (("X", "--language", "es"), "error: --category is needed, e.g. --category Health (or --translation-of an article)"),
    ]:
        result = site_dir.cli("new", *args)
        assert (result.returncode, result.stderr) == (2, message + "\n")
    assert site_dir.tree() == before
    site_dir.write("healthhub.yaml", "site_name: One language\n")
    result = site_dir.cli("new", "X", "--language", "es", "--category", "Health")
    assert result.returncode == 2 and "this site has one language" in result.stderr


def test_template_errors_name_the_template_line(site_dir):
    site_dir.write("articles/health/a.md", article("A"))
    (site_dir.templates / "404.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{{ nothing_here }}\n{% endblock %}\n")
    result = site_dir.cli()
    assert result.returncode == 1
    assert "templates/404.html:3:1: error: template error: 'nothing_here' is undefined, fix the template" in result.stderr


def test_many_warnings_without_a_rule_are_grouped_by_their_message(tmp_path):
    """A site in twelve languages without message catalogs: one group, not twelve lines."""
    import io

    from healthhub.errors import print_diagnostics
    from healthhub.rendering.i18n import load_catalogs

    languages = ["be", "bg", "bn", "de", "el", "fa", "hi", "hu", "id", "it", "ja", "ko"]
    _, found = load_catalogs(tmp_path / "templates", languages, lambda path: path.relative_to(tmp_path).as_posix())
    out = io.StringIO()
    print_diagnostics(found, stream=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == ("warning: 12 × no message catalog for '…', the interface is shown in English; add '…' "
                        "(copy the en one and translate it)")  # no empty [] where a rule code would be
    assert lines[1] == ("  templates/locales:1:1: warning: no message catalog for 'be', the interface is shown in "
                        "English; add 'locales/be/messages.po' (copy the en one and translate it)")
    assert len(lines) == 7 and lines[-1] == "  ... and 7 more (--verbose lists every warning)"
