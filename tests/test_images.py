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
from healthhub.rendering.images import CARD_SIZES, CARD_SIZES_WIDE, avif_supported


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
    assert 'fetchpriority="high"' in first and "fetchpriority" not in diagram + porridge
    assert 'loading="lazy"' in diagram and 'width="800" height="600"' in diagram
    assert 'loading="lazy"' in porridge
    assert 'srcset="photos/calf-400w.jpg 400w, photos/calf-640w.jpg 640w, photos/calf-760w.jpg 760w, ' \
           'photos/calf-1100w.jpg 1100w, photos/calf-1280w.jpg 1280w, photos/calf.jpg 2400w"' in first
    assert '<source type="image/webp" srcset="photos/calf-400w.webp 400w, photos/calf-640w.webp 640w, ' \
           'photos/calf-760w.webp 760w, photos/calf-1100w.webp 1100w, photos/calf-1280w.webp 1280w, ' \
           'photos/calf-2400w.webp 2400w"' in page
    assert ('<source type="image/avif"' in page) == avif_supported()
    assert '<figure class="figure"><picture>' in page
    assert "<figcaption>Stretch gently, without bouncing.</figcaption></figure>" in page
    assert "<p>More words, then a diagram <picture>" in page  # inline: no figure
    for name, width in (("health/photos/calf-400w.webp", 400), ("health/photos/calf-1280w.jpg", 1280),
                        ("health/knee-400w.png", 400)):
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
    assert (tmp_path / "other/health/photos/calf-1100w.webp").read_bytes() == \
        (site_dir.out / "health/photos/calf-1100w.webp").read_bytes()
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
        from healthhub.rendering.images import make_variant, probe
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


# --- pictures on cards ----------------------------------------------------------

def card_site(site: SiteDir) -> SiteDir:
    """Articles with a front-matter image (alt text from image_alt, from the body, or
    decorative), one without, all sharing a topic so each lists the others as related."""
    photo_site(site)
    site.write("articles/health/photos.md", article("Stretching after a run", date="2025-03-28", body=PHOTOS,
                                                    image="photos/calf.jpg", tags="[running]"))
    site.write("articles/health/knee-ice.jpg", jpeg(2000, 1500, (120, 160, 210)))
    site.write("articles/health/knee.md", article("Knee pain after running", date="2025-03-30", tags="[running]",
                                                  image="knee-ice.jpg",
                                                  image_alt='"An ice pack wrapped in a towel on a knee"'))
    site.write("articles/fitness/walk.png", png(1200, 800))
    site.write("articles/fitness/walk.md", article("Walking every day", category="Fitness", date="2025-03-29",
                                                   tags="[running]", image="walk.png", image_alt='""'))
    site.write("articles/health/sleep.md", article("Sleep after exercise", date="2025-03-27", tags="[running]"))
    return site


