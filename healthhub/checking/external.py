"""`healthhub check --external`: do the articles' sources still resolve?

Every source `url`, and every `doi` through the DOI resolver's address form
(https://doi.org/<doi>), is requested with a short timeout, a few at a time,
with retries for answers that may be passing (timeouts, 5xx), and a
User-Agent naming HealthHub. Answers are remembered for the day in the cache
folder (`external`), so a second run the same day sends no request.

A source that answers 404 or 410, or cannot be reached at all, is a warning
at its line; a url that has moved for good (301/308) is reported with its new
address. A DOI is expected to redirect (to the publisher), so only a DOI the
resolver does not know is reported.
"""

from __future__ import annotations

import datetime as dt
import http.client
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .. import __version__
from ..caching.cache import Cache
from ..loading.model import Article
from ..errors import Diagnostic, warning

DOI_RESOLVER = "https://doi.org/"
USER_AGENT = f"HealthHub/{__version__} (source link check; +https://pypi.org/project/healthhub/)"
TIMEOUT = 8.0  # seconds per request
WORKERS = 4  # requests at a time
RETRIES = 2  # more tries after a timeout, a connection error or a 5xx answer
MAX_REDIRECTS = 5
CACHE_NAME = "external"


@dataclass(frozen=True)
class Target:
    """One address to check and where it is written."""

    source: str  # the article file
    line: int
    col: int
    number: int  # the source's number in the article (from 1)
    kind: str  # "url" or "doi"
    value: str  # as written
    address: str  # what is requested


@dataclass(frozen=True)
class Answer:
    status: int  # the final HTTP status; 0: no answer
    moved_to: str = ""  # a permanent redirect's final address
    problem: str = ""  # why there was no answer (timeout, refused, name not resolved)
    tries: int = 1

    def plain(self) -> tuple:
        return (self.status, self.moved_to, self.problem, self.tries)


def targets_of(articles: list[Article], resolver: str = DOI_RESOLVER) -> list[Target]:
    found = []
    for article in sorted(articles, key=lambda a: a.source):
        for index, source in enumerate(article.sources):
            for kind, value in (("url", source.url), ("doi", source.doi)):
                if not value:
                    continue
                pos = article.positions.get(f"sources.{index}.{kind}") or article.positions.get("sources")
                line, col = (pos.line, pos.col) if pos else (1, 1)
                address = value if kind == "url" else resolver + urllib.parse.quote(value, safe="/:;()._-")
                found.append(Target(article.source, line, col, index + 1, kind, value, address))
    return found


# Every printable ASCII character but the space: what an address may hold as it is.
_AS_IS = "".join(map(chr, range(0x21, 0x7F)))


def as_requested(address: str) -> str:
    """The address as HTTP sends it: an address written with letters of any script
    (https://ar.wikipedia.org/wiki/سكري, a query in Spanish) has them, and any space,
    as UTF-8 percent escapes, as a browser sends it (RFC 3987); a host name in another
    script is left for http.client, which sends it in its IDNA form. The fragment is
    the browser's own, never sent."""
    parts = urllib.parse.urlsplit(address)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, urllib.parse.quote(parts.path, safe=_AS_IS),
                                    urllib.parse.quote(parts.query, safe=_AS_IS), ""))


def _location(header: str) -> str:
    """A Location header as the server meant it: http.client reads header bytes as
    Latin-1, and servers send an address in another script as raw UTF-8."""
    try:
        return header.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return header


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # redirects are followed by hand, to see where they lead and how


def fetch(address: str, timeout: float = TIMEOUT, retries: int = RETRIES) -> Answer:
    """Request the address (HEAD, then GET if HEAD is not allowed), following redirects."""
    opener = urllib.request.build_opener(_NoRedirect)
    tries = 0
    while True:
        tries += 1
        answer = _follow(opener, address, timeout)
        # Worth another try: no answer in time, a dropped connection, a server error.
        passing = answer.status >= 500 or (answer.status == 0 and not any(
            word in answer.problem for word in ("refused", "does not resolve", "redirects")))
        if not passing or tries > retries:
            return Answer(answer.status, answer.moved_to, answer.problem, tries)
        time.sleep(0.2 * tries)


