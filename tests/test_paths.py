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
    # combining marks belong to their letter: Hindi, Bengali, Tamil and Thai vowel signs and
    # viramas, Arabic harakat (they were cut out, 'स्वास्थ्य' became 'स-व-स-थ-य')
    ("स्वास्थ्य", "स्वास्थ्य"), ("প্রযুক্তি", "প্রযুক্তি"), ("தொழில்நுட்பம்", "தொழில்நுட்பம்"), ("สุขภาพ", "สุขภาพ"),
    ("صِحَّة القلب", "صِحَّة-القلب"), ("Sante\u0301 mentale", "santé-mentale"),
    ("a \u0301b", "a-b"), ("\u0301abc", "abc"),  # a mark that follows no letter goes
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
    assert paths.is_safe_slug("स्वास्थ्य") and paths.is_safe_slug("रक्तचाप-की-जांच")
    for bad in ("../x", "a/b", "-a", "a b", "a_b", "", "\u0301a", "a-\u0301b"):
        assert not paths.is_safe_slug(bad)


@pytest.mark.parametrize("a, b, same", [
    ("Mental health", "mental-health", True),
    ("Santé", "Sante\u0301", True),
    ("COVID 19", "covid_19", True),
    ("Rh+", "Rh-", False),
    ("Heart & lungs", "Heart lungs", False),
])
def test_name_key_says_which_names_are_one_name(a, b, same):
    assert (paths.name_key(a) == paths.name_key(b)) is same


def test_category_slug_moves_names_the_site_uses_itself():
    assert paths.category_slug("Health") == "health"
    assert [paths.category_slug(n) for n in ("Tags", "Search", "People", "Assets")] == [
        "tags-category", "search-category", "people-category", "assets-category"]


def test_slug_limits_are_in_bytes_of_a_file_name():
    assert paths.is_safe_slug("a" * 250) and not paths.is_safe_slug("a" * 251)
    assert paths.is_safe_slug("é" * 125) and not paths.is_safe_slug("é" * 126)
    assert paths.slug_problem("a" * 251).startswith("it is 251 bytes long")
    assert paths.slug_problem("knee pain") == "character 5 is U+0020, a slug may only hold letters, digits and hyphens"
    assert paths.slug_problem("knee-pain") == ""


def test_shorten_slug_cuts_after_a_whole_word_within_the_bytes():
    assert paths.shorten_slug("knee-pain-after-running", 12) == "knee-pain"
    assert paths.shorten_slug("\U00020000" * 70) == "\U00020000" * 62
    assert paths.shorten_slug("short") == "short"
