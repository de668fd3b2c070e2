"""Shared test helpers: throwaway sites written inline as files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from healthhub.build import BuildOptions, build

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
SAMPLE_ARTICLES = ROOT / "articles"


def article(title="A title", category="Health", date="2025-03-30", body="Some text.\n", **fields) -> str:
    """Markdown source of an article with the given front matter fields."""
    lines = ["---", f"title: {title}", f"category: {category}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    lines += ["---", "", textwrap.dedent(body)]
    return "\n".join(lines)


def without_background_cleanup(folder: Path, timeout: float = 30.0) -> list[str]:
    """The names in folder once the folders being removed in the background
    (`.<site>-trash-*`, see write._remove_later) are gone; the previous site kept
    as the next build's staging folder (`.<site>-spare-` and 8 random characters)
    is named `.<site>-spare-*`."""
    deadline = time.monotonic() + timeout
    while any("-trash-" in p.name for p in folder.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return sorted(re.sub(r"^(\..+-spare-)[a-z0-9_]{8}$", r"\1*", p.name) for p in folder.iterdir())


class SiteDir:
    """A project folder in tmp_path: articles/, templates/ (the real ones), site/."""

    def __init__(self, root: Path):
        self.root = root
        self.articles = root / "articles"
        self.out = root / "site"
        self.templates = root / "templates"
        self.articles.mkdir(parents=True, exist_ok=True)
        shutil.copytree(TEMPLATES, self.templates)

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def options(self, **overrides) -> BuildOptions:
        values = dict(articles_dir=self.articles, templates_dir=self.templates, out_dir=self.out,
                      config_path=self.root / "healthhub.yaml" if (self.root / "healthhub.yaml").exists() else None)
        values.update(overrides)
        return BuildOptions(**values)

    def build(self, **overrides):
        cwd = os.getcwd()
        os.chdir(self.root)  # messages name paths relative to the working directory
        try:
            return build(self.options(**overrides))
        finally:
            os.chdir(cwd)

    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        """Run `python build.py ARGS` in this project folder, as an author would."""
        result = subprocess.run(
            [sys.executable, str(ROOT / "build.py"), *args],
            cwd=self.root, capture_output=True, text=True, timeout=300,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if check and result.returncode != 0:
            raise AssertionError(f"build.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def read(self, rel: str) -> str:
        return (self.out / rel).read_text(encoding="utf-8")

    def tree(self) -> dict[str, bytes]:
        return {p.relative_to(self.out).as_posix(): p.read_bytes() for p in sorted(self.out.rglob("*")) if p.is_file()}


@pytest.fixture
def site_dir(tmp_path) -> SiteDir:
    return SiteDir(tmp_path / "project")


# Real-tool checks of the built sample site (tests/qa_fixtures.py, tests/checkers.py).
from qa_fixtures import artifacts, browser, sample_site, site_url  # noqa: E402,F401