def _follow(opener, address: str, timeout: float) -> Answer:
    current, permanent = address, True
    for _ in range(MAX_REDIRECTS + 1):
        status, location, problem = _request(opener, as_requested(current), timeout, "HEAD")
        if status in (405, 501, 403):  # some servers refuse HEAD: ask again with GET
            status, location, problem = _request(opener, as_requested(current), timeout, "GET")
        if status in (301, 302, 303, 307, 308) and location:
            permanent = permanent and status in (301, 308)
            current = urllib.parse.urljoin(current, _location(location))
            continue
        moved = current if permanent and as_requested(current) != as_requested(address) else ""
        return Answer(status, moved, problem)
    return Answer(0, "", f"more than {MAX_REDIRECTS} redirects")


def _request(opener, address: str, timeout: float, method: str) -> tuple[int, str, str]:
    request = urllib.request.Request(address, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with opener.open(request, timeout=timeout) as response:
            if method == "GET":
                response.read(1024)
            return response.status, "", ""
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers.get("Location", "") if exc.headers else "", ""
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, socket.gaierror):
            return 0, "", "the host name does not resolve"
        if isinstance(reason, ConnectionRefusedError):
            return 0, "", "the connection was refused"
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return 0, "", f"no answer within {timeout:g} s"
        return 0, "", str(reason)
    except (socket.timeout, TimeoutError):
        return 0, "", f"no answer within {timeout:g} s"
    except (http.client.HTTPException, OSError, ValueError) as exc:
        return 0, "", str(exc) or type(exc).__name__


def check_external(articles: list[Article], cache: Cache, today: dt.date, resolver: str = DOI_RESOLVER,
                   timeout: float = TIMEOUT, workers: int = WORKERS) -> list[Diagnostic]:
    """Warnings for sources that do not resolve or have moved. Answers older than
    `today` in the cache are asked again; the others are not."""
    targets = targets_of(articles, resolver)
    stored = cache.load(CACHE_NAME)
    day = today.isoformat()
    known = stored.get(day, {}) if isinstance(stored.get(day), dict) else {}
    answers: dict[str, Answer] = {}
    for address, plain in known.items():
        try:
            answers[address] = Answer(*plain)
        except TypeError:
            pass  # a record of another shape: ask again
    todo = sorted({t.address for t in targets} - set(answers))
    if todo:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for address, answer in zip(todo, pool.map(lambda a: fetch(a, timeout), todo)):
                answers[address] = answer
    # Only today's answers are kept.
    cache.update(CACHE_NAME, stored, {day: {address: answer.plain() for address, answer in sorted(answers.items())}})
    diags = []
    for target in targets:
        message = describe(target, answers[target.address])
        if message:
            diags.append(warning(target.source, target.line, target.col, message, "source-link"))
    return diags


def describe(target: Target, answer: Answer) -> str:
    what = f"source {target.number}'s {target.kind} {target.value}"
    if target.kind == "doi":
        if answer.status in (404, 410):
            return f"{what} is not known to the DOI resolver ({answer.status}), check the DOI"
        if answer.status == 0:
            return f"{what} could not be checked: the DOI resolver cannot be reached ({answer.problem})"
        return ""
    if answer.status == 404:
        return f"{what} answers 404 Not Found, find the page's new address or replace the source"
    if answer.status == 410:
        return f"{what} answers 410 Gone (removed for good), replace the source"
    if answer.status == 0:
        tries = f", tried {answer.tries} times" if answer.tries > 1 else ""
        return f"{what} cannot be reached ({answer.problem}{tries}), check the address"
    if answer.status >= 500:
        return f"{what} answers {answer.status} (a server error, tried {answer.tries} times), check it again later"
    if answer.moved_to:
        return f"{what} has moved to {answer.moved_to}, update the url"
    return ""
