import pytest

from healthhub import paths


@pytest.mark.parametrize("text, slug", [
    ("Mental Health", "mental-health"),
    ("Santé mentale", "santé-mentale"),
    ("睡眠と健康", "睡眠と健康"),
    ("  Back   pain -- after jogging! ", "back-pain-after-jogging"),
    ("under_score", "under-score"),
    ("../../etc/passwd", "etc-passwd"),
    ("???", ""),
])
def test_slugify(text, slug):
    assert paths.slugify(text) == slug


def test_relative_urls_work_from_every_depth():
    assert paths.relative_url("index.html", "health/x.html") == "health/x.html"
    assert paths.relative_url("health/x.html", "index.html") == "../index.html"
    assert paths.relative_url("health/page/2.html", "health/index.html") == "../index.html"
    assert paths.relative_url("tags/a/index.html", "assets/style.css") == "../../assets/style.css"
    assert paths.relative_url("health/x.html", "health/x.html#possible-causes") == "x.html#possible-causes"


def test_relative_urls_are_percent_encoded():
    assert paths.relative_url("index.html", "santé/x y.html") == "sant%C3%A9/x%20y.html"


def test_absolute_url_names_folders_for_index_pages():
    assert paths.absolute_url("https://host/hub/", "index.html") == "https://host/hub/"
    assert paths.absolute_url("https://host/hub/", "health/index.html") == "https://host/hub/health/"
    assert paths.absolute_url("https://host/", "health/x.html") == "https://host/health/x.html"


@pytest.mark.parametrize("path, inside", [
    ("index.html", True), ("a/b.html", True), ("../x", False), ("/etc/x", False),
    ("a/../../x", False), ("a/./b", False), ("", False), ("a\\b", False),
])
def test_is_inside(path, inside):
    assert paths.is_inside(path) is inside


def test_safe_slugs():
    assert paths.is_safe_slug("knee-pain")
    assert paths.is_safe_slug("santé")
    for bad in ("../x", "a/b", "-a", "a b", "a_b", ""):
        assert not paths.is_safe_slug(bad)
