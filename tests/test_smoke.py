from conftest import article


def test_an_article_appears_on_home_category_and_its_own_page(site_dir):
    site_dir.write("articles/health/knee-pain.md", article("Knee pain", views=12))
    result = site_dir.build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert "Knee pain" in site_dir.read("index.html")
    assert "Knee pain" in site_dir.read("health/index.html")
    page = site_dir.read("health/knee-pain.html")
    assert "<h1>Knee pain</h1>" in page
