"""The default theme ships with HealthHub; a site overrides it one file at a time."""

import shutil

import pytest

from conftest import TEMPLATES, article
from healthhub import theme


@pytest.fixture
def bare_site(site_dir):
    """A site with articles and no templates folder of its own."""
    shutil.rmtree(site_dir.templates)
    site_dir.write("articles/health/knee.md", article("Knee care", body="About knees.\n"))
    site_dir.write("articles/sleep/naps.md", article("Short naps", category="Sleep", body="About naps.\n"))
    return site_dir


def test_a_site_without_templates_uses_the_default_theme(bare_site):
    result = bare_site.build(search=False)
    assert result.ok, result.diagnostics
    assert "<title>Knee care | HealthHub</title>" in bare_site.read("health/knee.html")
    assert (bare_site.out / "assets/style.css").read_bytes() == (TEMPLATES / "static/style.css").read_bytes()
    assert theme.packaged_theme_dir().resolve() == TEMPLATES.resolve()  # from a source checkout


def pages(site_dir):
    return {name: data for name, data in site_dir.tree().items() if name.endswith(".html")}


def test_one_overridden_template_rerenders_exactly_the_pages_it_makes(bare_site):
    assert bare_site.build(search=False).ok
    before = pages(bare_site)
    bare_site.write("templates/article.html",
                    '{% extends "default/article.html" %}\n{% block title %}Ours: {{ article.title }}{% endblock %}\n')
    result = bare_site.build(search=False)
    assert result.ok, result.diagnostics
    after = pages(bare_site)
    changed = sorted(name for name in after if after[name] != before.get(name))
    articles = sorted(name for name, data in after.items() if b"<title>Ours: " in data)
    assert changed == articles and len(articles) == 2
    assert result.rendered == 2
    # the rest of the article page is the default theme's, unchanged
    page = after[articles[0]].decode()
    assert page.replace("<title>Ours: Knee care</title>", "") == before[articles[0]].decode().replace(
        "<title>Knee care | HealthHub</title>", "")
    # an edit to the override re-renders those pages again, and equals a clean build
    bare_site.write("templates/article.html",
                    '{% extends "default/article.html" %}\n{% block title %}Mine: {{ article.title }}{% endblock %}\n')
    assert bare_site.build(search=False).rendered == 2
    incremental = bare_site.tree()
    assert bare_site.build(search=False, use_cache=False).ok
    assert bare_site.tree() == incremental
    # removing the override brings the default theme's pages back
    (bare_site.templates / "article.html").unlink()
    assert bare_site.build(search=False).ok
    assert pages(bare_site) == before


def test_a_site_stylesheet_replaces_only_that_asset(bare_site):
    bare_site.write("templates/static/style.css", "body { color: #123456; }\n")
    result = bare_site.build(search=False)
    assert result.ok, result.diagnostics
    assert (bare_site.out / "assets/style.css").read_text() == "body { color: #123456; }\n"
    for name in ("favicon.svg", "print.css"):
        assert (bare_site.out / "assets" / name).read_bytes() == (TEMPLATES / "static" / name).read_bytes()


def test_templates_option_names_the_site_layer(bare_site):
    bare_site.write("look/home.html", '{% extends "default/home.html" %}{% block title %}Front door{% endblock %}')
    result = bare_site.cli("build", "--no-search", "--templates", "look", "-q")
    assert result.returncode == 0, result.stderr
    assert "<title>Front door</title>" in bare_site.read("index.html")
    typo = bare_site.cli("build", "--templates", "lok")
    assert (typo.returncode, typo.stderr) == (
        2, "error: the templates folder lok does not exist, check the --templates path\n")


def test_a_site_adds_a_stylesheet_by_extending_the_default_base(bare_site):
    bare_site.write("templates/static/extra.css", "h1 { letter-spacing: 0.01em; }\n")
    bare_site.write("templates/base.html", '{% extends "default/base.html" %}\n{% block styles %}{{ super() }}'
                    '<link rel="stylesheet" href="{{ asset(\'extra.css\') }}">\n{% endblock %}\n')
    result = bare_site.build(search=False)
    assert result.ok, result.diagnostics
    page = bare_site.read("health/knee.html")
    assert 'href="../assets/style.css?v=' in page and 'href="../assets/extra.css?v=' in page
    assert (bare_site.out / "assets/extra.css").exists()
