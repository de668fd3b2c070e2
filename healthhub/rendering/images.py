"""Responsive images with Pillow: the size of every image an article shows, smaller
copies (WebP beside the original format, AVIF when Pillow can write it) made once
and kept in the build cache by content hash, and the <img>/<picture> markup that
uses them: width and height (no layout shift), srcset/sizes, loading="lazy"
after the first image, decoding="async", and a <figure> with <figcaption> for
`![alt](photo.jpg "Caption")` alone in its paragraph.
"""

from __future__ import annotations

import hashlib
import html
import io
import posixpath
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

# The copies' widths follow the theme's columns (templates/static/style.css; CSS px)
# at the screen widths readers have, times their device pixel ratio (1 to 3):
#   article column: phones 294-364 (360-430 px screens), desktop 630 at most
#   card picture:   phones 326-396, desktop 362 (542 on topic pages)
# so a 1x screen needs up to 400 (phones, cards) or 640 (the desktop column); 2x phones
# and 2x desktop cards 648-760; 3x phones 972-1092; the 2x desktop column 1260. Each
# width below is the smallest that covers one of those groups; a screen needing more
# gets the largest (the original when it is at most FULL_WEBP_MAX wide).
WIDTHS = (400, 640, 760, 1100, 1280)
FULL_WEBP_MAX = 2400  # a WebP at the original width only for images up to this wide
# What `sizes` says must match the CSS, or the browser picks a copy for the wrong width:
# the article column is the viewport less the page's and the article's padding and
# border up to 47rem, then at most 44rem less its padding (2.25rem each side) and border.
SIZES = "(min-width: 47rem) calc(39.5rem - 2px), (min-width: 40rem) calc(100vw - 7.5rem - 2px), calc(100vw - 4rem - 2px)"
# A card's picture spans the card: one column on a phone, two from 40rem, and from
# 64rem two columns beside the 20rem sidebar (home and category pages) in a page at
# most 72rem wide. Listings without the sidebar (topic pages) pass CARD_SIZES_WIDE.
CARD_SIZES = ("(min-width: 72rem) calc(22.75rem - 2px), (min-width: 64rem) calc(50vw - 13.25rem - 2px), "
              "(min-width: 40rem) calc(50vw - 2rem - 2px), calc(100vw - 2rem - 2px)")
CARD_SIZES_WIDE = "(min-width: 72rem) calc(34rem - 2px), (min-width: 40rem) calc(50vw - 2rem - 2px), calc(100vw - 2rem - 2px)"
THUMB_SIZES = "6rem"  # the small picture beside a related article's title
# Image.MAX_IMAGE_PIXELS (89 Mpx) guards against decompression bombs; a camera's
# 8000x6000 (48 Mpx) is below it. Beyond this an image is refused with a message.
MAX_PIXELS = 120_000_000
RASTER_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".bmp")
_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp"),
            "GIF": ("gif", "image/gif"), "AVIF": ("avif", "image/avif")}


class NotAnImage(Exception):
    pass


@dataclass(frozen=True)
class ImageSize:
    width: int
    height: int
    format: str  # Pillow's name: JPEG, PNG, ...


@dataclass(frozen=True)
class Picture:
    """An image as pages show it: its size and its smaller copies, by MIME type:
    ((mime, ((file name, width), ...)), ...), file names beside the original."""

    width: int
    height: int
    sources: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()
    own: str = ""  # the MIME type of the original's format


def probe(data: bytes) -> ImageSize:
    """The image's size and format, read from its header (nothing is decoded)."""
    from PIL import Image, UnidentifiedImageError  # here: a site without images never imports Pillow

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                fmt = image.format or ""
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise NotAnImage("is not an image Pillow can read, save it as JPEG, PNG or WebP") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAnImage("has too many pixels to be a photo (a decompression bomb?), "
                         "resize it to at most 8000x8000") from None
    if width * height > MAX_PIXELS:
        raise NotAnImage(f"is {width}x{height} pixels, resize it to at most 8000x8000")
    return ImageSize(width, height, fmt)


def variant_plan(name: str, size: ImageSize, avif: bool) -> list[tuple[str, int, str]]:
    """(file name, width, Pillow format) of each smaller copy of the image `name`."""
    stem, _ = posixpath.splitext(name)
    own = size.format if size.format in ("JPEG", "PNG", "WEBP") else ""
    plan = []
    widths = [w for w in WIDTHS if w < size.width]
    for fmt in (("AVIF",) if avif else ()) + ("WEBP",) + ((own,) if own and own != "WEBP" else ()):
        extra = [size.width] if fmt != own and size.width <= FULL_WEBP_MAX else []
        for width in widths + extra:
            plan.append((f"{stem}-{width}w.{_FORMATS[fmt][0]}", width, fmt))
    return plan


def avif_supported() -> bool:
    from PIL import features  # here: a site without images never imports Pillow

    return bool(features.check("avif"))


def make_variant(data: bytes, width: int, fmt: str) -> bytes:
    """One smaller copy. JPEGs are decoded at a reduced scale (draft), so an
    8000x6000 photo never needs its full 144 MB in memory."""
    from PIL import Image  # here: a site without images never imports Pillow

    with Image.open(io.BytesIO(data)) as image:
        height = max(1, round(image.height * width / image.width))
        if image.format == "JPEG":
            image.draft("RGB", (width, height))
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") and fmt != "JPEG" else "RGB")
        if image.width != width:
            factor = image.width // (width * 2)
            if factor >= 2:  # a quick integer shrink first, then a good filter for the last step
                image = image.reduce(factor)
            image = image.resize((width, height), Image.LANCZOS)
        out = io.BytesIO()
        options = {"JPEG": {"quality": 82, "optimize": True, "progressive": True},
                   "WEBP": {"quality": 80, "method": 4}, "AVIF": {"quality": 60, "speed": 8},
                   "PNG": {"optimize": True}}[fmt]
        image.save(out, fmt, **options)
        return out.getvalue()


