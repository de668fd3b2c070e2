"""Converting a page body: Hugo shortcodes, Liquid tags and links into HealthHub Markdown.

What has a HealthHub equivalent is converted (figures, ref/relref/link/post_url,
note/warning/alert shortcodes as admonitions, simple includes, highlight blocks,
GitHub alerts); everything else is left as written and reported at its line and
column in the source file. Code (fenced blocks and `inline` spans) is never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Protocol

from .model import Report, SourcePage, position_of

# --- code is never converted -------------------------------------------------------

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)


def mask_code(text: str) -> str:
    """The text with fenced code blocks and inline code spans blanked (same length,
    newlines kept), so searching it finds only what is outside code."""
    out: list[str] = []
    fence = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence:
            out.append(" " * len(line))
            if match and match.group(2)[0] == fence[0] and len(match.group(2)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(2)
            out.append(" " * len(line))
            continue
        out.append(line)
    masked = "\n".join(out)
    return _INLINE_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), masked)


class Context(Protocol):
    report: Report

    def link_to(self, page: SourcePage, ref: str, kind: str) -> str | None: ...
    def attach(self, page: SourcePage, ref: str) -> str | None: ...
    def include(self, page: SourcePage, name: str) -> str | None: ...
    def param(self, page: SourcePage, name: str) -> str | None: ...


# --- admonitions -------------------------------------------------------------------

# Shortcode or include name (lower case) -> HealthHub callout type and default title.
ADMONITIONS = {
    "note": ("info", "Note"), "info": ("info", "Note"), "notice": ("info", "Note"), "callout": ("info", "Note"),
    "alert": ("info", "Note"), "important": ("info", "Important"), "tip": ("tip", ""), "hint": ("tip", ""),
    "warning": ("info", "Warning"), "caution": ("info", "Caution"), "danger": ("info", "Warning"),
}


def admonition(kind: str, title: str, content: str) -> str:
    callout, default = ADMONITIONS.get(kind, ("info", "Note"))
    title = (title or default).replace('"', "'").strip()
    head = f'!!! {callout} "{title}"' if title else f"!!! {callout}"
    lines = content.strip("\n").split("\n")
    inner = "\n".join(("    " + line) if line.strip() else "" for line in _dedent(lines))
    return f"\n\n{head}\n{inner}\n\n"


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(indents) if indents else 0
    return [line[cut:] for line in lines]


_GITHUB_ALERT = re.compile(r"^( {0,3})> ?\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*\n((?:\1>.*(?:\n|$))*)", re.M)


def convert_github_alerts(text: str, page: SourcePage, report: Report) -> str:
    """`> [!NOTE]` blockquotes (GitHub, Hugo 0.132+) become admonitions."""
    masked = mask_code(text)
    if "[!" not in masked:
        return text
    pieces, last = [], 0
    for match in _GITHUB_ALERT.finditer(masked):
        indent = match.group(1)
        quoted = text[match.start(3):match.end(3)]
        content = "\n".join(re.sub(r"^ {0,3}> ?", "", line) for line in quoted.rstrip("\n").split("\n"))
        block = admonition(match.group(2).lower(), "", content)
        if indent:
            block = "\n".join(indent + line if line else line for line in block.split("\n"))
        pieces += [text[last:match.start()], block.lstrip("\n")]
        last = match.end()
        report.convert("GitHub alert → admonition")
    pieces.append(text[last:])
    return "".join(pieces)


# --- Hugo shortcodes ---------------------------------------------------------------

_SHORTCODE = re.compile(
    r"\{\{(?P<delim>[<%])(?P<esc>/\*)?\s*(?P<close>/)?\s*(?P<name>[\w./-]+)(?P<args>(?:[^}\"]|\"(?:[^\"\\]|\\.)*\"|\}(?!\}))*?)"
    r"\s*(?P<self>/)?\s*(?(esc)\*/)[>%]\}\}", re.S)
_ARG = re.compile(r"""(?:([\w-]+)\s*=\s*)?("(?:[^"\\]|\\.)*"|`[^`]*`|'[^']*'|[^\s"'`]+)""")


@dataclass
class Token:
    start: int
    end: int
    name: str
    closing: bool
    args: list[str]
    named: dict[str, str]
    raw: str
    escaped: bool = False
    partner: int = -1  # index of the matching open/close token


def parse_args(text: str) -> tuple[list[str], dict[str, str]]:
    positional, named = [], {}
    for match in _ARG.finditer(text):
        value = match.group(2)
        if value[:1] in "\"'`" and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
            if match.group(2)[0] == '"':
                value = value.replace('\\"', '"')
        if match.group(1):
            named[match.group(1)] = value
        else:
            positional.append(value)
    return positional, named


