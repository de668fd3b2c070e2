import re

from conftest import article


def test_an_article_appears_on_home_category_and_its_own_page(site_dir):
    site_dir.write("articles/health/knee-pain.md", article("Knee pain", views=12))
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert "Knee pain" in site_dir.read("index.html")
    assert "Knee pain" in site_dir.read("health/index.html")
    page = site_dir.read("health/knee-pain.html")
    assert re.search(r"<h1[^>]*>Knee pain</h1>", page)


def test_a_site_whose_only_article_has_no_text_still_builds_with_search(site_dir):
    site_dir.write("articles/health/photo.md", article("Photo of the week", body="![A stretch](stretch.png)\n"))
    site_dir.write("articles/health/stretch.png", b"\x89PNG\r\n\x1a\n")
    result = site_dir.build(search=True)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert (site_dir.out / "pagefind/pagefind.js").is_file()


def test_an_empty_site_builds_without_a_search_index(site_dir):
    result = site_dir.build(search=True)
    assert result.ok, [d.format() for d in result.diagnostics]
    assert "No articles yet" in site_dir.read("index.html")
    assert not (site_dir.out / "search.html").exists()
