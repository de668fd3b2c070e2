"""Responsive images: sizes, smaller copies, lazy loading, figures, errors at their line."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap

import pytest
from PIL import Image

import checkers
from conftest import ROOT, SiteDir, article
from healthhub.images import avif_supported


def jpeg(width: int, height: int, color=(90, 140, 200)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), color)
    image.paste((200, 90, 60), (0, 0, width // 2, height // 2))  # something to look at
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (40, 160, 90, 255)).save(out, "PNG")
    return out.getvalue()


PHOTOS = """\
Some words before the photos.

![A runner stretching a calf](photos/calf.jpg "Stretch gently, without bouncing.")

More words, then a diagram ![Knee diagram](knee.png) inside a sentence.

![A bowl of porridge](porridge.jpg "A warm breakfast.")
"""


def photo_site(site: SiteDir) -> SiteDir:
    site.write("articles/health/photos/calf.jpg", jpeg(2400, 1600))
    site.write("articles/health/knee.png", png(800, 600))
    site.write("articles/health/porridge.jpg", jpeg(1800, 1200, (220, 200, 150)))
    site.write("articles/health/photos.md", article("Stretching after a run", body=PHOTOS))
    return site


def test_images_get_their_size_smaller_copies_and_a_figure(site_dir):
    photo_site(site_dir)
    result = site_dir.build(search=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    page = site_dir.read("health/photos.html")
    imgs = re.findall(r"<img [^>]*>", page.split('class="article-body"', 1)[1])
    assert len(imgs) == 3
    first, diagram, porridge = imgs
    assert 'width="2400" height="1600"' in first and 'decoding="async"' in first and "loading=" not in first
    assert 'loading="lazy"' in diagram and 'width="800" height="600"' in diagram
    assert 'loading="lazy"' in porridge
    assert 'srcset="photos/calf-480w.jpg 480w, photos/calf-720w.jpg 720w, photos/calf-960w.jpg 960w, photos/calf-1600w.jpg 1600w, ' \
           'photos/calf.jpg 2400w"' in first
    assert '<source type="image/webp" srcset="photos/calf-480w.webp 480w, photos/calf-720w.webp 720w, photos/calf-960w.webp 960w, ' \
           'photos/calf-1600w.webp 1600w, photos/calf-2400w.webp 2400w"' in page
    assert ('<source type="image/avif"' in page) == avif_supported()
    assert '<figure class="figure"><picture>' in page
    assert "<figcaption>Stretch gently, without bouncing.</figcaption></figure>" in page
    assert "<p>More words, then a diagram <picture>" in page  # inline: no figure
    for name, width in (("health/photos/calf-480w.webp", 480), ("health/photos/calf-1600w.jpg", 1600),
                        ("health/knee-480w.png", 480)):
        with Image.open(site_dir.out / name) as image:
            assert image.size == (width, round(width * 2 / 3) if "calf" in name else round(width * 3 / 4))


def test_smaller_copies_are_made_once_and_kept_by_content(site_dir, tmp_path):
    photo_site(site_dir)
    assert site_dir.build(search=False).ok
    cache = sorted((site_dir.root / ".healthhub-cache" / "images").iterdir())
    assert cache
    stamps = {p.name: p.stat().st_mtime_ns for p in cache}
    other = site_dir.build(search=False, out_dir=tmp_path / "other")  # another output folder, same cache
    assert other.ok
    assert {p.name: p.stat().st_mtime_ns for p in (site_dir.root / ".healthhub-cache" / "images").iterdir()} == stamps
    assert (tmp_path / "other/health/photos/calf-960w.webp").read_bytes() == \
        (site_dir.out / "health/photos/calf-960w.webp").read_bytes()
    # a changed photo gets new copies, and the page its new size
    site_dir.write("articles/health/porridge.jpg", jpeg(1000, 800))
    assert site_dir.build(search=False).ok
    assert 'width="1000" height="800"' in site_dir.read("health/photos.html")
    clean = site_dir.build(search=False, use_cache=False, out_dir=tmp_path / "clean")
    assert clean.ok
    fresh = {p.relative_to(tmp_path / "clean").as_posix(): p.read_bytes()
             for p in sorted((tmp_path / "clean").rglob("*")) if p.is_file()}
    assert site_dir.tree() == fresh  # incremental output equals a clean build


@pytest.mark.parametrize("files, message", [
    ({"articles/health/a.md": article("A", body="Text.\n\n![A knee](kne.jpg)\n"),
      "articles/health/knee.jpg": jpeg(100, 100)},
     "articles/health/a.md:9:11: error: image 'kne.jpg': there is no file articles/health/kne.jpg, "
     "check the name (it is relative to this article's file)"),
    ({"articles/health/a.md": article("A", body="![A knee](../knee.jpg)\n"),
      "articles/knee.jpg": jpeg(100, 100)},
     "articles/health/a.md:7:11: error: image '../knee.jpg': articles/knee.jpg is outside this article's folder "
     "and is not published, move it next to the article"),
])
def test_a_missing_or_broken_image_is_an_error_at_its_line(site_dir, files, message):
    for name, data in files.items():
        site_dir.write(name, data)
    result = site_dir.build(search=False)
    assert not result.ok
    assert message in [d.format() for d in result.diagnostics]


def test_a_file_that_is_not_an_image_is_a_warning_and_published_as_it_is(site_dir):
    site_dir.write("articles/health/a.md", article("A", body="![A knee](knee.jpg)\n"))
    site_dir.write("articles/health/knee.jpg", b"<html>not a photo</html>")
    result = site_dir.build(search=False)
    assert result.ok
    assert [d.format() for d in result.diagnostics] == [
        "articles/health/a.md:7:11: warning: image 'knee.jpg' is not an image Pillow can read, "
        "save it as JPEG, PNG or WebP"]
    assert '<img alt="A knee" src="knee.jpg" decoding="async">' in site_dir.read("health/a.html")
    assert site_dir.build(search=False, strict=True).ok is False


def test_an_8000_by_6000_photo_is_resized_in_little_memory(tmp_path):
    """Peak memory of making a 1600 px copy, in a fresh process: a full decode would need 144 MB."""
    photo = tmp_path / "huge.jpg"
    photo.write_bytes(jpeg(8000, 6000))
    script = textwrap.dedent(f"""
        import resource, sys
        sys.path.insert(0, {str(ROOT)!r})
        from healthhub.images import make_variant, probe
        data = open({str(photo)!r}, "rb").read()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = probe(data)
        out = make_variant(data, 1600, "WEBP")
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(size.width, size.height, len(out) > 0, (after - before) // 1024)
    """)
    width, height, made, grown_mb = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                                  check=True).stdout.split()
    assert (width, height, made) == ("8000", "6000", "True")
    assert int(grown_mb) < 60, f"resizing took {grown_mb} MB more"


def test_the_photos_page_in_a_browser(tmp_path, browser, artifacts):
    site = photo_site(SiteDir(tmp_path / "project"))
    assert site.build(search=False).ok
    with checkers.serve(site.out) as url:
        for width in (390, 1280):
            context = browser.new_context(viewport={"width": width, "height": 800})
            page = context.new_page()
            errors = checkers.BrowserErrors(page)
            page.goto(url + "health/photos.html")
            page.evaluate("Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode(); }))")
            chosen = page.evaluate("[...document.querySelectorAll('.article-body img')].map(i => i.currentSrc)")
            # a phone gets a small modern copy, never the 2400 px original
            assert all(re.search(r"-(480|720|960|1600)w\.(avif|webp)$", src) for src in chosen[:1]), chosen
            box = page.locator(".article-body figure img").first.bounding_box()
            assert box["width"] <= width and abs(box["height"] / box["width"] - 1600 / 2400) < 0.02
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0
            page.screenshot(path=str(artifacts / f"article-photos-{width}.png"), full_page=True)
            assert not checkers.run_axe(page)
            assert not [p for p in errors.problems if "favicon" not in p], errors.problems
            context.close()


def test_front_matter_image_for_open_graph_and_structured_data(site_dir):
    site_dir.write("healthhub.yaml", "base_url: https://example.org/\n")
    site_dir.write("articles/health/photos/calf.jpg", jpeg(1200, 800))
    site_dir.write("articles/health/a.md", article("Calf stretches", image="photos/calf.jpg"))
    result = site_dir.build(search=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    page = site_dir.read("health/a.html")
    assert '<meta property="og:image" content="https://example.org/health/photos/calf.jpg">' in page
    assert '"image":"https://example.org/health/photos/calf.jpg"' in page
    site_dir.write("articles/health/b.md", article("B", image="calf.jpg"))
    site_dir.write("articles/health/c.md", article("C", image="https://elsewhere.org/x.jpg"))
    assert [d.format() for d in site_dir.build(search=False).diagnostics] == [
        "articles/health/b.md:5:8: error: 'image' is 'calf.jpg': there is no such file next to the article, "
        "check the name (it is relative to this article's file)",
        "articles/health/c.md:5:8: error: 'image' is 'https://elsewhere.org/x.jpg', name an image file next to "
        "the article, relative to its file, e.g. image: photos/knee.jpg"]