def build_pictures(images: dict[str, tuple[bytes, ImageSize]], cache_dir: Path | None,
                   avif: bool | None = None) -> tuple[dict[str, Picture], dict[str, bytes]]:
    """For every image (output path -> bytes and size): its Picture and the smaller
    copies' files (output path -> bytes). A copy already made for the same bytes is
    taken from cache_dir/images/ (checked by its own name: the content hash)."""
    avif = avif_supported() if avif is None else avif
    pictures: dict[str, Picture] = {}
    files: dict[str, bytes] = {}
    store = cache_dir / "images" if cache_dir is not None else None
    for path, (data, size) in sorted(images.items()):
        folder, name = posixpath.split(path)
        content = hashlib.blake2b(data, digest_size=16).hexdigest()
        by_type: dict[str, list[tuple[str, int]]] = {}
        for file_name, width, fmt in variant_plan(name, size, avif):
            cached = store / f"{content}-{width}.{_FORMATS[fmt][0]}" if store is not None else None
            made = None
            if cached is not None:
                try:
                    made = cached.read_bytes()
                except OSError:
                    made = None
            if not made:
                made = make_variant(data, width, fmt)
                if cached is not None:
                    try:
                        store.mkdir(parents=True, exist_ok=True)
                        tmp = cached.with_name(cached.name + ".tmp")
                        tmp.write_bytes(made)
                        tmp.replace(cached)
                    except OSError:
                        pass  # made again next time
            files[posixpath.join(folder, file_name)] = made
            by_type.setdefault(_FORMATS[fmt][1], []).append((file_name, width))
        own = _FORMATS.get(size.format, ("", ""))[1]
        if own in by_type and size.width <= FULL_WEBP_MAX:
            by_type[own].append((name, size.width))  # the original is the largest of its type
        pictures[path] = Picture(size.width, size.height, tuple((mime, tuple(v)) for mime, v in by_type.items()), own)
    return pictures, files


_IMG = re.compile(r"<img\b[^>]*>")
_ALONE = re.compile(r"<p>\s*(<img\b[^>]*>)\s*</p>")
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')


def picture_html(picture: Picture, attrs: dict[str, str], url: Callable[[str], str], sizes: str) -> str:
    """A <picture> (or a lone <img> when there are no copies in other formats) with
    width, height, srcset and sizes. `attrs`: the <img>'s other attributes, escaped
    already (src, alt, loading...); `url(file name)`: the escaped address of a file
    beside the image."""
    attrs = dict(attrs)
    attrs["width"], attrs["height"] = str(picture.width), str(picture.height)

    def srcset(variants) -> str:
        return ", ".join(f"{url(name)} {width}w" for name, width in variants)

    sources = "".join(f'<source type="{mime}" srcset="{srcset(variants)}" sizes="{sizes}">'
                      for mime, variants in picture.sources if mime != picture.own)
    for mime, variants in picture.sources:
        if mime == picture.own:
            attrs["srcset"], attrs["sizes"] = srcset(variants), sizes
            if variants[-1][1] < picture.width:  # a huge original is not the fallback either
                attrs["src"] = url(variants[-1][0])
    tag = "<img " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + ">"
    return f"<picture>{sources}{tag}</picture>" if sources else tag


def rewrite_images(body: str, pictures: dict[str, Picture]) -> str:
    """The body's <img> elements with sizes, srcset and lazy loading; an image with a
    title alone in its paragraph becomes a <figure> captioned by the title.
    `pictures`: by the src as written in the body (unescaped)."""
    if "<img" not in body:
        return body
    count = [0]

    def img(tag: str, caption: bool = False) -> tuple[str, str]:
        attrs = dict(_ATTR.findall(tag))
        src = html.unescape(attrs.get("src", ""))
        picture = pictures.get(src)
        first = count[0] == 0
        count[0] += 1
        title = attrs.pop("title", "") if caption and attrs.get("title") else ""
        attrs["decoding"] = "async"
        if not first:
            attrs["loading"] = "lazy"
        elif picture is not None:  # the first may be on the first screen, often its largest element (LCP)
            attrs["fetchpriority"] = "high"
        if picture is None:  # not measured (SVG, unreadable): the tag as it was, plus the loading hints
            extra = "".join(f' {k}="{attrs[k]}"' for k in ("decoding", "loading") if k in attrs and f'{k}="' not in tag)
            return tag[:-1].rstrip("/ ") + extra + ">", ""
        base = src.rpartition("/")[0]
        return picture_html(picture, attrs, lambda name: html.escape(posixpath.join(base, name) if base else name),
                            SIZES), title

    def alone(match: re.Match) -> str:
        markup, title = img(match.group(1), caption=True)
        if title:
            return f'<figure class="figure">{markup}<figcaption>{title}</figcaption></figure>'
        return f"<p>{markup}</p>"

    parts = []
    last = 0
    for match in re.finditer(f"{_ALONE.pattern}|{_IMG.pattern}", body):
        parts.append(body[last:match.start()])
        parts.append(alone(match) if match.group(1) else img(match.group(0))[0])
        last = match.end()
    parts.append(body[last:])
    return "".join(parts)