def _pair(tokens: list[Token]) -> None:
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.escaped:
            continue
        if token.closing:
            for depth in range(len(stack) - 1, -1, -1):
                if tokens[stack[depth]].name == token.name:
                    opener = stack[depth]
                    tokens[opener].partner, token.partner = index, opener
                    del stack[depth:]
                    break
        else:
            stack.append(index)


_FIGURES = {"figure", "img", "image", "imgproc", "picture"}
_DROP_PAIRED = {"comment"}
_UNWRAP_PAIRED = {"tabpane", "blocks/section", "blocks/lead", "center", "markdownify"}


def convert_hugo(text: str, page: SourcePage, ctx: Context) -> str:
    """Hugo shortcodes in a body turned into Markdown; the rest reported."""
    masked = mask_code(text)
    if "{{" not in masked:
        return text
    tokens = []
    for match in _SHORTCODE.finditer(masked):
        args, named = parse_args(text[match.start("args"):match.end("args")])
        tokens.append(Token(match.start(), match.end(), match["name"], bool(match["close"]), args, named,
                            text[match.start():match.end()], escaped=bool(match["esc"])))
    _pair(tokens)
    out: list[str] = []
    stack: list[tuple[int, int]] = []  # (token index, out length at its opening)
    last = 0
    report = ctx.report
    for index, token in enumerate(tokens):
        out.append(text[last:token.start])
        last = token.end
        line, col = position_of(text, token.start, page.body_line)
        if token.escaped:  # {{</* x */>}} shows the shortcode itself
            out.append("`" + token.raw.replace("/*", "", 1).replace("*/", "", 1).replace(" }}", "}}") + "`")
            continue
        if token.closing:
            if token.partner < 0:
                report.warn("shortcode", page.display, line, col,
                            f"closing shortcode '{{{{< /{token.name} >}}}}' without an opening one, left as written")
                out.append(token.raw)
                continue
            opener_index, mark = stack.pop() if stack and stack[-1][0] == token.partner else (token.partner, None)
            if mark is None:
                continue
            content = "".join(out[mark:])
            del out[mark:]
            out.append(_paired(tokens[opener_index], content, token, page, ctx, text))
            continue
        if token.partner >= 0:
            stack.append((index, len(out)))
            continue
        out.append(_single(token, page, ctx, line, col))
    out.append(text[last:])
    return "".join(out)


