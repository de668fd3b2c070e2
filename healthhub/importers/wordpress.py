"""Reading a WordPress export (WXR): posts and pages with categories, tags, authors,
dates, excerpts and attachments; HTML bodies turned into Markdown with markdownify.

markdownify (MIT, BeautifulSoup underneath) is used rather than html2text (GPL-3.0):
its licence fits ours, and it converts tag by tag with options we need (ATX headings,
`-` bullets) and lets odd WordPress markup pass through as HTML.
"""

from __future__ import annotations

import html
import re
import xml.parsers.expat
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdownify import markdownify

from ..errors import error
from .common import plain
from .model import SourcePage, date_text
from .site import SourceSite
from .write import ImportRefused

_FIELDS = {"title", "link", "dc:creator", "content:encoded", "excerpt:encoded", "wp:post_id", "wp:post_date",
           "wp:post_modified", "wp:post_name", "wp:status", "wp:post_type", "wp:attachment_url", "wp:post_parent",
           "wp:post_password", "guid"}
_BLOCK = re.compile(r"^\s*<(?:p|div|h[1-6]|ul|ol|li|table|thead|tbody|tr|td|th|blockquote|pre|figure|figcaption|"
                    r"hr|dl|dt|dd|section|aside|details|summary|img|iframe|form|address|!--)\b", re.I)
_SHORTCODE = re.compile(r"\[(/?)(caption|gallery|embed|audio|video|playlist|wp_caption|contact-form-7|"
                        r"[a-z][a-z0-9_-]*(?=\s+[a-z_-]+=))([^\]]*)\]")