def test_cards_show_the_front_matter_image_with_its_size_copies_and_alt_text(site_dir):
    card_site(site_dir)
    result = site_dir.build(search=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    home = site_dir.read("index.html")
    cards = re.findall(r'<article class="card[^"]*">.*?</article>', home, re.S)
    assert [re.search(r'class="card-title"><a [^>]*>([^<]*)', c).group(1) for c in cards] == [
        "Knee pain after running", "Walking every day", "Stretching after a run", "Sleep after exercise"]
    knee, walk, photos, sleep = cards
    img = re.search(r"<img [^>]*>", knee).group(0)
    assert img.startswith('<img src="health/knee-ice.jpg" alt="An ice pack wrapped in a towel on a knee" '
                          'class="card-image" decoding="async" fetchpriority="high" width="2000" height="1500" '
                          'srcset="health/knee-ice-400w.jpg 400w, ')
    assert f'sizes="{CARD_SIZES}"' in img and "loading=" not in img  # the first card may be on the first screen
    assert '<source type="image/webp" srcset="health/knee-ice-400w.webp 400w, health/knee-ice-640w.webp 640w' in knee
    assert 'alt=""' in walk and 'loading="lazy"' in walk  # image_alt: "" : decorative
    assert 'alt="A runner stretching a calf"' in photos  # the alt text the body gives the same image
    assert "<img" not in sleep and 'class="card"' in sleep
    # a topic page has no sidebar: its cards are wider, and `sizes` says so
    topic = site_dir.read("tags/running/index.html")
    assert f'sizes="{CARD_SIZES_WIDE}"' in topic and f'sizes="{CARD_SIZES}"' not in topic
    # related articles show a small picture inside their link, decorative (the title is beside it)
    related = site_dir.read("health/sleep.html").split('id="hh-related-heading"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<li class="has-thumb"><a href="knee.html"><picture>.*?<img src="knee-ice.jpg" alt="" '
                     r'class="related-thumb" decoding="async" loading="lazy" width="2000" height="1500" '
                     r'srcset="[^"]*" sizes="6rem"></picture>Knee pain after running</a>', related)
    page = site_dir.read("health/knee.html")
    assert '<meta property="og:image:alt" content="An ice pack wrapped in a towel on a knee">' not in page  # no base_url
    assert "<li><a href=\"sleep.html\">Sleep after exercise</a>" in site_dir.read("health/knee.html")


def test_a_card_image_without_alt_text_is_an_error_in_check_at_its_line(site_dir):
    site_dir.write("articles/health/knee-ice.jpg", jpeg(800, 600))
    site_dir.write("articles/health/knee.md", article("Knee pain", image="knee-ice.jpg",
                                                      summary='"Ice and rest for sore knees."'))
    site_dir.write("articles/health/b.md", article("B", image_alt='"A knee"'))
    site_dir.write("articles/health/c.md", article("C", image="c.jpg", image_alt='""'))
    site_dir.write("articles/health/c.jpg", b"not a photo")
    result = site_dir.build(search=False)
    assert result.ok
    assert [d.format() for d in result.diagnostics] == [
        "articles/health/b.md:5:12: warning: 'image_alt' is given but there is no 'image', add  image: "
        "photos/knee.jpg  (or remove 'image_alt')",
        "articles/health/c.md:5:8: warning: image 'c.jpg' is not an image Pillow can read, save it as JPEG, PNG or WebP"]
    assert '<img src="health/c.jpg" alt="" class="card-image" decoding="async" loading="lazy">' in site_dir.read("index.html")
    check = site_dir.cli("check", "--today", "2025-04-01")
    assert "articles/health/knee.md:5:8: error: image 'knee-ice.jpg' has no alt text, describe it on the next line: " \
           'image_alt: "what the image shows" (or image_alt: "" if it only decorates)' in check.stdout
    assert "c.md:5:8: error" not in check.stdout and check.returncode != 0


def test_a_changed_card_image_changes_the_cards_and_incremental_equals_clean(site_dir, tmp_path):
    card_site(site_dir)
    assert site_dir.build(search=False).ok
    site_dir.write("articles/health/knee-ice.jpg", jpeg(900, 600))
    assert site_dir.build(search=False).ok
    assert 'class="card-image" decoding="async" fetchpriority="high" width="900" height="600"' in site_dir.read("index.html")
    assert 'width="900" height="600"' in site_dir.read("health/sleep.html")  # its related list
    clean = site_dir.build(search=False, use_cache=False, out_dir=tmp_path / "clean")
    assert clean.ok
    fresh = {p.relative_to(tmp_path / "clean").as_posix(): p.read_bytes()
             for p in sorted((tmp_path / "clean").rglob("*")) if p.is_file()}
    assert site_dir.tree() == fresh


# --- in Chromium: what it downloads, layout shift, what the reader sees ---------

@pytest.fixture(scope="module")
def card_site_url(tmp_path_factory):
    site = card_site(SiteDir(tmp_path_factory.mktemp("cards") / "project"))
    assert site.build(search=False).ok
    with checkers.serve(site.out) as url:
        yield url


# The images' rendered width must be what `sizes` says (else the browser picks a copy
# for another width): each sizes entry's media condition is tested and its length
# measured in the page.
MEASURE = """() => {
  const width = (length) => {
    const probe = document.createElement('div');
    probe.style.cssText = 'position:absolute;visibility:hidden;inline-size:' + length;
    document.body.append(probe);
    const found = probe.getBoundingClientRect().width;
    probe.remove();
    return found;
  };
  return [...document.querySelectorAll('main img')].map(img => {
    const sizes = (img.getAttribute('sizes') || '').split(/,\\s*(?![^()]*\\))/);
    let expected = null;
    for (const entry of sizes) {
      const m = entry.match(/^(\\(.*?\\))\\s+(.*)$/);
      if (!m) { expected = width(entry); break; }
      if (matchMedia(m[1]).matches) { expected = width(m[2]); break; }
    }
    const box = img.getBoundingClientRect();
    const hit = document.elementFromPoint(box.x + box.width / 2, box.y + Math.min(box.height / 2, 20));
    return {cls: img.className, src: img.currentSrc, natural: img.naturalWidth, width: box.width,
            height: box.height, expected, top: box.y + scrollY, visible: hit === img};
  });
}"""
SETTLE = """async () => {
  for (let y = 0; y < document.body.scrollHeight; y += 300) { scrollTo(0, y); await new Promise(r => setTimeout(r, 30)); }
  scrollTo(0, 0);
  await Promise.all([...document.images].map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  let shift = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) shift += e.value; })
    .observe({type: 'layout-shift', buffered: true});
  await new Promise(r => setTimeout(r, 200));  // the buffered entries are delivered by then
  return shift;
}"""
# The copy Chromium should take (from images.WIDTHS) for an image shown this many CSS px
# wide on a screen with this device pixel ratio: the smallest at least width x ratio.
CHOICES = {  # (viewport, ratio): (article column, card on the home page)
    (390, 2): (760, 760), (390, 3): (1100, 1100), (1280, 1): (640, 400), (1280, 2): (1280, 760)}


@pytest.mark.parametrize("viewport, ratio", sorted(CHOICES))
def test_what_chromium_downloads_and_shows(browser, card_site_url, artifacts, viewport, ratio):
    context = browser.new_context(viewport={"width": viewport, "height": 800}, device_scale_factor=ratio)
    try:
        page = context.new_page()
        errors = checkers.BrowserErrors(page)
        fetched: list[str] = []
        # Downloads that finished: a request Chromium aborts at once (seen when the emulated
        # pixel ratio reaches a new page's first parse late) costs next to nothing.
        page.on("requestfinished", lambda request: request.resource_type == "image" and fetched.append(request.url))
        for path, kind in (("health/photos.html", 0), ("index.html", 1)):
            fetched.clear()
            page.goto(card_site_url + path)
            shift = page.evaluate(SETTLE)
            images = page.evaluate(MEASURE)
            assert shift < 0.01, f"{path}: layout shift {shift}"  # width and height given: nothing moves
            for image in images:
                assert image["natural"] > 0 and image["height"] > 0, image  # loaded and shown
                assert abs(image["width"] - image["expected"]) < 1.5, (path, image)  # `sizes` matches the CSS
            # one download per image, each the copy its width calls for, never an original
            names = sorted(url.rsplit("/", 1)[1] for url in fetched if "favicon" not in url)
            assert names == sorted({image["src"].rsplit("/", 1)[1] for image in images}), (path, names)
            assert all(re.search(r"-\d+w\.(avif|webp)$", name) for name in names), names
            first = images[0]["src"]
            want = CHOICES[(viewport, ratio)][kind]
            assert re.search(rf"-{want}w\.{'avif' if avif_supported() else 'webp'}$", first), (path, first, want)
            if kind == 1:
                cards = [image for image in images if image["cls"] == "card-image"]
                assert len(cards) == 3 and cards[0]["visible"] and cards[0]["top"] < 800  # on the first screen
                assert abs(cards[0]["height"] / cards[0]["width"] - 2 / 3) < 0.02
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0
            if ratio == (2 if viewport == 390 else 1):
                name = "article-photos" if kind == 0 else "home-cards"
                page.screenshot(path=str(artifacts / f"{name}-{viewport}.png"), full_page=True)
                assert not checkers.run_axe(page)
        # Requests Chromium itself cancelled are allowed here (the late pixel ratio above);
        # what was downloaded is checked image by image.
        assert not [p for p in errors.found if "favicon" not in p], errors.found
    finally:
        context.close()