def _paired(opener: Token, content: str, closer: Token, page: SourcePage, ctx: Context, text: str) -> str:
    name = opener.name.lower()
    report = ctx.report
    if name in ADMONITIONS:
        title = opener.named.get("title", "") or (opener.args[0] if opener.args and name == "notice" and len(opener.args) > 1 else "")
        kind = name
        if name in ("alert", "notice", "callout"):
            colour = (opener.named.get("color") or opener.named.get("type") or (opener.args[0] if opener.args else "")).lower()
            kind = {"warning": "warning", "danger": "danger", "tip": "tip", "success": "tip", "info": "info",
                    "note": "note"}.get(colour, name)
        report.convert(f"shortcode {opener.name} → admonition")
        return admonition(kind, title, content)
    if name in _DROP_PAIRED:
        report.convert(f"shortcode {opener.name} → removed")
        return ""
    if name in _UNWRAP_PAIRED:
        report.convert(f"shortcode {opener.name} → its content")
        return content
    if name == "tab":
        header = opener.named.get("header") or opener.named.get("name") or (opener.args[0] if opener.args else "")
        report.convert("shortcode tab → bold heading")
        return (f"\n\n**{header}**\n\n" if header else "\n\n") + content.strip("\n") + "\n\n"
    if name in ("details", "expand"):
        summary = opener.named.get("summary") or opener.named.get("title") or (opener.args[0] if opener.args else "Details")
        report.convert(f"shortcode {opener.name} → <details>")
        return f'\n\n<details markdown="1">\n<summary>{_html_text(summary)}</summary>\n\n{content.strip()}\n\n</details>\n\n'
    if name == "highlight":
        lang = opener.args[0] if opener.args else ""
        report.convert("shortcode highlight → fenced code")
        return f"\n```{lang}\n{content.strip(chr(10))}\n```\n"
    line, col = position_of(text, opener.start, page.body_line)
    report.warn("shortcode", page.display, line, col,
                f"shortcode '{opener.name}' has no HealthHub equivalent, left as written (edit the text by hand)")
    return opener.raw + content + closer.raw


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _single(token: Token, page: SourcePage, ctx: Context, line: int, col: int) -> str:
    name = token.name.lower()
    report = ctx.report
    if name in ("ref", "relref"):
        ref = token.named.get("path") or (token.args[0] if token.args else "")
        link = ctx.link_to(page, ref, name)
        if link is None:
            report.warn("link", page.display, line, col,
                        f"{name} '{ref}' names no page of the imported site, left as written")
            return token.raw
        report.convert(f"shortcode {name} → link to .md")
        return link
    if name in _FIGURES:
        src = token.named.get("src") or token.named.get("link") or (token.args[0] if token.args else "")
        alt = token.named.get("alt") or token.named.get("title") or token.named.get("caption") or ""
        caption = token.named.get("caption") or token.named.get("title") or ""
        if not src:
            report.warn("shortcode", page.display, line, col, f"shortcode '{token.name}' has no src, left as written")
            return token.raw
        report.convert(f"shortcode {token.name} → image")
        image = f"![{_md_text(alt)}]({src})"
        if caption and caption != alt:
            return f"{image}\n\n*{_md_text(caption)}*"
        return image
    if name == "youtube":
        video = token.named.get("id") or (token.args[0] if token.args else "")
        title = token.named.get("title") or "Watch the video on YouTube"
        report.convert("shortcode youtube → link")
        return f"[{_md_text(title)}](https://www.youtube.com/watch?v={video})"
    if name == "vimeo":
        video = token.named.get("id") or (token.args[0] if token.args else "")
        report.convert("shortcode vimeo → link")
        return f"[Watch the video on Vimeo](https://vimeo.com/{video})"
    if name in ("param", "_param", "site-param"):
        key = token.named.get("name") or (token.args[0] if token.args else "")
        value = ctx.param(page, key)
        if value is None:
            report.warn("shortcode", page.display, line, col, f"param '{key}' has no value the importer knows, left as written")
            return token.raw
        report.convert("shortcode param → its value")
        return value
    if name in ("include", "readfile"):
        target = token.named.get("file") or (token.args[0] if token.args else "")
        extra = len(token.args) > 1 or len(token.named) > (1 if "file" in token.named else 0)
        included = None if extra else ctx.include(page, target)
        if included is None:
            why = "it passes arguments" if extra else "the file was not found or holds template code"
            report.warn("include", page.display, line, col, f"include '{target}' not inlined ({why}), left as written")
            return token.raw
        report.convert("include → its text")
        return included
    if name in ("br",):
        return "<br>"
    report.warn("shortcode", page.display, line, col,
                f"shortcode '{token.name}' has no HealthHub equivalent, left as written (edit the text by hand)")
    return token.raw


def _md_text(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]").replace("\n", " ")


# --- Liquid (Jekyll) ----------------------------------------------------------------

_LIQUID = re.compile(r"\{%-?\s*(?P<name>\w+)(?P<args>.*?)-?%\}|\{\{-?\s*(?P<expr>.*?)\s*-?\}\}", re.S)
_PAIRED_LIQUID = {"highlight": "endhighlight", "comment": "endcomment", "capture": "endcapture", "if": "endif",
                  "unless": "endunless", "for": "endfor", "case": "endcase"}


def convert_liquid(text: str, page: SourcePage, ctx: Context) -> str:
    """Liquid tags in a Jekyll body turned into Markdown; the rest reported."""
    report = ctx.report
    masked = mask_code(text)
    if "{%" not in masked and "{{" not in masked:
        return text
    out: list[str] = []
    last = 0
    matches = list(_LIQUID.finditer(masked))
    skip_until = -1
    for index, match in enumerate(matches):
        if match.start() < skip_until:
            continue
        out.append(text[last:match.start()])
        last = match.end()
        line, col = position_of(text, match.start(), page.body_line)
        raw = text[match.start():match.end()]
        if match["expr"] is not None:
            out.append(_liquid_output(match["expr"].strip(), raw, page, ctx, line, col))
            continue
        name, args = match["name"], match["args"].strip()
        end_name = _PAIRED_LIQUID.get(name)
        if name == "raw":
            end = re.compile(r"\{%-?\s*endraw\s*-?%\}").search(text, match.end())
            if end:
                out.append(text[match.end():end.start()])
                last = skip_until = end.end()
                report.convert("Liquid raw → its text")
                continue
        if end_name:
            end = _find_end(matches, index, name, end_name)
            if end is not None and name == "highlight":
                lang = args.split()[0] if args else ""
                code = text[match.end():end.start()].strip("\n")
                out.append(f"```{lang}\n{code}\n```")
                last = skip_until = end.end()
                report.convert("Liquid highlight → fenced code")
                continue
            if end is not None and name == "comment":
                last = skip_until = end.end()
                report.convert("Liquid comment → removed")
                continue
        if name in ("link", "post_url"):
            target = args.strip().strip("'\"")
            link = ctx.link_to(page, target, name)
            if link is None:
                report.warn("link", page.display, line, col, f"{{% {name} {target} %}} names no page of the imported site, "
                            "left as written")
                out.append(raw)
            else:
                report.convert(f"Liquid {name} → link to .md")
                out.append(link)
            continue
        if name == "include" or name == "include_relative":
            parts = args.split(None, 1)
            target = parts[0] if parts else ""
            params = dict(parse_args(parts[1])[1]) if len(parts) > 1 else {}
            stem = re.sub(r"\.\w+$", "", target.rsplit("/", 1)[-1]).lower()
            if stem in ADMONITIONS and "content" in params:
                report.convert(f"include {target} → admonition")
                out.append(admonition(stem, params.get("title", ""), params["content"]))
                continue
            included = None if params else ctx.include(page, target)
            if included is None:
                why = "it passes arguments" if params else "the file was not found or holds template code"
                report.warn("include", page.display, line, col, f"include '{target}' not inlined ({why}), left as written")
                out.append(raw)
            else:
                report.convert("include → its text")
                out.append(included)
            continue
        if name.startswith("end") or name in ("else", "elsif", "when"):
            out.append(raw)  # part of a block already reported at its start
            continue
        report.warn("liquid", page.display, line, col,
                    f"Liquid tag '{{% {name} %}}' has no HealthHub equivalent, left as written (edit the text by hand)")
        out.append(raw)
    out.append(text[last:])
    return "".join(out)