def parse_wxr(data: bytes) -> tuple[dict, list[dict]]:
    """(channel fields with authors, items): every field with the line and column it starts at."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=None)
    stack: list[str] = []
    channel: dict = {"authors": []}
    items: list[dict] = []
    current: dict | None = None
    author: dict | None = None
    text: list[str] = []
    start: list[tuple[int, int]] = []

    def begin(name, attrs):
        nonlocal current, author
        stack.append(name)
        text.clear()
        start[:] = [(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1 + len(name) + 2)]
        if name == "item":
            current = {"_line": parser.CurrentLineNumber, "categories": [], "tags": [], "_pos": {}, "meta": {}}
        elif name == "wp:author" and current is None:
            author = {}
        elif name == "category" and current is not None:
            current["_cat"] = (attrs.get("domain", "category"), attrs.get("nicename", ""))

    def chars(data):
        text.append(data)

    def cdata():  # the text starts after '<![CDATA['
        if not text:
            start[:] = [(parser.CurrentLineNumber, parser.CurrentColumnNumber + 1 + len("<![CDATA["))]

    def end(name):
        nonlocal current, author
        value = "".join(text)
        stack.pop()
        if current is not None:
            if name == "item":
                items.append(current)
                current = None
            elif name == "category":
                domain, _nice = current.pop("_cat", ("category", ""))
                if value.strip():
                    (current["tags"] if domain == "post_tag" else current["categories"]).append(
                        value.strip()) if domain in ("category", "post_tag") else None
            elif name in _FIELDS and len(stack) >= 1 and stack[-1] == "item":
                current[name] = value
                current["_pos"][name] = start[0] if start else (parser.CurrentLineNumber, 1)
            elif name == "wp:meta_key":
                current["_key"] = value.strip()
            elif name == "wp:meta_value" and "_key" in current:
                current["meta"][current.pop("_key")] = value
        elif author is not None:
            if name == "wp:author":
                channel["authors"].append(author)
                author = None
            else:
                author[name] = value.strip()
        elif name in ("title", "link", "wp:base_site_url", "wp:base_blog_url", "language") and stack and stack[-1] == "channel":
            channel[name] = value.strip()
        text.clear()

    parser.StartElementHandler = begin
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartCdataSectionHandler = cdata
    parser.buffer_text = True
    parser.Parse(data, True)
    return channel, items


class WordPressSite(SourceSite):
    kind = "wordpress"

    def __init__(self, root: Path, report, label: str, uploads: Path | None = None):
        super().__init__(root, report, label)
        self.file = root
        self.root = root.parent
        self.uploads = uploads

    def read(self) -> None:
        try:
            channel, items = parse_wxr(self.file.read_bytes())
        except xml.parsers.expat.ExpatError as exc:
            raise ImportRefused(error(self.label, exc.lineno, exc.offset + 1,
                                      f"the export is not well-formed XML ({xml.parsers.expat.ErrorString(exc.code)}), "
                                      "give the file WordPress's Tools > Export made as SOURCE").format(),
                                located=True) from None
        except OSError as exc:
            raise ImportRefused(error(self.label, 1, 1, f"cannot read the export ({exc.strerror}), check that it "
                                      "is a file you may read").format(), located=True) from None
        self.title = plain(channel.get("title", ""))
        self.base_url = channel.get("wp:base_blog_url") or channel.get("link") or ""
        self.language_tag = channel.get("language") or ""
        language = (channel.get("language") or "en").split("-")[0].lower()
        self.default_language = language or "en"
        self.languages = [self.default_language]
        self.authors = {}
        for entry in channel["authors"]:
            login = entry.get("wp:author_login", "")
            name = plain(entry.get("wp:author_display_name") or login)
            if login:
                self.authors[login] = name
        uploads = self.uploads or self.root / "wp-content" / "uploads"
        self.static_roots = [self.root]
        self.upload_root = uploads
        self.attachments: dict[str, Path | None] = {}  # attachment URL -> local file
        for item in items:
            kind = item.get("wp:post_type", "")
            if kind == "attachment":
                url = item.get("wp:attachment_url") or item.get("guid") or ""
                self.attachments[url] = self._local(url)
                self.report.convert("attachment found")
        for item in items:
            kind = item.get("wp:post_type", "")
            if kind in ("post", "page"):
                self._add(item, kind)
            elif kind != "attachment":
                self.report.skip(f"WordPress item of type '{kind or 'unknown'}'")
        self.index_urls()

    def _local(self, url: str) -> Path | None:
        path = unquote(urlsplit(url).path)
        marker = "/wp-content/uploads/"
        if marker in path:
            candidate = self.upload_root / path.split(marker, 1)[1]
            if candidate.is_file():
                return candidate
        return None

    def find_file(self, page: SourcePage, ref: str) -> Path | None:
        local = self._local(ref)
        if local:
            return local
        return None

    def own_path(self, href: str) -> str | None:
        parts = urlsplit(href)
        if "/wp-content/uploads/" in parts.path and (not parts.netloc or self.base_url and
                                                     parts.netloc == urlsplit(self.base_url).netloc):
            return parts.path
        return super().own_path(href)

    def _add(self, item: dict, kind: str) -> None:
        status = item.get("wp:status", "publish")
        if status in ("trash", "auto-draft", "inherit"):
            self.report.skip(f"WordPress {kind} with status '{status}'")
            return
        line, col = item["_pos"].get("content:encoded", (item["_line"], 1))
        shown = self.label
        content = item.get("content:encoded", "")
        page = SourcePage(path=self.file, display=shown, rel=f"{kind}s/{item.get('wp:post_name') or item.get('wp:post_id')}",
                          kind=kind, body=content, body_line=line, language=self.default_language)
        page.col = col
        page.title = plain(item.get("title", ""))
        page.date = date_text(item.get("wp:post_date", ""))
        modified = date_text(item.get("wp:post_modified", ""))
        page.updated = modified if modified and modified > page.date else ""
        page.summary = plain(item.get("excerpt:encoded", ""))
        page.categories = [html.unescape(c) for c in item["categories"] if c]
        page.tags = [html.unescape(t) for t in item["tags"] if t]
        creator = item.get("dc:creator", "").strip()
        if creator:
            page.authors = [self.authors.get(creator, creator)]
        page.slug = unquote(item.get("wp:post_name", "")) or page.title
        # A scheduled post ('future') keeps its date, which schedules it here too; a post
        # behind a password, or private, stays unpublished: a static page has no password.
        locked = bool(item.get("wp:post_password", "").strip())
        page.draft = status not in ("publish", "future") or locked
        if locked:
            self.report.warn("password", shown, item["_line"], 1,
                             f"'{plain(item.get('title', '')) or kind}' was behind a password in WordPress; imported "
                             "as a draft, as a static site cannot ask for one (publish it only if it may be public)")
        page.category_hint = "Pages" if kind == "page" else ""
        if not page.title:
            page.title = f"Untitled {kind} {item.get('wp:post_id', '')}".strip()
            self.report.warn("title", shown, item["_line"], 1, f"a {kind} without a title, called '{page.title}'")
        if not page.date or page.date.startswith("0000"):
            page.date = date_text(item.get("wp:post_modified", "")) or "2000-01-01"
            self.report.warn("date", shown, item["_line"], 1, f"'{page.title}' has no date, {page.date} was used")
        page.extra = {"wordpress_id": int(item["wp:post_id"]) if item.get("wp:post_id", "").isdigit() else item.get("wp:post_id", "")}
        link = item.get("link", "")
        page.urls = [u for u in (link, f"/?p={item.get('wp:post_id', '')}") if u]
        self.pages.append(page)

    def convert(self, page: SourcePage, ctx) -> str:
        text = self._shortcodes(page, page.body, ctx)
        text = autop(text)
        markdown = markdownify(text, heading_style="ATX", bullets="-", strip=["script", "style"], escape_misc=False)
        markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"
        ctx.report.convert("WordPress HTML → Markdown")
        return markdown

    def _shortcodes(self, page: SourcePage, text: str, ctx) -> str:
        report = ctx.report

        def replace(match: re.Match) -> str:
            closing, name = match.group(1), match.group(2)
            if name in ("caption", "wp_caption"):
                if closing:
                    report.convert("WordPress caption → figure")
                    return "</figcaption></figure>"
                return "<figure><figcaption-start>"
            if name == "embed" and not closing:
                return ""
            if name == "embed":
                return ""
            line = page.body_line + text[:match.start()].count("\n")
            col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            if line == page.body_line:
                col += getattr(page, "col", 1) - 1
            report.warn("shortcode", page.display, line, col,
                        f"WordPress shortcode [{closing}{name}] in '{page.title}' has no HealthHub equivalent, "
                        "left as written")
            return match.group(0)

        text = _SHORTCODE.sub(replace, text)
        # [caption]<img ...> Caption text[/caption]: the image, then its caption
        text = re.sub(r"<figure><figcaption-start>\s*(<a [^>]*>\s*)?(<img [^>]*>)(\s*</a>)?(.*?)</figcaption></figure>",
                      lambda m: f"{m.group(2)}\n\n<em>{m.group(4).strip()}</em>\n\n" if m.group(4).strip()
                      else m.group(2), text, flags=re.S)
        return text


def autop(text: str) -> str:
    """WordPress keeps paragraphs as blank lines in the editor's HTML (its wpautop
    adds <p> when showing a post): do the same before turning it into Markdown."""
    text = re.sub(r"<!--\s*/?wp:.*?-->", "", text, flags=re.S)  # block editor comments
    chunks = re.split(r"\n\s*\n", text.strip())
    out = []
    for chunk in chunks:
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n\n".join(out)