def _find_end(matches: list[re.Match], index: int, name: str, end_name: str) -> re.Match | None:
    depth = 0
    for match in matches[index + 1:]:
        if match["name"] == name:
            depth += 1
        elif match["name"] == end_name:
            if depth == 0:
                return match
            depth -= 1
    return None


def _liquid_output(expr: str, raw: str, page: SourcePage, ctx: Context, line: int, col: int) -> str:
    report = ctx.report
    name = expr.split("|")[0].strip()
    if name in ("site.baseurl", "site.url", "site.github.url", "base", "site.base_url"):
        report.convert("Liquid site.baseurl → removed")
        return ""
    value = ctx.param(page, name)
    if value is not None:
        report.convert("Liquid output → its value")
        return value
    report.warn("liquid", page.display, line, col, f"Liquid output '{{{{ {expr} }}}}' has no value the importer knows, "
                "left as written")
    return raw


# --- links and images ---------------------------------------------------------------

_MD_LINK = re.compile(r"(!?)\[((?:[^\[\]\\]|\\.|\[[^\]]*\])*)\]\(\s*(<[^>\n]*>|[^)\s]*)((?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*)\)")
_REF_DEF = re.compile(r"^( {0,3}\[(?!\^)[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)", re.M)  # not footnotes
_HTML_REF = re.compile(r"""(<(?:img|a|source|video|audio)\b[^>]*?\s(?:src|href)=)(["'])([^"']*)\2""", re.I)

Rewriter = Callable[[str, bool, int], "str | None"]


def rewrite_links(text: str, rewrite: Rewriter) -> str:
    """Every link and image target outside code passed through rewrite(target,
    is_image, offset); None keeps the target as written."""
    masked = mask_code(text)
    edits: list[tuple[int, int, str]] = []
    for match in _MD_LINK.finditer(masked):
        target = text[match.start(3):match.end(3)]
        inner = target[1:-1] if target.startswith("<") else target
        new = rewrite(inner, bool(match.group(1)), match.start(3))
        if new is not None and new != inner:
            edits.append((match.start(3), match.end(3), f"<{new}>" if " " in new else new))
    for match in _REF_DEF.finditer(masked):
        target = text[match.start(2):match.end(2)]
        inner = target[1:-1] if target.startswith("<") else target
        new = rewrite(inner, False, match.start(2))
        if new is not None and new != inner:
            edits.append((match.start(2), match.end(2), new))
    for match in _HTML_REF.finditer(masked):
        target = text[match.start(3):match.end(3)]
        is_image = not match.group(1).lower().startswith("<a")
        new = rewrite(target, is_image, match.start(3))
        if new is not None and new != target:
            edits.append((match.start(3), match.end(3), new.replace('"', "%22")))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


_LEFTOVER = re.compile(r"\{\{[<%].*?[>%]\}\}|\{%.*?%\}", re.S)


def leftovers(text: str) -> list[tuple[int, str]]:
    """(offset, snippet) of template syntax still in a converted body, outside code."""
    masked = mask_code(text)
    return [(m.start(), text[m.start():m.end()]) for m in _LEFTOVER.finditer(masked)]


